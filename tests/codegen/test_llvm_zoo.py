"""The llvm backend on the model zoo: torch.compile(model) == eager at three batch sizes,
natively (no interpreter fallback, no host ops) where the backend claims to lower the model."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as torch
from tests.jit.zoo import ZOO

NATIVE = ["lenet", "lstm", "mlp", "mnist", "resblock", "transformer"]


def _runner(compiled):
    entry = next(iter(compiled._gt_cache.entries.values()))
    comp = next(iter(entry._compiled.values()))
    return comp.interp


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_matches_eager(name):
    build, make_input, _ = ZOO[name]
    model = build(torch).eval()
    compiled = torch.compile(model)
    with torch.no_grad():
        for batch in (2, 5, 3):
            args = make_input(torch, batch, 6)
            ref, out = model(*args), compiled(*args)
            ref = ref if isinstance(ref, tuple) else (ref,)
            out = out if isinstance(out, tuple) else (out,)
            for o, r in zip(out, ref):
                assert o.shape == r.shape and o.dtype == r.dtype
                np.testing.assert_allclose(o.numpy(), r.numpy(), rtol=1e-4, atol=1e-5)
    if name in NATIVE:
        runner = _runner(compiled)
        assert runner.native is not None, runner.reason
        assert runner.native.host_ops == []


def test_grad_falls_back_to_interpreter():
    build, make_input, _ = ZOO["mlp"]
    model = build(torch)
    compiled = torch.compile(model)
    x = make_input(torch, 4)[0]
    compiled(x).sum().backward()
    g1 = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    model(x).sum().backward()
    for a, p in zip(g1, model.parameters()):
        np.testing.assert_allclose(a.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_entry_checks_name_input():
    from graphtorch.codegen.llvm import compile_graph

    def f(x, y):
        return x + y
    tr = torch.jit.trace(f, (torch.randn(3, 4), torch.randn(3, 4)))
    cg = compile_graph(tr.graph)
    a = np.ones((3, 4), np.float32)
    with pytest.raises(RuntimeError, match="input 1 .* expected dtype"):
        cg(a, a.astype(np.float64))
    with pytest.raises(RuntimeError, match="input 0 .* expected 2 dimensions"):
        cg(a.reshape(12), a)
    with pytest.raises(RuntimeError, match="size"):
        cg(a, np.ones((4, 4), np.float32))
    np.testing.assert_array_equal(cg(a, a)[0], a + a)


def test_scripted_loop_runs_natively_at_three_batch_sizes():
    from tests.codegen._scripted_for_compile import RecurrentSum
    torch.manual_seed(0)
    model = RecurrentSum().eval()
    scripted = torch.jit.script(model)
    compiled = torch.compile(scripted, fullgraph=True)
    with torch.no_grad():
        for batch, seq in ((2, 3), (5, 7), (3, 1)):
            x = torch.randn(batch, seq, 8) * 2
            np.testing.assert_allclose(compiled(x).numpy(), model(x).numpy(),
                                       rtol=1e-5, atol=1e-6)
    (cg,) = torch.compiler.compiled_graphs(compiled)
    kinds = {n.kind for n in cg.graph.walk()}
    assert "Loop" in kinds and "If" in kinds and cg.host_ops == []
