"""The whole pass pipeline on traced zoo models: the traced graph and the graph after every pass
verified, outputs unchanged, and each graph's text parses back to the same text."""
import numpy as np
import pytest

import graphtorch as torch
from graphtorch.ir import parse
from graphtorch.ir.interpreter import Interpreter
from graphtorch.ir.passes import run_pipeline
from graphtorch.ir.verifier import verify

from .zoo import ZOO, build, example



@pytest.mark.parametrize("name", sorted(ZOO))
def test_pipeline_preserves_outputs_and_verifies(name):
    m = build(name, torch).eval()
    x = example(name, torch, 3)
    traced = torch.jit.trace(m, x, check_trace=False)
    comp = next(iter(traced._compiled.values()))
    tr = comp.trace
    assert str(parse(str(tr.graph), constants=tr.graph.constants)) == str(tr.graph)
    # the verifier picks sizes satisfying the graph's guards and the shape checks recorded
    # while tracing (LeNet's and MNIST's fixed image size), so every model verifies
    verify(tr.graph)
    g = run_pipeline(tr.graph.copy(), verify=True)
    for batch in (2, 5):
        args = example(name, torch, batch)
        state = traced._state(tr.state)
        inputs = list(args) + list(state)
        with torch.no_grad():
            want = Interpreter(tr.graph).run(inputs)
            got = Interpreter(g).run(inputs)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)
        with torch.no_grad():
            eager = m(*args)
        eager = eager if isinstance(eager, tuple) else (eager,)
        np.testing.assert_allclose(want[0].numpy(), eager[0].numpy(), rtol=1e-4, atol=1e-5)
