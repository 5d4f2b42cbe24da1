"""Matrix products split over graphtorch's own thread team (``threads.region``).

Every float GEMM call site (``rules_gemm.gemm_call``: linear, mm, matmul, addmm, the
convolution GEMMs, the recurrent products; and ``batched_gemm``'s batch loop) checks at run
time whether the product is worth splitting, and if so runs a generated "part" kernel on each
thread of the team.  Each part calls the one-thread product (the small kernel of
gemm_small.py, or scipy's OpenBLAS, which threads.py keeps at one thread) on its sub-block:

- few rows (M <= N): the output columns (a Linear's weight rows) are split in units of
  ``UNIT_N`` columns (a multiple of every vector width and of the small kernel's column
  blocks, so each output is computed exactly as on one thread); each thread streams its share
  of the weights: a batch-1 product is memory bound, and two cores read twice as fast;
- many rows (M > N): the rows, in units of ``UNIT_M`` rows;
- a batched product (attention's per-head products) with at least as many products as
  threads: the batch index.

Why our team and not OpenBLAS's: two thread pools on two cores wait for each other (a
passive gomp worker woken while an OpenBLAS worker spins on its core), and OpenBLAS never
threads the products below its own threshold (every batch-1 and batch-8 layer here).

The decision reads the team size (``threads.team_size``: the thread count capped by the free
cores) and ``gt_gemm_split`` / ``gt_gemm_min_work`` at run time, so a graph compiled at one
thread count (or loaded from the disk cache) splits at another.  Inside a parallel region
(``omp_in_parallel``: a convolution's per-image function split over images) a product stays
serial.  The threshold (``threads.GEMM_MIN_WORK``, 2^17 multiply-adds) is where splitting
started to pay at 2 threads (time split / one thread, linear + ReLU, 2-core AMD EPYC VM):
1x128x128 (16k MACs) 1.36, 16x64x64 (65k) 1.11, 1x256x256 (65k) 0.95, 8x128x128 (131k) 0.98,
1x512x256 (131k) 0.75, 64x512x10 (327k) 0.71, 1x784x512 (401k) 0.56, 32x256x256 (2M) 0.57.

Serially (one thread, too little work, or inside a region) the call site runs the same part
kernel over the whole range: one copy of the product's code per module and variant rather
than one per call site, which keeps LLVM's time in check."""
from __future__ import annotations

from llvmlite import ir

from . import threads
from .fnctx import I32, I64, LTYPE, PTR, FnCtx

__all__ = ["maybe_split", "maybe_split_batched", "UNIT_N", "UNIT_M"]

UNIT_N = 16   # columns per unit of an N split (16 floats: one AVX-512 vector, two AVX2)
UNIT_M = 8    # rows per unit of an M split (a multiple of the small kernel's row blocks)
# products below this many multiply-adds (all sizes known at compile time) are never split,
# whatever the run-time threshold: no run-time test is emitted for them
CONST_MIN_WORK = 1 << 14

# record words a part kernel reads (i64; pointers as integers)
_A, _B, _C, _M, _N, _K, _LDA, _LDB, _LDC, _SA, _SB, _SC, _AXIS = range(13)
_WORDS = 13


def _c(v):
    return ir.Constant(I64, v)


def _word(b, rec, k):
    return b.load(b.gep(rec, [_c(k)], source_etype=I64), typ=I64)


def _ptr(b, rec, k):
    return b.inttoptr(_word(b, rec, k), PTR)


def _at(b, dt, p, off):
    return b.gep(p, [off], source_etype=LTYPE[dt])


def _min(b, x, y):
    return b.select(b.icmp_signed("<", x, y), x, y)


def _ceil_div(b, x, d):
    return b.sdiv(b.add(x, _c(d - 1)), _c(d))


def _part_kernel(module, key, body):
    """The module's part kernel ``key`` (defined once): ``body(fc, rec, lo, hi)`` emits it."""
    name = "gt_gemm_part_" + key
    fn = module.globals.get(name)
    if fn is not None:
        return fn
    fc = FnCtx(module, name, {}, extra_args=(I64, I64))
    fc.fn.linkage = "internal"
    # one call per thread per region: inlining it into the caller gains nothing
    fc.fn.attributes.add("noinline")
    body(fc, fc.bufs, fc.fn.args[2], fc.fn.args[3])
    fc.finish()
    return fc.fn


def _block_part(dt, ta, tb, serial, kc=None, mc=None):
    """Units ``[lo, hi)`` of the rows (word ``_AXIS`` = 1) or of the columns (0): one
    kernel for both, so the one-thread product is emitted once per variant (LLVM's time
    grows with every copy of the small kernel's call tree).  ``kc`` / ``mc``: K and M known
    at compile time (M only where the columns are always split), which lets the product's
    dispatch drop the kernels it cannot use (the MLP's cold compile: 920 ms reading K from
    the record, 660 ms without the split)."""
    def body(fc, rec, lo, hi):
        b = fc.b
        m, n = (_c(mc) if mc is not None else _word(b, rec, _M)), _word(b, rec, _N)
        rows_axis = (ir.Constant(ir.IntType(1), 0) if mc is not None
                     else b.icmp_signed("!=", _word(b, rec, _AXIS), _c(0)))
        unit = b.select(rows_axis, _c(UNIT_M), _c(UNIT_N))
        first = b.mul(lo, unit)
        count = b.sub(_min(b, b.mul(hi, unit), b.select(rows_axis, m, n)), first)
        zero = _c(0)
        i0, rows = b.select(rows_axis, first, zero), b.select(rows_axis, count, m)
        j0, cols = b.select(rows_axis, zero, first), b.select(rows_axis, n, count)
        lda, ldb, ldc = _word(b, rec, _LDA), _word(b, rec, _LDB), _word(b, rec, _LDC)
        # A stored [K, M] (transposed): row i starts at column i of memory; B stored [N, K]
        # (a Linear weight): column j is row j of memory
        a = _at(b, dt, _ptr(b, rec, _A), i0 if ta else b.mul(i0, lda))
        bp = _at(b, dt, _ptr(b, rec, _B), b.mul(j0, ldb) if tb else j0)
        c = _at(b, dt, _ptr(b, rec, _C), b.add(b.mul(i0, ldc), j0))
        with b.if_then(b.icmp_signed(">", count, zero)):
            k = _c(kc) if kc is not None else _word(b, rec, _K)
            serial(fc, rows, cols, k, a, lda, bp, ldb, c, ldc)
    return body


def _batch_part(dt, serial, kc=None):
    """Products ``[lo, hi)`` of a batch, each whole on this thread (``kc``: K if known)."""
    def body(fc, rec, lo, hi):
        def one(i):
            b = fc.b
            a = _at(b, dt, _ptr(b, rec, _A), b.mul(i, _word(b, rec, _SA)))
            bp = _at(b, dt, _ptr(b, rec, _B), b.mul(i, _word(b, rec, _SB)))
            c = _at(b, dt, _ptr(b, rec, _C), b.mul(i, _word(b, rec, _SC)))
            k = _c(kc) if kc is not None else _word(b, rec, _K)
            serial(fc, _word(b, rec, _M), _word(b, rec, _N), k, a,
                   _word(b, rec, _LDA), bp, _word(b, rec, _LDB), c, _word(b, rec, _LDC))
        fc.loop(lo, hi, one, name="bat")
    return body


def _fill(fc, vals):
    """The caller's record (one per function: regions run one after another) holding
    ``vals`` (word index -> i64 value or pointer)."""
    b = fc.b
    rec = fc.hoisted(("gemm_split_rec",), lambda p: p.alloca(I64, size=_WORDS))
    for k, v in vals.items():
        if isinstance(v.type, ir.PointerType):
            v = b.ptrtoint(v, I64)
        elif v.type.width != 64:
            v = b.sext(v, I64)
        b.store(v, b.gep(rec, [_c(k)], source_etype=I64))
    return rec


def _gated(fc, work, units, team, par, seq):
    """Emit ``par()`` when this product is split now (the switch is on, a team of two or
    more, enough work and units, not already inside a parallel region), else ``seq()``.  The
    cheap tests come first: on one thread nothing else is evaluated."""
    b = fc.b
    mod = fc.fn.module
    on = b.load(threads._global_word(mod, "gt_gemm_split", I32), typ=I32)
    quick = b.and_(b.icmp_signed("!=", on, ir.Constant(I32, 0)),
                   b.icmp_signed(">", team, _c(1)))
    with b.if_else(quick) as (maybe, one):
        with maybe:
            bb = fc.b
            min_work = bb.load(threads._global_word(mod, "gt_gemm_min_work", I64), typ=I64)
            go = bb.and_(bb.icmp_signed(">=", work(), min_work),
                         bb.icmp_signed(">=", units, _c(2)))
            go = bb.and_(go, bb.not_(threads.in_parallel(fc)))
            with bb.if_else(go) as (split, serial):
                with split:
                    par()
                with serial:
                    seq()
        with one:
            seq()


def _key(dt, ta, tb, beta):
    return f"{dt}_{int(ta)}{int(tb)}_b{int(bool(beta))}"


def _as_i64(b, v):
    return b.sext(v, I64) if v.type.width != 64 else v


def maybe_split(fc, dt, ta, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta, serial):
    """At ``fc.b``: C[m, n] (+)= op(A) @ op(B), split over the team when it pays, else on
    this thread.  ``serial(fc, m, n, k, a, lda, b, ldb, c, ldc)`` emits the one-thread
    product of a block (inside the part kernel).  Returns False (nothing emitted) where a
    split never pays: the caller then emits ``serial`` itself."""
    from .rules_runtime_scalar import EntryCtx
    if not isinstance(fc, EntryCtx):
        # a kernel function (a convolution's per-image function, Winograd's planes) runs
        # inside a region or is one already split by its own caller: splitting its products
        # rarely pays and their code cost LeNet 14% more LLVM time (1151 -> 1309 ms)
        return False
    sizes = (m, n, k)
    if all(isinstance(v, ir.Constant) for v in sizes):
        if m.constant * n.constant * k.constant < CONST_MIN_WORK:
            return False
    b = fc.b
    m, n, k = (_as_i64(b, v) for v in sizes)
    mod = fc.fn.module
    kc = k.constant if isinstance(k, ir.Constant) else None
    mc = m.constant if (isinstance(m, ir.Constant) and isinstance(n, ir.Constant)
                        and m.constant <= n.constant) else None
    key = _key(dt, ta, tb, beta) + (f"_k{kc}" if kc is not None else "") + \
        (f"_m{mc}" if mc is not None else "")
    kern = _part_kernel(mod, "mn_" + key, _block_part(dt, ta, tb, serial, kc, mc))
    by_rows = b.icmp_signed(">", m, n)
    units_n = _ceil_div(b, n, UNIT_N)
    units = b.select(by_rows, _ceil_div(b, m, UNIT_M), units_n)
    team = threads.team_size(fc)
    rec = _fill(fc, {_A: a_ptr, _B: b_ptr, _C: c_ptr, _M: m, _N: n, _K: k,
                     _LDA: lda, _LDB: ldb, _LDC: ldc, _AXIS: b.zext(by_rows, I64)})
    null = ir.Constant(PTR, None)
    # serially: the part kernel over all units, the same code the parts run (one copy per
    # module and variant, not one per call site)
    _gated(fc, lambda: fc.b.mul(fc.b.mul(m, n), k), units, team,
           lambda: threads.region(fc, kern, rec, null, _c(0), units, team),
           lambda: fc.b.call(kern, [rec, null, _c(0), units]))
    return True


def maybe_split_batched(fc, dt, ta, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta,
                        batch, sa, sb, sc, serial, fallback):
    """At ``fc.b``: C[i] (+)= op(A[i]) @ op(B[i]) for i < ``batch`` (element strides ``sa``,
    ``sb``, ``sc``; 0 broadcasts an operand), split over the batch index when there are at
    least as many products as threads and enough work; else ``fallback()`` (the serial batch
    loop, whose products may still split one by one)."""
    b = fc.b
    m, n, k, batch, sa, sb, sc = (_as_i64(b, v) for v in (m, n, k, batch, sa, sb, sc))
    kc = k.constant if isinstance(k, ir.Constant) else None
    key = "b_" + _key(dt, ta, tb, beta) + (f"_k{kc}" if kc is not None else "")
    kern = _part_kernel(fc.fn.module, key, _batch_part(dt, serial, kc))
    team = threads.team_size(fc)
    mod = fc.fn.module
    # one test, so the serial loop is emitted once (each copy costs LLVM time)
    on = b.load(threads._global_word(mod, "gt_gemm_split", I32), typ=I32)
    min_work = b.load(threads._global_word(mod, "gt_gemm_min_work", I64), typ=I64)
    work = b.mul(b.mul(b.mul(m, n), k), batch)
    go = b.and_(b.icmp_signed("!=", on, ir.Constant(I32, 0)),
                b.and_(b.icmp_signed(">", team, _c(1)), b.icmp_signed(">=", batch, team)))
    go = b.and_(go, b.and_(b.icmp_signed(">=", work, min_work),
                           b.not_(threads.in_parallel(fc))))
    with b.if_else(go) as (par, seq):
        with par:
            rec = _fill(fc, {_A: a_ptr, _B: b_ptr, _C: c_ptr, _M: m, _N: n, _K: k,
                             _LDA: lda, _LDB: ldb, _LDC: ldc, _SA: sa, _SB: sb, _SC: sc})
            threads.region(fc, kern, rec, ir.Constant(PTR, None), _c(0), batch, team)
        with seq:
            fallback()
