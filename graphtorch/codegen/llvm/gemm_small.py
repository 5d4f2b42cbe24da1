"""A generated float32 GEMM for few rows (batch-1 linear layers, LSTM recurrent products,
per-head attention, small convolutions): register-blocked vector code over the operands in
their stored layout.

OpenBLAS's ``sgemm`` packs both operands into its own layout before computing; with M up to
a few dozen that packing (and the call's set-up) costs more than the product itself.  Two
kernels:

- "dot" form, B stored transposed ([N, K], a Linear weight, ``k.transpose``): each output is a
  dot product of two contiguous rows; a 2 x 8 block of outputs keeps 16 vector accumulators
  (the A rows are loaded once per 8 B rows), whose lane sums are folded together into one
  vector of 8 results (``_hsums``: about 3 instructions per output instead of 9); for
  K >= 256 a 4 x 4 block (fewer B rows streamed at once, each read by 4 A rows: 8-11% faster
  on the MLP's 8 x 512 x 784 and 64 x 512 x 784, slower for short K where the sums dominate);
  with one row of A (GEMV, bound by reading B) B's rows are read from their next 64-byte
  boundary on when all are equally misaligned (numpy's usual placement of a large weight),
  the products before it by a masked step (``_gemv_peel``: 7-13% faster);
- "axpy" form, B stored [K, N]: a 4 x (4 vectors) block of C accumulates ``A[m, k] * B[k, :]``
  for every k, no horizontal sums; the last N % width columns use masked loads and stores;
- "packed" (gemm_packed.py), B stored [N, K] and many rows of A for the K: panels of B
  transposed once per call into a stack buffer for the axpy micro kernel;
- "tn" (gemm_tn.py), B stored [N, K], 16 or more rows of A (gemm_tn.tn_wins): panels of A
  transposed instead, B read in place by broadcasts, no lane sums: 108-114 GFLOP/s where
  the dot / packed kernels gave 92-105 (10-15% faster at M = 16-64, K = 128-784; the
  Transformer at batch 1 and 64 and the MLP at batch 64 6-8% faster end to end).

All handle any M, N, K (tails by smaller blocks and a scalar loop), strides (leading
dimensions) and ``beta`` 0 or 1 (accumulate into C, which holds a bias).  They are defined once
per LLVM module and called from the entry function, which picks them where M is small for the
K (``_DOT_TIERS`` / ``_AXPY_TIERS``; a run-time test when sizes are symbolic) and BLAS
otherwise.  Sums are reassociated (vector lanes), so results differ from BLAS by rounding
only.  GRAPHTORCH_LLVM_SMALL_GEMM=0 turns the kernel off (comparisons)."""
from __future__ import annotations

import functools
import os

import llvmlite.binding as llvm
from llvmlite import ir

from . import engine
from .fnctx import F32, I1, I64, PTR
from .gemm_ir import (_at, _c64, _counted, _fn, _mask, _masked_step, _new_fn, _store_out, _vfma)

ENABLED = os.environ.get("GRAPHTORCH_LLVM_SMALL_GEMM", "1") != "0"
SMALL_M = 16      # rows kept on the generated kernel when BLAS may use several threads
_DOT_BLOCK = (2, 8)   # rows of A x rows of B per dot-form block
_DOT_BLOCK_LONG = (4, 4)  # the same for K >= _LONG_K
_LONG_K = 256
_DOT_PEEL = True  # align the dot form's loads of B for one row of A (see _gemv_peel)
_PEEL_MIN_K = 128
# the A-packing kernel where it wins (gemm_tn.tn_wins); GRAPHTORCH_LLVM_GEMM_TN=0 turns it
# off (A/B comparisons; the switch is part of compiled graphs' cache key, compile._tunables)
TN = os.environ.get("GRAPHTORCH_LLVM_GEMM_TN", "1") != "0"
_AXPY_BLOCK = (4, 4)  # rows of A x vectors of C columns per axpy-form block
_ARGS = [PTR, PTR, PTR, I64, I64, I64, I64, I64, I64, I1]  # A B C M N K lda ldb ldc accumulate


@functools.lru_cache(maxsize=None)
def vector_width() -> int:
    """float32 lanes of the host's widest vector registers (16 with AVX-512, else 8)."""
    engine.target_machine()  # initialises LLVM's native target
    feats = llvm.get_host_cpu_features().flatten()
    return 16 if "+avx512f" in feats.split(",") else 8


# ------------------------------------------------------------------ dot form: B is [N, K]
def _dot_micro(mod, mb, nb, vw, peel=False):
    """C[mb, nb] (+)= A[mb, K] . B[nb, K]^T at the given base pointers.  ``peel`` (one row
    of A): the products up to B's next 64-byte boundary first, by one masked step, so the
    loop's loads of B do not straddle cache lines (see _dot_kernel)."""
    name = f"gt_sgemm_dot_{mb}x{nb}_v{vw}" + ("_peel" if peel else "")
    if name in mod.globals:
        return mod.globals[name]
    f, b = _new_fn(mod, name, [PTR, PTR, PTR, I64, I64, I64, I64, I1])
    a, bm, cm, k_n, lda, ldb, ldc, acc = f.args
    vt = ir.VectorType(F32, vw)
    arow = [_at(b, a, b.mul(_c64(i), lda)) for i in range(mb)]
    brow = [_at(b, bm, b.mul(_c64(j), ldb)) for j in range(nb)]
    zeros = [ir.Constant(vt, None)] * (mb * nb)
    if peel:
        start = b.and_(b.sub(_c64(0), b.lshr(b.ptrtoint(bm, I64), _c64(2))), _c64(vw - 1))
        start = b.select(b.icmp_signed("<", start, k_n), start, k_n)
        init = _masked_step(b, arow, brow, _c64(0), start, zeros, vt, branch=False)
        accs, tails = _dot_loop(b, arow, brow, start, k_n, init, vt, True)
    else:
        accs, tails = _dot_loop(b, arow, brow, _c64(0), k_n, zeros, vt, False)
    ot = ir.VectorType(F32, nb)
    for i in range(mb):
        sums = _hsums(b, accs[i * nb:(i + 1) * nb], vw)
        tail = ir.Constant(ot, None)
        for j in range(nb):
            tail = b.insert_element(tail, tails[i * nb + j], ir.Constant(ir.IntType(32), j))
        _store_out(b, _at(b, cm, b.mul(_c64(i), ldc)), b.fadd(sums, tail), acc)
    b.ret_void()
    return f


def _dot_loop(b, arow, brow, start, k_n, init, vt, masked_tail):
    """Vector accumulators of A[i, start:K] * B[j, start:K] (added to ``init``) and scalar
    ones of the last (K - start) % vw products (zeros when ``masked_tail`` puts those in
    the vectors by one masked step)."""
    vw, mb, nb = vt.count, len(arow), len(brow)
    kv = b.add(start, b.and_(b.sub(k_n, start), _c64(-vw)))

    def vbody(k, vals):
        av = [b.load(_at(b, arow[i], k), typ=vt, align=4) for i in range(mb)]
        out = list(vals)
        for j in range(nb):
            bv = b.load(_at(b, brow[j], k), typ=vt, align=4)
            for i in range(mb):
                out[i * nb + j] = _vfma(b, av[i], bv, out[i * nb + j])
        return out
    accs = _counted(b, start, kv, vw, init, vbody, "kv")
    if masked_tail:
        return _masked_step(b, arow, brow, kv, b.sub(k_n, kv), accs, vt), \
            [ir.Constant(F32, 0.0)] * (mb * nb)

    def sbody(k, vals):  # the last K % vw products, one by one
        av = [b.load(_at(b, arow[i], k), typ=F32) for i in range(mb)]
        out = list(vals)
        for j in range(nb):
            bv = b.load(_at(b, brow[j], k), typ=F32)
            for i in range(mb):
                out[i * nb + j] = _vfma(b, av[i], bv, out[i * nb + j])
        return out
    return accs, _counted(b, kv, k_n, 1, [ir.Constant(F32, 0.0)] * (mb * nb), sbody, "ks")


def _hsums(b, vecs, vw):
    """The lane sums of ``vecs`` (a power-of-two count, at most ``vw``) as one vector, in
    order: pairs of vectors are folded into one (half the lanes of each group added to the
    other half) until one is left, then the lanes within each group are added."""
    g = vw  # lanes per group; each vector holds vw // g groups
    while len(vecs) > 1:
        q = vw // g
        lo = [j * g + t for j in range(q) for t in range(g // 2)]
        lo = lo + [vw + i for i in lo]
        hi = [i + g // 2 for i in lo]
        vecs = [b.fadd(b.shuffle_vector(x, y, _mask(lo)), b.shuffle_vector(x, y, _mask(hi)))
                for x, y in zip(vecs[0::2], vecs[1::2])]
        g //= 2
    v, n = vecs[0], vw // g
    while g > 1:
        lo = [j * g + t for j in range(n) for t in range(g // 2)]
        hi = [i + g // 2 for i in lo]
        v = b.fadd(b.shuffle_vector(v, v, _mask(lo)), b.shuffle_vector(v, v, _mask(hi)))
        g //= 2
    return v


def _dot_kernel(mod, vw, block=None):
    mb, nb = block or _DOT_BLOCK
    name = f"gt_sgemm_small_dot_v{vw}" + ("" if (mb, nb) == _DOT_BLOCK else f"_{mb}x{nb}")
    if name in mod.globals:
        return mod.globals[name]
    f, b = _new_fn(mod, name, _ARGS)
    a, bm, cm, m, n, k, lda, ldb, ldc, acc = f.args
    micro = {(r, s): _dot_micro(mod, r, s, vw) for r in (mb, 1) for s in (nb, 1)}

    def tiles(kernels):
        _tiles(b, m, n, mb, nb, lambda rows, cols, m0, n0: b.call(kernels[(rows, cols)], [
            _at(b, a, b.mul(m0, lda)), _at(b, bm, b.mul(n0, ldb)),
            _at(b, cm, b.add(b.mul(m0, ldc), n0)), k, lda, ldb, ldc, acc]))
    if not _DOT_PEEL:
        tiles(micro)
    else:  # two copies of the loops: one test per call, the plain copy as without the peel
        with b.if_else(_gemv_peel(b, bm, k, ldb, vw)) as (yes, no):
            with yes:
                tiles({**micro, (1, nb): _dot_micro(mod, 1, nb, vw, peel=True)})
            with no:
                tiles(micro)
    b.ret_void()
    return f


def _gemv_peel(b, bm, k, ldb, vw):
    """Whether the rows of B are read by the peeled GEMV micro kernel: one row of A is
    memory-bound on B, and B's rows all start 16 bytes past a 64-byte boundary where numpy
    placed a large weight, so every unpeeled load straddles two cache lines; peeling to the
    boundary made 1 x 512 x 784 / 512 / 128 7-13% faster.  Decided once per call (B's
    alignment, ldb % vw == 0 so every row shares it, K >= _PEEL_MIN_K): testing it in the
    micro kernel made the aligned case 4-17% slower, and 1 x 512 x 64 lost 20% to the
    extra step.  (With several rows of A the loads of A are as many as B's and the peel
    misaligns them: 5-30% slower, so those keep the plain loop.)"""
    words = b.lshr(b.ptrtoint(bm, I64), _c64(2))
    return b.and_(b.and_(b.icmp_signed("!=", b.and_(words, _c64(vw - 1)), _c64(0)),
                         b.icmp_signed("==", b.and_(ldb, _c64(vw - 1)), _c64(0))),
                  b.icmp_signed(">=", k, _c64(_PEEL_MIN_K)))


def _tiles(b, m, n, mb, nb, call):
    """Cover [0, m) x [0, n) by mb x nb blocks, then the row and column remainders."""
    m_main = b.sub(m, b.srem(m, _c64(mb)))
    n_main = b.sub(n, b.srem(n, _c64(nb)))

    def rows(n0, cols):
        _counted(b, _c64(0), m_main, mb, [], lambda m0, v: (call(mb, cols, m0, n0), [])[1],
                 "m")
        _counted(b, m_main, m, 1, [], lambda m0, v: (call(1, cols, m0, n0), [])[1], "mt")
    _counted(b, _c64(0), n_main, nb, [], lambda n0, v: (rows(n0, nb), [])[1], "n")
    _counted(b, n_main, n, 1, [], lambda n0, v: (rows(n0, 1), [])[1], "nt")


# ------------------------------------------------------------------ axpy form: B is [K, N]
def _axpy_micro(mod, mb, nv, vw, masked=False):
    """C[mb, nv * vw] (+)= A[mb, K] @ B[K, nv * vw] at the given base pointers; ``masked``:
    one vector of which only the first ``ncols`` (an extra argument) lanes exist."""
    name = f"gt_sgemm_axpy_{mb}x{nv}_v{vw}{'_m' if masked else ''}"
    if name in mod.globals:
        return mod.globals[name]
    f, b = _new_fn(mod, name, [PTR, PTR, PTR, I64, I64, I64, I64, I1, I64])
    a, bm, cm, k_n, lda, ldb, ldc, acc, ncols = f.args
    vt = ir.VectorType(F32, vw)
    arow = [_at(b, a, b.mul(_c64(i), lda)) for i in range(mb)]
    mask = ir.Constant(ir.VectorType(ir.IntType(32), vw), [0] * vw)
    undef = ir.Constant(vt, ir.Undefined)
    lanes = None
    if masked:
        it = ir.VectorType(I64, vw)
        nsplat = b.shuffle_vector(b.insert_element(ir.Constant(it, ir.Undefined), ncols,
                                                   ir.Constant(ir.IntType(32), 0)),
                                  ir.Constant(it, ir.Undefined), mask)
        lanes = b.icmp_signed("<", ir.Constant(it, list(range(vw))), nsplat)

    def vload(ptr):
        if lanes is None:
            return b.load(ptr, typ=vt, align=4)
        return b.call(_fn(mod, f"llvm.masked.load.v{vw}f32.p0", [PTR, ir.IntType(32), lanes.type,
                                                                 vt], vt),
                      [ptr, ir.Constant(ir.IntType(32), 4), lanes, ir.Constant(vt, None)])

    def body(k, vals):
        brow = _at(b, bm, b.mul(k, ldb))
        bv = [vload(_at(b, brow, _c64(j * vw))) for j in range(nv)]
        out = list(vals)
        for i in range(mb):
            s = b.load(_at(b, arow[i], k), typ=F32)
            sv = b.shuffle_vector(b.insert_element(undef, s, ir.Constant(ir.IntType(32), 0)),
                                  undef, mask)
            for j in range(nv):
                out[i * nv + j] = _vfma(b, sv, bv[j], out[i * nv + j])
        return out
    accs = _counted(b, _c64(0), k_n, 1, [ir.Constant(vt, None)] * (mb * nv), body, "k")
    for i in range(mb):
        for j in range(nv):
            ptr = _at(b, cm, b.add(b.mul(_c64(i), ldc), _c64(j * vw)))
            if lanes is None:
                _store_out(b, ptr, accs[i * nv + j], acc)
                continue
            old = vload(ptr)
            v = b.fadd(accs[i * nv + j], b.select(acc, old, ir.Constant(vt, None)))
            b.call(_fn(mod, f"llvm.masked.store.v{vw}f32.p0",
                       [vt, PTR, ir.IntType(32), lanes.type]),
                   [v, ptr, ir.Constant(ir.IntType(32), 4), lanes])
    b.ret_void()
    return f


def _axpy_kernel(mod, vw):
    name = f"gt_sgemm_small_axpy_v{vw}"
    if name in mod.globals:
        return mod.globals[name]
    f, b = _new_fn(mod, name, _ARGS)
    a, bm, cm, m, n, k, lda, ldb, ldc, acc = f.args
    mb, nv = _AXPY_BLOCK
    micro = {(r, s): _axpy_micro(mod, r, s, vw) for r in (mb, 1) for s in (nv, 1)}
    micro.update({(r, 0): _axpy_micro(mod, r, 1, vw, masked=True) for r in (mb, 1)})

    def call(rows, cols, m0, n0):
        b.call(micro[(rows, cols)], [_at(b, a, b.mul(m0, lda)), _at(b, bm, n0),
                                     _at(b, cm, b.add(b.mul(m0, ldc), n0)), k, lda, ldb, ldc,
                                     acc, b.sub(n, n0)])
    # column panels of nv vectors, then single vectors, then one masked vector
    panel = nv * vw
    n_pan = b.sub(n, b.srem(n, _c64(panel)))
    n_vec = b.sub(n, b.srem(n, _c64(vw)))
    m_main = b.sub(m, b.srem(m, _c64(mb)))

    def rows(n0, cols):
        _counted(b, _c64(0), m_main, mb, [], lambda m0, v: (call(mb, cols, m0, n0), [])[1],
                 "m")
        _counted(b, m_main, m, 1, [], lambda m0, v: (call(1, cols, m0, n0), [])[1], "mt")
    _counted(b, _c64(0), n_pan, panel, [], lambda n0, v: (rows(n0, nv), [])[1], "np")
    _counted(b, n_pan, n_vec, vw, [], lambda n0, v: (rows(n0, 1), [])[1], "nv")
    with b.if_then(b.icmp_signed("<", n_vec, n)):
        rows(n_vec, 0)
    b.ret_void()
    return f


# ------------------------------------------------------------------ call sites
ARGS = _ARGS


def kernel(mod, tb, long_k=False, packed=False, tn=False):
    """The small-M kernel for B stored [N, K] (``tb``) or [K, N] as called from ``mod``;
    ``long_k``: the dot-form variant for K >= 256; ``packed``: B [N, K] packed by panels for
    the axpy form; ``tn``: B [N, K] read in place against packed panels of A
    (gemm_tn.py).  Declared, and taken from the library compiled once per machine
    (gemm_lib.py), unless that is switched off: then defined in ``mod``."""
    from . import gemm_lib
    if gemm_lib.ENABLED:
        return gemm_lib.declare(mod, tb, long_k, packed, tn)
    return define(mod, tb, long_k, packed, tn)


def define(mod, tb, long_k=False, packed=False, tn=False):
    """Define the kernel of :func:`kernel` in ``mod`` (internal linkage)."""
    vw = vector_width()
    if tb and tn:
        from .gemm_tn import tn_kernel
        return tn_kernel(mod, vw)
    if tb and packed:
        from .gemm_packed import packed_kernel  # it builds on this module's kernels
        return packed_kernel(mod, vw)
    if not tb:
        return _axpy_kernel(mod, vw)
    return _dot_kernel(mod, vw, _DOT_BLOCK_LONG if long_k else None)


def emit_call(fc, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta):
    """Call the small kernel at the current point of ``fc`` (i64 sizes and strides)."""
    args = [a_ptr, b_ptr, c_ptr, m, n, k, lda, ldb, ldc, ir.Constant(I1, 1 if beta else 0)]
    mod, b = fc.fn.module, fc.b
    from .gemm_tn import tn_wins
    tn = tn_wins(b, m, n, k, ldb) if tb and TN else False
    if tn is True:
        b.call(kernel(mod, tb, tn=True), args)
    elif tn is False:
        _emit_packed_or_not(b, mod, tb, m, k, args)
    else:
        with b.if_else(tn) as (yes, no):
            with yes:
                b.call(kernel(mod, tb, tn=True), args)
            with no:
                _emit_packed_or_not(b, mod, tb, m, k, args)


def _emit_packed_or_not(b, mod, tb, m, k, args):
    from .gemm_packed import packed_wins
    packed = packed_wins(b, m, k) if tb else False
    if packed is True:
        b.call(kernel(mod, tb, packed=True), args)
    elif packed is False:
        _emit_unpacked(b, mod, tb, k, args)
    else:
        with b.if_else(packed) as (yes, no):
            with yes:
                b.call(kernel(mod, tb, packed=True), args)
            with no:
                _emit_unpacked(b, mod, tb, k, args)


def _emit_unpacked(b, mod, tb, k, args):
    if not tb or (isinstance(k, ir.Constant) and k.constant < _LONG_K):
        b.call(kernel(mod, tb), args)
    elif isinstance(k, ir.Constant):
        b.call(kernel(mod, tb, long_k=True), args)
    else:
        with b.if_else(b.icmp_signed(">=", k, _c64(_LONG_K))) as (long_, short):
            with long_:
                b.call(kernel(mod, tb, long_k=True), args)
            with short:
                b.call(kernel(mod, tb), args)


# (max M, min K) where the generated kernels beat scipy's OpenBLAS on one thread, measured
# per shape on this backend's workloads: 0.3-0.9x the time for M <= 64, K >= 32 (MLP, LSTM,
# Transformer, convolution shapes); with K < 32 BLAS was as fast or faster.  B stored
# [N, K] goes on to M = 2048 on the packed / tn kernels (gemm_packed.py: 0.84-0.93x
# BLAS's time for 128-1024 x 512 x 64/128/784): LSTM input projections, the Transformer's
# linears at batch 8 (0.87x end to end) and 64 (M = 2048: 2048 x 256 x 1024 10.0 vs
# 10.9 ms, 2048 x 256 x 256 2.47 vs 2.68 ms, 2048 x 768 / 1024 x 256 level; packed was
# 3-6% slower than BLAS at M = 4096)
_DOT_TIERS = ((2048, 32),)
_AXPY_TIERS = ((64, 32),)


def _tiers(tb, threaded):
    tiers = _DOT_TIERS if tb else _AXPY_TIERS
    if threaded:  # BLAS may split the larger products over threads: keep those
        tiers = tuple((min(mm, SMALL_M), kk) for mm, kk in tiers)
    return tiers


def _decide(b, tiers, m, k):
    """True / False when M and K are compile-time constants, else an i1 tested at run time."""
    if isinstance(m, ir.Constant) and isinstance(k, ir.Constant):
        return any(1 <= m.constant <= mm and k.constant >= kk for mm, kk in tiers)
    if isinstance(m, ir.Constant) and not any(1 <= m.constant <= mm for mm, _ in tiers):
        return False
    if isinstance(k, ir.Constant) and not any(k.constant >= kk for _, kk in tiers):
        return False
    cond = None
    for mm, kk in tiers:
        c = b.and_(b.icmp_signed("<=", m, _c64(mm)), b.icmp_signed(">=", k, _c64(kk)))
        cond = c if cond is None else b.or_(cond, c)
    return b.and_(cond, b.icmp_signed(">=", m, _c64(1)))


def _use_small(fc, tb, m, k):
    """Whether the product runs on the small kernel: a bool, or an i1 tested at run time.

    The thread count is read at run time (one compiled function, also from the disk cache,
    serves every ``torch.set_num_threads``)."""
    b = fc.b
    one, many = (_decide(b, _tiers(tb, t), m, k) for t in (False, True))
    if isinstance(one, bool) and isinstance(many, bool) and one == many:
        return one
    def as_i1(v):
        return ir.Constant(I1, int(v)) if isinstance(v, bool) else v
    from .threads import _global_word, team_size
    # BLAS threads itself only with the GEMM split off (threads.GEMM_SPLIT): with it on,
    # every product (or each thread's part of one) runs on one thread
    split = b.load(_global_word(fc.fn.module, "gt_gemm_split", ir.IntType(32)),
                   typ=ir.IntType(32))
    threaded = b.and_(b.icmp_signed(">", team_size(fc), _c64(1)),
                      b.icmp_signed("==", split, ir.Constant(ir.IntType(32), 0)))
    return b.select(threaded, as_i1(many), as_i1(one))


def maybe_small(fc, dt, ta, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta, blas):
    """Emit the small kernel where it applies (float32, A stored [M, K], beta 0 or 1, M small
    for its K: ``_DOT_TIERS`` / ``_AXPY_TIERS``; a run-time test when sizes are symbolic)
    choosing ``blas()`` otherwise.  Returns False when only ``blas`` applies (nothing
    emitted)."""
    if dt != "f32" or ta or beta not in (0.0, 1.0) or not ENABLED:
        return False
    use = _use_small(fc, tb, m, k)
    if use is False:
        return False
    if use is True:
        emit_call(fc, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta)
        return True
    b = fc.b
    with b.if_else(use) as (small, big):
        with small:
            emit_call(fc, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta)
        with big:
            blas()
    return True


__all__ = ["maybe_small", "emit_call", "kernel", "define", "ARGS", "SMALL_M", "vector_width"]
