"""A float32 GEMM for B stored [N, K] (a Linear weight) that packs A instead of B: the
product is computed as C^T = B A^T, a vector of ``vw`` rows of A against one broadcast
element of B.

Why: the packed kernel (gemm_packed.py) transposes all of B once per call, and with tens of
rows of A that transpose is a large share of the work: 8.6% of 64 x 768 x 256 (the shuffles
of 16 x 16 tiles), 17% at M = 32; ONNX Runtime's MLAS packs its weights once at session
creation and so never pays it.  The dot kernel (gemm_small.py) needs no packing but adds the
lanes of every output at the end, 10-15% of the work at K = 256.  Here only A is transposed
(M x K, a small fraction of B's N x K for the layers that matter), into a ``KC x vw`` panel
per ``vw`` rows, and each micro kernel keeps a ``vw x vw`` block of C^T in ``vw``
accumulators: per k one vector load of the panel and ``vw`` broadcast FMAs reading B's rows
in place (each row's cache line serves ``vw`` steps of k).  The block is transposed in
registers once at the end (``vw * log2(vw)`` shuffles per ``vw * vw * KC`` multiply-adds)
and stored as rows of C.

Tails: rows of A past M are read as copies of the last row and columns past N as copies of
the last row of B (no access past either operand); their results are never stored (masked
rows and lanes)."""
from __future__ import annotations

from llvmlite import ir

from .fnctx import F32, I1, I64, PTR
from .gemm_ir import _at, _c64, _counted, _fn, _new_fn, _splat, _vfma
from .gemm_packed import _transpose_vals

# most K per panel of A (vw x KC floats, 64 KB of stack with AVX-512): the MLP's K = 784
# in one piece was 2-4% faster than in chunks of 256 (64 x 512 x 784: 113 vs 110 GFLOP/s;
# chunks of 128: 107), though the panel (49 KB) is read from L2: each chunk stores and
# reloads C and transposes its blocks.  (Groups of 4 panels sharing each block of B's rows
# in L1 were no faster: B's 16 rows stream well.)
_TN_KC = 1024


def _min(b, x, y):
    return b.select(b.icmp_signed("<", x, y), x, y)


def _pack_a(mod, vw):
    """P[kc, vw] = A[rows, kc].T for ``rows`` <= vw rows of A (stride lda); rows past
    ``rows`` repeat the last one."""
    name = f"gt_sgemm_tn_pack_v{vw}"
    if name in mod.globals:
        return mod.globals[name]
    f, b = _new_fn(mod, name, [PTR, PTR, I64, I64, I64])
    f.attributes.add("noinline")  # see tn_kernel
    src, dst, kc, lda, rows = f.args
    vt = ir.VectorType(F32, vw)
    last = b.sub(rows, _c64(1))
    rp = [_at(b, src, b.mul(_min(b, _c64(r), last), lda)) for r in range(vw)]
    kt = b.and_(kc, _c64(-vw))

    def tile(k0, v):
        vals = [b.load(_at(b, rp[r], k0), typ=vt, align=4) for r in range(vw)]
        for r, row in enumerate(_transpose_vals(b, vals, vw)):
            b.store(row, _at(b, dst, b.mul(b.add(k0, _c64(r)), _c64(vw))), align=64)
        return []
    _counted(b, _c64(0), kt, vw, [], tile, "tk")

    def rest(k0, v):  # the last kc % vw columns of A, element by element
        for r in range(vw):
            x = b.load(_at(b, rp[r], k0), typ=F32)
            b.store(x, _at(b, dst, b.add(b.mul(k0, _c64(vw)), _c64(r))))
        return []
    _counted(b, kt, kc, 1, [], rest, "tr")
    b.ret_void()
    return f


def _micro(mod, vw, edge, nb=None):
    """C[rows, cols] (+)= P[kc, :rows].T @ B[cols, kc].T for a packed panel P and ``nb``
    (a multiple of vw) columns; ``edge``: rows / cols may be fewer than vw / nb (masked
    stores), else they are vw / nb."""
    nb = nb or vw
    name = f"gt_sgemm_tn_micro_v{vw}_{nb}" + ("_edge" if edge else "")
    if name in mod.globals:
        return mod.globals[name]
    f, b = _new_fn(mod, name, [PTR, PTR, PTR, I64, I64, I64, I1, I64, I64])
    f.attributes.add("noinline")  # see tn_kernel
    p, bm, cm, kc, ldb, ldc, acc, rows, cols = f.args
    vt = ir.VectorType(F32, vw)
    last = b.sub(cols, _c64(1))
    brow = [_at(b, bm, b.mul(_min(b, _c64(j), last) if edge else _c64(j), ldb))
            for j in range(nb)]

    def body(k, vals):
        av = b.load(_at(b, p, b.mul(k, _c64(vw))), typ=vt, align=64)
        return [_vfma(b, _splat(b, b.load(_at(b, brow[j], k), typ=F32), vw), av, vals[j])
                for j in range(nb)]
    accs = _counted(b, _c64(0), kc, 1, [ir.Constant(vt, None)] * nb, body, "k")
    for g in range(0, nb, vw):  # each vw x vw block of C^T, transposed
        _store_rows(b, _at(b, cm, _c64(g)), ldc, _transpose_vals(b, accs[g:g + vw], vw),
                    acc, rows, b.sub(cols, _c64(g)), edge)
    b.ret_void()
    return f


def _store_rows(b, cm, ldc, out, acc, rows, cols, edge):
    """C[r, 0:vw] (+)= out[r] for each vector of ``out``; ``edge``: only rows < ``rows``
    and lanes < ``cols`` (masked loads and stores)."""
    vt = out[0].type
    vw = vt.count
    zero = ir.Constant(vt, None)
    if not edge:
        for r in range(len(out)):
            ptr = _at(b, cm, b.mul(_c64(r), ldc))
            old = b.load(ptr, typ=vt, align=4)
            b.store(b.fadd(out[r], b.select(acc, old, zero)), ptr, align=4)
        return
    mod = b.module
    lanes = b.icmp_signed("<", ir.Constant(ir.VectorType(I64, vw), list(range(vw))),
                          _splat(b, cols, vw))
    i32 = ir.IntType(32)
    mload = _fn(mod, f"llvm.masked.load.v{vw}f32.p0", [PTR, i32, lanes.type, vt], vt)
    mstore = _fn(mod, f"llvm.masked.store.v{vw}f32.p0", [vt, PTR, i32, lanes.type])
    for r in range(len(out)):
        with b.if_then(b.icmp_signed("<", _c64(r), rows)):
            ptr = _at(b, cm, b.mul(_c64(r), ldc))
            old = b.call(mload, [ptr, ir.Constant(i32, 4), lanes, zero])
            b.call(mstore, [b.fadd(out[r], b.select(acc, old, zero)), ptr,
                            ir.Constant(i32, 4), lanes])


def _chunks(b, hi, step, body):
    """``for k0 in range(0, hi, step)`` with a run-time ``step`` (gemm_ir._counted takes
    a constant one)."""
    pre = b.block
    head, loop, done = (b.append_basic_block(f"tc.{x}") for x in ("head", "body", "done"))
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(I64, name="tc")
    i.add_incoming(_c64(0), pre)
    b.cbranch(b.icmp_signed("<", i, hi), loop, done)
    b.position_at_end(loop)
    body(i, [])
    i.add_incoming(b.add(i, step), b.block)
    b.branch(head)
    b.position_at_end(done)


def tn_kernel(mod, vw, nb=None):
    """C[M, N] (+)= A[M, K] @ B[N, K]^T (gemm_small's kernel arguments): per block of vw
    rows of A and chunk of K, the panel of A is packed once and every block of ``nb``
    columns of C (vw by default) computed from it."""
    from .gemm_small import _ARGS
    nb = nb or vw
    name = f"gt_sgemm_small_tn_v{vw}" + (f"_{nb}" if nb != vw else "")
    if name in mod.globals:
        return mod.globals[name]
    # the pack and micro kernels stay calls (one per vw x nb x K block: no slower, measured):
    # inlined at each call site, LLVM took 300 ms on this kernel instead of 130
    kinds = (_pack_a(mod, vw), _micro(mod, vw, False, nb), _micro(mod, vw, True, nb))
    f, b = _new_fn(mod, name, _ARGS)
    _drive(b, f.args, vw, vw, nb, *kinds)
    b.ret_void()
    return f


def _drive(b, fargs, vw, rb, nb, pack, main, edge):
    """The loops of tn_kernel over blocks of ``rb`` rows of A, chunks of K and blocks of
    ``nb`` columns of C, calling ``pack`` and the ``main`` / ``edge`` micro kernels."""
    a, bm, cm, m, n, k, lda, ldb, ldc, acc = fargs
    scratch = b.alloca(ir.ArrayType(F32, _TN_KC * vw))
    scratch.align = 64
    sp = b.bitcast(scratch, PTR)
    # equal chunks of K (not 1024 + a short rest: a chunk reloads C and transposes the
    # block for few multiply-adds); at least one: with K = 0, C = beta * C is still written
    nch = b.sdiv(b.add(k, _c64(_TN_KC - 1)), _c64(_TN_KC))
    nch = b.select(b.icmp_signed("<", nch, _c64(1)), _c64(1), nch)
    step = b.sdiv(b.add(k, b.sub(nch, _c64(1))), nch)
    step = b.select(b.icmp_signed("<", step, _c64(1)), _c64(1), step)
    k_hi = b.select(b.icmp_signed("<", k, _c64(1)), _c64(1), k)
    n_main = b.sub(n, b.srem(n, _c64(nb)))

    def mblock(m0, v):
        rows = _min(b, b.sub(m, m0), _c64(rb))
        full = b.icmp_signed("==", rows, _c64(rb))

        def chunk(k0, v2):
            kc = _min(b, b.sub(k, k0), step)
            b.call(pack, [_at(b, a, b.add(b.mul(m0, lda), k0)), sp, kc, lda, rows])
            acc_k = b.or_(acc, b.icmp_signed(">", k0, _c64(0)))  # beta: first chunk only
            cbase = _at(b, cm, b.mul(m0, ldc))

            def nblock(n0, v3):
                args = [sp, _at(b, bm, b.add(b.mul(n0, ldb), k0)), _at(b, cbase, n0), kc,
                        ldb, ldc, acc_k, rows, _c64(nb)]
                with b.if_else(full) as (yes, no):
                    with yes:
                        b.call(main, args)
                    with no:
                        b.call(edge, args)
                return []
            _counted(b, _c64(0), n_main, nb, [], nblock, "tn")
            with b.if_then(b.icmp_signed("<", n_main, n)):
                b.call(edge, [sp, _at(b, bm, b.add(b.mul(n_main, ldb), k0)),
                              _at(b, cbase, n_main), kc, ldb, ldc, acc_k, rows,
                              b.sub(n, n_main)])
            return []
        _chunks(b, k_hi, step, chunk)
        return []
    _counted(b, _c64(0), m, rb, [], mblock, "tm")


# Where tn_kernel beat the dot and packed kernels (1 thread, interleaved medians, MLAS's
# rate through ONNX Runtime for reference): 16-64 rows of A with K of 64-784 at 108-114
# GFLOP/s against 92-109 (dot) and 80-105 (packed), e.g. 32 x 768 x 256: 113 vs 98 / 93
# (MLAS 111), attention's per-head 32 x 32 x 64: 91-99 vs 79 (dot); level with packed at
# M = N = 256-512.  Not: fewer than 16 rows (the lanes of A past M are wasted: 56 vs 103
# at 8 x 512 x 784), fewer than 16 columns (N = 10: 52 vs 90), more rows than columns
# (A's packing outgrows B's: 1024 x 512 x 64, 105 vs 113; but see TN_BIG_A), and B's
# rows a multiple of 4 KB apart (K = 1024: all 16 rows read per step fall in one set of
# the 8-way L1 and evict each other: 53 vs 109 GFLOP/s).
TN_MIN_M = 16
TN_MIN_N = 16
TN_MIN_K = 32
# K = 64: the 16 x 16 block's transpose and C traffic are ~10% of its work; packed
# (B's transpose shared by every row block) was faster from M = 64 on (111 vs 106 at
# 128 x 512 x 64), tn below (106 vs 91 at 16 x 512 x 64, 104 vs 101 at M = 32)
TN_SHORT_K = 96
TN_SHORT_K_MAX_M = 64
# more rows than columns, but A (M x K floats) past half of L2 and B wide: the packed
# kernel reads all of A once per 64 columns of C, tn all of B once per 16 rows of A: the
# Transformer's linears at batch 64 (M = 2048; 1024 per thread at 2 threads), 2048 x 768 /
# 1024 x 256: 107 / 106 vs 101 / 102 GFLOP/s, 1024 x 768 / 1024 x 256: 109 / 104 vs 104 /
# 100; level at N = 512 (1024 x 512 x 256, 2048 x 512 x 128); packed still won 2048 x 256
# x 256 by 1-2% and 1024 x 512 x 128 by 3%
TN_BIG_A = 1 << 17
TN_WIDE_N = 768


def tn_wins(b, m, n, k, ldb):
    """Whether B [N, K] goes to :func:`tn_kernel`: a bool when the sizes are compile-time
    constants, else an i1 tested at run time."""
    conds = []

    def test(op, x, y):
        if isinstance(x, ir.Constant) and isinstance(y, ir.Constant):
            return {"<=": x.constant <= y.constant, ">=": x.constant >= y.constant,
                    "!=": x.constant != y.constant}[op]
        conds.append((op, x, y))
        return True
    ldb_low = (ir.Constant(I64, ldb.constant % 1024) if isinstance(ldb, ir.Constant)
               else None)
    ok = (test(">=", m, _c64(TN_MIN_M)) and test(">=", n, _c64(TN_MIN_N))
          and test(">=", k, _c64(TN_MIN_K))
          and test("!=", ldb_low if ldb_low is not None else b.and_(ldb, _c64(1023)),
                   _c64(0)))
    if not ok:
        return False
    # lanes idle in the last block of rows: at most 1/8 of the rows' blocks (M = 20 would
    # run at 20/32 of the rate: 70 GFLOP/s at 20 x 256 x 1000)
    from .gemm_small import vector_width
    vw = vector_width()  # rows per block
    if isinstance(m, ir.Constant):
        if 8 * m.constant < 7 * (-(-m.constant // vw) * vw):
            return False
    else:
        padded = b.and_(b.add(m, _c64(vw - 1)), _c64(-vw))
        conds.append((">=", b.mul(m, _c64(8)), b.mul(padded, _c64(7))))
    extra = [_rows_ok(b, m, n, k), _short_k_ok(b, m, k)]
    if any(e is False for e in extra):
        return False
    out = None
    for c in [e for e in extra if e is not True] + [b.icmp_signed(*t) for t in conds]:
        out = c if out is None else b.and_(out, c)
    return True if out is None else out


def _rows_ok(b, m, n, k):
    """M <= N, or A large and B wide (TN_BIG_A)."""
    if all(isinstance(v, ir.Constant) for v in (m, n, k)):
        return m.constant <= n.constant or (m.constant * k.constant > TN_BIG_A
                                            and n.constant >= TN_WIDE_N)
    big = b.and_(b.icmp_signed(">", b.mul(m, k), _c64(TN_BIG_A)),
                 b.icmp_signed(">=", n, _c64(TN_WIDE_N)))
    return b.or_(b.icmp_signed("<=", m, n), big)


def _short_k_ok(b, m, k):
    """K < TN_SHORT_K: only below TN_SHORT_K_MAX_M rows (the packed kernel wins above)."""
    kc, mc = isinstance(k, ir.Constant), isinstance(m, ir.Constant)
    if kc and k.constant >= TN_SHORT_K or mc and m.constant < TN_SHORT_K_MAX_M:
        return True
    if kc and mc:
        return False
    return b.or_(b.icmp_signed(">=", k, _c64(TN_SHORT_K)),
                 b.icmp_signed("<", m, _c64(TN_SHORT_K_MAX_M)))


__all__ = ["tn_kernel", "tn_wins", "TN_MIN_M"]
