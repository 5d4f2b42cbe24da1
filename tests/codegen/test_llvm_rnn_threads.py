"""LSTM / GRU time loops on the thread team (codegen/llvm/rnn_team.py): one parallel region
per layer and call, the hidden units split across the threads, a spin barrier per step.

2 threads == 1 thread (rounding) == eager for nn.LSTM / nn.GRU (1 and 2 layers, odd batches,
with and without bias, batch_first both ways, hidden sizes that are no multiple of the
16-unit split block, float64), ``threads.stats()`` showing the regions ran; loops whose body
is more than the cell keep the plain path and stay right."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, rnn_team, threads
from graphtorch.ir.parser import parse

RNG = np.random.default_rng(11)

@pytest.fixture(autouse=True)
def team(monkeypatch):
    """Two threads whatever the machine's load (the free-core gate would fall back to one
    thread on a busy test machine), every cell loop on the team, nothing from the disk cache
    (compiled under another threshold)."""
    monkeypatch.setattr(threads, "free_cores", lambda: 2)
    monkeypatch.setattr(rnn_team, "MIN_STEP_WORK", 0)
    monkeypatch.setenv("GRAPHTORCH_DISABLE_CACHE", "1")
    before = gt.get_num_threads()
    yield
    gt.set_num_threads(before)


class _Seq(gt.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        out, h = self.rnn(x)
        return (out,) + (tuple(h) if isinstance(h, tuple) else (h,))


def _ir(c):
    entry = next(iter(c._gt_cache.entries.values()))
    comp = (list(getattr(entry, "_compiled", {}).values()) or [entry._comp])[0]
    return comp.interp.native.llvm_ir


def _t1_t2(fn, *args):
    """Results at 1 and 2 threads, and the parallel regions the 2-thread call entered."""
    with gt.no_grad():
        gt.set_num_threads(1)
        r1 = fn(*args)
        gt.set_num_threads(2)
        p0 = threads.stats()
        r2 = fn(*args)
        return r1, r2, threads.stats() - p0


def _close(a, b, tol):
    a = a.numpy() if hasattr(a, "numpy") else a
    b = b.numpy() if hasattr(b, "numpy") else b
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


CASES = [  # kind, layers, hidden, bias, batch_first
    ("LSTM", 1, 40, True, True),
    ("LSTM", 2, 20, False, False),
    ("LSTM", 1, 128, True, True),
    ("GRU", 1, 40, False, True),
    ("GRU", 2, 128, True, False),
]


@pytest.mark.parametrize("kind,layers,hidden,bias,batch_first", CASES)
def test_team_matches_one_thread_and_eager(kind, layers, hidden, bias, batch_first):
    gt.manual_seed(0)
    rnn = getattr(gt.nn, kind)(7, hidden, num_layers=layers, bias=bias,
                               batch_first=batch_first)
    m = _Seq(rnn).eval()
    c = gt.compile(m, backend="llvm", dynamic=True)  # one function for every batch
    for batch in (1, 3, 8, 64):
        shape = (batch, 6, 7) if batch_first else (6, batch, 7)
        x = gt.from_numpy((RNG.standard_normal(shape) * 2).astype(np.float32))
        r1, r2, regions = _t1_t2(c, x)
        assert regions >= layers  # one team region per layer at least
        with gt.no_grad():
            ref = m(x)
        for a, b, e in zip(r2, r1, ref):
            _close(a, b, 2e-6)
            _close(a, e, 2e-5)
    assert "gt_rnn_team" in _ir(c)


def test_float64_team():
    gt.manual_seed(1)
    m = _Seq(gt.nn.LSTM(5, 24, num_layers=2).double()).eval()
    c = gt.compile(m, backend="llvm")
    x = gt.from_numpy(RNG.standard_normal((9, 5, 5)))
    r1, r2, regions = _t1_t2(c, x)
    assert regions >= 2
    with gt.no_grad():
        ref = m(x)
    for a, b, e in zip(r2, r1, ref):
        _close(a, b, 1e-12)
        _close(a, e, 1e-12)


def test_one_thread_and_small_steps_keep_the_plain_loop(monkeypatch):
    monkeypatch.setattr(rnn_team, "MIN_STEP_WORK", 1 << 40)
    m = _Seq(gt.nn.GRU(7, 20, batch_first=True)).eval()
    c = gt.compile(m, backend="llvm")
    x = gt.from_numpy(RNG.standard_normal((8, 6, 7)).astype(np.float32))
    r1, r2, regions = _t1_t2(c, x)
    assert regions == 0  # below the threshold: no region at all
    for a, b in zip(r1, r2):
        _close(a, b, 0.0)


# ------------------------------------------------------------------ loops given as IR
_LOOP = """graph(%xp: f32[T, B, 80], %w: f32[80, 20], %h0: f32[B, 20]):
  %t: bool = Constant(value=True)
  %n: int = Constant(value=T)
  %half: float = Constant(value=0.5)
  %hN: f32[B, 20], %cN: f32[B, 20], %ys: f32[T, B, 20] = Loop(%n, %t, %h0, %h0, n_scan=1)
    block0(%i: int, %h: f32[B, 20], %c: f32[B, 20]):
      %xs: f32[B, 80] = select(%xp, dim=0, index=%i)
      %h1: f32[B, 20], %c1: f32[B, 20], %a: f32[B, 80] = lstm_cell(%xs, %h, %c, %w)
{extra}      -> (%t, {hn}, %c1, {hn})
  return (%hN, %cN, %ys)
"""


def _np_lstm(xp, w, h0, scale):
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    h, c = h0.astype(np.float64), h0.astype(np.float64)
    hid = h0.shape[1]
    ys = []
    for t in range(xp.shape[0]):
        g = xp[t] + h @ w.T
        i, f = sig(g[:, :hid]), sig(g[:, hid:2 * hid])
        gg, o = np.tanh(g[:, 2 * hid:3 * hid]), sig(g[:, 3 * hid:])
        c = f * c + i * gg
        h = np.tanh(c) * o * scale
        ys.append(h)
    return h, c, np.stack(ys)


@pytest.mark.parametrize("extra", [False, True])
@pytest.mark.parametrize("steps", [1, 7])
def test_loop_graphs(extra, steps):
    text = _LOOP.format(extra="      %h2: f32[B, 20] = mul(%h1, %half)\n" if extra else "",
                        hn="%h2" if extra else "%h1")
    cg = compile_graph(parse(text), use_cache=False)
    assert ("gt_rnn_team" in cg.llvm_ir) == (not extra)  # extra body ops: the plain loop
    xp = RNG.standard_normal((steps, 5, 80)).astype(np.float32)
    w = (RNG.standard_normal((80, 20)) * 0.3).astype(np.float32)
    h0 = RNG.standard_normal((5, 20)).astype(np.float32)
    r1, r2, regions = _t1_t2(lambda *a: cg(*a), xp, w, h0)
    assert regions == (0 if extra else 1)
    ref = _np_lstm(xp, w, h0, 0.5 if extra else 1.0)
    for a, b, e in zip(r2, r1, ref):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=2e-6)
        np.testing.assert_allclose(a, e, rtol=2e-5, atol=2e-5)


def test_zero_steps_keep_the_initial_state():
    cg = compile_graph(parse(_LOOP.format(extra="", hn="%h1")), use_cache=False)
    xp = np.zeros((0, 3, 80), np.float32)
    w = np.ones((80, 20), np.float32)
    h0 = RNG.standard_normal((3, 20)).astype(np.float32)
    _, (h, c, ys), _ = _t1_t2(lambda *a: cg(*a), xp, w, h0)
    np.testing.assert_array_equal(h, h0)
    np.testing.assert_array_equal(c, h0)
    assert ys.shape == (0, 3, 20)
