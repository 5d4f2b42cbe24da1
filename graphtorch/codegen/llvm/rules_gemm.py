"""Matrix products through BLAS (scipy's OpenBLAS ``sgemm``/``dgemm``, bound into the JIT by
address): mm, bmm, matmul, linear, and convolution as im2col + GEMM.

Row-major ``C[M, N] = A[M, K] @ B[K, N]`` is the column-major product ``C^T = B^T A^T``, so we
call ``gemm('N', 'N', N, M, K, 1, B, N, A, K, beta, C, N)``; an operand that is the transpose
of memory (``x.t()``, a Linear weight) is passed with the 'T' flag instead of being copied.
A bias is written into C first and the product added with beta = 1.  Integer products have no
BLAS: they run as a reduction kernel."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from . import gemm_small, gemm_split
from . import scalar as X
from .fnctx import F32, F64, I8, I32, I64, PTR, const, numel
from .lower import dt_of, rule
from .rules_host import or_host
from .rules_reduce import fop, reduce_kernel
from .strided import realize, realize_shared
from .tensors import Buf, Lazy

_BLAS = {"f32": ("gt_blas_sgemm", F32), "f64": ("gt_blas_dgemm", F64)}


def _declare(module, name):
    fn = module.globals.get(name)
    if fn is None:
        fn = ir.Function(module, ir.FunctionType(ir.VoidType(), [PTR] * 13), name)
    return fn


def _operand(lw, h):
    """(Buf, transposed?) for a GEMM operand of rank >= 2, copying only when necessary."""
    if isinstance(h, Lazy) and h.transposed is not None:
        return h.transposed, True
    return realize(lw, h), False


def gemm_call(fc, dt, ta, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta):
    """Emit one BLAS call computing row-major C[m, n] (+)= op(A)[m, k] @ op(B)[k, n].

    ``ta``/``tb``: whether A/B are stored transposed (A as [k, m], B as [n, k])."""
    serial = _serial_gemm(dt, ta, tb, beta)
    # large enough: split over our thread team, each part a one-thread product (gemm_split.py)
    if not gemm_split.maybe_split(fc, dt, ta, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc,
                                  beta, serial):
        serial(fc, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc)


def _serial_gemm(dt, ta, tb, beta):
    """``emit(fc, m, n, k, a, lda, b, ldb, c, ldc)``: the product on the calling thread."""
    def emit(fc, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc):
        args = (fc, dt, ta, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta)
        # few rows: a generated kernel where it beats BLAS (gemm_small.py)
        if not gemm_small.maybe_small(*args, blas=lambda: _blas_call(*args)):
            _blas_call(*args)
    return emit


def _blas_call(fc, dt, ta, tb, m, n, k, a_ptr, lda, b_ptr, ldb, c_ptr, ldc, beta):
    name, ft = _BLAS[dt]
    fn = _declare(fc.fn.module, name)

    def slot(t, key):
        return fc.hoisted(("gemm_slot", key), lambda pb: pb.alloca(t))
    b = fc.b
    cells = []
    # column-major call: C^T[n, m] = op(B)^T[n, k] @ op(A)^T[k, m]
    vals = [(I8, ord("T") if tb else ord("N")), (I8, ord("T") if ta else ord("N")),
            (I32, n), (I32, m), (I32, k), (ft, 1.0), (None, b_ptr), (I32, ldb),
            (None, a_ptr), (I32, lda), (ft, beta), (None, c_ptr), (I32, ldc)]
    for pos, (t, v) in enumerate(vals):
        if t is None:
            cells.append(v)
            continue
        cell = slot(t, (pos, str(t)))
        if isinstance(v, ir.Value):
            v = b.trunc(v, I32) if t is I32 and v.type.width == 64 else v
            b.store(v, cell)
        else:
            b.store(ir.Constant(t, v), cell)
        cells.append(cell)
    b.call(fn, cells)


def _ptr_at(fc, buf, elem_offset):
    return fc.b.gep(buf.ptr(fc), [elem_offset], source_etype=X.LTYPE[buf.dt])


def batched_gemm(lw, dest, a, b, ta, tb, m, n, k, batch, a_bstride, b_bstride, beta, dt,
                 lda=None, ldb=None, a_off=0, b_off=0):
    """dest[i] (+)= op(a[i]) @ op(b[i]) for i < batch (strides 0 broadcast an operand).

    ``lda``/``ldb`` (size expressions): row strides of operands read in place from a strided
    view (strided.py), by default their stored row length; ``a_off``/``b_off``: first
    element."""
    def emit(fc):
        bm, bn, bk = fc.size(m), fc.size(n), fc.size(k)
        # BLAS wants leading dimensions >= 1 even where an extent is 0 (k == 0: C = beta * C)
        lda_v = _at_least_1(fc, fc.size(lda) if lda is not None else (bm if ta else bk))
        ldb_v = _at_least_1(fc, fc.size(ldb) if ldb is not None else (bk if tb else bn))

        def one(i):
            ao = fc.b.mul(i, fc.size(a_bstride)) if a_bstride != 0 else ir.Constant(I64, 0)
            bo = fc.b.mul(i, fc.size(b_bstride)) if b_bstride != 0 else ir.Constant(I64, 0)
            ao = fc.b.add(ao, fc.size(a_off)) if a_off != 0 else ao
            bo = fc.b.add(bo, fc.size(b_off)) if b_off != 0 else bo
            co = fc.b.mul(i, fc.size(S.mul(m, n)))
            gemm_call(fc, dt, ta, tb, bm, bn, bk, _ptr_at(fc, a, ao), lda_v, _ptr_at(fc, b, bo),
                      ldb_v, _ptr_at(fc, dest, co), _at_least_1(fc, bn), beta)
        if batch == 1:
            one(ir.Constant(I64, 0))
            return

        def loop():
            fc.loop(ir.Constant(I64, 0), fc.size(batch), one, name="bat")
        # enough products: whole products per thread (attention's per-head GEMMs)
        z = ir.Constant(I64, 0)
        gemm_split.maybe_split_batched(
            fc, dt, ta, tb, bm, bn, bk, _ptr_at(fc, a, fc.size(a_off)), lda_v,
            _ptr_at(fc, b, fc.size(b_off)), ldb_v, dest.ptr(fc), _at_least_1(fc, bn), beta,
            fc.size(batch), fc.size(a_bstride) if a_bstride != 0 else z,
            fc.size(b_bstride) if b_bstride != 0 else z, fc.size(S.mul(m, n)),
            _serial_gemm(dt, ta, tb, beta), loop)
    # k == 0 still calls BLAS: it writes C = beta * C (zeros, or the bias)
    _guard_empty(lw, emit, (m, n, batch), (dest, a, b))


def _at_least_1(fc, v):
    one = ir.Constant(I64, 1)
    return fc.b.select(fc.b.icmp_signed("<", v, one), one, v)


def _guard_empty(lw, emit, dims, uses):
    """BLAS rejects zero sizes in some builds: skip the call when any extent is 0."""
    def wrapped(fc):
        bld = fc.b
        cond = None
        for d in dims:
            z = bld.icmp_signed(">", fc.size(d), ir.Constant(I64, 0))
            cond = z if cond is None else bld.and_(cond, z)
        with bld.if_then(cond):
            emit(fc)
    lw.emit_in_entry(wrapped, uses)


def _fill_bias(lw, dest, bias, dt, dim=-1):
    """dest[..., j, ...] = bias[j] along ``dim`` (beta = 1 then accumulates the product)."""
    def body(fc, idx):
        v = bias.load(fc, [idx[dim]] if bias.ndim else [])
        dest.store_flat(fc, dest.offset(fc, idx), X.cast(fc.b, v, bias.dt, dt))
    lw.emit_kernel(dest.shape, body, reads=[bias], writes=[dest], name="bias")


def _int_matmul(lw, node, a, b, value):
    """Integer (or other non-BLAS) products: a reduction over k per output element."""
    dt = dt_of(value.type)
    shape = value.type.shape
    dest = lw.new_buf(shape, dt, value, value.name)
    k = a.shape[-1]
    na, nb = a.ndim, b.ndim

    def update(fc, oidx, ridx, vals):
        ai = _batch_idx(oidx, a, 2) + [oidx[-2], ridx[0]]
        bi = _batch_idx(oidx, b, 2) + [ridx[0], oidx[-1]]
        x = X.cast(fc.b, a.load(fc, ai), a.dt, dt)
        y = X.cast(fc.b, b.load(fc, bi), b.dt, dt)
        p = X.mul(fc.b, dt, x, y)
        return [fop(fc.b, "fadd", vals[0], p) if X.is_float(dt) else X.add(fc.b, dt, vals[0], p)]

    def finish(fc, oidx, vals):
        dest.store_flat(fc, dest.offset(fc, oidx), vals[0])
    reduce_kernel(lw, shape, [k], [(dt, lambda fc: const(dt, 0))], update, finish,
                  reads=[a, b], writes=[dest])
    return dest


def _batch_idx(oidx, h, tail):
    nb = h.ndim - 2
    out_batch = oidx[:len(oidx) - tail]
    sub = list(out_batch[len(out_batch) - nb:]) if nb > 0 else []
    zero = ir.Constant(I64, 0)
    return [zero if h.shape[i] == 1 else sub[i] for i in range(nb)]


@rule("mm", "bmm", "matmul")
def _matmul(lw, node, ins):
    a, b = ins[0], ins[1]
    value = node.outputs[0]
    dt = dt_of(value.type)
    if dt not in _BLAS or a.dt != dt or b.dt != dt or a.ndim == 0 or b.ndim == 0:
        return [_int_matmul_general(lw, node, a, b, value)]
    if a.ndim == 1 or b.ndim == 1 or (a.ndim > 2 and b.ndim > 2 and
                                      tuple(a.shape[:-2]) != tuple(b.shape[:-2])):
        return [_int_matmul_general(lw, node, a, b, value)]
    m, k = a.shape[-2], a.shape[-1]
    n = b.shape[-1]
    dest = lw.new_buf(value.type.shape, dt, value, value.name)
    if b.ndim == 2:  # fold a's batch dims into M: one GEMM
        ab, ta = _operand(lw, a) if a.ndim == 2 else (realize(lw, a), False)
        bb, tb = _operand(lw, b)
        mm = numel(a.shape[:-1])
        batched_gemm(lw, dest, ab, bb, ta, tb, mm, n, k, 1, 0, 0, 0.0, dt)
        return [dest]
    ab, ta, lda, sa, a_off = _batch_operand(lw, a)
    bb, tb, ldb, sb, b_off = _batch_operand(lw, b)
    batch = numel(value.type.shape[:-2])
    batched_gemm(lw, dest, ab, bb, ta, tb, m, n, k, batch, sa if a.ndim > 2 else 0, sb, 0.0,
                 dt, lda=lda, ldb=ldb, a_off=a_off, b_off=b_off)
    return [dest]


def _batch_operand(lw, h):
    """A batched GEMM operand read in place where it is a strided view of memory (per-head
    attention operands: strided.py), else copied if needed: (Buf, transposed, leading
    dimension or None, batch stride, offset)."""
    from .strided import matrix_operand
    got = matrix_operand(lw, h)
    if got is not None:
        return got
    buf, tr = _operand(lw, h)
    return buf, tr, None, S.mul(h.shape[-2], h.shape[-1]), 0


def _int_matmul_general(lw, node, a, b, value):
    if a.ndim == 1 and b.ndim == 1:
        from .rules_views import reshape_handle
        a2, b2 = reshape_handle(a, (1,) + tuple(a.shape)), reshape_handle(b, tuple(b.shape) + (1,))
        dest = _int_matmul(lw, node, a2, b2, _FakeValue(value, (1, 1)))
        return dest.reshaped(())
    if a.ndim == 1:
        from .rules_views import reshape_handle
        a2 = reshape_handle(a, (1,) + tuple(a.shape))
        shape = tuple(value.type.shape[:-1]) + (1, value.type.shape[-1])
        return _int_matmul(lw, node, a2, b, _FakeValue(value, shape)).reshaped(value.type.shape)
    if b.ndim == 1:
        from .rules_views import reshape_handle
        b2 = reshape_handle(b, tuple(b.shape) + (1,))
        shape = tuple(value.type.shape) + (1,)
        return _int_matmul(lw, node, a, b2, _FakeValue(value, shape)).reshaped(value.type.shape)
    return _int_matmul(lw, node, a, b, value)


class _FakeValue:
    """A stand-in Value with another shape (a matrix view of a vector result)."""

    def __init__(self, value, shape):
        from ...ir.types import TensorType
        self.type = TensorType(value.type.dtype, shape)
        self.name = value.name


@rule("linear")
@or_host
def _linear(lw, node, ins):
    x, w = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 and hasattr(ins[2], "shape") else None
    value = node.outputs[0]
    dt = dt_of(value.type)
    if dt not in _BLAS or x.dt != dt or w.dt != dt or w.ndim != 2 or x.ndim == 0:
        raise NotImplementedError("linear outside float32/float64 matrices")
    n, k = w.shape
    dest = lw.new_buf(value.type.shape, dt, value, value.name)
    xb = realize_shared(lw, x, node)
    # a Linear weight [n, k] is B transposed; a slice of a larger weight (the q/k/v thirds
    # of attention's packed in_proj_weight) is read in place at its row stride
    from .strided import matrix_operand
    got = matrix_operand(lw, w)
    if got is not None:
        wb, wt, ldw, _, w_off = got
    else:
        (wb, wt), ldw, w_off = _operand(lw, w), None, 0
    beta = 0.0
    if bias is not None:
        _fill_bias(lw, dest, bias, dt)
        beta = 1.0
    batched_gemm(lw, dest, xb, wb, False, not wt, numel(x.shape[:-1]), n, k, 1, 0, 0, beta, dt,
                 ldb=ldw, b_off=w_off)
    return [dest]


def im2col(x, kernel, stride, padding, dilation, out_sp):
    """Lazy [N, C * prod(kernel), prod(out_sp)] column matrix of ``x`` [N, C, *spatial]."""
    nd = len(kernel)
    c = x.shape[1]
    kk = numel(kernel)  # kernel sizes may be symbolic (a weight that is a graph input)
    ncol = numel(out_sp)
    zero = ir.Constant(I64, 0)

    def fn(fc, idx):
        b = fc.b
        n, row, col = idx
        ck = [None] * nd  # kernel offsets from row = c * kk + flat(kernel)
        rem = b.urem(row, fc.size(kk))
        ch = b.udiv(row, fc.size(kk))
        for d in reversed(range(nd)):
            ck[d] = b.urem(rem, fc.size(kernel[d]))
            rem = b.udiv(rem, fc.size(kernel[d]))
        osp = [None] * nd
        crem = col
        for d in reversed(range(nd)):
            osp[d] = b.urem(crem, fc.size(out_sp[d])) if d > 0 else crem
            crem = b.udiv(crem, fc.size(out_sp[d]))
        sub, ok = [n, ch], None
        for d in range(nd):
            i = b.add(b.mul(osp[d], ir.Constant(I64, stride[d])),
                      b.mul(ck[d], ir.Constant(I64, dilation[d])))
            if padding[d]:
                i = b.sub(i, ir.Constant(I64, padding[d]))
                inside = b.and_(b.icmp_signed(">=", i, zero),
                                b.icmp_signed("<", i, fc.size(x.shape[2 + d])))
                i = b.select(inside, i, zero)
                ok = inside if ok is None else b.and_(ok, inside)
            sub.append(i)
        v = x.load(fc, sub)
        return v if ok is None else b.select(ok, v, X.const(x.dt, 0))
    return Lazy((x.shape[0], S.mul(c, kk), ncol), x.dt, fn, cost=1)


def _tup(v, nd):
    if isinstance(v, int):
        return (v,) * nd
    v = tuple(v)
    return v * nd if len(v) == 1 else v


@rule("convolution")
@or_host
def _conv(lw, node, ins):
    x, w = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 and hasattr(ins[2], "shape") else None
    a = node.attrs
    if a.get("transposed", False):
        raise NotImplementedError("transposed convolution")
    value = node.outputs[0]
    dt = dt_of(value.type)
    nd = w.ndim - 2
    if dt not in _BLAS or x.dt != dt or w.dt != dt or x.ndim != nd + 2:
        raise NotImplementedError("convolution outside float32/float64 batched input")
    stride, dil = _tup(a.get("stride", 1), nd), _tup(a.get("dilation", 1), nd)
    pad = a.get("padding", 0)
    if isinstance(pad, str):
        raise NotImplementedError("string padding")
    pad, groups = _tup(pad, nd), a.get("groups", 1)
    oc = w.shape[0]
    kernel = tuple(w.shape[2:])
    out_sp = tuple(value.type.shape[2:])
    dest = lw.new_buf(value.type.shape, dt, value, value.name)
    N = x.shape[0]
    ncol = numel(out_sp)
    ocg = S.floordiv(oc, groups) if groups != 1 else oc
    kprod = numel(kernel)
    kk = S.mul(w.shape[1], kprod)  # one group's GEMM contraction: C/groups * prod(kernel)
    pointwise = all(k == 1 for k in kernel) and all(s == 1 for s in stride) and not any(pad)
    if pointwise:
        cols = lw.realize(x)
    else:
        cols = lw.new_buf((N, S.mul(x.shape[1], kprod), ncol), dt, name="im2col")
        lw.emit_copy(cols, im2col(x, kernel, stride, pad, dil, out_sp))
    wb = lw.realize(w)
    beta = 0.0
    if bias is not None:
        _fill_bias(lw, dest, bias, dt, dim=1)
        beta = 1.0
    cin_rows = S.mul(x.shape[1], kprod)
    for g in range(groups):
        # dest[n, g*ocg:(g+1)*ocg, :] = W[g] [ocg, kk] @ cols[n, g*kk:(g+1)*kk, :]
        _conv_group(lw, dest, wb, cols, g, ocg, kk, ncol, N, cin_rows, oc, beta, dt)
    return [dest]


def _conv_group(lw, dest, wb, cols, g, ocg, kk, ncol, N, cin_rows, oc, beta, dt):
    def emit(fc):
        bm, bn, bk = fc.size(ocg), fc.size(ncol), fc.size(kk)

        def one(i):
            bld = fc.b
            a_off = fc.size(S.mul(g, S.mul(ocg, kk)))
            b_off = bld.add(bld.mul(i, fc.size(S.mul(cin_rows, ncol))),
                            fc.size(S.mul(S.mul(g, kk), ncol)))
            c_off = bld.add(bld.mul(i, fc.size(S.mul(oc, ncol))),
                            fc.size(S.mul(S.mul(g, ocg), ncol)))
            gemm_call(fc, dt, False, False, bm, bn, bk, _ptr_at(fc, wb, a_off), bk,
                      _ptr_at(fc, cols, b_off), bn, _ptr_at(fc, dest, c_off), bn, beta)
        fc.loop(ir.Constant(I64, 0), fc.size(N), one, name="img")
    _guard_empty(lw, emit, (ocg, ncol, kk, N), (dest, wb, cols))




__all__ = ["gemm_call", "batched_gemm", "im2col", "Buf"]

from . import rules_conv  # noqa: E402,F401  (registers the per-image convolution rule)
from . import rules_softmax  # noqa: E402,F401  (native softmax / log_softmax)
