"""Per-thread transposed slices of a recurrent weight for the team loop (rnn_team.py).

In the team loop each thread owns the hidden units [j0, j1) and, per step, computes the G
gate column slices of ``h @ w.T`` for them.  Read in place (w: [G * H, H]) that is G calls of
gemm_small's "dot" kernel of u = j1 - j0 columns each (with lane sums to fold per output:
the last session's profile put it ~35% slower per FLOP than the axpy form).  Here each thread first copies its G slices, transposed, into its own
contiguous [H, G * u] block (column k * u + jj = unit j0 + jj of gate k) once per call, so
every step is ONE "axpy" kernel product (B stored [K, N]: FMAs only) on a block that stays
in the thread's L2 (2-layer LSTM 64 -> 128: 128 KB per thread at 2 threads).  The
preactivations go to the thread's own [B, G * u] block of the buffer as well.  Below
``MIN_ROWS`` batch rows the per-gate dot form stays: copying the rows (one dot call per step
instead of G, aligned rows) cost more than it gained (bench LSTM b1 at 2 threads 91 -> 102
us: the copy is paid per call, the steps are ~2 us).

Measured (interleaved A/B in one process, one LSTM layer loop with H = 128, 2 threads, per
step, min of 9): batch 8 7.9 -> 6.6 us; the bench's 2-layer LSTM at 2 threads b8 440 -> 400
us, b64 3.06 -> 2.83 ms (min of 11; again on a quiet machine: b8 420 -> 396 us, b64 3.10 ->
2.78 ms).  Packing costs ~4 us per call at b8 (within noise end to end).

Layout helpers: ``pre_layout`` gives (base, row stride, gate stride) such that unit j of
gate k in batch row bi is at ``base + bi * rs + k * gs + j`` for both layouts, so the gate
pass is emitted once."""
from __future__ import annotations

from llvmlite import ir

from . import gemm_small
from . import scalar as X
from .fnctx import I64
from .gemm_packed import _transpose_vals
from .rules_gemm import _blas_call

__all__ = ["ENABLED", "MIN_ROWS", "prepare", "product", "pack_slices", "pre_layout"]

# switch for A/B runs (the dot form per gate when off)
ENABLED = True
# batch rows from which the transposed slices pay: with one row the dot kernel, which only
# streams the weight, wins (rnn_pack.py measured 2.8 vs 3.9 us for 1 x 512 x 128)
MIN_ROWS = 4
_AXPY_MAX_M = 64   # gemm_small's axpy tier: more rows go to BLAS (non-transposed B)
_TILE = 16


def _c(v):
    return ir.Constant(I64, v)


def prepare(fc, dt, active, w, wt, pre, B, H, g, j0, j1):
    """Where ``active`` (this thread owns units and the batch has MIN_ROWS rows): copy its
    slices of ``w``, transposed, into its block of ``wt``.  Returns (weight block,
    preactivation block) for ``product``."""
    b = fc.b
    wt_own = _gep(b, dt, wt, b.mul(b.mul(_c(g), H), j0))
    pre_own = _gep(b, dt, pre, b.mul(b.mul(_c(g), B), j0))
    with b.if_then(active):
        pack_slices(fc, dt, w, wt_own, g, H, j0, j1)
    return wt_own, pre_own


def product(fc, dt, own, m, n, k, a):
    """c[m, n] = a[m, k] @ wt[k, n] into the thread's blocks (``own`` from ``prepare``): the
    axpy kernel for few rows, BLAS beyond its tier."""
    wt, c = own
    b = fc.b
    with b.if_else(b.icmp_signed("<=", m, _c(_AXPY_MAX_M))) as (small, big):
        with small:
            gemm_small.emit_call(fc, False, m, n, k, a, k, wt, n, c, n, 0.0)
        with big:
            _blas_call(fc, dt, False, False, m, n, k, a, k, wt, n, c, n, 0.0)


def pack_slices(fc, dt, w, wt, g, H, j0, j1):
    """wt[kk, k * u + jj] = w[k * H + j0 + jj, kk] for kk < H, jj < u = j1 - j0, k < g
    (``w``, ``wt``: element pointers; ``wt`` is this thread's block)."""
    b = fc.b
    u = b.sub(j1, j0)
    n = b.mul(_c(g), u)
    tile = _c(_TILE)
    aligned = b.icmp_signed("==", b.srem(b.or_(u, H), tile), _c(0))
    with b.if_else(aligned) as (fast, slow):
        with fast:
            for k in range(g):
                src = _gep(b, dt, w, b.mul(b.add(b.mul(_c(k), H), j0), H))
                dst = _gep(b, dt, wt, b.mul(_c(k), u))
                fc.loop(_c(0), u, lambda jj, src=src, dst=dst: fc.loop(
                    _c(0), H, lambda kk: _tile(fc, dt, src, H, dst, n, jj, kk),
                    name="pk", step=_TILE), name="pj", step=_TILE)
        with slow:
            for k in range(g):
                src = _gep(b, dt, w, b.mul(b.add(b.mul(_c(k), H), j0), H))
                dst = _gep(b, dt, wt, b.mul(_c(k), u))
                fc.loop(_c(0), u, lambda jj, src=src, dst=dst: fc.loop(
                    _c(0), H, lambda kk: _one(fc, dt, src, H, dst, n, jj, kk), name="sk"),
                    name="sj")


def _one(fc, dt, src, lds, dst, ldd, jj, kk):
    b = fc.b
    et = X.LTYPE[dt]
    v = b.load(_gep(b, dt, src, b.add(b.mul(jj, lds), kk)), typ=et)
    b.store(v, _gep(b, dt, dst, b.add(b.mul(kk, ldd), jj)))


def _tile(fc, dt, src, lds, dst, ldd, j0, k0):
    """dst[k0 + r, j0:j0 + 16] = src[j0:j0 + 16, k0 + r] for r < 16: rows in registers,
    four rounds of two-source shuffles (a plain loop becomes gathers: rnn_pack.py)."""
    b = fc.b
    et = X.LTYPE[dt]
    vt = ir.VectorType(et, _TILE)
    rows = [b.load(_gep(b, dt, src, b.add(b.mul(b.add(j0, _c(r)), lds), k0)), typ=vt,
                   align=4) for r in range(_TILE)]
    rows = _transpose_vals(b, rows, _TILE)
    for r in range(_TILE):
        b.store(rows[r], _gep(b, dt, dst, b.add(b.mul(b.add(k0, _c(r)), ldd), j0)), align=4)


def _gep(b, dt, p, off):
    return b.gep(p, [off], source_etype=X.LTYPE[dt])


def pre_layout(fc, dt, sliced, pre, B, H, g, j0, j1):
    """(base pointer, row stride, gate stride) of the preactivations: the shared [B, g * H]
    buffer, or this thread's [B, g * u] block (``sliced``, an i1)."""
    b = fc.b
    u = b.sub(j1, j0)
    gh = b.mul(_c(g), H)
    # the thread's block starts at B * g * j0; unit j sits at column k * u + (j - j0)
    own = _gep(b, dt, pre, b.sub(b.mul(b.mul(B, _c(g)), j0), j0))
    base = b.select(sliced, own, pre)
    return base, b.select(sliced, b.mul(_c(g), u), gh), b.select(sliced, u, H)
