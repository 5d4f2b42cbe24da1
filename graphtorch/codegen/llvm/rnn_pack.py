"""The hidden-to-hidden product of a recurrent cell inside a loop, with the weight packed once.

A cell's recurrent product ``h @ w.T`` (w: [G * H, H], the layout nn.LSTM / nn.GRU store)
runs once per time step on the same weight.  For a batch of a few rows the generated "axpy"
kernel (gemm_small.py), which reads B stored [K, N], is faster than the "dot" kernel reading
w in place (8 x 512 x 128: 9.6 us vs 12.4 us per step here; no lane sums to fold), so the
first step of each call transposes w into a loop-lifetime buffer and every step reuses it.
With one row the dot kernel wins (2.8 us vs 3.9 us: the product only streams the weight), and
so does anything outside a loop (the transpose would be paid for one product)."""
from __future__ import annotations

from llvmlite import ir

from . import gemm_small
from . import scalar as X
from .fnctx import I1, I64, numel
from .gemm_packed import _transpose_vals
from .rules_gemm import _at_least_1, gemm_call

PACK_MIN_ROWS = 4  # rows of h from which the packed weight pays (measured: see above)
_TILE = 16         # transpose tile (16 x 16 floats: one register per row with AVX-512)


def hh_product(lw, pre, h, w, dt):
    """pre[m, n] = h[m, k] @ w[n, k].T (beta 0), ``h`` and ``w`` realised Bufs."""
    m = numel(h.shape[:-1])
    n, k = w.shape
    # only a graph input or a constant is known to stay the same through the loop (a
    # graph output's buffer, or an arena one, may be written by the loop itself)
    fixed = w.kind == "buf" and (w.index < lw.n_in or w.index > lw.arena)
    packable = (dt == "f32" and gemm_small.ENABLED and bool(lw.loop_stack) and fixed
                and not (isinstance(m, int) and m < PACK_MIN_ROWS))
    wt = lw.new_buf((k, n), dt, name="w_packed") if packable else None

    def emit(fc):
        b = fc.b
        bm, bn, bk = fc.size(m), fc.size(n), fc.size(k)
        zero = ir.Constant(I64, 0)

        def plain():
            gemm_call(fc, dt, False, True, bm, bn, bk, h.ptr(fc), _at_least_1(fc, bk),
                      w.ptr(fc), _at_least_1(fc, bk), pre.ptr(fc), _at_least_1(fc, bn), 0.0)
        nonempty = b.and_(b.icmp_signed(">", bm, zero), b.icmp_signed(">", bn, zero))
        with b.if_then(nonempty):
            if wt is None:
                plain()
                return
            use = b.and_(b.icmp_signed(">=", bm, ir.Constant(I64, PACK_MIN_ROWS)),
                         b.icmp_signed(">", bk, zero))
            with b.if_else(use) as (packed, other):
                with packed:
                    _pack_once(fc, w, wt, bn, bk)
                    gemm_call(fc, dt, False, False, bm, bn, bk, h.ptr(fc), bk, wt.ptr(fc), bn,
                              pre.ptr(fc), bn, 0.0)
                with other:
                    plain()
    uses = (pre, h, w) + ((wt,) if wt is not None else ())
    lw.emit_in_entry(emit, uses)


def _pack_once(fc, w, wt, n, k):
    """wt[k, n] = w[n, k].T on the first execution of this point in one entry call (a flag
    cleared in the entry's prologue; w is a graph input, constant for the call)."""
    b = fc.b

    def make_flag(p):
        cell = p.alloca(I1)
        p.store(ir.Constant(I1, 0), cell)
        return cell
    flag = fc.hoisted(("packed_flag", wt.index), make_flag)
    with b.if_then(b.not_(b.load(flag))):
        _transpose(fc, w, wt, n, k)
        b.store(ir.Constant(I1, 1), flag)


def _transpose(fc, w, wt, n, k):
    """wt = w.T: 16 x 16 tiles transposed in registers (four rounds of two-source lane
    shuffles) when both extents are multiples of 16, else element by element.  (LLVM turns
    the plain loop into gathers: about 35 us for 512 x 128 against ~5 us by tiles.)"""
    b = fc.b
    tile = ir.Constant(I64, _TILE)
    aligned = b.icmp_signed("==", b.srem(b.or_(n, k), tile), ir.Constant(I64, 0))
    with b.if_else(aligned) as (fast, slow):
        with fast:
            _strided(fc, n, lambda j0: _strided(fc, k, lambda k0: _tile(fc, w, wt, n, k, j0, k0),
                                                "tk0"), "tj0")
        with slow:
            _scalar_transpose(fc, w, wt, n, k)


def _tile(fc, w, wt, n, k, j0, k0):
    b = fc.b
    et = X.LTYPE[w.dt]
    vt = ir.VectorType(et, _TILE)
    src, dst = w.ptr(fc), wt.ptr(fc)
    rows = []
    for r in range(_TILE):
        off = b.add(b.mul(b.add(j0, ir.Constant(I64, r)), k), k0)
        rows.append(b.load(b.gep(src, [off], source_etype=et), typ=vt, align=4))
    rows = _transpose_vals(b, rows, _TILE)
    for r in range(_TILE):
        off = b.add(b.mul(b.add(k0, ir.Constant(I64, r)), n), j0)
        b.store(rows[r], b.gep(dst, [off], source_etype=et), align=4)


def _scalar_transpose(fc, w, wt, n, k):
    b = fc.b
    et = X.LTYPE[w.dt]
    src, dst = w.ptr(fc), wt.ptr(fc)

    def row(j):
        def one(kk):
            v = b.load(b.gep(src, [b.add(b.mul(j, k), kk)], source_etype=et), typ=et)
            b.store(v, b.gep(dst, [b.add(b.mul(kk, n), j)], source_etype=et))
        fc.loop(ir.Constant(I64, 0), k, one, name="tk")
    fc.loop(ir.Constant(I64, 0), n, row, name="tj")


def _strided(fc, hi, body, name):
    """for i in range(0, hi, _TILE): body(i)."""
    fc.loop(ir.Constant(I64, 0), hi, body, name=name, step=_TILE)


__all__ = ["hh_product", "PACK_MIN_ROWS"]
