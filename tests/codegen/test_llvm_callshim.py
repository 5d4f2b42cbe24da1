"""The native front door of compiled graphs (codegen/llvm/callshim.py) and the runtime's fast
call: every input check still holds when Python no longer does them per call (dtype, exact
type, contiguity, rank, sizes, size expressions, repeated symbols), unusual inputs are
normalised by the slow path, a busy plan runs on a private arena, outputs are fresh."""
from __future__ import annotations

import sys
import threading
import warnings

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.codegen.llvm import callshim, compile_graph
from graphtorch.ir.parser import parse


def _trace(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.trace(fn, args, check_trace=False).graph


def _ew(x, y):
    return x * y + 1


EW = compile_graph(_trace(_ew, torch.randn(3, 4), torch.randn(3, 4)), use_cache=False)
EXPR = compile_graph(parse("""graph(%x: f32[N, 3], %y: f32[2*N, 3]):
  %0: f32[N, 3] = add(%x, %x)
  %1: f32[2*N, 3] = mul(%y, %y)
  return (%0, %1)
"""), use_cache=False)


def _xy(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 4)).astype(np.float32),
            rng.standard_normal((n, 4)).astype(np.float32))


class _Sub(np.ndarray):
    pass


def test_layout_is_confirmed_on_cpython():
    if sys.implementation.name != "cpython" or not getattr(sys, "_is_gil_enabled", lambda: True)():
        pytest.skip("numpy/CPython layout probe targets the GIL build of CPython")
    assert callshim.layout() is not None
    assert EW._shim is not None  # the fast path serves plain tensor graphs


def test_fast_path_skips_python_checks(monkeypatch):
    x, y = _xy()
    EW(x, y)  # makes the plan for N=5
    calls = []
    orig = EW._bind
    monkeypatch.setattr(EW, "_bind", lambda arrays: calls.append(1) or orig(arrays))
    for _ in range(3):
        np.testing.assert_array_equal(EW(x, y)[0], x * y + 1)
    assert calls == []
    EW(x[:, ::-1], y)  # strided: the slow path checks and copies
    assert calls == [1]


@pytest.mark.parametrize("kind", ["strided", "fortran", "subclass", "metadata", "readonly"])
def test_unusual_inputs_are_normalised(kind):
    x, y = _xy(6, 1)
    if kind == "strided":
        big = np.zeros((6, 8), np.float32)
        big[:, ::2] = x
        x = big[:, ::2]
    elif kind == "fortran":
        x = np.asfortranarray(x)
    elif kind == "subclass":
        x = x.view(_Sub)
    elif kind == "metadata":  # equal to float32, but not numpy's own descriptor object
        x = x.view(np.dtype(np.float32, metadata={"k": 1}))
    else:
        x.flags.writeable = False
    np.testing.assert_array_equal(EW(x, y)[0], np.asarray(x) * y + 1)


@pytest.mark.parametrize("bad, match", [
    (lambda x, y: (x.astype(np.float64), y), "input 0 .* expected dtype torch.float32"),
    (lambda x, y: (x.astype(">f4"), y), "input 0 .* expected dtype"),
    (lambda x, y: (x[None], y), "input 0 .* expected 2 dimensions"),
    (lambda x, y: (x, y[:, :3].copy()), "input 1 .* at dim 1, got shape"),
    (lambda x, y: (x, y[:4].copy()), "input 1"),
    (lambda x, y: (x.tolist(), y), "input 0 .* expected a tensor"),
    (lambda x, y: (np.float32(1.0), y), "input 0"),
])
def test_bad_inputs_raise_after_the_plan_exists(bad, match):
    x, y = _xy()
    EW(x, y)
    with pytest.raises(RuntimeError, match=match):
        EW(*bad(x, y))
    np.testing.assert_array_equal(EW(x, y)[0], x * y + 1)  # still fine afterwards


def test_wrong_number_of_inputs():
    x, y = _xy()
    with pytest.raises(TypeError, match="takes 2 inputs, got 1"):
        EW(x)
    with pytest.raises(TypeError, match="takes 2 inputs, got 3"):
        EW(x, y, y)


def test_size_expressions_are_checked_natively():
    rng = np.random.default_rng(2)
    for n in (1, 4, 4, 7):
        x = rng.standard_normal((n, 3)).astype(np.float32)
        y = rng.standard_normal((2 * n, 3)).astype(np.float32)
        a, b = EXPR(x, y)
        np.testing.assert_array_equal(a, x + x)
        np.testing.assert_array_equal(b, y * y)
        with pytest.raises(RuntimeError, match=r"input 1 .* 2\*N"):
            EXPR(x, y[:-1].copy())  # same plan key (N), wrong second size


def test_busy_plan_runs_on_a_private_arena():
    x, y = _xy()
    EW._plans.clear()
    EW(x, y)
    (plan,) = EW._plans.values()
    plan.ctl_words[4] = 1  # as if another thread were inside this plan
    try:
        np.testing.assert_array_equal(EW(x, y)[0], x * y + 1)
    finally:
        plan.ctl_words[4] = 0
    np.testing.assert_array_equal(EW(x, y)[0], x * y + 1)


def test_concurrent_calls_give_right_results():
    g = compile_graph(_trace(lambda a, b: (a * b + 1).relu().sum(-1) + a.amax(-1),
                             torch.randn(3, 4), torch.randn(3, 4)), use_cache=False)
    errors = []

    def work(seed):
        rng = np.random.default_rng(seed)
        a = rng.standard_normal((64, 4000)).astype(np.float32)
        b = rng.standard_normal((64, 4000)).astype(np.float32)
        want = np.maximum(a * b + 1, 0).sum(-1) + a.max(-1)
        for _ in range(15):
            got = g(a, b)[0]
            if not np.allclose(got, want, rtol=1e-4, atol=1e-3):
                errors.append(seed)
    ts = [threading.Thread(target=work, args=(s,)) for s in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []


def test_outputs_are_fresh_arrays():
    x, y = _xy()
    a, b = EW(x, y)[0], EW(x, y)[0]
    assert a is not b and not np.shares_memory(a, b)
    a[...] = 0
    np.testing.assert_array_equal(b, x * y + 1)


def test_torch_compile_fast_path_sees_replaced_parameters():
    m = torch.nn.Linear(4, 3).eval()
    c = torch.compile(m)
    x = torch.randn(2, 4)
    with torch.no_grad():
        c(x)
        c(x)
        m.weight = torch.nn.Parameter(torch.ones(3, 4))
        np.testing.assert_allclose(c(x).numpy(), m(x).numpy(), rtol=1e-6)
        m.bias.data = torch.zeros(3)
        np.testing.assert_allclose(c(x).numpy(), m(x).numpy(), rtol=1e-6)
