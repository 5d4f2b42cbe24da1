"""Recurrent cells in native loops (codegen/llvm/rnn_cells.py, rnn_pack.py): the LSTM step
as one GEMM plus one gate pass, and the hidden-to-hidden weight transposed once per call for
batches of >= PACK_MIN_ROWS rows (16 x 16 register tiles, or element by element when a size
is not a multiple of 16); compiled == eager for batches on both sides of the threshold."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import rnn_pack

RNG = np.random.default_rng(11)


def _native(c):
    entry = next(iter(c._gt_cache.entries.values()))
    comp = (list(getattr(entry, "_compiled", {}).values()) or [entry._comp])[0]
    return comp.interp.native


class _Seq(gt.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        out, state = self.rnn(x)
        return out, state[0] if isinstance(state, tuple) else state


def _check(rnn, batch, seq, feat, dynamic=False):
    m = _Seq(rnn).eval()
    c = gt.compile(m, backend="llvm", dynamic=dynamic)
    x = gt.from_numpy(RNG.standard_normal((batch, seq, feat)).astype(np.float32))
    with gt.no_grad():
        got = c(x)
        ref = m(x)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=2e-5, atol=2e-5)
    return _native(c)


@pytest.mark.parametrize("hidden", [32, 20])  # 4H x H = 128 x 32 (tiles), 80 x 20 (scalar)
@pytest.mark.parametrize("batch", [1, rnn_pack.PACK_MIN_ROWS, 7])
def test_lstm_two_layers_matches_eager(hidden, batch):
    native = _check(gt.nn.LSTM(12, hidden, num_layers=2, batch_first=True), batch, 5, 12)
    packed = "w_packed" in native.llvm_ir or "tj0" in native.llvm_ir
    assert packed == (batch >= rnn_pack.PACK_MIN_ROWS)


def test_lstm_symbolic_batch_picks_at_run_time():
    m = _Seq(gt.nn.LSTM(8, 16, batch_first=True)).eval()
    c = gt.compile(m, backend="llvm", dynamic=True)
    with gt.no_grad():
        for batch in (2, 6, 1, 9):  # below and above the threshold through one function
            x = gt.from_numpy(RNG.standard_normal((batch, 4, 8)).astype(np.float32))
            got, ref = c(x), m(x)
            for g, r in zip(got, ref):
                np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=2e-5, atol=2e-5)


def test_lstm_single_step_and_cell_state():
    lstm = gt.nn.LSTM(6, 16, batch_first=True)

    class M(gt.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = lstm

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return out, h, c
    m = M().eval()
    cm = gt.compile(m, backend="llvm", dynamic=False)
    x = gt.from_numpy(RNG.standard_normal((5, 1, 6)).astype(np.float32))
    with gt.no_grad():
        for g, r in zip(cm(x), m(x)):
            np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=2e-5, atol=2e-5)


def test_gru_matches_eager():
    _check(gt.nn.GRU(10, 16, batch_first=True), 6, 4, 10)


def test_transpose_tiles_exact():
    """Several 16 x 16 tiles in both directions (W_hh 192 x 48); the recurrent product only
    matters from the second step on (h0 = 0), hence 3 steps."""
    lstm = gt.nn.LSTM(4, 48, batch_first=True)  # W_hh 192 x 48: 12 x 3 tiles
    _check(lstm, 8, 3, 4)
