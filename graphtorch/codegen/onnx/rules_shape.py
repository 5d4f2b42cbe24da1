"""Export rules: shape and view ops (reshape, expand, permute, squeeze, slicing, joining,
splitting, flips, repeats, diagonals).  Views become copies in ONNX, which has no aliasing."""
from __future__ import annotations

import numpy as np

from ...ir import symbolic as S
from ...ops import dtypes as D
from .registry import rule

_BIG = (1 << 63) - 1


def _d(ctx, d, rank=None):
    r = ctx.rank(0) if rank is None else rank
    return int(d) % max(r, 1)


@rule("reshape", "view")
def _reshape(ctx):
    shape = list(ctx.attr("shape"))
    zero = any(ctx.static_int(s) == 0 for s in shape)
    if not zero:  # dims kept from the input become 0 (copy): no Shape ops for them
        src = ctx.shape(0)
        shape = [0 if k < len(src) and ctx.static_int(d) is None and S.expr_of(d) ==
                 S.expr_of(src[k]) else d for k, d in enumerate(shape)]
        dyn = [k for k, d in enumerate(shape) if ctx.static_int(d) is None]
        if len(dyn) == 1 and -1 not in [ctx.static_int(d) for d in shape]:
            shape[dyn[0]] = -1  # the one unknown dim follows from the element count
    return [ctx.emit("Reshape", [ctx.inp(0), ctx.shape_vec(shape)],
                     allowzero=1 if zero else None)]


@rule("expand")
def _expand(ctx):
    size = list(ctx.attr("size"))
    size = [1 if ctx.static_int(s) == -1 else s for s in size]  # -1 keeps the dim
    return [ctx.emit("Expand", [ctx.inp(0), ctx.shape_vec(size)])]


@rule("permute")
def _permute(ctx):
    r = ctx.rank(0)
    return [ctx.emit("Transpose", [ctx.inp(0)], perm=[_d(ctx, p) for p in ctx.attr("dims")])
            if r else ctx.emit("Identity", [ctx.inp(0)])]


def transpose(ctx, x, r, a, b):
    perm = list(range(r))
    perm[a], perm[b] = perm[b], perm[a]
    return ctx.emit("Transpose", [x], perm=perm)


@rule("transpose")
def _transpose(ctx):
    r = ctx.rank(0)
    if r < 2:
        return [ctx.emit("Identity", [ctx.inp(0)])]
    return [transpose(ctx, ctx.inp(0), r, _d(ctx, ctx.attr("dim0")), _d(ctx, ctx.attr("dim1")))]


@rule("t")
def _t(ctx):
    if ctx.rank(0) < 2:
        return [ctx.emit("Identity", [ctx.inp(0)])]
    return [ctx.emit("Transpose", [ctx.inp(0)], perm=[1, 0])]


@rule("squeeze")
def _squeeze(ctx):
    r = ctx.rank(0)
    dims = ctx.attr("dim")
    cand = range(r) if dims is None else [_d(ctx, x) for x in (
        dims if isinstance(dims, (list, tuple)) else [dims])]
    shape = ctx.shape(0)
    axes = [a for a in sorted(set(cand)) if r and ctx.static_int(shape[a]) in (1, None)]
    if len(axes) != r - ctx.out_rank():
        axes = [a for a in axes if ctx.static_int(shape[a]) == 1]
    if not axes:
        return [ctx.emit("Identity", [ctx.inp(0)])]
    return [ctx.emit("Squeeze", [ctx.inp(0), ctx.ints(axes)])]


@rule("unsqueeze")
def _unsqueeze(ctx):
    d = _d(ctx, ctx.attr("dim"), ctx.rank(0) + 1)
    return [ctx.emit("Unsqueeze", [ctx.inp(0), ctx.ints([d])])]


@rule("select")
def _select(ctx):
    d = _d(ctx, ctx.attr("dim"))
    i = ctx.attr("index")
    s = ctx.static_int(i)
    idx = ctx.const(np.int64(s)) if s is not None else ctx.scalar(ctx.size(i))
    return [ctx.emit("Gather", [ctx.inp(0), idx], axis=d)]


def slice_(ctx, x, d, start, end, step):
    starts = ctx.shape_vec([0 if start is None else start])
    ends = ctx.shape_vec([_BIG if end is None else end])
    return ctx.emit("Slice", [x, starts, ends, ctx.ints([d]), ctx.ints([step or 1])])


@rule("slice")
def _slice(ctx):
    d = _d(ctx, ctx.attr("dim", 0))
    return [slice_(ctx, ctx.inp(0), d, ctx.attr("start"), ctx.attr("end"),
                   ctx.static_int(ctx.attr("step", 1) or 1))]


@rule("cat")
def _cat(ctx):
    dt = ctx.out_dtype()
    r = ctx.out_rank()
    ins = []
    for i in range(len(ctx.node.inputs)):
        shape = ctx.shape(i)
        if ctx.rank(i) == 1 and r != 1 and ctx.static_int(shape[0]) == 0:
            continue  # legacy: 1-D empty tensors are skipped
        ins.append(ctx.tin(i, dt))
    if not ins:
        return [ctx.emit("Identity", [ctx.tin(0, dt)])]
    return [ctx.emit("Concat", ins, axis=_d(ctx, ctx.attr("dim", 0), r))]


@rule("stack")
def _stack(ctx):
    dt = ctx.out_dtype()
    d = _d(ctx, ctx.attr("dim", 0), ctx.out_rank())
    ins = [ctx.emit("Unsqueeze", [ctx.tin(i, dt), ctx.ints([d])])
           for i in range(len(ctx.node.inputs))]
    return [ctx.emit("Concat", ins, axis=d)]


def _split(ctx, sizes, d):
    n = len(ctx.node.outputs)
    outs = ctx.emit("Split", [ctx.inp(0), ctx.shape_vec(sizes)], n_out=n, axis=d)
    return [outs] if n == 1 else outs


@rule("split")
def _split_rule(ctx):
    d = _d(ctx, ctx.attr("dim", 0))
    return _split(ctx, [o.type.shape[d] for o in ctx.node.outputs], d)


@rule("split_with_sizes")
def _split_sizes(ctx):
    d = _d(ctx, ctx.attr("dim", 0))
    return _split(ctx, list(ctx.attr("split_sizes")), d)


@rule("unbind")
def _unbind(ctx):
    d = _d(ctx, ctx.attr("dim", 0))
    n = len(ctx.node.outputs)
    parts = ctx.emit("Split", [ctx.inp(0), ctx.ints([1] * n)], n_out=n, axis=d)
    parts = [parts] if n == 1 else parts
    return [ctx.emit("Squeeze", [p, ctx.ints([d])]) for p in parts]


@rule("flip")
def _flip(ctx):
    dims = sorted({_d(ctx, x) for x in ctx.attr("dims")})
    if not dims or ctx.rank(0) == 0:
        return [ctx.emit("Identity", [ctx.inp(0)])]
    k = len(dims)
    return [ctx.emit("Slice", [ctx.inp(0), ctx.ints([-1] * k), ctx.ints([-_BIG] * k),
                               ctx.ints(dims), ctx.ints([-1] * k)])]


@rule("roll")
def _roll(ctx):
    shifts = ctx.attr("shifts")
    dims = ctx.attr("dims")
    shifts = list(shifts) if isinstance(shifts, (list, tuple)) else [shifts]
    x = ctx.inp(0)
    flat = dims is None or dims == () or dims == []
    if flat:
        x = ctx.emit("Reshape", [x, ctx.ints([-1])])
        dims = [0]
    dims = list(dims) if isinstance(dims, (list, tuple)) else [dims]
    for s, d in zip(shifts, dims):
        d = d % max(1 if flat else ctx.rank(0), 1)
        n = ctx.emit("Shape", [x], start=d, end=d + 1)
        k = ctx.emit("Mod", [ctx.emit("Sub", [n, ctx.ints([ctx.static_int(s)])]), n], fmod=0) \
            if True else None
        # roll by s: the last s elements come first
        a = ctx.emit("Slice", [x, k, n, ctx.ints([d])])
        b = ctx.emit("Slice", [x, ctx.ints([0]), k, ctx.ints([d])])
        x = ctx.emit("Concat", [a, b], axis=d)
    if flat:
        x = ctx.emit("Reshape", [x, ctx.dyn_shape(0)])
    return [x]


@rule("repeat")
def _repeat(ctx):
    reps = list(ctx.attr("repeats"))
    x = ctx.inp(0)
    extra = len(reps) - ctx.rank(0)
    if extra > 0:
        x = ctx.emit("Unsqueeze", [x, ctx.ints(list(range(extra)))])
    return [ctx.emit("Tile", [x, ctx.shape_vec(reps)])]


@rule("repeat_interleave")
def _repeat_interleave(ctx):
    x = ctx.inp(0)
    dim = ctx.attr("dim")
    if dim is None or ctx.rank(0) == 0:
        x = ctx.emit("Reshape", [x, ctx.ints([-1])])
        d, r = 0, 1
    else:
        r = ctx.rank(0)
        d = _d(ctx, dim)
    reps = ctx.attr("repeats")
    tensor_reps = ctx.has(1) and not ctx.is_scalar(1)
    if tensor_reps or isinstance(reps, (list, tuple)):  # per-element repeats: gather by run
        rep = ctx.cast(ctx.emit("Reshape", [ctx.inp(1), ctx.ints([-1])]), ctx.dtype(1),
                       D.int64) if tensor_reps else ctx.ints(ctx.ints_attr("repeats"))
        cs = ctx.emit("CumSum", [rep, ctx.const(np.int64(0))])
        total = ctx.emit("ReduceSum", [rep, ctx.ints([0])], keepdims=0)
        pos = ctx.emit("Range", [ctx.const(np.int64(0)), total, ctx.const(np.int64(1))])
        le = ctx.emit("LessOrEqual", [ctx.emit("Unsqueeze", [cs, ctx.ints([0])]),
                                      ctx.emit("Unsqueeze", [pos, ctx.ints([1])])])
        idx = ctx.emit("ReduceSum", [ctx.cast(le, D.bool, D.int64), ctx.ints([1])],
                       keepdims=0)
        if ctx.rank(0) == 0 and dim is None and not ctx.has(0):
            return [idx]
        return [ctx.emit("Gather", [x, idx], axis=d)]
    if reps is None:
        reps = ctx.pyval(1)
    shape = ctx.emit("Shape", [x])
    y = ctx.emit("Unsqueeze", [x, ctx.ints([d + 1])])
    tgt = ctx.emit("Concat", [ctx.emit("Slice", [shape, ctx.ints([0]), ctx.ints([d + 1])]),
                              ctx.shape_vec([reps]),
                              ctx.emit("Slice", [shape, ctx.ints([d + 1]), ctx.ints([_BIG])])],
                   axis=0)
    y = ctx.emit("Expand", [y, tgt])
    out = ctx.emit("Concat", [ctx.emit("Slice", [shape, ctx.ints([0]), ctx.ints([d])]),
                              ctx.ints([-1]),
                              ctx.emit("Slice", [shape, ctx.ints([d + 1]), ctx.ints([_BIG])])],
                   axis=0)
    del r
    return [ctx.emit("Reshape", [y, out])]


# ------------------------------------------------------------------ diagonals
def static_shape(ctx, i):
    shape = [ctx.static_int(s) for s in ctx.shape(i)]
    if any(s is None for s in shape):
        ctx.fail("needs static sizes for this op")
    return shape


def _move_last(r, d1, d2):
    return [k for k in range(r) if k not in (d1, d2)] + [d1, d2]


def diag_positions(n, m, offset):
    """Flat positions (row * m + col) of the ``offset`` diagonal of an n x m matrix."""
    rows = np.arange(max(0, -offset), n)
    cols = rows + offset
    keep = (cols >= 0) & (cols < m)
    return rows[keep] * m + cols[keep]


@rule("diagonal", "diagonal_copy")
def _diagonal(ctx):
    r = ctx.rank(0)
    shape = static_shape(ctx, 0)
    d1, d2 = _d(ctx, ctx.attr("dim1", 0)), _d(ctx, ctx.attr("dim2", 1))
    off = int(ctx.attr("offset", 0))
    perm = _move_last(r, d1, d2)
    x = ctx.emit("Transpose", [ctx.inp(0)], perm=perm)
    n, m = shape[d1], shape[d2]
    rest = [shape[k] for k in perm[:-2]]
    x = ctx.emit("Reshape", [x, ctx.ints(rest + [n * m])], allowzero=1)
    pos = diag_positions(n, m, off).astype(np.int64)
    return [ctx.emit("Gather", [x, ctx.const(pos)], axis=r - 2)]


def embed(ctx, src, rest, n, m, off, pos_len):
    """[..., n, m] matrix, zero but for ``src`` ([..., L]) on the ``off`` diagonal."""
    pos = diag_positions(n, m, off)
    index = np.full(n * m, pos_len, dtype=np.int64)  # points at an appended zero
    index[pos] = np.arange(len(pos))
    zeros = ctx.emit("ConstantOfShape", [ctx.ints(rest + [1])])
    zeros = ctx.cast(zeros, D.float32, ctx.out_dtype())
    padded = ctx.emit("Concat", [src, zeros], axis=len(rest))
    flat = ctx.emit("Gather", [padded, ctx.const(index)], axis=len(rest))
    return ctx.emit("Reshape", [flat, ctx.ints(rest + [n, m])], allowzero=1)


def _inverse(perm):
    return [perm.index(k) for k in range(len(perm))]


@rule("diag_embed")
def _diag_embed(ctx):
    shape = static_shape(ctx, 0)
    ro = ctx.out_rank()
    off = int(ctx.attr("offset", 0))
    d1, d2 = int(ctx.attr("dim1", -2)) % ro, int(ctx.attr("dim2", -1)) % ro
    L = shape[-1]
    n = L + abs(off)
    y = embed(ctx, ctx.inp(0), shape[:-1], n, n, off, L)
    perm = _move_last(ro, d1, d2)
    return [ctx.emit("Transpose", [y], perm=_inverse(perm))]


@rule("diagonal_backward")
def _diagonal_backward(ctx):
    sizes = ctx.ints_attr("input_sizes")
    r = len(sizes)
    off = int(ctx.attr("offset", 0))
    d1, d2 = int(ctx.attr("dim1")) % r, int(ctx.attr("dim2")) % r
    perm = _move_last(r, d1, d2)
    rest = [sizes[k] for k in perm[:-2]]
    y = embed(ctx, ctx.inp(0), rest, sizes[d1], sizes[d2], off, static_shape(ctx, 0)[-1])
    return [ctx.emit("Transpose", [y], perm=_inverse(perm))]


@rule("diagonal_scatter")
def _diagonal_scatter(ctx):
    shape = static_shape(ctx, 0)
    r = len(shape)
    off = int(ctx.attr("offset", 0))
    d1, d2 = _d(ctx, ctx.attr("dim1", 0)), _d(ctx, ctx.attr("dim2", 1))
    perm = _move_last(r, d1, d2)
    rest = [shape[k] for k in perm[:-2]]
    n, m = shape[d1], shape[d2]
    src = ctx.tin(1, ctx.out_dtype())
    y = embed(ctx, src, rest, n, m, off, static_shape(ctx, 1)[-1])
    mask = np.zeros(n * m, bool)
    mask[diag_positions(n, m, off)] = True
    mask = ctx.const(mask.reshape(n, m))
    x = ctx.emit("Transpose", [ctx.inp(0)], perm=perm)
    out = ctx.where_(mask, y, x, ctx.out_dtype())
    return [ctx.emit("Transpose", [out], perm=_inverse(perm))]


@rule("tril", "triu")
def _trilu(ctx):
    k = ctx.const(np.int64(int(ctx.attr("diagonal", 0) or 0)))
    dt = ctx.out_dtype()
    wd = D.int64 if dt in (D.bool, D.uint8, D.int8, D.int16, D.int32) else dt
    y = ctx.emit("Trilu", [ctx.tin(0, wd), k], upper=int(ctx.node.kind == "triu"))
    return [ctx.cast(y, wd, dt)]


@rule("unfold")
def _unfold(ctx):
    r = ctx.rank(0)
    if r == 0:
        return [ctx.emit("Unsqueeze", [ctx.inp(0), ctx.ints([0])])]
    d = _d(ctx, ctx.attr("dimension"))
    size, step = int(ctx.attr("size")), int(ctx.attr("step"))
    n = static_shape(ctx, 0)[d]
    wins = (n - size) // step + 1
    idx = (np.arange(wins)[:, None] * step + np.arange(size)[None, :]).astype(np.int64)
    y = ctx.emit("Gather", [ctx.inp(0), ctx.const(idx)], axis=d)  # [..., wins, size, ...]
    perm = [k for k in range(r + 1) if k != d + 1] + [d + 1]
    return [ctx.emit("Transpose", [y], perm=perm)]
