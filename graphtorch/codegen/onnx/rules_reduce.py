"""Export rules: reductions, arg-reductions, scans and order statistics.

``Reduce*`` ops take their axes as an attribute before opset 18 and as an input from 18 on
(``ReduceSum`` from 13): ``reduce`` hides the difference."""
from __future__ import annotations

import numpy as np

from ...ops import dtypes as D
from .registry import rule
from .types import is_float


def axes_of(ctx, i=0, key="dim"):
    """Normalized reduction axes of attribute ``key`` (None / () = every dim)."""
    r = ctx.rank(i)
    d = ctx.attr(key)
    if d is None or d == () or d == []:
        return list(range(r))
    d = d if isinstance(d, (list, tuple)) else [d]
    return sorted({int(x) % max(r, 1) for x in d}) if r else []


def reduce(ctx, op, x, axes, keepdims):
    if not axes:
        return ctx.emit("Identity", [x])
    if op == "ReduceSum" or ctx.opset >= 18:
        return ctx.emit(op, [x, ctx.ints(axes)], keepdims=int(keepdims))
    return ctx.emit(op, [x], axes=list(axes), keepdims=int(keepdims))


def _order_dtype(dt):
    return D.uint8 if dt is D.bool else dt


@rule("sum", "nansum", "mean", "nanmean", "prod")
def _sum(ctx):
    dt = ctx.out_dtype()
    kind = ctx.node.kind
    x = ctx.tin(0, dt if dt is not D.bool else D.int64)
    if kind.startswith("nan") and is_float(dt):
        nan = ctx.emit("IsNaN", [x])
        if kind == "nanmean":
            cnt = ctx.cast(ctx.emit("Not", [nan]), D.bool, dt)
            s = reduce(ctx, "ReduceSum", ctx.emit("Where", [nan, ctx.const(0, dt), x]),
                       axes_of(ctx), ctx.attr("keepdim", False))
            n = reduce(ctx, "ReduceSum", cnt, axes_of(ctx), ctx.attr("keepdim", False))
            return [ctx.emit("Div", [s, n])]
        x = ctx.emit("Where", [nan, ctx.const(0, dt), x])
    op = {"mean": "ReduceMean", "nanmean": "ReduceMean", "prod": "ReduceProd"}.get(
        kind, "ReduceSum")
    return [reduce(ctx, op, x, axes_of(ctx), ctx.attr("keepdim", False))]


@rule("amax", "amin", "max", "min")
def _amax(ctx):
    dt = ctx.out_dtype()
    od = _order_dtype(dt)
    x = ctx.tin(0, od)
    op = "ReduceMax" if ctx.node.kind in ("amax", "max") else "ReduceMin"
    axes = axes_of(ctx)
    r = reduce(ctx, op, x, axes, ctx.attr("keepdim", False))
    if is_float(dt) and axes:  # NaN wins, as in PyTorch
        anynan = reduce(ctx, "ReduceMax", ctx.cast(ctx.emit("IsNaN", [x]), D.bool, D.uint8),
                        axes, ctx.attr("keepdim", False))
        r = ctx.emit("Where", [ctx.cast(anynan, D.uint8, D.bool), ctx.const(np.nan, dt), r])
    return [ctx.cast(r, od, dt)]


@rule("all", "any")
def _all(ctx):
    x = ctx.cast(ctx.tin(0, D.bool), D.bool, D.int32)
    op = "ReduceMin" if ctx.node.kind == "all" else "ReduceMax"
    r = reduce(ctx, op, x, axes_of(ctx), ctx.attr("keepdim", False))
    return [ctx.cast(ctx.cast(r, D.int32, D.bool), D.bool, ctx.out_dtype())]


def _arg(ctx, op, x, dim, keepdim, out_rank):
    if dim is None:
        flat = ctx.emit("Reshape", [x, ctx.ints([-1])])
        r = ctx.emit(op, [flat], axis=0, keepdims=0)
        return ctx.emit("Reshape", [r, ctx.ints([1] * out_rank)]) if out_rank else r
    if ctx.rank(0) == 0:
        return ctx.emit("Reshape", [ctx.ints([0]), ctx.ints([])])
    return ctx.emit(op, [x], axis=int(dim), keepdims=int(keepdim))


@rule("argmax", "argmin")
def _argmax(ctx):
    od = _order_dtype(ctx.dtype(0))
    x = ctx.tin(0, od)
    op = "ArgMax" if ctx.node.kind == "argmax" else "ArgMin"
    if is_float(od):  # NaN is the maximum (and minimum) in PyTorch
        nan = ctx.emit("IsNaN", [x])
        x = ctx.emit("Where", [nan, ctx.const(np.inf if op == "ArgMax" else -np.inf, od), x])
    return [_arg(ctx, op, x, ctx.attr("dim"), ctx.attr("keepdim", False), ctx.out_rank())]


@rule("max_dim", "min_dim")
def _max_dim(ctx):
    dt = ctx.out_dtype()
    od = _order_dtype(dt)
    x = ctx.tin(0, od)
    big = ctx.node.kind == "max_dim"
    keep = ctx.attr("keepdim", False)
    if ctx.rank(0) == 0:
        return [ctx.emit("Identity", [ctx.inp(0)]),
                ctx.emit("Reshape", [ctx.ints([0]), ctx.ints([])])]
    d = int(ctx.attr("dim")) % ctx.rank(0)
    v = reduce(ctx, "ReduceMax" if big else "ReduceMin", x, [d], keep)
    i = ctx.emit("ArgMax" if big else "ArgMin", [x], axis=d, keepdims=int(keep))
    return [ctx.cast(v, od, dt), i]


@rule("aminmax")
def _aminmax(ctx):
    dt = ctx.out_dtype()
    od = _order_dtype(dt)
    x = ctx.tin(0, od)
    axes, keep = axes_of(ctx), ctx.attr("keepdim", False)
    return [ctx.cast(reduce(ctx, op, x, axes, keep), od, dt)
            for op in ("ReduceMin", "ReduceMax")]


@rule("logsumexp")
def _logsumexp(ctx):
    dt = ctx.out_dtype()
    x = ctx.tin(0, dt)
    axes, keep = axes_of(ctx), ctx.attr("keepdim", False)
    if not axes:
        return [ctx.emit("Identity", [x])]
    m = reduce(ctx, "ReduceMax", x, axes, True)
    m = ctx.emit("Where", [ctx.emit("IsInf", [m]), ctx.const(0, dt), m])
    s = reduce(ctx, "ReduceSum", ctx.emit("Exp", [ctx.emit("Sub", [x, m])]), axes, keep)
    if not keep:
        m = reduce(ctx, "ReduceMax", m, axes, False)
    return [ctx.emit("Add", [ctx.emit("Log", [s]), m])]


# ------------------------------------------------------------------ scans
def _dim(ctx, key="dim"):
    r = ctx.rank(0)
    return int(ctx.attr(key, 0)) % max(r, 1)


@rule("cumsum")
def _cumsum(ctx):
    dt = ctx.out_dtype()
    x = ctx.tin(0, dt)
    if ctx.rank(0) == 0:
        return [ctx.emit("Identity", [x])]
    return [ctx.emit("CumSum", [x, ctx.const(np.int64(_dim(ctx)))],
                     reverse=int(bool(ctx.attr("reverse", False))))]


def _triangle(ctx, x, d, fill, dt):
    """x expanded to [..., n(i), ..., n(j)] with x[j] where j <= i, else ``fill``: every
    prefix of dim ``d`` side by side, so a reduction over the last axis is a scan."""
    r = ctx.rank(0)
    n = ctx.dim(0, d)
    ar = ctx.emit("Range", [ctx.const(np.int64(0)), ctx.scalar(n), ctx.const(np.int64(1))])
    mask = ctx.emit("LessOrEqual", [ctx.emit("Unsqueeze", [ar, ctx.ints([0])]),
                                    ctx.emit("Unsqueeze", [ar, ctx.ints([1])])])  # [i, j]
    # move dim d to the end and add the i axis before it
    perm = [k for k in range(r) if k != d] + [d]
    xt = ctx.emit("Transpose", [x], perm=perm)
    xe = ctx.emit("Unsqueeze", [xt, ctx.ints([r - 1])])  # [..., 1, n_j]
    m = ctx.emit("Where", [mask, xe, ctx.const(fill, dt)])  # [..., n_i, n_j]
    return m, perm


def _untranspose(ctx, y, perm):
    inv = [perm.index(k) for k in range(len(perm))]
    return ctx.emit("Transpose", [y], perm=inv)


@rule("cumprod", "logcumsumexp", "cummax", "cummin")
def _scan(ctx):
    kind = ctx.node.kind
    dt = ctx.out_dtype()
    od = _order_dtype(dt)
    x = ctx.tin(0, od)
    if ctx.rank(0) == 0:
        outs = [ctx.emit("Identity", [ctx.tin(0, dt)])]
        if kind in ("cummax", "cummin"):
            outs.append(ctx.emit("Reshape", [ctx.ints([0]), ctx.ints([])]))
        return outs
    d = _dim(ctx)
    r = ctx.rank(0)
    if kind == "cumprod":
        m, perm = _triangle(ctx, x, d, 1, od)
        return [ctx.cast(_untranspose(ctx, reduce(ctx, "ReduceProd", m, [r], False), perm),
                         od, dt)]
    if kind == "logcumsumexp":
        m, perm = _triangle(ctx, x, d, -np.inf, od)
        y = _logsumexp_last(ctx, m, r, od)
        return [_untranspose(ctx, y, perm)]
    big = kind == "cummax"
    lo = np.inf if not big else -np.inf
    if not is_float(od):
        info = np.iinfo(od.np)
        lo = info.min if big else info.max
    xx = x
    if is_float(od):  # NaN propagates and wins: rank it above everything
        xx = ctx.emit("Where", [ctx.emit("IsNaN", [x]), ctx.const(np.inf if big else -np.inf,
                                                                  od), x])
    m, perm = _triangle(ctx, xx, d, lo, od)
    best = reduce(ctx, "ReduceMax" if big else "ReduceMin", m, [r], True)  # [..., n_i, 1]
    n = ctx.dim(0, d)
    ar = ctx.emit("Range", [ctx.const(np.int64(0)), ctx.scalar(n), ctx.const(np.int64(1))])
    mask = ctx.emit("LessOrEqual", [ctx.emit("Unsqueeze", [ar, ctx.ints([0])]),
                                    ctx.emit("Unsqueeze", [ar, ctx.ints([1])])])
    hit = ctx.emit("And", [mask, ctx.emit("Equal", [m, best])])
    idx = reduce(ctx, "ReduceMax", ctx.emit("Where", [hit, ar, ctx.const(np.int64(-1))]),
                 [r], False)  # the last position reaching the running extreme
    idx = _untranspose(ctx, idx, perm)
    vals = ctx.emit("GatherElements", [x, idx], axis=d)
    return [ctx.cast(vals, od, dt), idx]


def _logsumexp_last(ctx, m, axis, dt):
    mx = reduce(ctx, "ReduceMax", m, [axis], True)
    mx = ctx.emit("Where", [ctx.emit("IsInf", [mx]), ctx.const(0, dt), mx])
    s = reduce(ctx, "ReduceSum", ctx.emit("Exp", [ctx.emit("Sub", [m, mx])]), [axis], False)
    return ctx.emit("Add", [ctx.emit("Log", [s]), reduce(ctx, "ReduceMax", mx, [axis], False)])


# ------------------------------------------------------------------ sorting
def topk(ctx, x, k, axis, largest):
    kk = k if isinstance(k, str) else ctx.ints([k])
    return ctx.emit("TopK", [x, kk], n_out=2, axis=axis, largest=int(largest), sorted=1)


@rule("sort")
def _sort(ctx):
    dt = ctx.out_dtype()
    od = _order_dtype(dt)
    x = ctx.tin(0, od)
    if ctx.rank(0) == 0:
        return [ctx.emit("Identity", [ctx.inp(0)]),
                ctx.emit("Reshape", [ctx.ints([0]), ctx.ints([])])]
    d = int(ctx.attr("dim", -1)) % ctx.rank(0)
    v, i = topk(ctx, x, ctx.dim(0, d), d, bool(ctx.attr("descending", False)))
    return [ctx.cast(v, od, dt), i]


@rule("topk")
def _topk(ctx):
    dt = ctx.out_dtype()
    od = _order_dtype(dt)
    x = ctx.tin(0, od)
    k = ctx.pyval(1)
    if ctx.rank(0) == 0:
        return [ctx.emit("Identity", [ctx.inp(0)]),
                ctx.emit("Reshape", [ctx.ints([0]), ctx.ints([])])]
    d = int(ctx.attr("dim", -1)) % ctx.rank(0)
    v, i = topk(ctx, x, int(k), d, bool(ctx.attr("largest", True)))
    return [ctx.cast(v, od, dt), i]


def _keep_shape(ctx, x, d):
    """x's shape with dim ``d`` set to 1."""
    shape = ctx.emit("Shape", [x])
    return ctx.emit("ScatterElements", [shape, ctx.ints([d]), ctx.ints([1])], axis=0)


def _kth(ctx, x, k_index, d, keep, od, dt):
    """Values and indices of the ``k_index``-th smallest ([1] int64 tensor) along ``d``."""
    n = ctx.dim(0, d)
    v, i = ctx.emit("TopK", [x, n], n_out=2, axis=d, largest=0, sorted=1)
    idx = ctx.emit("Expand", [k_index, _keep_shape(ctx, x, d)])
    val = ctx.emit("GatherElements", [v, idx], axis=d)
    ind = ctx.emit("GatherElements", [i, idx], axis=d)
    if not keep:
        val = ctx.emit("Squeeze", [val, ctx.ints([d])])
        ind = ctx.emit("Squeeze", [ind, ctx.ints([d])])
    return ctx.cast(val, od, dt), ind


@rule("kthvalue")
def _kthvalue(ctx):
    dt = ctx.out_dtype()
    od = _order_dtype(dt)
    x = ctx.tin(0, od)
    k = int(ctx.pyval(1))
    if ctx.rank(0) == 0:
        return [ctx.emit("Identity", [ctx.inp(0)]),
                ctx.emit("Reshape", [ctx.ints([0]), ctx.ints([])])]
    d = int(ctx.attr("dim", -1)) % ctx.rank(0)
    return list(_kth(ctx, x, ctx.ints([k - 1]), d, ctx.attr("keepdim", False), od, dt))


def _median_index(ctx, x, d, od, nan_skip):
    """[1]-broadcastable index of the lower median along ``d`` (NaNs sort last)."""
    if not nan_skip:
        n = ctx.dim(0, d)
        return ctx.emit("Div", [ctx.emit("Sub", [n, ctx.ints([1])]), ctx.ints([2])]), x
    nan = ctx.emit("IsNaN", [x])
    cnt = reduce(ctx, "ReduceSum", ctx.cast(ctx.emit("Not", [nan]), D.bool, D.int64), [d],
                 True)
    k = ctx.emit("Div", [ctx.emit("Sub", [cnt, ctx.ints([1])]), ctx.ints([2])])
    k = ctx.emit("Max", [k, ctx.ints([0])])
    return k, x


def _median(ctx, flat):
    dt = ctx.out_dtype()
    od = _order_dtype(dt)
    x = ctx.tin(0, od)
    nan_skip = ctx.node.kind.startswith("nan")
    if flat:
        x = ctx.emit("Reshape", [x, ctx.ints([-1])])
        d, keep = 0, False
    elif ctx.rank(0) == 0:
        return [ctx.emit("Identity", [ctx.inp(0)]),
                ctx.emit("Reshape", [ctx.ints([0]), ctx.ints([])])]
    else:
        d, keep = int(ctx.attr("dim", -1)) % ctx.rank(0), ctx.attr("keepdim", False)
    n = ctx.emit("Shape", [x], start=d, end=d + 1)
    v, i = ctx.emit("TopK", [x, n], n_out=2, axis=d, largest=0, sorted=1)
    first_nan = None
    if nan_skip and is_float(od):
        k, _ = _median_index(ctx, x, d, od, True)
    else:
        k = ctx.emit("Div", [ctx.emit("Sub", [n, ctx.ints([1])]), ctx.ints([2])])
        if is_float(od):  # any NaN makes the median NaN: it sorts last; index of the first
            isn = ctx.cast(ctx.emit("IsNaN", [x]), D.bool, D.int32)
            anynan = ctx.cast(reduce(ctx, "ReduceMax", isn, [d], True), D.int32, D.bool)
            k = ctx.emit("Where", [anynan, ctx.emit("Sub", [n, ctx.ints([1])]), k])
            first_nan = (anynan, ctx.emit("ArgMax", [isn], axis=d, keepdims=1))
    k = ctx.emit("Expand", [k, _keep_shape(ctx, x, d)])
    val = ctx.emit("GatherElements", [v, k], axis=d)
    ind = ctx.emit("GatherElements", [i, k], axis=d)
    if first_nan is not None:
        ind = ctx.emit("Where", [first_nan[0], first_nan[1], ind])
    if not keep:
        val = ctx.emit("Squeeze", [val, ctx.ints([d])])
        ind = ctx.emit("Squeeze", [ind, ctx.ints([d])])
    return [ctx.cast(val, od, dt), ind]


@rule("median", "nanmedian")
def _median_all(ctx):
    return _median(ctx, True)[:1]


@rule("median_dim", "nanmedian_dim")
def _median_dim(ctx):
    return _median(ctx, False)

