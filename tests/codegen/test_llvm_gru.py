"""The GRU step in native code (codegen/llvm/rnn_cells.py): the recurrent product alone (the
weight transposed once per call for batches of >= PACK_MIN_ROWS rows), then one pass adding
the bias and input gates and writing the new state; compiled == eager for nn.GRU / GRUCell,
with and without biases, float32 and float64, fixed and symbolic batch."""
from __future__ import annotations

import re

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import rnn_pack

RNG = np.random.default_rng(7)


def _native(c):
    entry = next(iter(c._gt_cache.entries.values()))
    comp = (list(getattr(entry, "_compiled", {}).values()) or [entry._comp])[0]
    return comp.interp.native


class _Seq(gt.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        out, h = self.rnn(x)
        return out, h


def _run(m, x, dynamic=False, tol=2e-5):
    c = gt.compile(m, backend="llvm", dynamic=dynamic)
    with gt.no_grad():
        got, ref = c(x), m(x)
    got = got if isinstance(got, tuple) else (got,)
    ref = ref if isinstance(ref, tuple) else (ref,)
    for g, r in zip(got, ref):
        assert g.shape == r.shape and g.dtype == r.dtype
        np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=tol, atol=tol)
    return _native(c)


def _kernels(native):
    return set(re.findall(r'define [^@]*@"?([A-Za-z_]+)', native.llvm_ir))


@pytest.mark.parametrize("hidden", [32, 20])  # 3H x H = 96 x 32 (tiles), 60 x 20 (scalar)
@pytest.mark.parametrize("batch", [1, rnn_pack.PACK_MIN_ROWS, 7])
def test_gru_two_layers_matches_eager(hidden, batch):
    m = _Seq(gt.nn.GRU(12, hidden, num_layers=2, batch_first=True)).eval()
    x = gt.from_numpy(RNG.standard_normal((batch, 5, 12)).astype(np.float32))
    native = _run(m, x)
    assert "gt_gru" in _kernels(native)  # the fused gate pass, not lazy gates
    packed = "tj0" in native.llvm_ir
    assert packed == (batch >= rnn_pack.PACK_MIN_ROWS)


def test_gru_without_bias_and_float64():
    m = _Seq(gt.nn.GRU(6, 16, bias=False, batch_first=True)).eval()
    x = gt.from_numpy(RNG.standard_normal((5, 3, 6)).astype(np.float32))
    _run(m, x)
    m64 = _Seq(gt.nn.GRU(6, 16, num_layers=2).double()).eval()
    x64 = gt.from_numpy(RNG.standard_normal((4, 5, 6)))
    _run(m64, x64, tol=1e-12)


def test_gru_symbolic_batch_picks_at_run_time():
    m = _Seq(gt.nn.GRU(8, 16, batch_first=True)).eval()
    c = gt.compile(m, backend="llvm", dynamic=True)
    with gt.no_grad():
        for batch in (2, 6, 1, 9):  # below and above the packing threshold, one function
            x = gt.from_numpy(RNG.standard_normal((batch, 4, 8)).astype(np.float32))
            for g, r in zip(c(x), m(x)):
                np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=2e-5, atol=2e-5)


def test_gru_cell_outside_a_loop_and_with_given_state():
    cell = gt.nn.GRUCell(10, 24)

    class M(gt.nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = cell

        def forward(self, x, h):
            h1 = self.cell(x, h)
            return self.cell(x, h1) * 2.0
    m = M().eval()
    c = gt.compile(m, backend="llvm", dynamic=False)
    x = gt.from_numpy(RNG.standard_normal((6, 10)).astype(np.float32))
    h = gt.from_numpy(RNG.standard_normal((6, 24)).astype(np.float32))
    with gt.no_grad():
        np.testing.assert_allclose(c(x, h).numpy(), m(x, h).numpy(), rtol=2e-5, atol=2e-5)


def test_gru_matches_torch_weights():
    torch = pytest.importorskip("torch")
    tm = torch.nn.GRU(5, 8, num_layers=2, batch_first=True).eval()
    gm = gt.nn.GRU(5, 8, num_layers=2, batch_first=True).eval()
    gm.load_state_dict({k: gt.from_numpy(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    x = RNG.standard_normal((3, 6, 5)).astype(np.float32)
    c = gt.compile(_Seq(gm).eval(), backend="llvm")
    with gt.no_grad(), torch.no_grad():
        got = c(gt.from_numpy(x))
        ref = tm(torch.from_numpy(x))
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-5, atol=1e-5)
