"""A direct convolution kernel for few input taps and few output channels (LeNet's first layer,
1 -> 6 channels, 5x5): no column matrix.

Why: with C * kh * kw around 25 and OC around 6, im2col copies (25 rows of short runs per
image) cost as much as the GEMM, and BLAS packs operands for a product of only ~0.1 MFLOP.
Here each output row is computed in registers: for each run of ``VW`` output columns, ``OC``
vector accumulators take one FMA per tap (the input run loaded once, the weight broadcast), and
are stored into the conv's [OC, OH*OW] result, which the usual epilogue (bias, ReLU, pool)
reads.  Rows wider than a vector use overlapping runs (the last one ends at the row's end), so
it needs OW >= VW; narrower outputs take the im2col path (a run-time test: spatial sizes may be
symbolic).  Sums are in tap order with fused multiply-adds: results differ from BLAS by
rounding only."""
from __future__ import annotations

from llvmlite import ir

from . import scalar as X
from .fnctx import I64

VW = 16         # output columns per run (AVX-512 width; 8 was 25% slower on LeNet)
MAX_TAPS = 32   # C * kh * kw
MAX_OC = 8      # accumulators per run
ZERO = ir.Constant(I64, 0)


def _c(v):
    return ir.Constant(I64, v)


def applies(spec) -> bool:
    """Whether ``spec`` (a rules_conv._Spec) may run as a direct convolution (the kernel
    still falls back to im2col at run time when OW < VW)."""
    from . import rules_conv as RC
    ints = all(isinstance(v, int) for v in (spec.c, spec.oc, *spec.k))
    return (RC.DIRECT_CONV and spec.dt == "f32" and spec.groups == 1 and ints
            and spec.stride == (1, 1) and spec.dil == (1, 1) and not any(spec.pad)
            and spec.c * spec.k[0] * spec.k[1] <= MAX_TAPS and 1 <= spec.oc <= MAX_OC)


def usable(cf):
    """i1: the output rows are at least one vector wide."""
    return cf.fc.b.icmp_signed(">=", cf.sz(cf.s.ohw[1]), _c(VW))


def image(cf, xp, cp):
    """out[oc, oh, ow] = sum over taps of w * x for one image (``xp``: its input, ``cp``: its
    [OC, OH*OW] result)."""
    fc, s = cf.fc, cf.s
    ety = cf.ety
    vt = ir.VectorType(ety, VW)
    H, W = cf.sz(s.hw[0]), cf.sz(s.hw[1])
    OH, OW = cf.sz(s.ohw[0]), cf.sz(s.ohw[1])
    kh_n, kw_n, C, OC = s.k[0], s.k[1], s.c, s.oc
    wptr = s.w.ptr(fc)
    fma = _fmuladd(fc.b.module, vt)
    b = fc.b
    nrun = b.sdiv(b.add(OW, _c(VW - 1)), _c(VW))
    last = b.sub(OW, _c(VW))
    wlen = C * kh_n * kw_n

    def weight(o, tap, bb):  # a broadcast load per use (150 splats would not fit registers)
        val = bb.load(bb.gep(wptr, [bb.add(tap, _c(o * wlen))], source_etype=ety), typ=ety)
        return _splat(bb, val, vt)

    def row(oh):
        def run(j):
            bb = fc.b
            p0 = _run_start(bb, j, VW, last)
            slots = _acc_slots(fc, vt, OC, "run")

            def krow(r):  # one kernel row of one input channel; its kw taps unrolled
                b3 = fc.b
                rp = _row_ptr(b3, xp, ety, r, kh_n, H, W, oh, p0)
                acc = [_ld(b3, sl, vt) for sl in slots]
                for q in range(kw_n):
                    xv = b3.load(b3.gep(rp, [_c(q)], source_etype=ety), typ=vt)
                    xv.align = 4
                    tap = b3.add(b3.mul(r, _c(kw_n)), _c(q))
                    acc = [b3.call(fma, [xv, weight(o, tap, b3), acc[o]]) for o in range(OC)]
                for sl, a in zip(slots, acc):
                    _st(b3, a, sl)
            fc.loop(ZERO, _c(C * kh_n), krow, name="dk")
            bb = fc.b
            acc = [_ld(bb, sl, vt) for sl in slots]
            base = bb.add(bb.mul(oh, OW), p0)
            for o in range(OC):
                ptr = bb.gep(cp, [bb.add(bb.mul(_c(o), bb.mul(OH, OW)), base)],
                             source_etype=ety)
                st = bb.store(acc[o], ptr)
                st.align = 4
        fc.loop(ZERO, nrun, run, name="dr")
    fc.loop(ZERO, OH, row, name="dh")


def _acc_slots(fc, vt, n, key):
    """``n`` vector accumulators, zeroed here (stack slots LLVM keeps in registers: a
    run-time loop over kernel rows instead of unrolling every tap keeps compile time low)."""
    slots = [fc.hoisted(("conv_direct_acc", key, k), lambda p: p.alloca(vt))
             for k in range(n)]
    for sl in slots:
        _st(fc.b, ir.Constant(vt, [0.0] * vt.count), sl)
    return slots


def _ld(b, slot, vt):
    return b.load(slot, typ=vt)


def _st(b, v, slot):
    b.store(v, slot)


def _splat(b, val, vt):
    undef = ir.Constant(vt, ir.Undefined)
    one = b.insert_element(undef, val, ir.Constant(ir.IntType(32), 0))
    return b.shuffle_vector(one, undef, ir.Constant(ir.VectorType(ir.IntType(32), vt.count),
                                                    [0] * vt.count))


def _fmuladd(module, vt):
    name = f"llvm.fmuladd.v{vt.count}f32"
    fn = module.globals.get(name)
    if fn is None:
        fn = ir.Function(module, ir.FunctionType(vt, [vt, vt, vt]), name)
    return fn





# ------------------------------------------------------------------ output channels in lanes
# LeNet's second layer (6 -> 16 channels, 5x5, 10x10 outputs): rows too narrow for runs of
# output columns, but its 16 output channels fill one vector.  Each output pixel accumulates
# ``x[tap] * wT[tap, :]`` (the input value broadcast, the weights of all channels in one
# vector: packed [taps, OC] once per call), PIX pixels of a row at a time; the pixel vectors
# are then stored channel by channel into the [OC, OH*OW] result.
OC_LANES = 16
PIX = 5
MAX_TAPS_OC = 256


def applies_oc(spec) -> bool:
    """Whether ``spec`` may run with its output channels in vector lanes (the kernel falls
    back to im2col at run time when OW < PIX)."""
    from . import rules_conv as RC
    ints = all(isinstance(v, int) for v in (spec.c, spec.oc, *spec.k))
    return (RC.DIRECT_CONV and spec.dt == "f32" and spec.groups == 1 and ints
            and spec.stride == (1, 1) and spec.dil == (1, 1) and not any(spec.pad)
            and spec.oc == OC_LANES and spec.c * spec.k[0] * spec.k[1] <= MAX_TAPS_OC)


def pack_weights(lw, spec):
    """Emit ``wT[tap, oc] = w[oc, tap]`` into a new arena buffer; return it."""
    taps = spec.c * spec.k[0] * spec.k[1]
    wt = lw.new_buf((taps * spec.oc,), spec.dt, name="conv_wt")
    w = spec.w.reshaped((spec.oc, taps))

    def body(fc, idx):
        o, t = idx
        b = fc.b
        wt.store_flat(fc, b.add(b.mul(t, _c(spec.oc)), o), w.load(fc, [o, t]))
    lw.emit_kernel((spec.oc, taps), body, reads=[spec.w], writes=[wt], name="convwt",
                   parallel=False)
    return wt


def usable_oc(cf):
    return cf.fc.b.icmp_signed(">=", cf.sz(cf.s.ohw[1]), _c(PIX))


def image_oc(cf, xp, cp):
    """One image with the output channels in lanes (see above)."""
    fc, s = cf.fc, cf.s
    ety = cf.ety
    vt = ir.VectorType(ety, OC_LANES)
    H, W = cf.sz(s.hw[0]), cf.sz(s.hw[1])
    OH, OW = cf.sz(s.ohw[0]), cf.sz(s.ohw[1])
    kh_n, kw_n, C = s.k[0], s.k[1], s.c
    fma = _fmuladd(fc.b.module, vt)
    b = fc.b
    wtp = cf.wt.ptr(fc)
    nblk = b.sdiv(b.add(OW, _c(PIX - 1)), _c(PIX))
    last = b.sub(OW, _c(PIX))
    ohw = b.mul(OH, OW)

    def row(oh):
        def blk(j):
            bb = fc.b
            p0 = _run_start(bb, j, PIX, last)
            slots = _acc_slots(fc, vt, PIX, "pix")

            def krow(r):  # one kernel row of one input channel; its kw taps unrolled
                b3 = fc.b
                rp = _row_ptr(b3, xp, ety, r, kh_n, H, W, oh, p0)
                acc = [_ld(b3, sl, vt) for sl in slots]
                for q in range(kw_n):
                    tap = b3.add(b3.mul(r, _c(kw_n)), _c(q))
                    wv = b3.load(b3.gep(wtp, [b3.mul(tap, _c(OC_LANES))], source_etype=ety),
                                 typ=vt)
                    wv.align = 4
                    for px in range(PIX):
                        xv = b3.load(b3.gep(rp, [_c(q + px)], source_etype=ety), typ=ety)
                        acc[px] = b3.call(fma, [_splat(b3, xv, vt), wv, acc[px]])
                for sl, a in zip(slots, acc):
                    _st(b3, a, sl)
            fc.loop(ZERO, _c(C * kh_n), krow, name="dk")
            bb = fc.b
            acc = [_ld(bb, sl, vt) for sl in slots]
            base = bb.gep(cp, [bb.add(bb.mul(oh, OW), p0)], source_etype=ety)
            for o in range(OC_LANES):
                op = bb.gep(base, [bb.mul(_c(o), ohw)], source_etype=ety)
                for px in range(PIX):
                    v = bb.extract_element(acc[px], ir.Constant(ir.IntType(32), o))
                    bb.store(v, bb.gep(op, [_c(px)], source_etype=ety))
        fc.loop(ZERO, nblk, blk, name="db")
    fc.loop(ZERO, OH, row, name="dh")

def _run_start(b, j, width, last):
    """First output column of run ``j``: the last run is shifted left to end at the row's end
    (it overlaps its neighbour instead of needing a scalar tail)."""
    p0 = b.mul(j, _c(width))
    return b.select(b.icmp_signed("<", p0, last), p0, last)


def _row_ptr(b, xp, ety, r, kh_n, H, W, oh, p0):
    """Address of input element (channel r // kh, row oh + r % kh, column p0): kernel row ``r``
    of one input channel, at output row ``oh`` and column ``p0``."""
    c, i = b.sdiv(r, _c(kh_n)), b.srem(r, _c(kh_n))
    return b.gep(xp, [b.add(b.mul(b.add(b.mul(c, H), b.add(oh, i)), W), p0)], source_etype=ety)


__all__ = ["applies", "usable", "image", "applies_oc", "pack_weights", "usable_oc", "image_oc",
           "VW"]
