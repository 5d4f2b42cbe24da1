"""Python int/float/bool arguments of scripted code are run-time graph inputs (as TorchScript
int/float/bool inputs): one compiled graph serves every value, a saved module accepts values
it was never called with, and a use that needs a Python value is a guard (a new variant live,
a clear error after loading)."""
from __future__ import annotations

import io
import warnings
from typing import Optional

import numpy as np
import pytest

import graphtorch as torch
from graphtorch import nn
from graphtorch.compiler._compile import _Runner
from graphtorch.jit.script import _lifted, script

from .helpers import kinds, same


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(3, 3)

    def forward(self, x, n: int):
        for _ in range(n):
            x = torch.tanh(self.l(x))
        return x

    @torch.jit.export
    def scaled(self, x, scale: float, flag: bool = False):
        y = self.l(x) * scale
        if flag:
            y = -y
        return y


def loop_n(x, n: int):
    y = x
    for i in range(n):
        y = y * 2 + i
    return y, n * 3, n / 2


def branches(x, n: int, scale: float, flag: bool):
    if n > 2:
        x = x * scale
    else:
        x = x - scale
    if flag:
        x = x.abs()
    return x[:n], scale + n, not flag


def with_defaults(x, n: int = 3, scale: float = 0.5, *, bias: float = 1.0):
    return x[:n] * scale + bias


def _save_load(m):
    buf = io.BytesIO()
    torch.jit.save(m, buf)
    buf.seek(0)
    return torch.jit.load(buf)


def _data_guards(graph):
    return [nd for nd in graph.walk() if nd.kind == "Guard" and nd.inputs]


@pytest.fixture
def compiles(monkeypatch):
    """How many times a graph is recorded (the hook: ``_lifted.compile_trace``)."""
    count = [0]
    orig = _lifted.compile_trace

    def counted(*a, **k):
        count[0] += 1
        return orig(*a, **k)
    monkeypatch.setattr(_lifted, "compile_trace", counted)
    return count


def test_one_compile_serves_every_n(compiles):
    sf = script(loop_n)
    x = torch.arange(4.0)
    for n in (0, 1, 2, 5, -1):
        same(loop_n(x, n), sf(x, n))
    assert compiles[0] == 1 and len(sf._variants.items) == 1
    g = sf.graph
    assert [v.name for v in g.inputs] == ["x", "n"]
    assert str(g.inputs[1].type) == "i64[]"  # the argument is a 0-dim int64 graph input
    assert kinds(g).count("Loop") == 1 and not _data_guards(g)


def test_module_one_compile_and_save_load_unseen_n(compiles):
    torch.manual_seed(0)
    g = Gate()
    sg = torch.jit.script(g)
    x = torch.randn(2, 3)
    for n in (0, 1, 2, 5):
        same(g(x, n), sg(x, n))
    assert compiles[0] == 1
    assert "%n: i64[]" in str(sg.graph)
    ld = _save_load(sg)
    for n in (3, 7, 0):  # never called with 3 or 7 before saving
        same(g(x, n), ld(x, n))


def test_float_and_bool_arguments(compiles):
    sf = script(branches)
    x = torch.tensor([-1.0, 2.0, -3.0, 4.0])
    for args in [(3, 0.5, True), (1, 2.0, False), (4, -1.5, True), (0, 0.0, False)]:
        same(branches(x, *args), sf(x, *args), tol=0)
    assert compiles[0] == 1
    g = sf.graph
    assert [str(v.type) for v in g.inputs[1:]] == ["i64[]", "f64[]", "b8[]"]
    assert kinds(g).count("If") == 2
    ld = _save_load(sf)
    same(branches(x, 2, 3.0, True), ld(x, 2, 3.0, True), tol=0)


def test_float_argument_keeps_the_tensor_dtype():
    def f(x, s: float):
        return x * s, (x > 0) * s
    sf = script(f)
    for dt in (torch.float16, torch.float32, torch.int32):
        x = torch.ones(3, dtype=dt)
        same(f(x, 1.5), sf(x, 1.5))


def test_annotated_float_takes_an_int_and_int_takes_a_bool():
    def f(x, s: float, n: int):
        return x * s, s, n + 1
    sf = script(f)
    x = torch.ones(2)
    out = sf(x, 2, True)  # TorchScript converts: s == 2.0, n == 1
    assert type(out[1]) is float and out[1] == 2.0 and out[2] == 2
    same((x * 0.5, 0.5, 4), sf(x, 0.5, 3))
    assert len(sf._variants.items) == 1


def test_defaults_and_keyword_calls_share_the_graph(compiles):
    sf = script(with_defaults)
    x = torch.arange(6.0)
    calls = [((x,), {}), ((x, 2), {}), ((x,), {"n": 4}), ((x, 5, 2.0), {"bias": -1.0}),
             ((x,), {"scale": 3.0, "bias": 0.0})]
    for a, k in calls:
        same(with_defaults(*a, **k), sf(*a, **k))
    assert compiles[0] == 1


def test_exported_method_with_number_arguments(compiles):
    torch.manual_seed(1)
    g = Gate()
    sg = torch.jit.script(g)
    x = torch.randn(2, 3)
    for scale, flag in [(0.5, False), (2.0, True), (-1.0, False)]:
        same(g.scaled(x, scale, flag), sg.scaled(x, scale, flag))
    assert compiles[0] == 1
    sg(x, 2)
    ld = _save_load(sg)
    same(g.scaled(x, 3.0, True), ld.scaled(x, 3.0, True))
    same(g(x, 4), ld(x, 4))


def python_value(x, n: int):
    y = x.reshape(n, -1)  # a shape: the graph needs n's Python value
    for i in range(n):
        y = y + i
    return y


class PythonValue(nn.Module):
    def forward(self, x, n: int):
        return python_value(x, n)


def test_python_value_use_recompiles_live_and_errors_after_load():
    sf = script(python_value)
    x = torch.arange(8.0)
    for n in (2, 4, 2):
        same(python_value(x, n), sf(x, n))
    assert len(sf._variants.items) == 2
    ld = _save_load(sf)  # every compiled variant is saved (n=2 and n=4)
    same(python_value(x, 4), ld(x, 4))
    same(python_value(x, 2), ld(x, 2))
    with pytest.raises(RuntimeError, match=r"argument 'n' .*n=4.* at test_script_scalar_args"
                                           r"\.py:\d+"):
        ld(x, 8)
    sm = torch.jit.script(PythonValue())
    for n in (2, 4):
        sm(x, n)
    ld = _save_load(sm)  # a module keeps every variant
    same(python_value(x, 2), ld(x, 2))
    same(python_value(x, 4), ld(x, 4))
    with pytest.raises(RuntimeError, match=r"argument 'n' .*compile-time value"):
        ld(x, 1)


def derived_python_value(x, n: int):
    m = n + 1
    y = x[:m]
    if m > 3:
        y = y * torch.zeros(m)[0]  # zeros(m): a guard on m, a value computed from n
    return y


def test_guard_on_a_derived_value_after_load():
    sf = script(derived_python_value)
    x = torch.arange(8.0)
    for n in (1, 5, 2):
        same(derived_python_value(x, n), sf(x, n))
    ld = _save_load(sf)
    same(derived_python_value(x, 0), ld(x, 0))
    with pytest.raises(RuntimeError, match=r"(?s)guard failed at .*Python number arguments "
                                           r"'n' are run-time inputs"):
        ld(x, 6)


def needs_python_int(x, n: int):
    return x * n.bit_length()  # a Python int method: not a run-time value


def test_code_that_needs_the_python_number_is_compiled_on_its_value():
    sf = script(needs_python_int)
    x = torch.ones(2)
    for n in (1, 5, 1):
        same(needs_python_int(x, n), sf(x, n))
    assert len(sf._variants.items) == 2


def flag_values(x, flag: bool, n: int):
    a = flag and x.sum() > 0  # Python returns flag (a bool) or the tensor
    b = n or 7
    return a, b


def test_boolean_operators_on_number_arguments_keep_python_types():
    sf = script(flag_values)
    x = torch.ones(2)
    for args in [(True, 0), (False, 3), (True, 2)]:
        same(flag_values(x, *args), sf(x, *args))


def optional_count(x, k: Optional[int] = None, mode: str = "sum"):
    if k is not None:
        x = x[:k]
    return x.sum() if mode == "sum" else x.mean()


def test_none_and_strings_stay_compile_time_values():
    sf = script(optional_count)
    x = torch.arange(6.0)
    for a in [(), (2,), (4,), (None, "mean"), (3, "mean")]:
        same(optional_count(x, *a), sf(x, *a))
    # k=None and k=int are different graphs (per mode); all ints share one
    assert len(sf._variants.items) == 4


def test_returned_number_argument_is_a_python_number():
    def f(x, n: int, s: float, b: bool):
        return n, s, b, x
    sf = script(f)
    out = sf(torch.ones(1), 3, 2.5, True)
    assert [type(v) for v in out[:3]] == [int, float, bool] and out[:3] == (3, 2.5, True)


def test_wrong_type_for_a_saved_number_input_is_clear():
    sf = script(loop_n)
    sf(torch.ones(2), 2)
    ld = _save_load(sf)
    with pytest.raises(RuntimeError, match="argument 'n' is a Python int input"):
        ld(torch.ones(2), 2.5)


def test_llvm_runs_the_graph_with_number_inputs():
    sf = script(branches)
    x = torch.tensor([-1.0, 2.0, -3.0, 4.0, 0.5])
    sf(x, 3, 0.5, True)
    comp = sf._variants.latest

    class Owner:
        dynamic, opt_level, fn = None, 2, sf

        def _warn_once(self, msg):
            raise AssertionError(msg)
    comp.interp = _Runner(comp.trace, "llvm", Owner())
    assert comp.interp.native is not None
    for args in [(0, 1.5, False), (4, -2.0, True), (5, 0.25, False)]:
        same(branches(x, *args), sf(x, *args))
    assert len(sf._variants.items) == 1


def test_torch_compile_of_a_scripted_module():
    torch.manual_seed(2)
    g = Gate()
    c = torch.compile(torch.jit.script(g), backend="llvm")
    x = torch.randn(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n in (0, 2, 3):
            same(g(x, n), c(x, n))


def test_trace_of_code_calling_a_scripted_function():
    sf = script(loop_n)

    def outer(x):
        y, k, _ = sf(x, 3)
        return y + k
    x = torch.arange(3.0)
    tr = torch.jit.trace(outer, (x,))
    same(outer(x), tr(x))
    same(outer(x + 1), tr(x + 1))


def test_onnx_export_number_arguments_are_inputs(tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    sf = script(loop_n)
    x = torch.arange(3.0)
    sf(x, 2)
    path = str(tmp_path / "loop_n.onnx")
    torch.onnx.export(sf, (x, 2), path)
    model = onnx.load(path)
    assert [i.name for i in model.graph.input] == ["x", "n"]
    sess = ort.InferenceSession(model.SerializeToString())
    for n in (0, 1, 4):
        got = sess.run(None, {"x": x.numpy(), "n": np.array(n, np.int64)})
        want = loop_n(x, n)
        np.testing.assert_allclose(got[0], want[0].numpy())
        assert int(got[1]) == want[1]


def slope(x, s: float):
    return torch.nn.functional.leaky_relu(x, s)


def test_number_kept_as_an_op_attribute_is_compiled_on_its_value():
    # leaky_relu reads its slope as a Python float: the graph must not reuse the first one
    sf = script(slope)
    x = torch.arange(6.0) - 3
    for s in (0.1, 0.3, 0.1):
        same(slope(x, s), sf(x, s))
    assert len(sf._variants.items) == 2
    str(sf.graph)  # printable: no tensor kept in an attribute


def mixed(x, n: int, k: int):
    return x.reshape(n, -1) * k  # n is a shape (a compile-time value), k a run-time input


def test_only_the_argument_needed_as_a_python_value_is_compiled_on_its_value():
    sf = script(mixed)
    x = torch.arange(8.0)
    for n, k in [(2, 1), (2, 5), (2, -3), (4, 2), (4, 7)]:
        same(mixed(x, n, k), sf(x, n, k))
    assert len(sf._variants.items) == 2  # one per n, each serving every k
    assert [v.name for v in sf.graph.inputs] == ["x", "k"]  # n=4 is a constant of this one
    ld = _save_load(sf)
    same(mixed(x, 4, 11), ld(x, 4, 11))
    same(mixed(x, 2, 9), ld(x, 2, 9))
    with pytest.raises(RuntimeError, match="argument 'n'"):
        ld(x, 8, 1)


def slope_of_tensor(x, t):
    return torch.nn.functional.leaky_relu(x, float(t))


def test_runtime_number_passed_as_an_op_attribute_is_guarded():
    # float(t) is a run-time number; leaky_relu keeps its slope as an attribute, so the
    # graph reads it with a guard instead of reusing the first call's value
    sf = script(slope_of_tensor)
    x = torch.arange(6.0) - 3
    for v in (0.1, 0.3, 0.1):
        t = torch.tensor(v)
        same(slope_of_tensor(x, t), sf(x, t))
    assert any(nd.kind == "Guard" for nd in sf.graph.walk())
    str(sf.graph)
