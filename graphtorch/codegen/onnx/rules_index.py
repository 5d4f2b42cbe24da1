"""Export rules: indexing, gathering and scattering (Gather/GatherElements/GatherND,
ScatterElements/ScatterND, NonZero), masks, searchsorted and bincount."""
from __future__ import annotations

import numpy as np

from ...ops import dtypes as D
from .registry import rule


def _d(ctx, key="dim", i=0):
    return int(ctx.attr(key, 0)) % max(ctx.rank(i), 1)


def long(ctx, i):
    return ctx.tin(i, D.int64)


def along(ctx, idx, d, like, rank):
    """1-D ``idx`` as indices along dim ``d`` broadcast to the shape of ``like``."""
    shape = [1] * rank
    shape[d] = -1
    idx = ctx.emit("Reshape", [idx, ctx.ints(shape)])
    return ctx.emit("Expand", [idx, ctx.emit("Shape", [like])])


@rule("index_select")
def _index_select(ctx):
    idx = ctx.emit("Reshape", [long(ctx, 1), ctx.ints([-1])])
    if ctx.rank(0) == 0:
        return [ctx.emit("Reshape", [ctx.emit("Gather", [ctx.emit("Reshape", [
            ctx.inp(0), ctx.ints([1])]), idx], axis=0), ctx.ints([])])]
    return [ctx.emit("Gather", [ctx.inp(0), idx], axis=_d(ctx))]


@rule("gather", "_gather_dim")
def _gather(ctx):
    if ctx.rank(0) == 0:
        return [ctx.emit("Identity", [ctx.inp(0)])]
    return [ctx.emit("GatherElements", [ctx.inp(0), long(ctx, 1)], axis=_d(ctx))]


def _fit_src(ctx, src_i, idx, dt):
    """``src`` cut (or a scalar expanded) to the index's shape, as torch's scatter reads it."""
    if ctx.is_scalar(src_i) or ctx.rank(src_i) == 0:
        return ctx.emit("Expand", [ctx.tin(src_i, dt), ctx.emit("Shape", [idx])])
    r = ctx.rank(src_i)
    return ctx.emit("Slice", [ctx.tin(src_i, dt), ctx.ints([0] * r), ctx.emit("Shape", [idx]),
                              ctx.ints(list(range(r)))])


_RED = {"add": "add", "sum": "add", "multiply": "mul", "prod": "mul", "amax": "max",
        "amin": "min"}


@rule("scatter", "scatter_add")
def _scatter(ctx):
    dt = ctx.out_dtype()
    x, idx = ctx.tin(0, dt), long(ctx, 1)
    add = ctx.node.kind == "scatter_add" or ctx.attr("reduce") == "add"
    if ctx.rank(0) == 0:
        s = ctx.tin(2, dt)
        return [ctx.emit("Add", [x, s]) if add else ctx.emit("Identity", [s])]
    src = _fit_src(ctx, 2, idx, dt)
    red = "add" if ctx.node.kind == "scatter_add" else _RED.get(ctx.attr("reduce"), "none")
    xx, cd = _bool_safe(ctx, x, src, dt, red)
    y = ctx.emit("ScatterElements", [xx[0], idx, xx[1]], axis=_d(ctx), reduction=red)
    return [ctx.cast(y, cd, dt)]


def _bool_safe(ctx, x, src, dt, red):
    if dt is D.bool and red != "none":
        return (ctx.cast(x, D.bool, D.int32), ctx.cast(src, D.bool, D.int32)), D.int32
    return (x, src), dt


@rule("scatter_reduce")
def _scatter_reduce(ctx):
    dt = ctx.out_dtype()
    x, idx = ctx.tin(0, dt), long(ctx, 1)
    src = _fit_src(ctx, 2, idx, dt)
    d = _d(ctx)
    red = ctx.attr("reduce")
    include = bool(ctx.attr("include_self", True))
    if red == "mean":
        cd = dt if dt in (D.float32, D.float64) else D.float64
        xs, ss = ctx.cast(x, dt, cd), ctx.cast(src, dt, cd)
        ones = ctx.emit("Expand", [ctx.const(np.asarray(1.0), cd), ctx.emit("Shape", [idx])])
        base = xs if include else ctx.emit("ScatterElements", [xs, idx, ctx.emit(
            "Mul", [ss, ctx.const(np.asarray(0.0), cd)])], axis=d)
        cnt0 = ctx.emit("Expand", [ctx.const(np.asarray(1.0 if include else 0.0), cd),
                                   ctx.emit("Shape", [x])])
        if not include:  # untouched positions keep x: count 1 there
            touched = ctx.emit("ScatterElements", [ctx.emit("Mul", [cnt0, cnt0]), idx, ones],
                               axis=d)
            cnt0 = ctx.emit("Sub", [ctx.emit("Expand", [ctx.const(np.asarray(1.0), cd),
                                                        ctx.emit("Shape", [x])]), touched])
        s = ctx.emit("ScatterElements", [base, idx, ss], axis=d, reduction="add")
        n = ctx.emit("ScatterElements", [cnt0, idx, ones], axis=d, reduction="add")
        q = ctx.emit("Div", [s, n])
        if dt not in (D.float32, D.float64):
            from .rules_pointwise import floor_div
            q = floor_div(ctx, ctx.cast(s, cd, D.int64), ctx.cast(n, cd, D.int64), D.int64)
            return [ctx.cast(q, D.int64, dt)]
        return [q]
    op = _RED[red]
    if not include:  # reset the touched positions to the reduction's identity first
        ident = {"add": 0, "mul": 1, "max": -np.inf, "min": np.inf}[op]
        if dt not in (D.float32, D.float64, D.float16):
            info = np.iinfo(dt.np) if dt is not D.bool else None
            ident = {"add": 0, "mul": 1, "max": info.min if info else 0,
                     "min": info.max if info else 1}[op]
        fill = ctx.emit("Expand", [ctx.const(np.asarray(ident), dt), ctx.emit("Shape", [idx])])
        x = ctx.emit("ScatterElements", [x, idx, fill], axis=d)
    return [ctx.emit("ScatterElements", [x, idx, src], axis=d, reduction=op)]


@rule("_scatter_dim")
def _scatter_dim(ctx):
    dt = ctx.out_dtype()
    shape = ctx.shape_vec(list(ctx.attr("shape")))
    zeros = ctx.emit("Expand", [ctx.const(np.asarray(0), dt), shape])
    if not ctx.attr("shape"):
        return [ctx.emit("Add", [zeros, ctx.emit("Reshape", [ctx.inp(0), ctx.ints([])])])]
    return [ctx.emit("ScatterElements", [zeros, long(ctx, 1), ctx.tin(0, dt)], axis=_d(ctx),
                     reduction="add")]


@rule("index_copy", "index_add")
def _index_copy(ctx):
    dt = ctx.out_dtype()
    r = ctx.rank(0)
    src = ctx.tin(2, dt)
    if r == 0:
        if ctx.node.kind == "index_add":
            a = ctx.attr("alpha", 1)
            s = ctx.emit("Mul", [src, ctx.const(np.asarray(a), dt)]) if a != 1 else src
            return [ctx.emit("Add", [ctx.tin(0, dt), ctx.emit("Reshape", [s, ctx.ints([])])])]
        return [ctx.emit("Reshape", [src, ctx.ints([])])]
    d = _d(ctx)
    if ctx.rank(2) != r:
        src = ctx.emit("Reshape", [src, ctx.emit("Shape", [ctx.inp(0)])])
    alpha = ctx.attr("alpha", 1)
    if ctx.node.kind == "index_add" and alpha != 1:
        src = ctx.emit("Mul", [src, ctx.const(np.asarray(alpha), dt)])
    idx = along(ctx, ctx.emit("Reshape", [long(ctx, 1), ctx.ints([-1])]), d, src, r)
    red = "add" if ctx.node.kind == "index_add" else "none"
    (x, s), cd = _bool_safe(ctx, ctx.tin(0, dt), src, dt, red)
    return [ctx.cast(ctx.emit("ScatterElements", [x, idx, s], axis=d, reduction=red), cd, dt)]


@rule("index_fill")
def _index_fill(ctx):
    dt = ctx.out_dtype()
    x = ctx.tin(0, dt)
    if ctx.rank(0) == 0:
        return [ctx.emit("Identity", [ctx.tin(2, dt)])]
    d = _d(ctx)
    r = ctx.rank(0)
    flat = ctx.emit("Reshape", [long(ctx, 1), ctx.ints([-1])])
    shape = ctx.emit("Shape", [x])
    tgt = ctx.emit("ScatterElements", [shape, ctx.ints([d]), ctx.emit("Shape", [flat])],
                   axis=0)
    idx = along(ctx, flat, d, ctx.emit("ConstantOfShape", [tgt]), r)
    val = ctx.emit("Expand", [ctx.emit("Reshape", [ctx.tin(2, dt), ctx.ints([])]), tgt])
    return [ctx.emit("ScatterElements", [x, idx, val], axis=d)]


def _norm_index(ctx, idx, n):
    """Negative indices wrapped by the dim size ``n`` ([1] int64)."""
    neg = ctx.emit("Less", [idx, ctx.const(np.int64(0))])
    return ctx.emit("Where", [neg, ctx.emit("Add", [idx, n]), idx])


def _advanced(ctx, first):
    """(x with the indexed dims moved to the front, stacked [B..., k] indices, positions of
    the indexed dims, broadcast index shape)."""
    x = ctx.inp(0)
    r = ctx.rank(0)
    dims, idx = [], []
    ins = ctx.node.inputs[first:]
    for k, v in enumerate(ins):
        if v is None or (v in ctx.pyvals and ctx.pyvals[v] is None):
            continue
        i = first + k
        if ctx.dtype(i) in (D.bool, D.uint8):  # a mask covers as many dims as it has
            nz = ctx.emit("Transpose", [ctx.emit("NonZero", [ctx.inp(i)])], perm=[1, 0])
            m = ctx.rank(i)
            parts = ctx.emit("Split", [nz, ctx.ints([1] * m)], n_out=m, axis=1) if m > 1 \
                else [nz]
            for j, p in enumerate(parts):
                dims.append(len(dims) + _skipped(ins[:k]) + 0 if False else k + j)
                idx.append(ctx.emit("Squeeze", [p, ctx.ints([1])]))
            continue
        dims.append(k)
        idx.append(long(ctx, i))
    perm = dims + [q for q in range(r) if q not in dims]
    xt = ctx.emit("Transpose", [x], perm=perm) if perm != list(range(r)) else x
    zero = None
    for t in idx:
        z = ctx.emit("Mul", [t, ctx.const(np.int64(0))])
        zero = z if zero is None else ctx.emit("Add", [zero, z])
    full = []
    for t, d in zip(idx, dims):
        t = _norm_index(ctx, ctx.emit("Add", [t, zero]), ctx.dim(0, d))
        full.append(ctx.emit("Unsqueeze", [t, ctx.ints([-1])]))
    stacked = full[0] if len(full) == 1 else ctx.emit("Concat", full, axis=-1)
    return xt, stacked, dims, perm


def _skipped(lst):
    return 0


def _index_rank(ctx, first):
    """Rank of the broadcast index tensors (masks count as 1-D)."""
    rk = 0
    for k, v in enumerate(ctx.node.inputs[first:]):
        if v is None or (v in ctx.pyvals and ctx.pyvals[v] is None):
            continue
        i = first + k
        rk = max(rk, 1 if ctx.dtype(i) in (D.bool, D.uint8) else ctx.rank(i))
    return rk


@rule("index")
def _index(ctx):
    xt, stacked, dims, perm = _advanced(ctx, 1)
    y = ctx.emit("GatherND", [xt, stacked])
    r = ctx.rank(0)
    consecutive = dims == list(range(dims[0], dims[0] + len(dims)))
    if consecutive and dims[0] > 0:  # the indexed block stays where it was
        nb = ctx.out_rank() - (r - len(dims))
        rest = list(range(nb, ctx.out_rank()))
        order = rest[:dims[0]] + list(range(nb)) + rest[dims[0]:]
        y = ctx.emit("Transpose", [y], perm=order)
    return [y]


@rule("index_put")
def _index_put(ctx):
    dt = ctx.out_dtype()
    xt, stacked, dims, perm = _advanced(ctx, 2)
    r = ctx.rank(0)
    # values broadcast to x[indices] (PyTorch's order), then put in the order of xt
    k = len(dims)
    bshape = ctx.emit("Shape", [stacked], end=-1)
    nb = ctx.rank(1)  # at most; the true count comes from the index shape below
    rest = ctx.emit("Shape", [xt], start=k)
    p = dims[0]
    consecutive = dims == list(range(p, p + k)) and p > 0
    if consecutive:
        xs = ctx.emit("Shape", [ctx.inp(0)])
        tshape = ctx.emit("Concat", [ctx.emit("Slice", [xs, ctx.ints([0]), ctx.ints([p])]),
                                     bshape, ctx.emit("Slice", [xs, ctx.ints([p + k]),
                                                                ctx.ints([r])])], axis=0)
    else:
        tshape = ctx.emit("Concat", [bshape, rest], axis=0)
    vals = ctx.emit("Expand", [ctx.tin(1, dt), tshape])
    if consecutive:
        nbd = _index_rank(ctx, 2)
        total = nbd + r - k
        order = list(range(p, p + nbd)) + list(range(p)) + list(range(p + nbd, total))
        vals = ctx.emit("Transpose", [vals], perm=order)
    del nb
    red = "add" if ctx.attr("accumulate", False) else "none"
    (xx, vv), cd = _bool_safe(ctx, xt, vals, dt, red)
    y = ctx.cast(ctx.emit("ScatterND", [xx, stacked, vv], reduction=red), cd, dt)
    if perm != list(range(r)):
        y = ctx.emit("Transpose", [y], perm=[perm.index(q) for q in range(r)])
    return [y]


@rule("masked_fill")
def _masked_fill(ctx):
    dt = ctx.out_dtype()
    return [ctx.where_(ctx.tin(1, D.bool), ctx.tin(2, dt), ctx.tin(0, dt), dt)]


def _broadcast_pair(ctx, a, b, dta):
    za = ctx.emit("Mul", [ctx.cast(b, D.bool, D.int64), ctx.const(np.int64(0))])
    zb = ctx.emit("Mul", [ctx.cast(a, dta, D.int64), ctx.const(np.int64(0))]) \
        if dta is not D.bool else ctx.emit("Mul", [ctx.cast(a, D.bool, D.int64),
                                                   ctx.const(np.int64(0))])
    shape = ctx.emit("Shape", [ctx.emit("Add", [za, zb])])
    return ctx.emit("Expand", [a, shape]), ctx.emit("Expand", [b, shape])


@rule("masked_select")
def _masked_select(ctx):
    x, m = _broadcast_pair(ctx, ctx.inp(0), ctx.tin(1, D.bool), ctx.dtype(0))
    flat_x = ctx.emit("Reshape", [x, ctx.ints([-1])])
    flat_m = ctx.emit("Reshape", [m, ctx.ints([-1])])
    return [ctx.emit("Compress", [flat_x, flat_m], axis=0)]


@rule("masked_scatter")
def _masked_scatter(ctx):
    dt = ctx.out_dtype()
    x, m = _broadcast_pair(ctx, ctx.tin(0, dt), ctx.tin(1, D.bool), dt)
    fm = ctx.emit("Reshape", [ctx.cast(m, D.bool, D.int64), ctx.ints([-1])])
    pos = ctx.emit("Sub", [ctx.emit("CumSum", [fm, ctx.const(np.int64(0))]),
                           ctx.const(np.int64(1))])
    pos = ctx.emit("Max", [pos, ctx.const(np.int64(0))])
    src = ctx.emit("Reshape", [ctx.tin(2, dt), ctx.ints([-1])])
    vals = ctx.emit("Reshape", [ctx.emit("Gather", [src, pos], axis=0),
                                ctx.emit("Shape", [x])])
    return [ctx.where_(m, vals, x, dt)]


@rule("take", "_as_strided_take")
def _take(ctx):
    flat = ctx.emit("Reshape", [ctx.inp(0), ctx.ints([-1])])
    return [ctx.emit("Gather", [flat, long(ctx, 1)], axis=0)]


@rule("put")
def _put(ctx):
    dt = ctx.out_dtype()
    flat = ctx.emit("Reshape", [ctx.tin(0, dt), ctx.ints([-1])])
    idx = ctx.emit("Reshape", [long(ctx, 1), ctx.ints([-1])])
    src = ctx.emit("Reshape", [ctx.tin(2, dt), ctx.ints([-1])])
    red = "add" if ctx.attr("accumulate", False) else "none"
    (ff, ss), cd = _bool_safe(ctx, flat, src, dt, red)
    y = ctx.cast(ctx.emit("ScatterElements", [ff, idx, ss], axis=0, reduction=red), cd, dt)
    return [ctx.emit("Reshape", [y, ctx.emit("Shape", [ctx.inp(0)])])]


@rule("nonzero")
def _nonzero(ctx):
    x = ctx.inp(0)
    if ctx.rank(0) == 0:
        x = ctx.emit("Reshape", [x, ctx.ints([1])])
        nz = ctx.emit("NonZero", [x])
        return [ctx.emit("Slice", [ctx.emit("Transpose", [nz], perm=[1, 0]), ctx.ints([0]),
                                   ctx.ints([0]), ctx.ints([1])])]
    return [ctx.emit("Transpose", [ctx.emit("NonZero", [x])], perm=[1, 0])]


@rule("searchsorted")
def _searchsorted(ctx):
    si, vi = 0, 1
    dt = D.float64 if any(ctx.dtype(i) in (D.float32, D.float64, D.float16)
                          for i in (si, vi)) else D.int64
    s, v = ctx.tin(si, dt), ctx.tin(vi, dt)
    right = bool(ctx.attr("right", False)) or ctx.attr("side") == "right"
    if ctx.has(2):  # a sorter permutes the sorted sequence
        s = ctx.emit("GatherElements", [s, long(ctx, 2)], axis=-1)
    vr = ctx.rank(vi)
    if ctx.rank(si) == 1:
        se = s
        ve = ctx.emit("Unsqueeze", [v, ctx.ints([-1])]) if vr else \
            ctx.emit("Reshape", [v, ctx.ints([1, 1])])
    else:
        se = ctx.emit("Unsqueeze", [s, ctx.ints([-2])])
        ve = ctx.emit("Unsqueeze", [v, ctx.ints([-1])])
    cmp = ctx.emit("LessOrEqual" if right else "Less", [se, ve])
    cnt = ctx.emit("ReduceSum", [ctx.cast(cmp, D.bool, D.int64), ctx.ints([-1])], keepdims=0)
    if not vr:
        cnt = ctx.emit("Reshape", [cnt, ctx.ints([])])
    return [ctx.cast(cnt, D.int64, ctx.out_dtype())]


@rule("bincount")
def _bincount(ctx):
    dt = ctx.out_dtype()
    x = long(ctx, 0)
    mx = ctx.emit("ReduceMax", [ctx.emit("Concat", [x, ctx.const(np.array([-1], np.int64))],
                                         axis=0)], keepdims=1) if ctx.opset < 18 else \
        ctx.emit("ReduceMax", [ctx.emit("Concat", [x, ctx.const(np.array([-1], np.int64))],
                                        axis=0), ctx.ints([0])], keepdims=1)
    n = ctx.emit("Max", [ctx.emit("Add", [mx, ctx.ints([1])]),
                         ctx.ints([int(ctx.attr("minlength", 0) or 0)])])
    zeros = ctx.emit("Expand", [ctx.const(np.asarray(0), dt), n])
    w = ctx.tin(1, dt) if ctx.has(1) else ctx.emit("Expand", [ctx.const(np.asarray(1), dt),
                                                              ctx.emit("Shape", [x])])
    return [ctx.emit("ScatterElements", [zeros, x, w], axis=0, reduction="add")]
