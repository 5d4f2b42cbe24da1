"""torch.compile's behaviour: backends, recompilation per signature, guard failures that
recapture, fullgraph, decorator form, and gradients through the interpreter path."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as torch


def _close(a, b):
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["llvm", "interpreter", "eager"])
def test_backends_agree(backend):
    def f(x, y):
        return torch.tanh(x @ y) + x.sum(-1, keepdim=True)
    c = torch.compile(f, backend=backend)
    for n in (3, 6):
        x, y = torch.randn(n, 4), torch.randn(4, 4)
        with torch.no_grad():
            _close(c(x, y), f(x, y))


def test_new_dtype_recompiles():
    c = torch.compile(lambda x: x * 2 + 1)
    with torch.no_grad():
        a = c(torch.arange(5, dtype=torch.float32))
        b = c(torch.arange(5, dtype=torch.float64))
        i = c(torch.arange(5))
    assert a.dtype == torch.float32 and b.dtype == torch.float64 and i.dtype == torch.int64
    np.testing.assert_array_equal(i.numpy(), np.arange(5) * 2 + 1)
    assert len(c._gt_cache.entries) == 3


def test_data_guard_failure_recaptures():
    def f(x):
        if x.sum() > 0:  # a data-dependent branch: a guard in the trace
            return x + 1
        return x - 1
    c = torch.compile(f)
    pos, neg = torch.ones(3), -torch.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            _close(c(pos), f(pos))
            _close(c(neg), f(neg))  # the guard fails: captured again, right answer
            _close(c(pos), f(pos))


def test_fullgraph_rejects_data_dependent_python():
    def f(x):
        return x + 1 if x.sum() > 0 else x - 1
    c = torch.compile(f, fullgraph=True)
    with pytest.raises(RuntimeError, match="fullgraph"):
        with torch.no_grad():
            c(torch.ones(2))


def test_capture_failure_falls_back_to_eager_once():
    def f(x):
        if torch.jit.is_tracing():
            raise ValueError("not capturable")
        return x * 3
    c = torch.compile(f)
    with pytest.warns(UserWarning, match="runs eagerly"):
        out = c(torch.ones(2))
    np.testing.assert_array_equal(out.numpy(), [3.0, 3.0])
    with pytest.raises(RuntimeError, match="fullgraph"):
        torch.compile(f, fullgraph=True)(torch.ones(2))


def test_decorator_and_module_attributes():
    @torch.compile(backend="llvm")
    def g(x):
        return torch.relu(x)
    x = torch.randn(7)
    with torch.no_grad():
        _close(g(x), torch.relu(x))
    m = torch.nn.Linear(3, 2)
    cm = torch.compile(m)
    assert cm._orig_mod is m and cm.weight is m.weight
    # PyTorch's keys: the compiled wrapper holds the module as ``_orig_mod``
    assert list(cm.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
    assert [n for n, _ in cm.named_parameters()] == list(cm.state_dict())
    with pytest.raises(RuntimeError, match="Missing key"):
        cm.load_state_dict(m.state_dict())
    before = m.weight.detach().clone()
    cm.load_state_dict({"_orig_mod." + k: v * 2 for k, v in m.state_dict().items()})
    np.testing.assert_array_equal(m.weight.detach().numpy(), before.numpy() * 2)


def test_training_through_compiled_module_matches_eager():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    ref.load_state_dict(m.state_dict())
    cm = torch.compile(m)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for model in (cm, ref):
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    for a, b in zip(m.parameters(), ref.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    with torch.no_grad():  # inference after training sees the new weights natively
        _close(cm(x), ref(x))


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown backend"):
        torch.compile(lambda x: x, backend="nope")


def test_user_runtime_error_propagates_after_recapture():
    # a size guard fails, the recapture runs the user code, and its own error reaches the user
    calls = []

    def f(x):
        calls.append(1)
        if x.shape[0] > 100:
            raise RuntimeError("the guard rail failed")
        return x * 2
    c = torch.compile(f, backend="interpreter")
    with torch.no_grad():
        _close(c(torch.ones(3)), torch.ones(3) * 2)
        with pytest.raises(RuntimeError, match="guard rail"):
            c(torch.ones(101))


def test_guard_error_raised_by_traced_graph_is_a_runtime_error():
    from graphtorch.ir.errors import GuardError

    def f(x):
        return x + 1 if x.sum() > 0 else x - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.jit.trace(f, (torch.ones(2),))
    with pytest.raises(GuardError) as e:
        t(-torch.ones(2))
    assert isinstance(e.value, RuntimeError) and "test_compile_api.py" in str(e.value)
    assert torch.compiler.GuardFailure is GuardError


@pytest.mark.parametrize("backend", ["llvm", "interpreter"])
def test_dynamic_false_specializes_sizes(backend):
    m = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval()
    c = torch.compile(m, dynamic=False, backend=backend)
    with torch.no_grad():
        for n in (5, 7, 5):
            x = torch.randn(n, 4)
            _close(c(x), m(x))
    assert len(c._gt_cache.entries) == 2
    if backend == "llvm":
        for entry in c._gt_cache.entries.values():
            comp = next(iter(entry._compiled.values()))
            shape = comp.interp.native.graph.inputs[0].type.shape
            assert shape[0] in (5, 7)  # a constant, not a symbol


def test_mode_and_options_set_the_llvm_level():
    f = lambda x: x * 3  # noqa: E731
    assert torch.compile(f)._gt_cache.opt_level == 2
    assert torch.compile(f, mode="max-autotune")._gt_cache.opt_level == 3
    assert torch.compile(f, options={"opt_level": 0})._gt_cache.opt_level == 0
    with pytest.raises(RuntimeError, match="Unrecognized mode"):
        torch.compile(f, mode="fastest")
    with pytest.raises(RuntimeError, match="Either mode or options"):
        torch.compile(f, mode="default", options={"opt_level": 1})
    with pytest.raises(RuntimeError, match="unknown options"):
        torch.compile(f, options={"triton.cudagraphs": True})
    c = torch.compile(f, options={"opt_level": 1})
    with torch.no_grad():
        _close(c(torch.arange(4.0)), torch.arange(4.0) * 3)
    entry = next(iter(c._gt_cache.entries.values()))
    assert entry._comp.interp.native.opt_level == 1


def test_compiled_scripted_function_keeps_control_flow_native():
    from tests.codegen._scripted_for_compile import halve_until_small as f
    c = torch.compile(f, fullgraph=True)
    with torch.no_grad():
        for scale in (0.5, 7.0, -40.0, 300.0):  # 0..9 loop trips, both branches
            x = torch.linspace(-1, 1, 6) * scale + scale / 10
            _close(c(x), f(x))
    assert len(c._gt_cache.entries) == 1  # one capture: no guard failed
    comp = next(iter(c._gt_cache.entries.values()))._comp
    kinds = {n.kind for n in comp.trace.graph.walk()}
    assert {"Loop", "If"} <= kinds and "Guard" not in kinds
    assert comp.interp.native is not None and not comp.interp.native.host_ops


def test_compiled_traced_module_matches_and_shares_weights():
    m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.GELU(), torch.nn.Linear(8, 2)).eval()
    t = torch.jit.trace(m, (torch.randn(3, 4),))
    c = torch.compile(t)
    with torch.no_grad():
        for n in (1, 5):
            x = torch.randn(n, 4)
            _close(c(x), m(x))
        m[0].weight.mul_(2)  # the compiled module reads the live parameters
        x = torch.randn(2, 4)
        _close(c(x), m(x))


def test_compiled_graphs_and_dump_switch(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHTORCH_DUMP_DIR", str(tmp_path))
    m = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh()).eval()
    c = torch.compile(m)
    with torch.no_grad():
        c(torch.randn(2, 4))
        c(torch.randn(5, 4))  # same signature: no second compile, no second dump
    (cg,) = torch.compiler.compiled_graphs(c)
    assert "linear" in str(cg.graph) and "define" in cg.llvm_ir
    files = sorted(p.name for p in tmp_path.iterdir())
    assert sorted(f.split(".", 1)[1] for f in files) == ["graph.txt", "ll", "opt.ll", "s"]
    texts = {f.split(".", 1)[1]: (tmp_path / f).read_text() for f in files}
    assert texts["graph.txt"] == str(cg.graph)
    assert texts["ll"] == cg.llvm_ir and "define" in texts["opt.ll"] and texts["s"].strip()
    with pytest.raises(TypeError, match="torch.compile"):
        torch.compiler.compiled_graphs(m)


def test_scripted_print_runs_on_the_interpreter_every_call(capsys):
    from tests.codegen._scripted_for_compile import noisy_double
    c = torch.compile(noisy_double)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with torch.no_grad():
            for n in (2, 3):
                _close(c(torch.ones(n)), torch.ones(n) * 2)
    assert capsys.readouterr().out.count("step") == 2  # once per call, not at capture
    assert any("runs Python code" in str(w.message) for w in caught)
    assert torch.compiler.compiled_graphs(c) == []


def test_batch_one_capture_then_other_batches_call_native_once(monkeypatch):
    from graphtorch.codegen.llvm.runtime import CompiledGraph
    m = torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.Tanh()).eval()
    c = torch.compile(m)
    calls = []
    orig = CompiledGraph.__call__

    def counting(self, *arrays):
        calls.append(arrays[0].shape)
        return orig(self, *arrays)
    monkeypatch.setattr(CompiledGraph, "__call__", counting)
    with torch.no_grad():
        c(torch.randn(1, 6))  # size 1 stays static in this capture
        x = torch.randn(8, 6)
        c(x)                  # recaptured with a symbolic batch
        calls.clear()
        for _ in range(3):
            _close(c(x), m(x))
        one = torch.randn(1, 6)
        _close(c(one), m(one))
    assert len(calls) == 4  # one native call per call: the stale batch-1 entry is not tried


def test_full_with_a_size_expression_is_native():
    def f(x):
        return x + torch.full((x.size(1),), x.size(0) - 2, dtype=torch.float32)
    c = torch.compile(f, fullgraph=True)
    with torch.no_grad():
        for n in (3, 6):
            x = torch.randn(n, 4)
            _close(c(x), f(x))
    (cg,) = torch.compiler.compiled_graphs(c)
    assert any(n.kind == "full" for n in cg.graph.walk()) and cg.host_ops == []
