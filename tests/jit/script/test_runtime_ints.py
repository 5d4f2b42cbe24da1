"""Python numbers read from traced tensors in scripted code (``int(n)``, ``n.item()``,
``float(n)``) are run-time graph values: one compiled variant for every value of ``n``
(a Loop trip count, an If condition, a multiplier), no Guard on ``n``; eager semantics kept
(truncation toward zero, item() of bool / float tensors, negative counts run zero times)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.jit.script import script

from .helpers import kinds, same


def range_int(x, n):
    y = x
    for i in range(int(n)):
        y = y * 2 + i
    return y


def range_item(x, n):
    y = x
    for i in range(n.item()):
        y = y + i
    return y


def range_step(x, n):
    y = x
    for i in range(2, int(n), 2):
        y = y * i
    return y


def while_int(x, n):
    i = 0
    y = x
    while i < int(n):
        y = y + 1
        i += 1
    return y, i


def if_int(x, n):
    if int(n) > 2:
        y = x * 2
    else:
        y = x - 1
    return y


def multiplier(x, n):
    return x * int(n), int(n) * 3, int(n) / 3, float(n) + 0.1, n.item() // 2, -int(n) % 3


def slice_bound(x, n):
    return x[:int(n)].sum()


CASES = [range_int, range_item, range_step, while_int, if_int, multiplier, slice_bound]
NS = (0, 1, 4, 7)


def _data_guards(graph):
    return [n for n in graph.walk() if n.kind == "Guard" and n.inputs]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_one_variant_for_every_n(fn):
    sf = script(fn)
    sizes = []
    for v in NS + (-3,):
        x, n = torch.arange(8.0), torch.tensor(v)
        same(fn(x, n), sf(x, n))
        sizes.append(len(list(sf.graph.walk())))
    assert len(sf._variants.items) == 1, "recompiled: n was read as a Python number"
    assert len(set(sizes)) == 1
    assert not _data_guards(sf.graph), sf.graph


@pytest.mark.parametrize("fn", [range_int, range_item, range_step, while_int],
                         ids=lambda f: f.__name__)
def test_loop_is_one_loop_node(fn):
    sf = script(fn)
    sf(torch.ones(3), torch.tensor(5))
    assert kinds(sf.graph).count("Loop") == 1, sf.graph


def test_if_on_int_is_an_if_node():
    sf = script(if_int)
    sf(torch.ones(3), torch.tensor(5))
    assert "If" in kinds(sf.graph)


def truncating(x, t):
    return x * int(t), int(t), float(t), t.item()


@pytest.mark.parametrize("t", [torch.tensor(-2.7), torch.tensor(2.7), torch.tensor([3.5]),
                               torch.tensor(True), torch.tensor(5, dtype=torch.int32),
                               torch.tensor(1.5, dtype=torch.float16)])
def test_eager_conversions(t):
    sf = script(truncating)
    x = torch.ones(2, dtype=torch.int32)
    same(truncating(x, t), sf(x, t))


def python_types(n, m):
    a = int(n)
    return a + 0.5, a / 2, n.item() + n.item(), a * 2, a // 3, a - 1.25, float(m) * 3


def test_python_result_types():
    sf = script(python_types)
    for v in (0, 3, -7):
        args = (torch.tensor(v), torch.tensor(v > 0))
        same(python_types(*args), sf(*args), tol=0)
    assert len(sf._variants.items) == 1


def scalar_promotion(x, n, f):
    return x * int(n), x + float(f), (x > 0) * int(n), (x > 0) * f.item()


@pytest.mark.parametrize("dtype", [torch.int32, torch.float16, torch.float32])
def test_number_promotes_like_a_python_scalar(dtype):
    sf = script(scalar_promotion)
    for x in (torch.ones(3, dtype=dtype), torch.tensor(2, dtype=dtype)):
        args = (x, torch.tensor(3), torch.tensor(1.5))
        same(scalar_promotion(*args), sf(*args))


def python_side(x, n):
    k = int(n)
    return x.reshape(k, -1), [0] * k


def test_python_side_use_keeps_a_guard():
    sf = script(python_side)
    for v in (2, 4, 2):
        x = torch.arange(8.0)
        same(python_side(x, torch.tensor(v)), sf(x, torch.tensor(v)))
    assert len(sf._variants.items) == 2
    assert _data_guards(sf.graph)


def _native(c):
    entry = next(iter(c._gt_cache.entries.values()))
    comp = entry._comp if hasattr(entry, "_comp") else next(iter(entry._compiled.values()))
    return comp.interp.native


@pytest.mark.parametrize("fn", [range_int, range_item, range_step, while_int, if_int,
                                multiplier], ids=lambda f: f.__name__)
def test_llvm_native_loop(fn):
    c = torch.compile(script(fn), backend="llvm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to the interpreter
        for v in NS + (-2,):
            x, n = torch.arange(8.0), torch.tensor(v)
            same(fn(x, n), c(x, n))
    assert len(c._gt_cache.entries) == 1
    assert _native(c) is not None


class _Repeat(torch.nn.Module):
    def forward(self, x, n):
        y = x
        for i in range(int(n)):
            y = y * 2 + 1
        return y


def test_onnx_trip_count_is_a_loop_input(tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    m = torch.jit.script(_Repeat())
    x = torch.ones(3)
    m(x, torch.tensor(4))
    path = str(tmp_path / "repeat.onnx")
    torch.onnx.export(m, (x, torch.tensor(4)), path, input_names=["x", "n"])
    model = onnx.load(path)
    loops = [nd for nd in model.graph.node if nd.op_type == "Loop"]
    assert len(loops) == 1 and loops[0].input[0], "the trip count must be a Loop input"
    consts = {nd.output[0] for nd in model.graph.node if nd.op_type == "Constant"}
    assert loops[0].input[0] not in consts
    sess = ort.InferenceSession(model.SerializeToString())
    for k in (2, 5, 0, -1):
        got = sess.run(None, {"x": x.numpy(), "n": np.array(k, np.int64)})[0]
        np.testing.assert_allclose(got, m(x, torch.tensor(k)).numpy())


def carried_quotient(x, n):
    k = 0
    for i in range(x.size(0)):
        k = k + int(n) / 3  # a float64 Python float carried through the Loop
    return k


def while_on_data(x, m):
    c = 0
    while x.sum() < int(m):
        x = x * 2
        c += 1
    return x, c


def counter_times_count(x, n):
    k = int(n)
    s = 0
    for i in range(k):
        s += i * k
    return s


def float_of_rows(x, n):
    t = 0.0
    for i in range(int(n)):
        t = t + float(x[i])
    return t


def clipped_prefix(x, n):
    k = int(n)
    if k > 2:
        k = k - 1
    return x[:k], k


@pytest.mark.parametrize("fn", [carried_quotient, while_on_data, counter_times_count,
                                float_of_rows, clipped_prefix], ids=lambda f: f.__name__)
def test_numbers_inside_control_flow(fn):
    sf = script(fn)
    for v in NS + (3,):
        x = torch.arange(1.0, 9.0)
        same(fn(x.clone(), torch.tensor(v)), sf(x.clone(), torch.tensor(v)), tol=0)
    assert len(sf._variants.items) == 1
    assert not _data_guards(sf.graph), sf.graph


def to_int(x):
    return int(x)


def test_int_of_nan_raises_as_eager():
    with pytest.raises(ValueError, match="cannot convert float NaN to integer"):
        script(to_int)(torch.tensor(float("nan")))


def _isinstance_of_numbers(x, n):
    k = int(n)
    flags = (isinstance(k, int), isinstance(k, float), isinstance(n.item(), bool),
             isinstance(float(n), (float, int)))
    if isinstance(k, int):
        x = x + k
    return x, flags


@pytest.mark.parametrize("value", [3, True, 2.5])
def test_isinstance_of_a_runtime_number_is_its_python_type(value):
    s = torch.jit.script(_isinstance_of_numbers)
    x, n = torch.ones(2), torch.tensor(value)
    want_x, want_flags = _isinstance_of_numbers(x, n)
    got_x, got_flags = s(x, n)
    assert tuple(got_flags) == want_flags
    assert torch.equal(got_x, want_x)
