"""Loop-carried state in the llvm backend (control_flow.py): next values that are other states
(a swap), buffers of their own (a cumsum), lazy expressions of the states, and the
LSTM / GRU cells inside traced loops: compiled == eager."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as torch


@torch.jit.script
def swap_and_mix(x, y):
    s = x + y
    while s.abs().max() < 100.0:   # data-dependent: stays a Loop
        x, y, s = y, x, s * 2.0 + x  # a swap of two states, and a lazy expression of them
    z = x
    while z.abs().max() < 1000.0:
        z = z.cumsum(1)           # the next value is a buffer of its own (the scan's)
    return x, y, s, z


def _compiled_native(c):
    entry = next(iter(c._gt_cache.entries.values()))
    comp = entry._comp if hasattr(entry, "_comp") else next(iter(entry._compiled.values()))
    kinds = {n.kind for n in comp.trace.graph.walk()}
    assert "Loop" in kinds
    return comp.interp.native


def test_swap_buffer_and_lazy_states():
    x, y = torch.rand(3, 5), torch.rand(3, 5) + 1  # positive: both loops end
    c = torch.compile(swap_and_mix, backend="llvm")
    got, ref = c(x, y), swap_and_mix(x, y)
    assert _compiled_native(c) is not None
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind,batch", [("LSTM", 1), ("LSTM", 9), ("GRU", 4)])
def test_recurrent_layers(kind, batch):
    torch.manual_seed(0)
    m = getattr(torch.nn, kind)(6, 20, num_layers=2, batch_first=True).eval()
    x = torch.randn(batch, 7, 6) * 3  # large gates: the saturated ends of sigmoid / tanh
    c = torch.compile(m, backend="llvm")
    with torch.no_grad():
        got, ref = c(x), m(x)
    assert _compiled_native(c) is not None
    np.testing.assert_allclose(got[0].numpy(), ref[0].numpy(), rtol=1e-5, atol=2e-6)
