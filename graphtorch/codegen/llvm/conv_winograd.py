"""Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions with enough channels (the ResNet block).

Why: such a convolution is GEMM-bound (im2col + sgemm already runs at BLAS's rate), so the
only way to go faster is fewer multiplications.  Winograd's minimal filtering computes each
2x2 output tile from a 4x4 input tile with 16 products per (input, output) channel pair
instead of 36: per image, 16 GEMMs ``M[xi] = U[xi] @ V[xi]`` of shape [OC, C] x [C, tiles]
(2.25x fewer flops than im2col's [OC, 9C] x [9C, OH*OW]), between cheap transforms:

- weights: ``U = G g G^T`` per (oc, c), once per call (weights are graph inputs, they may
  change between calls), at the start of the conv function: every thread that runs it
  transforms all of U into its own scratch (``private_weights``).  Serially in the entry
  before the region (``rules_conv.WINOGRAD_WEIGHTS = "entry"``, as before) the transform
  was a serial part of a batch-1 call, and its shared U was written by one core and read by
  the other (a shared U filled in chunks claimed by both threads measured the same as this,
  with cross-thread waits).  ResNet block (64 channels, 16x16), 2 threads, interleaved A/B
  in one process: batch 1 medians 163-165 -> 146-150 us (quiet moments; another run 136 ->
  131 us), batch 8 803 -> 794 us; 1 thread unchanged (~210 us);
- input: the image is copied into a zero-padded scratch covering every tile (so the transform
  loop has no bounds tests), then ``V = B^T d B`` per (c, tile);
- output: ``Y = A^T m A`` per (oc, tile), written into the conv's per-image tile (or output)
  that the usual epilogue (bias, BatchNorm, residual, ReLU, pool) then reads.

With fewer images than threads an image is split into bands of tile rows (rules_conv's
``unit``: part k of P): each part pads and transforms only the input rows its tiles read, runs
the 16 GEMMs on its tile columns and transforms its output rows, so the parts share no work
and need no barrier (the ResNet block at batch 1 on two threads, in-process A/B in quiet
moments of a shared 2-core machine: 217 -> 173 us min, 259 -> 216 us median).  Unlike a split
by images this may change the last bits of float64 results: BLAS blocks a band's columns
differently (float32's generated small GEMMs sum each element in the same order).

Results differ from im2col's by rounding only (the transforms use 0.5 and +-1 factors).
GRAPHTORCH_LLVM_WINOGRAD=0 turns it off (comparisons); the switches are ``rules_conv.WINOGRAD``
and ``rules_conv.WINOGRAD_MIN_PAIRS`` (that module's settings are part of the cache key)."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from . import scalar as X
from .fnctx import I64, PTR, FnCtx

ZERO = ir.Constant(I64, 0)
ONE = ir.Constant(I64, 1)
TWO = ir.Constant(I64, 2)
PLANE_PAD = 32  # elements between the 16 Winograd planes (see Plan)
VW = 8  # tiles per vector step of the transforms (8 tiles = a 16-wide row segment)


def _c(v):
    return ir.Constant(I64, v)


def applies(spec) -> bool:
    """Whether ``spec`` (a rules_conv._Spec) runs as Winograd F(2x2, 3x3)."""
    from . import rules_conv as RC  # the switches live there: part of the cache key
    return (RC.WINOGRAD and spec.dt in ("f32", "f64") and spec.groups == 1
            and spec.k == (3, 3) and spec.stride == (1, 1) and spec.dil == (1, 1)
            and isinstance(spec.c, int) and isinstance(spec.oc, int)
            and spec.c * spec.oc >= RC.WINOGRAD_MIN_PAIRS and spec.c >= 8
            and not _tiny(spec.ohw))


def _tiny(ohw):
    """A known output smaller than 4x4: too few tiles for 16 GEMM calls to pay off."""
    oh, ow = ohw
    return isinstance(oh, int) and isinstance(ow, int) and oh * ow < 16


class _Private:
    """``cf.u`` when each thread transforms U into its own scratch (``cf.uptr``)."""


PRIVATE = _Private()


def weight_kernel(lw, spec, private=False):
    """Emit the functions computing ``U[xi, oc, c] = (G g[oc, c] G^T)[xi]`` for a range of
    output channels, ``(bufs, slots, oc_lo, oc_hi)`` (plus the destination pointer when
    ``private``: U in the calling thread's scratch, ``u`` is then ``PRIVATE``, else an
    arena buffer); return ``(u, fns)``.  The caller calls them (entry or conv function).

    Vectorised over ``VW`` input channels: their 9 * VW weights are contiguous, one wide load
    deinterleaved by shuffles (a scalar kernel does the last ``C % VW`` channels)."""
    oc, c = spec.oc, spec.c
    u = PRIVATE if private else lw.new_buf((16 * (oc * c + PLANE_PAD),), spec.dt,
                                           name="wino_u")
    w = spec.w
    dt, ety = spec.dt, X.LTYPE[spec.dt]
    nblk, rest = divmod(c, VW)

    def transform(fc, g, o, ci, typ):
        b = fc.b
        half = X.fconst(dt, 0.5)
        if isinstance(typ, ir.VectorType):
            half = ir.Constant(typ, [0.5] * typ.count)

        def gmul(r):  # G applied to 3 values -> 4
            s_ = b.fadd(r[0], r[2])
            return [r[0], b.fmul(half, b.fadd(s_, r[1])), b.fmul(half, b.fsub(s_, r[1])), r[2]]
        cols = [gmul([g[0][j], g[1][j], g[2][j]]) for j in range(3)]  # cols[j][row]
        for r in range(4):
            row = gmul([cols[0][r], cols[1][r], cols[2][r]])
            for q in range(4):
                off = b.add(b.add(b.mul(o, _c(c)), ci), _c((r * 4 + q) * (oc * c + PLANE_PAD)))
                ptr = b.gep(fc.fn.args[4] if private else u.ptr(fc), [off], source_etype=ety)
                st = b.store(row[q], ptr)
                st.align = 4

    def vec_body(fc, idx):
        b = fc.b
        o, k = idx
        ci = b.mul(k, _c(VW))
        wide = ir.VectorType(ety, 9 * VW)
        src = b.gep(w.ptr(fc), [b.mul(b.add(b.mul(o, _c(c)), ci), _c(9))], source_etype=ety)
        allv = b.load(src, typ=wide)
        allv.align = 4
        i32v = ir.VectorType(ir.IntType(32), VW)
        g = [[b.shuffle_vector(allv, allv, ir.Constant(i32v, [3 * i + j + 9 * t
                                                              for t in range(VW)]))
              for j in range(3)] for i in range(3)]
        transform(fc, g, o, ci, ir.VectorType(ety, VW))

    def scalar_body(fc, idx):
        o, r = idx
        ci = fc.b.add(r, _c(nblk * VW))
        g = [[w.load(fc, [o, ci, _c(i), _c(j)]) for j in range(3)] for i in range(3)]
        transform(fc, g, o, ci, ety)
    fns = []
    for inner, body in ((nblk, vec_body), (rest, scalar_body)):
        if inner:
            lw.kernels += 1
            fc = FnCtx(lw.module, f"gt_winou{lw.kernels}", lw.symbol_slot,
                       extra_args=(I64, I64, PTR) if private else (I64, I64))
            fc.fn.linkage = "internal"
            fc.nest([_c(oc), _c(inner)], lambda idx, fc=fc, body=body: body(fc, idx),
                    lo0=fc.fn.args[2], hi0=fc.fn.args[3])
            fc.finish()
            fns.append(fc.fn)
    return u, fns


def _u_ptr(cf):
    return cf.uptr if cf.u is PRIVATE else cf.u.ptr(cf.fc)


def private_weights(cf, scratch):
    """At the start of the conv function: this thread's own U (all output channels) in its
    scratch, after the image's (``Plan.u_off``)."""
    b = cf.fc.b
    cf.uptr = b.gep(scratch, [cf.wino.u_off], source_etype=cf.ety)
    for fn in cf.ufns:
        b.call(fn, [cf.fc.bufs, cf.fc.slots, ZERO, _c(cf.s.oc), cf.uptr])


class Plan:
    """Run-time sizes of one image's Winograd convolution, and its scratch layout."""

    def __init__(self, cf):
        fc, s = cf.fc, cf.s
        b = fc.b
        self.cf = cf
        self.H, self.W = cf.sz(s.hw[0]), cf.sz(s.hw[1])
        self.OH, self.OW = cf.sz(s.ohw[0]), cf.sz(s.ohw[1])
        self.th = b.sdiv(b.add(self.OH, ONE), TWO)
        self.tw = b.sdiv(b.add(self.OW, ONE), TWO)
        self.T = b.mul(self.th, self.tw)
        self.Hp, self.Wp = b.add(b.mul(self.th, TWO), TWO), b.add(b.mul(self.tw, TWO), TWO)
        self.C, self.OC = _c(s.c), _c(s.oc)
        # padded image | V [16, C, T] | M [16, OC, T] | Y [OC, 2th, 2tw] (odd sizes only)
        self.n_pad = b.mul(self.C, b.mul(self.Hp, self.Wp))
        # planes (one per xi) a little longer than a power of two apart: stores to 16 planes
        # at 16 KB strides alias in the cache (measured: the transforms ran 20% slower)
        self.pv = b.add(b.mul(self.C, self.T), _c(PLANE_PAD))
        self.pm = b.add(b.mul(self.OC, self.T), _c(PLANE_PAD))
        self.n_v = b.mul(_c(16), self.pv)
        self.n_m = b.mul(_c(16), self.pm)
        # transforms run whole vectors of VW tiles: nblk per tile row, the last one partly
        # past the row (reads stay inside the scratch, writes land where later ones go)
        self.nblk = b.sdiv(b.add(self.tw, _c(VW - 1)), _c(VW))
        self.yw = b.mul(self.nblk, _c(2 * VW))  # row length of Y
        self.n_y = b.mul(b.mul(_c(s.oc), b.mul(self.th, TWO)), self.yw)
        slack = _c(4 * VW + 2 * PLANE_PAD)
        self.total = b.add(b.add(b.add(self.n_pad, self.n_v), b.add(self.n_m, self.n_y)),
                           slack)
        if cf.u is PRIVATE:  # this thread's U after the image's scratch
            self.u_off = self.total
            self.total = b.add(self.total, _c(16 * (s.oc * s.c + PLANE_PAD)))


def scratch_elems(cf):
    """Elements of per-thread scratch one image needs (``cf``: the conv function)."""
    cf.wino = Plan(cf)
    return cf.wino.total


def image(cf, xp, cp):
    """One image: ``xp`` points at its input channels, ``cp`` at its [OC, OH*OW] output."""
    p, fc = cf.wino, cf.fc
    b = fc.b
    ety = cf.ety
    pad = cf.cols
    v = b.gep(pad, [p.n_pad], source_etype=ety)
    m = b.gep(v, [p.n_v], source_etype=ety)
    y = b.gep(m, [p.n_m], source_etype=ety)
    _band(cf, p)
    _pad_copy(cf, p, xp, pad)
    _input_transform(cf, p, pad, v)
    from .rules_gemm import gemm_call
    pu = _c(cf.s.oc * cf.s.c + PLANE_PAD)
    col0 = b.mul(p.t_lo, p.tw)  # this band's tiles: GEMM columns [col0, col0 + ncols)
    ncols = b.mul(b.sub(p.t_hi, p.t_lo), p.tw)

    def plane(xi):  # a loop, not 16 unrolled calls: LLVM's compile time grows with them
        bb = fc.b
        up = bb.gep(_u_ptr(cf), [bb.mul(xi, pu)], source_etype=ety)
        vp = bb.gep(v, [bb.add(bb.mul(xi, p.pv), col0)], source_etype=ety)
        mp = bb.gep(m, [bb.add(bb.mul(xi, p.pm), col0)], source_etype=ety)
        gemm_call(fc, cf.s.dt, False, False, p.OC, ncols, p.C, up, p.C, vp, p.T, mp, p.T, 0.0)
    with b.if_then(b.icmp_signed(">", ncols, ZERO)):
        fc.loop(ZERO, _c(16), plane, name="xi")
    b = fc.b
    exact = b.and_(b.and_(b.icmp_signed("==", b.mul(p.th, TWO), p.OH),
                          b.icmp_signed("==", b.mul(p.tw, TWO), p.OW)),
                   b.icmp_signed("==", p.yw, p.OW))
    with b.if_else(exact) as (direct, crop):
        with direct:  # whole vectors of tiles cover the output exactly: write it in place
            _output_transform(cf, p, m, cp)
        with crop:
            _output_transform(cf, p, m, y)
            _crop(cf, p, y, cp)


def _band(cf, p):
    """This unit's tile rows [t_lo, t_hi) (all of them unless the image is split: part k of
    P takes rows [k * th / P, (k+1) * th / P)); sets ``cf.rows``, the output rows written,
    for the epilogue."""
    b = cf.fc.b
    if cf.part is None:
        p.t_lo, p.t_hi = ZERO, p.th
        return
    k, parts = cf.part
    p.t_lo = b.udiv(b.mul(k, p.th), parts)
    p.t_hi = b.udiv(b.mul(b.add(k, ONE), p.th), parts)
    r_hi = b.mul(p.t_hi, TWO)
    cf.rows = (b.mul(p.t_lo, TWO), b.select(b.icmp_signed("<", r_hi, p.OH), r_hi, p.OH))


def _pad_copy(cf, p, xp, pad):
    """pad[c, r, q] = x[c, r - ph, q - pw] (zero outside the image) for the padded rows the
    band's tiles read: per row a zero fill, then one contiguous copy of the input row (plain
    loops LLVM turns into memset / vector code)."""
    fc, s = cf.fc, cf.s
    ph, pw = _c(s.pad[0]), _c(s.pad[1])
    z = X.fconst(s.dt, 0.0)
    ety = cf.ety
    r_lo, r_hi = fc.b.mul(p.t_lo, TWO), fc.b.add(fc.b.mul(p.t_hi, TWO), TWO)

    def chan(c):
        def row(r):
            b = fc.b
            dst = b.gep(pad, [b.mul(b.add(b.mul(c, p.Hp), r), p.Wp)], source_etype=ety)

            def zero(q):
                fc.b.store(z, fc.b.gep(dst, [q], source_etype=ety))
            fc.loop(ZERO, p.Wp, zero, name="pz")
            b = fc.b
            ih = b.sub(r, ph)
            inside = b.and_(b.icmp_signed(">=", ih, ZERO), b.icmp_signed("<", ih, p.H))
            with b.if_then(inside):
                bb = fc.b
                src = bb.gep(xp, [bb.mul(bb.add(bb.mul(c, p.H), ih), p.W)], source_etype=ety)
                dq = bb.gep(dst, [pw], source_etype=ety)

                def col(q):
                    b3 = fc.b
                    b3.store(b3.load(b3.gep(src, [q], source_etype=ety), typ=ety),
                             b3.gep(dq, [q], source_etype=ety))
                fc.loop(ZERO, p.W, col, name="pq")
        fc.loop(r_lo, r_hi, row, name="pr")
    fc.loop(ZERO, p.C, chan, name="pc")


def _bt(b, d):
    """B^T applied to 4 values."""
    return [b.fsub(d[0], d[2]), b.fadd(d[1], d[2]), b.fsub(d[2], d[1]), b.fsub(d[1], d[3])]


def _input_transform(cf, p, pad, v):
    fc, ety = cf.fc, cf.ety
    vw = VW
    vt, wide = ir.VectorType(ety, vw), ir.VectorType(ety, 2 * vw)
    evens = ir.Constant(ir.VectorType(ir.IntType(32), vw), list(range(0, 2 * vw, 2)))
    odds = ir.Constant(ir.VectorType(ir.IntType(32), vw), list(range(1, 2 * vw, 2)))
    ct = p.pv

    def chan(c):
        def trow(t_h):
            b = fc.b
            base = b.gep(pad, [b.mul(b.add(b.mul(c, p.Hp), b.mul(t_h, TWO)), p.Wp)],
                         source_etype=ety)
            vrow = b.add(b.mul(c, p.T), b.mul(t_h, p.tw))
            vrows = [b.gep(v, [b.add(b.mul(_c(xi), ct), vrow)], source_etype=ety)
                     for xi in range(16)]

            def store16(bb, d, t, put):
                cols = [_bt(bb, [d[0][j], d[1][j], d[2][j], d[3][j]]) for j in range(4)]
                for r in range(4):
                    row = _bt(bb, [cols[0][r], cols[1][r], cols[2][r], cols[3][r]])
                    for q in range(4):
                        put(bb.gep(vrows[r * 4 + q], [t], source_etype=ety), row[q])

            def tvec(k):  # VW tiles at once: stride-2 columns by deinterleaving shuffles
                bb = fc.b
                t_w = bb.mul(k, _c(vw))
                q0 = bb.mul(t_w, TWO)
                d = [[None] * 4 for _ in range(4)]
                for i in range(4):
                    rp = bb.gep(base, [bb.add(bb.mul(_c(i), p.Wp), q0)], source_etype=ety)
                    a = bb.load(rp, typ=wide)
                    a.align = 4
                    a2 = bb.load(bb.gep(rp, [TWO], source_etype=ety), typ=wide)
                    a2.align = 4
                    d[i] = [bb.shuffle_vector(a, a, evens), bb.shuffle_vector(a, a, odds),
                            bb.shuffle_vector(a2, a2, evens), bb.shuffle_vector(a2, a2, odds)]

                def put(ptr, val):
                    st = fc.b.store(val, ptr)
                    st.align = 4
                store16(bb, d, t_w, put)

            fc.loop(ZERO, p.nblk, tvec, name="vv")
        fc.loop(p.t_lo, p.t_hi, trow, name="vh")
    fc.loop(ZERO, p.C, chan, name="vc")


def _at(b, m):
    """A^T applied to 4 values -> 2."""
    return [b.fadd(b.fadd(m[0], m[1]), m[2]), b.fsub(b.fsub(m[1], m[2]), m[3])]


def _output_transform(cf, p, m, out):
    """out[oc, 2th + i, 2tw + j] over a (2th x yw) grid (row length ``p.yw``)."""
    fc, ety = cf.fc, cf.ety
    vw = VW
    vt = ir.VectorType(ety, vw)
    inter = ir.Constant(ir.VectorType(ir.IntType(32), 2 * vw),
                        [x for k in range(vw) for x in (k, vw + k)])
    ow = p.yw
    plane = fc.b.mul(p.th, fc.b.mul(ow, TWO))
    oct_ = p.pm

    def chan(o):
        def trow(t_h):
            b = fc.b
            obase = b.gep(out, [b.add(b.mul(o, plane), b.mul(b.mul(t_h, TWO), ow))],
                          source_etype=ety)
            mrow = b.add(b.mul(o, p.T), b.mul(t_h, p.tw))
            # the 16 planes' rows, addressed from here on by the tile column only (with the
            # full offset in each load, LLVM's loop passes took seconds on these loops)
            rows = [b.gep(m, [b.add(b.mul(_c(xi), oct_), mrow)], source_etype=ety)
                    for xi in range(16)]

            def tvec(k):
                bb = fc.b
                t_w = bb.mul(k, _c(vw))
                vals = []
                for xi in range(16):
                    ld = bb.load(bb.gep(rows[xi], [t_w], source_etype=ety), typ=vt)
                    ld.align = 4
                    vals.append(ld)
                cols = [_at(bb, [vals[j], vals[4 + j], vals[8 + j], vals[12 + j]])
                        for j in range(4)]
                q0 = bb.mul(t_w, TWO)
                for i in range(2):
                    y = _at(bb, [cols[0][i], cols[1][i], cols[2][i], cols[3][i]])
                    both = bb.shuffle_vector(y[0], y[1], inter)
                    off = bb.add(bb.mul(_c(i), ow), q0)
                    st = bb.store(both, bb.gep(obase, [off], source_etype=ety))
                    st.align = 4
            fc.loop(ZERO, p.nblk, tvec, name="yv")
        fc.loop(p.t_lo, p.t_hi, trow, name="yh")
    fc.loop(ZERO, p.OC, chan, name="yc")


def _crop(cf, p, y, cp):
    """cp[oc, oh, ow] = y[oc, oh, ow] for the real (odd) output size."""
    fc, ety = cf.fc, cf.ety
    ow2 = p.yw
    plane = fc.b.mul(p.th, fc.b.mul(ow2, TWO))

    def chan(o):
        def row(r):
            b = fc.b
            src = b.gep(y, [b.add(b.mul(o, plane), b.mul(r, ow2))], source_etype=ety)
            dst = b.gep(cp, [b.mul(b.add(b.mul(o, p.OH), r), p.OW)], source_etype=ety)

            def col(q):
                bb = fc.b
                bb.store(bb.load(bb.gep(src, [q], source_etype=ety), typ=ety),
                         bb.gep(dst, [q], source_etype=ety))
            fc.loop(ZERO, p.OW, col, name="cw")
        fc.loop(*cf.row_range(), row, name="ch")
    fc.loop(ZERO, p.OC, chan, name="cc")


__all__ = ["applies", "weight_kernel", "private_weights", "scratch_elems", "image", "PRIVATE"]
