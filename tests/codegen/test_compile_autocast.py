"""torch.compile and torch.jit.trace under autocast: the captured graph holds autocast's casts,
so every backend computes what eager computes under the same autocast state, and a graph
captured outside autocast is not reused inside it (nor the other way round)."""
import warnings

import numpy as np
import pytest

import graphtorch as gt
import graphtorch.nn as nn


def _model():
    gt.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).eval()


def _x():
    return gt.from_numpy(np.random.default_rng(1).standard_normal((3, 8)).astype(np.float32))


@pytest.mark.parametrize("backend", ["llvm", "interpreter"])
def test_compiled_module_follows_the_autocast_state_of_each_call(backend):
    m, x = _model(), _x()
    with gt.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # llvm: bfloat16 graphs run on the interpreter
        with gt.autocast("cpu", dtype=gt.bfloat16):
            want_in = m(x)
        want_out = m(x)
        cm = gt.compile(m, backend=backend)
        for _ in range(2):  # outside, inside, outside again: each as eager
            out = cm(x)
            assert out.dtype == gt.float32
            np.testing.assert_array_equal(out.numpy(), want_out.numpy())
            with gt.autocast("cpu", dtype=gt.bfloat16):
                inside = cm(x)
            assert inside.dtype == gt.bfloat16
            np.testing.assert_array_equal(inside.float().numpy(), want_in.float().numpy())


def test_trace_under_autocast_records_the_casts():
    m, x = _model(), _x()
    with gt.no_grad():
        with gt.autocast("cpu", dtype=gt.bfloat16):
            tr = gt.jit.trace(m, x)
            want = m(x)
        ops = [n.kind for n in tr.graph.nodes]
        # every value's type is what its op computes: the casts are nodes of their own
        assert ops.count("_to_copy") == 5 and ops.count("linear") == 2
        for n in tr.graph.nodes:
            if n.kind == "linear":
                assert all(v.type.dtype == gt.bfloat16 for v in n.inputs)
        got = tr(x)  # the casts are part of the graph, as in torch (check_trace=False)
    assert got.dtype == gt.bfloat16
    np.testing.assert_array_equal(got.float().numpy(), want.float().numpy())


def test_autocast_float32_policy_ops_are_recorded_too():
    x = _x().bfloat16()
    t = gt.from_numpy(np.zeros((3, 8), np.float32)).bfloat16()

    def f(a, b):
        return gt.nn.functional.mse_loss(a, b)  # autocast runs it in float32
    with gt.no_grad(), gt.autocast("cpu", dtype=gt.bfloat16):
        want = f(x, t)
        got = gt.compile(f, backend="interpreter")(x, t)
    assert want.dtype == got.dtype == gt.float32
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("inside_first", [False, True])
def test_scripted_function_follows_the_autocast_state_of_each_call(inside_first):
    w = gt.from_numpy(np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32))

    def f(x):
        return gt.nn.functional.linear(x, w).relu()
    x = _x()
    with gt.autocast("cpu", dtype=gt.bfloat16):
        want_in = f(x)
    want_out = f(x)
    sf = gt.jit.script(f)
    for _ in range(2):
        if inside_first:
            with gt.autocast("cpu", dtype=gt.bfloat16):
                inside = sf(x)
        out = sf(x)
        if not inside_first:
            with gt.autocast("cpu", dtype=gt.bfloat16):
                inside = sf(x)
        assert out.dtype == gt.float32 and inside.dtype == gt.bfloat16
        np.testing.assert_array_equal(out.numpy(), want_out.numpy())
        np.testing.assert_array_equal(inside.float().numpy(), want_in.float().numpy())
