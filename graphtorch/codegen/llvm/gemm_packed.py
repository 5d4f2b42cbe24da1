"""The small-M float32 GEMM for B stored [N, K] (a Linear weight) and many rows of A, packed:
each panel of B (64 of its rows with AVX-512 x up to 256 of K) is transposed once per call
into a stack buffer (16 x 16 tiles transposed in registers), then every row block of A runs
gemm_small's "axpy" micro kernel on it: FMAs only, none of the dot form's lane sums, which
dominate for short K (8 x 512 x 64: 4 vector FMAs per output against ~3 instructions of
sums).  The pass over B is paid once per call, so it wins from 16 rows at K = 64 and from
64-128 rows for longer K (``PACK_FROM``); C columns past the last whole panel go to the dot
kernel.  It also beat scipy's OpenBLAS sgemm on one thread up to M = 1024 (N = 512, K = 64 to
2048: 0.84-0.97x its time; 4096 x 512 x 128: 1.03-1.06x).  The panel is a 64 KB stack buffer
(per thread where a split GEMM calls it).  Any M, N, K, strides, beta 0 or 1; results differ
from the dot form by rounding."""
from __future__ import annotations

from llvmlite import ir

from .fnctx import F32, I64, PTR
from .gemm_ir import _at, _c64, _counted, _mask, _new_fn
from .gemm_small import _ARGS, _AXPY_BLOCK, _axpy_micro, _dot_kernel

_PACK_KC = 256  # K rows of the packed panel (panel: _PACK_KC x one axpy block of columns)


def _transpose_tile(b, src, lds, dst, ldd, vw):
    """dst[vw, vw] = src[vw, vw].T (row strides lds / ldd): vw rows in registers, log2(vw)
    rounds of two-source shuffles swapping the off-diagonal blocks."""
    vt = ir.VectorType(F32, vw)
    rows = [b.load(_at(b, src, b.mul(_c64(r), lds)), typ=vt, align=4) for r in range(vw)]
    rows = _transpose_vals(b, rows, vw)
    for r in range(vw):
        b.store(rows[r], _at(b, dst, b.mul(_c64(r), ldd)), align=4)


def _transpose_vals(b, rows, vw):
    """The vw x vw transpose of ``rows`` (vw vectors of vw lanes), in registers."""
    h = vw // 2
    while h >= 1:
        lo = _mask([ln if ln & h == 0 else vw + ln - h for ln in range(vw)])
        hi = _mask([ln + h if ln & h == 0 else vw + ln for ln in range(vw)])
        out = list(rows)
        for i in range(vw):
            if i & h == 0:
                out[i] = b.shuffle_vector(rows[i], rows[i + h], lo)
                out[i + h] = b.shuffle_vector(rows[i], rows[i + h], hi)
        rows, h = out, h // 2
    return rows


def _pack_panel(mod, vw, width):
    """S[kc, width] = B[width, kc].T (B rows of stride ldb; width a multiple of vw)."""
    name = f"gt_sgemm_pack_{width}_v{vw}"
    if name in mod.globals:
        return mod.globals[name]
    f, b = _new_fn(mod, name, [PTR, PTR, I64, I64])
    src, dst, kc, ldb = f.args
    kt = b.and_(kc, _c64(-vw))

    def tiles(k0, v):
        for j in range(0, width, vw):
            _transpose_tile(b, _at(b, src, b.add(b.mul(_c64(j), ldb), k0)), ldb,
                            _at(b, dst, b.add(b.mul(k0, _c64(width)), _c64(j))), _c64(width),
                            vw)
        return []
    _counted(b, _c64(0), kt, vw, [], tiles, "pk")

    def rest(k0, v):  # the last kc % vw rows of S, element by element
        for j in range(width):
            x = b.load(_at(b, src, b.add(b.mul(_c64(j), ldb), k0)), typ=F32)
            b.store(x, _at(b, dst, b.add(b.mul(k0, _c64(width)), _c64(j))))
        return []
    _counted(b, kt, kc, 1, [], rest, "pr")
    b.ret_void()
    return f


def packed_kernel(mod, vw):
    """B stored [N, K] for many rows of A: each panel of B's rows (one axpy block of
    C columns) x _PACK_KC of K is transposed into a stack buffer once and used by every row
    block of A through the axpy micro kernel (no lane sums); C columns past the last whole
    panel go to the dot kernel."""
    name = f"gt_sgemm_small_packed_v{vw}"
    if name in mod.globals:
        return mod.globals[name]
    f, b = _new_fn(mod, name, _ARGS)
    a, bm, cm, m, n, k, lda, ldb, ldc, acc = f.args
    mb, nv = _AXPY_BLOCK
    width = nv * vw
    scratch = b.alloca(ir.ArrayType(F32, _PACK_KC * width))
    scratch.align = 64
    sp = b.bitcast(scratch, PTR)
    pack = _pack_panel(mod, vw, width)
    micro = {r: _axpy_micro(mod, r, nv, vw) for r in (mb, 1)}
    n_pan = b.sub(n, b.srem(n, _c64(width)))
    m_main = b.sub(m, b.srem(m, _c64(mb)))

    def panel(n0, v):
        def chunk(k0, v2):
            kc = b.sub(k, k0)
            kc = b.select(b.icmp_signed("<", kc, _c64(_PACK_KC)), kc, _c64(_PACK_KC))
            b.call(pack, [_at(b, bm, b.add(b.mul(n0, ldb), k0)), sp, kc, ldb])
            # beta applies to the first chunk only: later chunks add to C
            acc_k = b.or_(acc, b.icmp_signed(">", k0, _c64(0)))

            def rows(r):
                return lambda m0, v3: (b.call(micro[r], [
                    _at(b, a, b.add(b.mul(m0, lda), k0)), sp,
                    _at(b, cm, b.add(b.mul(m0, ldc), n0)), kc, lda, _c64(width), ldc, acc_k,
                    _c64(width)]), [])[1]
            _counted(b, _c64(0), m_main, mb, [], rows(mb), "pm")
            _counted(b, m_main, m, 1, [], rows(1), "pmt")
            return []
        # at least one chunk: with K = 0 the micro kernel still writes C = beta * C
        k_hi = b.select(b.icmp_signed("<", k, _c64(1)), _c64(1), k)
        _counted(b, _c64(0), k_hi, _PACK_KC, [], chunk, "pkc")
        return []
    _counted(b, _c64(0), n_pan, width, [], panel, "pn")
    with b.if_then(b.icmp_signed("<", n_pan, n)):
        b.call(_dot_kernel(mod, vw), [a, _at(b, bm, b.mul(n_pan, ldb)), _at(b, cm, n_pan), m,
                                      b.sub(n, n_pan), k, lda, ldb, ldc, acc])
    b.ret_void()
    return f


# (max K, min M) from which the packed kernel beat the dot kernel (benchmarks/
# bench_gemm_small.py, N = 512, 1 thread): K = 64: 90 vs 77 GFLOP/s at M = 16, 103-111 vs
# 73-82 at M = 64-1024; K = 128: even at M = 64, 109 vs 95-103 at M = 128; K = 512: 68 vs
# 102 at M = 16, 105 vs 88 at M = 1024 (the dot kernel streams all of A per B block);
# from M = 65 on the alternative is BLAS (the tiers), which packed beats up to M = 1024
PACK_FROM = ((96, 16), (256, 64), (None, 65))


def packed_wins(b, m, k):
    """Whether B [N, K] goes to the packed kernel: a bool, or an i1 tested at run time."""
    if isinstance(m, ir.Constant) and isinstance(k, ir.Constant):
        return any((kk is None or k.constant < kk) and m.constant >= mm
                   for kk, mm in PACK_FROM)
    if isinstance(m, ir.Constant) and m.constant < min(mm for _, mm in PACK_FROM):
        return False
    cond = None
    for kk, mm in PACK_FROM:
        c = b.icmp_signed(">=", m, _c64(mm))
        if kk is not None:
            c = b.and_(c, b.icmp_signed("<", k, _c64(kk)))
        cond = c if cond is None else b.or_(cond, c)
    return cond


__all__ = ["packed_kernel", "packed_wins", "PACK_FROM"]
