"""1-D/2-D float convolution: one native function per convolution that loops over images,
building each image's column matrix in a per-thread scratch buffer (cache-sized, never the
whole batch), calling BLAS right after, and finishing the image's output tile in one pass (the
epilogue: bias, a following pointwise consumer such as ReLU or an eval BatchNorm + residual add
+ ReLU fusion group).

Why per image: the batch's column matrix (37.7 MB for a batch-64 ResNet block) would be built
before any GEMM and read back from memory; one image's (0.6 MB) stays in L2 between im2col and
the GEMM.  The image loop is the function's ``[lo, hi)`` range, so threads split it (each thread
with single-threaded BLAS: ``threads.parallel_call``); a Winograd convolution with fewer
images than threads ranges over (image, band of output rows) units instead (``_parts``).

im2col copies contiguous runs: rows are (channel, kh, kw), and for each output row ``oh`` the
valid ``ow`` range of a kernel column is computed once, so the inner loop is a plain (strided
for stride > 1) copy with no per-element division or select.  A 1x1 stride-1 unpadded
convolution reads the input image directly as the GEMM operand (no im2col).

Two kernels replace im2col + GEMM where they are faster, writing the same per-image result the
epilogue reads: Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions with many channels
(``conv_winograd.py``: the ResNet block, 1.8x) and direct kernels for few taps and output
channels (``conv_direct.py``: LeNet's two layers, 1.4-1.7x).
The epilogue fusion and BatchNorm folding live in ``rules_conv_fuse.py``."""
from __future__ import annotations

import os

from llvmlite import ir

from ...ir import symbolic as S
from . import scalar as X
from . import threads
from .fnctx import I64, PTR, FnCtx
from .lower import dt_of, rule
from .rules_gemm import _BLAS, gemm_call
from .rules_gemm import _conv as _conv_im2col
from .rules_host import or_host
from .tensors import TensorH

ZERO = ir.Constant(I64, 0)
ONE = ir.Constant(I64, 1)
# Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (conv_winograd.py) with at least this
# many (input, output) channel pairs; GRAPHTORCH_LLVM_WINOGRAD=0 turns it off
WINOGRAD = os.environ.get("GRAPHTORCH_LLVM_WINOGRAD", "1") != "0"
WINOGRAD_MIN_PAIRS = 32 * 32
# a direct kernel (no im2col) for few taps and output channels (conv_direct.py)
DIRECT_CONV = os.environ.get("GRAPHTORCH_LLVM_DIRECT_CONV", "1") != "0"
# split a convolution's images over threads from this much work (MACs / 4): lower than
# threads.MIN_WORK because each thread's share is whole images of dense compute (LeNet at
# batch 8, 2 threads: 104 -> 77 us with 1 << 15; 1 << 13 gained nothing more)
CONV_MIN_WORK = 1 << 15
# a Winograd image with at least this much work (MACs / 4) is split over the threads in
# bands of output rows when the batch has fewer images than threads (ResNet block, batch 1)
SPLIT_MIN_WORK = 1 << 19
# where the Winograd weight transform U runs (conv_winograd.py): "private" (every thread
# of the conv function into its own scratch) or "entry" (serially before the region)
WINOGRAD_WEIGHTS = "private"


def _tup(v, nd):
    if isinstance(v, int):
        return (v,) * nd
    v = tuple(v)
    return v * nd if len(v) == 1 else v


class _Spec:
    """A convolution reduced to 2-D: sizes as size expressions, 1-D as height 1."""

    def __init__(self, x, w, bias, value, stride, pad, dil, groups):
        self.x, self.w, self.bias, self.value = x, w, bias, value
        self.dt = dt_of(value.type)
        self.groups = groups
        out = tuple(value.type.shape)
        if x.ndim == 3:  # [N, C, L] as [N, C, 1, L]
            self.hw = (1, x.shape[2])
            self.k = (1, w.shape[2])
            self.ohw = (1, out[2])
            stride, pad, dil = (1,) + stride, (0,) + pad, (1,) + dil
        else:
            self.hw, self.k, self.ohw = tuple(x.shape[2:]), tuple(w.shape[2:]), out[2:]
        self.stride, self.pad, self.dil = stride, pad, dil
        self.n, self.c, self.oc = x.shape[0], x.shape[1], w.shape[0]
        self.cg = w.shape[1]
        self.ocg = self.oc if groups == 1 else S.floordiv(self.oc, groups)
        self.rows = S.mul(self.cg, S.mul(self.k[0], self.k[1]))
        self.ncol = S.mul(self.ohw[0], self.ohw[1])
        self.direct = (self.k == (1, 1) and stride == (1, 1) and not any(pad))
        self.out_shape = out


class PendingConv(TensorH):
    """A convolution not emitted yet: its only consumer (a pointwise op or fusion group) will
    be computed in its epilogue.  Any other reader first materialises it."""

    __slots__ = ("spec", "consumer", "cost", "deps")
    pending = True

    def __init__(self, spec, consumer):
        self.shape, self.dt = spec.out_shape, spec.dt
        self.spec, self.consumer, self.cost, self.deps = spec, consumer, 1, frozenset()

    def load(self, fc, idx):
        raise AssertionError("llvm backend: a pending convolution was read directly")


@rule("convolution")
@or_host
def _conv(lw, node, ins):
    x, w = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 and isinstance(ins[2], TensorH) else None
    a = node.attrs
    value = node.outputs[0]
    dt = dt_of(value.type)
    nd = w.ndim - 2
    pad = a.get("padding", 0)
    if (a.get("transposed", False) or nd not in (1, 2) or dt not in _BLAS or x.dt != dt
            or w.dt != dt or x.ndim != nd + 2 or isinstance(pad, str)
            or (bias is not None and (bias.dt != dt or bias.ndim != 1))):
        return _conv_im2col(lw, node, ins)
    spec = _Spec(lw.realize(x), lw.realize(w), lw.realize(bias) if bias is not None else None,
                 value, _tup(a.get("stride", 1), nd), _tup(pad, nd),
                 _tup(a.get("dilation", 1), nd), a.get("groups", 1))
    from .rules_conv_fuse import fusable_consumer
    consumer = fusable_consumer(lw, node, value)
    if consumer is not None:
        return [PendingConv(spec, consumer)]
    return [materialise(lw, spec)]


def materialise(lw, spec):
    """Emit ``spec``'s convolution into its own buffer (bias added in the epilogue)."""
    dest = lw.new_buf(spec.out_shape, spec.dt, spec.value, spec.value.name)
    shift = spec.bias.reshaped((1, spec.oc, 1, 1)) if spec.bias is not None else None
    emit_conv(lw, spec, dest, None, shift)
    return dest


# ------------------------------------------------------------------ the conv function
def emit_conv(lw, spec, dest, epi, shift, fn_cls=None):
    """Emit the per-image conv function and its (parallel) call from the entry.

    ``epi``: None (the GEMM writes ``dest`` directly; ``shift`` [1, OC, 1, 1] is added in
    place) or a Lazy over the conv shape reading the tile, stored into ``dest`` (by
    ``fn_cls``'s ``epilogue``: a ``_ConvFn`` subclass may store a pooled result instead)."""
    from . import conv_winograd as WG
    private = WINOGRAD_WEIGHTS == "private"
    u, ufns = WG.weight_kernel(lw, spec, private) if WG.applies(spec) else (None, ())
    from . import conv_direct as D
    wt = D.pack_weights(lw, spec) if u is None and D.applies_oc(spec) else None
    lw.step += 1
    uses = [spec.x, spec.w, dest] + ([spec.bias] if spec.bias is not None else [])
    uses += [h for h in (u, wt) if h is not None and h is not WG.PRIVATE]
    for h in uses + ([epi] if epi is not None else []):
        lw.touch(h)
    lw.kernels += 1
    fc = FnCtx(lw.module, f"gt_conv{lw.kernels}", lw.symbol_slot, extra_args=(I64, I64))
    fc.fn.linkage = "internal"
    # one call per graph run: inlining it into the entry gains nothing and makes LLVM's
    # passes work on one huge function (LeNet's compile time: +0.5 s)
    fc.fn.attributes.add("noinline")
    lo, hi = fc.fn.args[2], fc.fn.args[3]
    cf = (fn_cls or _ConvFn)(fc, spec, dest, epi, shift)
    serial_u = u is not None and WINOGRAD_WEIGHTS == "entry"
    cf.u, cf.wt, cf.ufns = u, wt, (() if serial_u else ufns)
    # splitting an image into bands of rows needs an epilogue that runs per band: the plain
    # one (a pooled epilogue, fn_cls, walks the whole image itself)
    cf.splittable = u is not None and fn_cls is None
    cf.emit(lo, hi)
    fc.finish()
    e = lw.entry
    flops = S.mul(S.mul(spec.n, spec.ocg), S.mul(spec.rows, spec.ncol))
    flops = S.mul(flops, spec.groups)
    work = e.b.udiv(e.size(flops), ir.Constant(I64, 4)) if not isinstance(flops, int) \
        else flops // 4
    units = e.size(spec.n)
    if cf.splittable:  # [0, N * P): image u // P, band u % P (the same P inside)
        units = e.b.mul(units, _parts(e, spec))
    if serial_u:
        for fn in ufns:
            e.b.call(fn, [e.bufs, e.slots, ZERO, ir.Constant(I64, spec.oc)])
    threads.parallel_call(e, fc.fn, ZERO, units, work, CONV_MIN_WORK)


def _parts(fc, spec):
    """Into how many bands of output rows each image is split (an i64 at ``fc.b``): the
    team's size when there are fewer images than threads and an image is worth splitting,
    else 1.  The entry and the conv function compute it alike: both read the same words."""
    b = fc.b
    team = threads.team_size(fc)
    n = fc.size(spec.n)
    macs = S.mul(S.mul(spec.oc, spec.rows), spec.ncol)
    big = b.icmp_signed(">=", b.udiv(fc.size(macs), ir.Constant(I64, 4)),
                        ir.Constant(I64, SPLIT_MIN_WORK))
    return b.select(b.and_(big, b.icmp_signed("<", n, team)), team, ONE)


class _ConvFn:
    def __init__(self, fc, spec, dest, epi, shift):
        self.fc, self.s, self.dest, self.epi, self.shift = fc, spec, dest, epi, shift
        self.ety = X.LTYPE[spec.dt]
        self.isz = 4 if spec.dt == "f32" else 8
        self.u = None  # Winograd-transformed weights (conv_winograd.py), when it applies
        self.wt = None  # weights packed [taps, OC] (conv_direct.py), when that applies
        self.ufns = ()  # the functions transforming U into this thread's scratch
        self.splittable = False  # whether images may be split into bands of rows
        self.part = None  # (p, P): this unit is part p of P of its image (None: all of it)
        self.rows = None  # (lo, hi): the output rows this unit wrote (None: all)

    def sz(self, e):
        return self.fc.size(e)

    def emit(self, lo, hi):
        fc, s = self.fc, self.s
        b = fc.b
        if self.u is not None:
            from .conv_winograd import scratch_elems
            cols = scratch_elems(self)
        else:
            cols = ZERO if s.direct else b.mul(self.sz(s.rows), self.sz(s.ncol))
        tile = ZERO if self.epi is None else b.mul(self.sz(s.oc), self.sz(s.ncol))
        total = b.add(cols, tile)
        malloc = X.declare(fc.fn.module, "malloc", PTR, [I64])
        free = X.declare(fc.fn.module, "free", ir.VoidType(), [PTR])
        nonempty = b.and_(b.icmp_signed(">", self.sz(s.ncol), ZERO),
                          b.icmp_signed(">", self.sz(s.oc), ZERO))
        with b.if_then(nonempty):
            scratch = b.call(malloc, [b.mul(b.add(total, ONE), ir.Constant(I64, self.isz))])
            self.cols = scratch
            self.tile = b.gep(scratch, [cols], source_etype=self.ety)
            if self.ufns:  # this thread's own Winograd U
                from .conv_winograd import private_weights
                private_weights(self, scratch)
            if self.splittable:
                fc.loop(lo, hi, self.unit, name="unit")
            else:
                fc.loop(lo, hi, self.image, name="img")
            fc.b.call(free, [scratch])

    def unit(self, u):
        """Part ``u % P`` of image ``u // P``: a band of output rows (conv_winograd.image
        picks it and sets ``self.rows``; the parts share no work and need no barrier)."""
        b = self.fc.b
        parts = _parts(self.fc, self.s)
        self.part = (b.urem(u, parts), parts)
        self.image(b.udiv(u, parts))

    def row_range(self):
        """(lo, hi) of the output rows this image (part) computed."""
        if self.rows is None:
            return ZERO, self.sz(self.s.ohw[0])
        return self.rows

    def image(self, n):
        fc, s = self.fc, self.s
        if s.groups == 1:
            self.group(n, ZERO)
        else:
            fc.loop(ZERO, self.sz(s.groups), lambda g: self.group(n, g), name="grp")
        if self.epi is not None:
            self.epilogue(n)
        elif self.shift is not None:
            self.add_shift(n)

    def _x_image(self, n, g):
        """Element offset of channel ``g * cg`` of image ``n`` in x."""
        b, s = self.fc.b, self.s
        hw = self.sz(S.mul(s.hw[0], s.hw[1]))
        ch = b.add(b.mul(n, self.sz(s.c)), b.mul(g, self.sz(s.cg)))
        return b.mul(ch, hw)

    def group(self, n, g):
        fc, s = self.fc, self.s
        b = fc.b
        xp = b.gep(s.x.ptr(fc), [self._x_image(n, g)], source_etype=self.ety)
        if self.u is not None:  # groups == 1
            from .conv_winograd import image
            image(self, xp, self._out_ptr(n, ZERO))
            return
        if self.u is None and not s.direct:
            from . import conv_direct as D
            kernel = (D.usable, D.image) if D.applies(s) else \
                (D.usable_oc, D.image_oc) if self.wt is not None else None
            if kernel is not None:
                with b.if_else(kernel[0](self)) as (yes, no):
                    with yes:
                        kernel[1](self, xp, self._out_ptr(n, g))
                    with no:
                        self._im2col_gemm(n, g, xp)
                return
        self._im2col_gemm(n, g, xp)

    def _im2col_gemm(self, n, g, xp):
        fc, s = self.fc, self.s
        b = fc.b
        if s.direct:
            bptr = xp
        else:
            self.im2col(xp)
            bptr = self.cols
        ncol, rows = self.sz(s.ncol), self.sz(s.rows)
        wp = b.gep(s.w.ptr(fc), [b.mul(g, b.mul(self.sz(s.ocg), rows))], source_etype=self.ety)
        cp = self._out_ptr(n, g)
        one = ONE
        lda = b.select(b.icmp_signed("<", rows, one), one, rows)
        gemm_call(fc, s.dt, False, False, self.sz(s.ocg), ncol, rows, wp, lda, bptr, ncol,
                  cp, ncol, 0.0)

    def _out_ptr(self, n, g):
        """Where group ``g`` of image ``n``'s GEMM result goes: the tile or the output."""
        fc, s = self.fc, self.s
        b = fc.b
        ncol = self.sz(s.ncol)
        crow = b.mul(g, self.sz(s.ocg))
        if self.epi is not None:
            return b.gep(self.tile, [b.mul(crow, ncol)], source_etype=self.ety)
        off = b.mul(b.add(b.mul(n, self.sz(s.oc)), crow), ncol)
        return b.gep(self.dest.ptr(fc), [off], source_etype=self.ety)

    # ---------------------------------------------------------------- im2col of one image
    def im2col(self, xp):
        fc, s = self.fc, self.s
        H, W = self.sz(s.hw[0]), self.sz(s.hw[1])
        OH, OW = self.sz(s.ohw[0]), self.sz(s.ohw[1])
        kh_n, kw_n = self.sz(s.k[0]), self.sz(s.k[1])
        (sh, sw), (ph, pw), (dh, dw) = s.stride, s.pad, s.dil
        ncol = self.sz(s.ncol)

        def chan(c):
            def krow(kh):
                def kcol(kw):
                    b = fc.b
                    row = b.add(b.mul(b.add(b.mul(c, kh_n), kh), kw_n), kw)
                    rowp = b.gep(self.cols, [b.mul(row, ncol)], source_etype=self.ety)
                    offw = b.sub(b.mul(kw, ir.Constant(I64, dw)), ir.Constant(I64, pw))
                    lo_, hi_ = self._valid(offw, W, OW, sw)
                    chp = b.gep(xp, [b.mul(c, b.mul(H, W))], source_etype=self.ety)

                    def orow(oh):
                        bb = fc.b
                        ih = bb.add(bb.mul(oh, ir.Constant(I64, sh)),
                                    bb.sub(bb.mul(kh, ir.Constant(I64, dh)),
                                           ir.Constant(I64, ph)))
                        dst = bb.gep(rowp, [bb.mul(oh, OW)], source_etype=self.ety)
                        inside = bb.and_(bb.icmp_signed(">=", ih, ZERO),
                                         bb.icmp_signed("<", ih, H))
                        with bb.if_else(inside) as (yes, no):
                            with yes:
                                src = fc.b.gep(chp, [fc.b.add(fc.b.mul(ih, W), offw)],
                                               source_etype=self.ety)
                                self._fill(dst, ZERO, lo_)
                                self._copy(dst, src, lo_, hi_, sw)
                                self._fill(dst, hi_, OW)
                            with no:
                                self._fill(dst, ZERO, OW)
                    if (sh, sw) == (1, 1):  # rows of equal width: one flat run per tap
                        with b.if_else(b.icmp_signed("==", OW, W)) as (flat, rowwise):
                            with flat:
                                self._flat_tap(rowp, chp, kh, offw, lo_, hi_)
                            with rowwise:
                                fc.loop(ZERO, OH, orow, name="oh")
                        return

                    fc.loop(ZERO, OH, orow, name="oh")
                fc.loop(ZERO, kw_n, kcol, name="kw")
            fc.loop(ZERO, kh_n, krow, name="kh")
        fc.loop(ZERO, self.sz(s.cg), chan, name="c")

    def _flat_tap(self, rowp, chp, kh, offw, lo, hi):
        """Stride 1 and OW == W: output rows are input rows, so a tap's column row is one
        contiguous copy, then zeros where the window hangs over the top/bottom/sides."""
        fc, s = self.fc, self.s
        b = fc.b
        H, OH, OW = self.sz(s.hw[0]), self.sz(s.ohw[0]), self.sz(s.ohw[1])
        dh, ph = s.dil[0], s.pad[0]
        shift = b.sub(b.mul(kh, ir.Constant(I64, dh)), ir.Constant(I64, ph))  # ih - oh
        oh_lo = b.sub(ZERO, shift)
        oh_lo = b.select(b.icmp_signed(">", oh_lo, ZERO), oh_lo, ZERO)
        oh_lo = b.select(b.icmp_signed("<", oh_lo, OH), oh_lo, OH)
        oh_hi = b.sub(H, shift)
        oh_hi = b.select(b.icmp_signed("<", oh_hi, OH), oh_hi, OH)
        oh_hi = b.select(b.icmp_signed(">", oh_hi, oh_lo), oh_hi, oh_lo)
        self._fill(rowp, ZERO, b.mul(oh_lo, OW))
        self._fill(rowp, b.mul(oh_hi, OW), b.mul(OH, OW))
        some = b.and_(b.icmp_signed("<", oh_lo, oh_hi), b.icmp_signed("<", lo, hi))
        with b.if_else(some) as (yes, no):
            with yes:
                bb = fc.b
                src = bb.gep(chp, [bb.add(bb.mul(shift, OW), offw)], source_etype=self.ety)
                j0 = bb.add(bb.mul(oh_lo, OW), lo)
                j1 = bb.add(bb.mul(bb.sub(oh_hi, ONE), OW), hi)
                self._copy(rowp, src, j0, j1, 1)

                def edges(oh):
                    e = fc.b.gep(rowp, [fc.b.mul(oh, OW)], source_etype=self.ety)
                    self._fill(e, ZERO, lo)
                    self._fill(e, hi, OW)
                fc.loop(oh_lo, oh_hi, edges, name="edge")
            with no:
                self._fill(rowp, b.mul(oh_lo, OW), b.mul(oh_hi, OW))

    def _valid(self, offw, W, OW, sw):
        """[lo, hi) of ``ow`` with ``0 <= ow * sw + offw < W`` (clamped to [0, OW])."""
        b = self.fc.b
        swc = ir.Constant(I64, sw)
        neg = b.sub(ZERO, offw)
        lo = b.select(b.icmp_signed(">", neg, ZERO),
                      b.sdiv(b.add(neg, ir.Constant(I64, sw - 1)), swc), ZERO)
        top = b.sub(b.sub(W, ONE), offw)
        hi = b.select(b.icmp_signed(">=", top, ZERO), b.add(b.sdiv(top, swc), ONE), ZERO)
        hi = b.select(b.icmp_signed("<", hi, OW), hi, OW)
        lo = b.select(b.icmp_signed("<", lo, hi), lo, hi)
        return lo, hi

    def _fill(self, dst, lo, hi):
        z = X.fconst(self.s.dt, 0.0)

        def body(i):
            self.fc.b.store(z, self.fc.b.gep(dst, [i], source_etype=self.ety))
        self.fc.loop(lo, hi, body, name="z")

    def _copy(self, dst, src, lo, hi, sw):
        def body(i):
            b = self.fc.b
            si = i if sw == 1 else b.mul(i, ir.Constant(I64, sw))
            v = b.load(b.gep(src, [si], source_etype=self.ety), typ=self.ety)
            b.store(v, b.gep(dst, [i], source_etype=self.ety))
        self.fc.loop(lo, hi, body, name="cp")

    # ---------------------------------------------------------------- epilogues
    def epilogue(self, n):
        fc, s = self.fc, self.s
        fc.conv_epi = {"n": n, "tile": self.tile}
        dest, epi = self.dest, self.epi
        OH, OW = self.sz(s.ohw[0]), self.sz(s.ohw[1])

        def ch(c):
            def row(oh):
                def col(ow):
                    idx = [n, c, oh, ow]
                    v = X.cast(fc.b, epi.load(fc, idx), epi.dt, dest.dt)
                    dest.store_flat(fc, dest.offset(fc, idx), v)
                fc.loop(ZERO, OW, col, name="ew")
            fc.loop(*self.row_range(), row, name="eh")
        fc.loop(ZERO, self.sz(s.oc), ch, name="ec")
        fc.conv_epi = None

    def add_shift(self, n):
        fc, s = self.fc, self.s
        ncol = self.sz(s.ncol)
        bias = s.bias
        r_lo, r_hi = self.row_range()
        ow = self.sz(s.ohw[1])
        cols = (fc.b.mul(r_lo, ow), fc.b.mul(r_hi, ow))  # whole rows: flat offsets

        def ch(c):
            bv = bias.load(fc, [c])
            base = fc.b.mul(fc.b.add(fc.b.mul(n, self.sz(s.oc)), c), ncol)

            def col(i):
                b = fc.b
                off = b.add(base, i)
                self.dest.store_flat(fc, off, X.add(b, s.dt, self.dest.load_flat(fc, off), bv))
            fc.loop(*cols, col, name="bw")
        fc.loop(ZERO, self.sz(s.oc), ch, name="bc")


def lower_consumer(lw, node, ins):
    """See ``rules_conv_fuse.lower_consumer`` (the lowering calls it through this module)."""
    from .rules_conv_fuse import lower_consumer as fn
    return fn(lw, node, ins)


__all__ = ["PendingConv", "lower_consumer", "emit_conv", "materialise"]
