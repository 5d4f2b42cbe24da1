"""The team loop's per-thread transposed weight slices (codegen/llvm/rnn_slices.py): each
thread packs its G gate slices of the recurrent weight once per call and runs one axpy-kernel
product per step into its own block of the preactivations.

Checked at 2 threads against 1 thread (the plain loop) and a float64 numpy reference, on
layer loops given as IR (compile_graph without caches, so the switch really changes the
code): LSTM and GRU, hidden sizes that are (tiled pack) and are not (element pack) multiples
of 16, batches below MIN_ROWS (the per-gate dot form), odd batches, more than 64
rows (BLAS), with and without bias; plus nn.LSTM / nn.GRU modules both ways of batch_first."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, rnn_slices, threads
from graphtorch.ir.parser import parse

# two threads whatever the load, every cell loop on the team, no disk cache (autouse)
from .test_llvm_rnn_threads import team  # noqa: F401

RNG = np.random.default_rng(23)


def _graph(kind, hid, bias):
    g = 4 if kind == "lstm" else 3
    state = f"f32[B, {hid}]"
    params = f"%xp: f32[T, B, {g * hid}], %w: f32[{g * hid}, {hid}], %h0: {state}"
    params += f", %b: f32[{g * hid}]" if bias else ""
    extra = ", %b" if bias else ""
    if kind == "lstm":
        loop = (f"  %hN: {state}, %cN: {state}, %ys: f32[T, B, {hid}] = "
                f"Loop(%n, %t, %h0, %h0, n_scan=1)\n"
                f"    block0(%i: int, %h: {state}, %c: {state}):\n"
                f"      %xs: f32[B, {g * hid}] = select(%xp, dim=0, index=%i)\n"
                f"      %h1: {state}, %c1: {state}, %a: f32[B, {g * hid}] = "
                f"lstm_cell(%xs, %h, %c, %w{extra})\n"
                f"      -> (%t, %h1, %c1, %h1)\n  return (%hN, %cN, %ys)\n")
    else:
        loop = (f"  %hN: {state}, %ys: f32[T, B, {hid}] = Loop(%n, %t, %h0, n_scan=1)\n"
                f"    block0(%i: int, %h: {state}):\n"
                f"      %xs: f32[B, {g * hid}] = select(%xp, dim=0, index=%i)\n"
                f"      %h1: {state}, %a: f32[B, {4 * hid}] = gru_cell(%xs, %h, %w{extra})\n"
                f"      -> (%t, %h1, %h1)\n  return (%hN, %ys)\n")
    return (f"graph({params}):\n  %t: bool = Constant(value=True)\n"
            f"  %n: int = Constant(value=T)\n" + loop)


def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def _reference(kind, xp, w, h0, b):
    hid = h0.shape[1]
    h, c = h0.astype(np.float64), h0.astype(np.float64)
    w, b = w.astype(np.float64), (0.0 if b is None else b.astype(np.float64))
    ys = []
    for t in range(xp.shape[0]):
        hh = h @ w.T + b
        if kind == "lstm":
            g = xp[t] + hh
            i, f = _sig(g[:, :hid]), _sig(g[:, hid:2 * hid])
            gg, o = np.tanh(g[:, 2 * hid:3 * hid]), _sig(g[:, 3 * hid:])
            c = f * c + i * gg
            h = np.tanh(c) * o
        else:
            x = xp[t]
            r = _sig(x[:, :hid] + hh[:, :hid])
            z = _sig(x[:, hid:2 * hid] + hh[:, hid:2 * hid])
            n = np.tanh(x[:, 2 * hid:] + r * hh[:, 2 * hid:])
            h = (1 - z) * n + z * h
        ys.append(h)
    return ([h, c] if kind == "lstm" else [h]) + [np.stack(ys)]


def _run(cg, args):
    """Results at 1 and 2 threads and the parallel regions of the 2-thread call."""
    gt.set_num_threads(1)
    r1 = [np.array(a) for a in cg(*args)]
    gt.set_num_threads(2)
    p0 = threads.stats()
    r2 = [np.array(a) for a in cg(*args)]
    return r1, r2, threads.stats() - p0


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("hid,batch,bias", [
    (32, 8, True),     # tiled pack, two threads of 16 units
    (128, 5, False),   # tiled pack, odd batch
    (40, 4, True),     # 40 units: element pack, threads of 32 and 8 units
    (20, 3, True),     # below MIN_ROWS: the per-gate dot form
    (64, 1, False),    # one row (GEMV), per gate
    (16, 70, False),   # one thread owns all units, more than 64 rows: BLAS
])
def test_slices_match_one_thread_and_numpy(kind, hid, batch, bias):
    cg = compile_graph(parse(_graph(kind, hid, bias)), use_cache=False)
    assert "pj.head" in cg.llvm_ir and "pk.head" in cg.llvm_ir  # the packing was emitted
    g = 4 if kind == "lstm" else 3
    steps = 5
    xp = RNG.standard_normal((steps, batch, g * hid)).astype(np.float32)
    w = (RNG.standard_normal((g * hid, hid)) / np.sqrt(hid)).astype(np.float32)
    h0 = RNG.standard_normal((batch, hid)).astype(np.float32)
    b = RNG.standard_normal(g * hid).astype(np.float32) if bias else None
    args = [xp, w, h0] + ([b] if bias else [])
    r1, r2, regions = _run(cg, args)
    assert regions == 1  # the loop ran as one team region
    for a, one, ref in zip(r2, r1, _reference(kind, xp, w, h0, b)):
        assert a.shape == ref.shape and a.dtype == np.float32
        np.testing.assert_allclose(a, one, rtol=2e-6, atol=2e-6)
        np.testing.assert_allclose(a, ref, rtol=2e-5, atol=2e-5)


def test_switch_off_keeps_the_per_gate_products(monkeypatch):
    monkeypatch.setattr(rnn_slices, "ENABLED", False)
    cg = compile_graph(parse(_graph("lstm", 32, True)), use_cache=False)
    assert "pj.head" not in cg.llvm_ir and "gt_rnn_team" in cg.llvm_ir
    xp = RNG.standard_normal((3, 8, 128)).astype(np.float32)
    w = (RNG.standard_normal((128, 32)) * 0.2).astype(np.float32)
    h0 = RNG.standard_normal((8, 32)).astype(np.float32)
    b = RNG.standard_normal(128).astype(np.float32)
    r1, r2, regions = _run(cg, [xp, w, h0, b])
    assert regions == 1
    for a, ref in zip(r2, _reference("lstm", xp, w, h0, b)):
        np.testing.assert_allclose(a, ref, rtol=2e-5, atol=2e-5)


class _Seq(gt.nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        out, h = self.rnn(x)
        return (out,) + (tuple(h) if isinstance(h, tuple) else (h,))


@pytest.mark.parametrize("kind,batch_first", [("LSTM", True), ("GRU", False)])
def test_modules_two_layers(kind, batch_first):
    gt.manual_seed(3)
    m = _Seq(getattr(gt.nn, kind)(9, 48, num_layers=2, batch_first=batch_first)).eval()
    c = gt.compile(m, backend="llvm", dynamic=True)
    for batch in (6, 16):
        shape = (batch, 7, 9) if batch_first else (7, batch, 9)
        x = gt.from_numpy(RNG.standard_normal(shape).astype(np.float32))
        with gt.no_grad():
            gt.set_num_threads(1)
            r1 = c(x)
            gt.set_num_threads(2)
            p0 = threads.stats()
            r2 = c(x)
            assert threads.stats() - p0 >= 2
            ref = m(x)
        for a, one, e in zip(r2, r1, ref):
            np.testing.assert_allclose(a.numpy(), one.numpy(), rtol=2e-6, atol=2e-6)
            np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("batch", [8, 2])
def test_the_sliced_product_is_what_runs(monkeypatch, batch):
    """Without the packing the 2-thread result goes wrong from MIN_ROWS rows (the per-step
    product reads the thread's transposed block) and stays right below (the per-gate dot
    form reads the weight in place); 1 thread (the plain loop) is always right."""
    monkeypatch.setattr(rnn_slices, "pack_slices", lambda *a: None)
    cg = compile_graph(parse(_graph("lstm", 32, False)), use_cache=False)
    xp = RNG.standard_normal((4, batch, 128)).astype(np.float32)
    w = RNG.standard_normal((128, 32)).astype(np.float32)
    h0 = RNG.standard_normal((batch, 32)).astype(np.float32)
    r1, r2, _ = _run(cg, [xp, w, h0])
    ref = _reference("lstm", xp, w, h0, None)
    np.testing.assert_allclose(r1[2], ref[2], rtol=2e-5, atol=2e-5)
    sliced = batch >= rnn_slices.MIN_ROWS
    assert np.allclose(r2[2], ref[2], rtol=2e-5, atol=2e-5) != sliced
