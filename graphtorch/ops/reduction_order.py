"""Order statistics: amax, amin, aminmax, max/min (all or along a dim), argmax, argmin, sort,
topk, kthvalue, median, nanmedian, mode, and the gather/scatter pair their gradients use.

Index results follow torch: the first index for ties of max/min/argmax/argmin, a stable sort
(which also satisfies ``stable=True``), NaN ordered above every number.  Gradients route to the
selected index; max()/min()/median() over everything and amax/amin share it evenly among ties."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import reduce_shape, wrap_dim
from .reduction_stats import axes_of, grad_back, opdef, red_samples
from .registry import Sample

ORDERED = S.ALL_REAL


# ------------------------------------------------------------------------------ helpers
def keys(x):
    """Sort keys numpy orders like torch: half types upcast, bool as uint8."""
    if x.dtype == D.bfloat16.np or x.dtype == np.float16:
        return x.astype(np.float32)
    return x.view(np.uint8) if x.dtype == np.bool_ else x


def along(x, dim, op):
    """(x with at least one dim, the wrapped axis): a 0-dim tensor acts as shape (1,)."""
    axis = wrap_dim(dim, x.ndim, op)
    return (x.reshape(1) if x.ndim == 0 else x), axis


def sort_idx(xp, x, axis, descending=False):
    """Stable argsort along ``axis`` (descending keeps the original order of equal values)."""
    k = keys(x)
    if not descending:
        return xp.argsort(k, axis=axis, kind="stable")
    n = k.shape[axis]
    rev = xp.flip(xp.argsort(xp.flip(k, axis), axis=axis, kind="stable"), axis)
    return (n - 1) - rev


def _nonempty(x, axes, op, specify=True):
    if specify and axes is None and 0 in x.shape:
        raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0."
                           " Specify the reduction dim with the 'dim' argument.")
    for a in axes or ():
        if x.shape[a] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {a} to have non-zero size.")


def keep_shape(shape, axis):
    return tuple(1 if i == axis else s for i, s in enumerate(shape))


def route(g, idx, ctx, axis=None, keepdim=None):
    """Gradient ``g`` of values picked at ``idx`` along ``axis``, put back into the input."""
    shape = tuple(ctx._input_meta[0][0])
    axis = wrap_dim(ctx.attrs.get("dim", -1), len(shape)) if axis is None else axis
    keepdim = ctx.attrs.get("keepdim", False) if keepdim is None else keepdim
    if shape and not keepdim:
        ks = keep_shape(shape, axis)
        g, idx = g.reshape(ks), idx.reshape(ks)
    return g._scatter_dim(idx, dim=axis, shape=shape)


def even(g, ctx, y, dim=None, keepdim=False):
    """Gradient shared evenly among the elements equal to the (expanded) result ``y``."""
    x = ctx.inputs[0]
    mask = x == y
    n = mask.sum(dim if dim is not None else (), keepdim=True)
    return g * mask / n


# ------------------------------------------------------------------------------ gather/scatter
def _gather_meta(x, idx, dim=0):
    return x.with_(shape=idx.shape)


def _gather(xp, m, x, idx, dim=0):
    if x.ndim == 0:
        return x.copy()
    return xp.take_along_axis(x, idx.astype(np.int64), axis=dim)


def _scatter_meta(g, idx, dim=0, shape=()):
    return g.with_(shape=tuple(shape))


def _scatter(xp, m, g, idx, dim=0, shape=()):
    """zeros(shape) with ``g`` added at ``idx`` along ``dim`` (repeated indices accumulate)."""
    out = xp.zeros(tuple(shape), m.dtype.np)
    if not shape:
        return out + g.reshape(())
    grids = list(xp.indices(idx.shape, sparse=True))
    grids[dim] = idx
    xp.add.at(out, tuple(grids), g)
    return out


def _idx_samples(dt, scatter):
    x = S.array((3, 4), dt)
    idx = np.array([[0, 2], [1, 1], [3, 0]])
    if scatter:
        return [Sample((S.array((3, 2), dt), idx), {"dim": 1, "shape": (3, 4)}),
                Sample((S.array((), dt), np.array(0)), {"dim": 0, "shape": ()})]
    return [Sample((x, idx), {"dim": 1}), Sample((S.array((), dt), np.array(0)), {"dim": 0})]


gather_dim = opdef("_gather_dim", _gather, _gather_meta, save_inputs=(1,),
                   vjp=lambda ctx, g: (g._scatter_dim(ctx.inputs[1], dim=ctx.attrs["dim"],
                                                      shape=ctx._input_meta[0][0]), None),
                   samples=lambda dt: _idx_samples(dt, False), dtypes=S.FLOAT_DTYPES,
                   grad_name="GatherBackward0")
scatter_dim = opdef("_scatter_dim", _scatter, _scatter_meta, save_inputs=(1,),
                    vjp=lambda ctx, g: (g._gather_dim(ctx.inputs[1], dim=ctx.attrs["dim"]),
                                        None),
                    samples=lambda dt: _idx_samples(dt, True), dtypes=S.FLOAT_DTYPES,
                    grad_name="ScatterAddBackward0")


# ------------------------------------------------------------------------------ amax / amin
def _amax_meta_for(name):
    def meta(x, dim=(), keepdim=False):
        axes = axes_of(dim, x.ndim, name)
        _nonempty(x, axes, name)
        return x.with_(shape=reduce_shape(x.shape, axes, keepdim))
    return meta


def _amax_for(fn, name):
    def compute(xp, m, x, dim=(), keepdim=False):
        return fn(x, axis=axes_of(dim, x.ndim, name), keepdims=keepdim)
    return compute


def _amax_vjp(ctx, g):
    y = grad_back(ctx.output, ctx)
    dim = ctx.attrs.get("dim")
    return (even(grad_back(g, ctx), ctx, y, dim if dim != () else None),)


def _order_samples(dt):
    return red_samples(dt, ("all", "dim", "dims", "scalar"))


amax = opdef("amax", _amax_for(np.max, "amax"), _amax_meta_for("amax"), vjp=_amax_vjp,
             save_inputs=(0,), save_output=True, samples=_order_samples, dtypes=ORDERED)
amin = opdef("amin", _amax_for(np.min, "amin"), _amax_meta_for("amin"), vjp=_amax_vjp,
             save_inputs=(0,), save_output=True, samples=_order_samples, dtypes=ORDERED)


def _all_meta_for(name):
    def meta(x):
        _nonempty(x, None, name)
        return x.with_(shape=())
    return meta


def _all_vjp(ctx, g):
    return (even(g, ctx, ctx.output),)


def _all_samples(dt):
    return [Sample((S.array((3, 4), dt),), {}), Sample((S.array((), dt),), {})]


max_all = opdef("max", lambda xp, m, x: xp.max(x), _all_meta_for("max"), vjp=_all_vjp,
                save_inputs=(0,), save_output=True, samples=_all_samples, dtypes=ORDERED,
                grad_name="MaxBackward1")
min_all = opdef("min", lambda xp, m, x: xp.min(x), _all_meta_for("min"), vjp=_all_vjp,
                save_inputs=(0,), save_output=True, samples=_all_samples, dtypes=ORDERED,
                grad_name="MinBackward1")


# ------------------------------------------------------------------------------ max/min along dim
def _dim_meta_for(name, idx_dtype=D.int64, pair=True):
    def meta(x, dim=-1, keepdim=False, **_):
        axis = wrap_dim(dim, x.ndim, name)
        if x.ndim:
            _nonempty(x, (axis,), name)
        shape = reduce_shape(x.shape, (axis,), keepdim)
        return (x.with_(shape=shape), x.with_(shape=shape, dtype=idx_dtype)) if pair else \
            x.with_(shape=shape, dtype=idx_dtype)
    return meta


def _select_for(argfn):
    def compute(xp, m, x, dim=-1, keepdim=False):
        x, axis = along(x, dim, "")
        idx = xp.expand_dims(argfn(keys(x), axis=axis), axis)
        vals = xp.take_along_axis(x, idx, axis=axis)
        return vals.reshape(m[0].shape), idx.reshape(m[1].shape)
    return compute


def _values_vjp(ctx, g, gi=None):
    if g is None:
        return (None,)
    return (route(g, ctx.output[1], ctx),)


def _dim_samples(dt, **kw):
    return [Sample((S.array((3, 4), dt),), dict(kw, dim=1)),
            Sample((S.array((2, 3, 4), dt),), dict(kw, dim=0, keepdim=True)),
            Sample((S.array((3, 4), dt),), dict(kw, dim=-2)),
            Sample((S.array((), dt),), dict(kw, dim=0)),
            Sample((S.array((0, 3), dt),), dict(kw, dim=1), grad=False)]


def _dim_op(name, compute, grad_name, **kw):
    return opdef(name, compute, _dim_meta_for(name.split("_")[0]), vjp=_values_vjp,
                 save_inputs=(), save_output=(1,), samples=_dim_samples, dtypes=ORDERED,
                 num_outputs=2, nondiff_outputs=(1,), grad_name=grad_name, **kw)


max_dim = _dim_op("max_dim", _select_for(np.argmax), "MaxBackward0")
min_dim = _dim_op("min_dim", _select_for(np.argmin), "MinBackward0")


def _arg_meta_for(name):
    def meta(x, dim=None, keepdim=False):
        if x.dtype is D.bool:
            raise RuntimeError(f"{name}(): does not support bool input")
        if dim is None:
            if 0 in x.shape:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                                 "input.numel() == 0.")
            return x.with_(shape=(1,) * x.ndim if keepdim else (), dtype=D.int64)
        return _dim_meta_for(name, pair=False)(x, dim, keepdim)
    return meta


def _arg_for(argfn):
    def compute(xp, m, x, dim=None, keepdim=False):
        if dim is None:
            return argfn(keys(x).reshape(-1))
        x, axis = along(x, dim, "")
        return argfn(keys(x), axis=axis)
    return compute


def _arg_samples(dt):
    return [Sample((S.array((3, 4), dt),), {}), Sample((S.array((3, 4), dt),), {"keepdim": True}),
            Sample((S.array((3, 4), dt),), {"dim": 1}), Sample((S.array((), dt),), {"dim": 0}),
            Sample((S.array((2, 3, 4), dt),), {"dim": -1, "keepdim": True})]


argmax = opdef("argmax", _arg_for(np.argmax), _arg_meta_for("argmax"), differentiable=False,
               samples=_arg_samples, dtypes=ORDERED[:-1])
argmin = opdef("argmin", _arg_for(np.argmin), _arg_meta_for("argmin"), differentiable=False,
               samples=_arg_samples, dtypes=ORDERED[:-1])


def _aminmax_meta(x, dim=None, keepdim=False):
    axes = None if dim is None else (wrap_dim(dim, x.ndim, "aminmax"),)
    if any(x.shape[a] == 0 for a in all_(axes, x.ndim)) or (axes is None and 0 in x.shape):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    out = x.with_(shape=reduce_shape(x.shape, axes, keepdim))
    return out, out


def all_(axes, ndim):
    return tuple(range(ndim)) if axes is None else axes


def _aminmax(xp, m, x, dim=None, keepdim=False):
    axes = None if dim is None else wrap_dim(dim, x.ndim, "aminmax")
    if x.ndim == 0:
        return x.copy(), x.copy()
    return (xp.min(x, axis=axes, keepdims=keepdim), xp.max(x, axis=axes, keepdims=keepdim))


def _aminmax_vjp(ctx, gmin, gmax):
    out = None
    for g, y in ((gmin, ctx.output[0]), (gmax, ctx.output[1])):
        if g is not None:
            r = even(grad_back(g, ctx), ctx, grad_back(y, ctx), ctx.attrs.get("dim"))
            out = r if out is None else out + r
    return (out,)


aminmax = opdef("aminmax", _aminmax, _aminmax_meta, vjp=_aminmax_vjp, save_inputs=(0,),
                save_output=True, num_outputs=2, dtypes=ORDERED,
                samples=lambda dt: [Sample((S.array((3, 4), dt),), {}),
                                    Sample((S.array((3, 4), dt),), {"dim": 1}),
                                    Sample((S.array((2, 3), dt),), {"dim": 0, "keepdim": True})])


# ------------------------------------------------------------------------------ sort / topk
def _sort_meta(x, dim=-1, descending=False, stable=None):
    wrap_dim(dim, x.ndim, "sort")
    return x.with_(), x.with_(dtype=D.int64)


def _sort(xp, m, x, dim=-1, descending=False, stable=None):
    x, axis = along(x, dim, "sort")
    idx = sort_idx(xp, x, axis, descending)
    return xp.take_along_axis(x, idx, axis=axis).reshape(m[0].shape), idx.reshape(m[1].shape)


def _sort_vjp(ctx, g, gi=None):
    if g is None:
        return (None,)
    return (route(g, ctx.output[1], ctx, keepdim=True),)


def _sort_samples(dt):
    return [Sample((S.array((3, 4), dt),), {}), Sample((S.array((3, 4), dt),), {"dim": 0}),
            Sample((S.array((2, 5), dt),), {"descending": True, "stable": True}),
            Sample((S.array((), dt),), {}), Sample((S.array((0, 3), dt),), {}, grad=False)]


sort = opdef("sort", _sort, _sort_meta, vjp=_sort_vjp, save_inputs=(), save_output=(1,),
             num_outputs=2, nondiff_outputs=(1,), samples=_sort_samples, dtypes=ORDERED,
             grad_name=lambda a: "SortBackward1" if a.get("stable") is not None else
             "SortBackward0")


def _topk_meta(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - torch's name
    axis = wrap_dim(dim, x.ndim, "topk")
    n = x.shape[axis] if x.ndim else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    shape = x.shape[:axis] + (k,) + x.shape[axis + 1:] if x.ndim else ()
    return x.with_(shape=shape), x.with_(shape=shape, dtype=D.int64)


def _topk(xp, m, x, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    x, axis = along(x, dim, "topk")
    idx = xp.take(sort_idx(xp, x, axis, descending=largest), xp.arange(k), axis=axis)
    return xp.take_along_axis(x, idx, axis=axis).reshape(m[0].shape), idx.reshape(m[1].shape)


def _topk_vjp(ctx, g, gi=None):
    if g is None:
        return (None, None)
    return (route(g, ctx.output[1], ctx, keepdim=True), None)


topk = opdef("topk", _topk, _topk_meta, vjp=_topk_vjp, save_inputs=(), save_output=(1,),
             num_outputs=2, nondiff_outputs=(1,), dtypes=ORDERED,
             samples=lambda dt: [Sample((S.array((3, 4), dt), 2), {}),
                                 Sample((S.array((3, 4), dt), 3), {"dim": 0, "largest": False}),
                                 Sample((S.array((), dt), 1), {}),
                                 Sample((S.array((3, 4), dt), 0), {}, grad=False)])


# ------------------------------------------------------------------------------ kthvalue / median
def _kth_meta(x, k, dim=-1, keepdim=False):
    axis = wrap_dim(dim, x.ndim, "kthvalue")
    n = x.shape[axis] if x.ndim else 1
    if k < 1 or k > n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    shape = reduce_shape(x.shape, (axis,), keepdim)
    return x.with_(shape=shape), x.with_(shape=shape, dtype=D.int64)


def _pick(xp, m, x, pos, dim, ignore_nan=False):
    """Values and indices of sorted position ``pos`` (an int or per-slice array) along dim."""
    x, axis = along(x, dim, "")
    idx = sort_idx(xp, x, axis)
    pos = xp.broadcast_to(xp.asarray(pos), keep_shape(idx.shape, axis))
    sel = xp.take_along_axis(idx, pos, axis=axis)
    return xp.take_along_axis(x, sel, axis=axis).reshape(m[0].shape), sel.reshape(m[1].shape)


def _kth(xp, m, x, k, dim=-1, keepdim=False):
    return _pick(xp, m, x, k - 1, dim)


kthvalue = opdef("kthvalue", _kth, _kth_meta, vjp=lambda ctx, g, gi=None: (
    None if g is None else route(g, ctx.output[1], ctx), None), save_inputs=(),
    save_output=(1,), num_outputs=2, nondiff_outputs=(1,), dtypes=ORDERED,
    samples=lambda dt: [Sample((S.array((3, 4), dt), 2), {}),
                        Sample((S.array((3, 4), dt), 3), {"dim": 0, "keepdim": True}),
                        Sample((S.array((), dt), 1), {})])


def _median_positions(xp, x, axis, ignore_nan):
    """Sorted position of the lower median of each slice (NaN: last, where torch reports it)."""
    n = x.shape[axis]
    if x.dtype.kind != "f" and x.dtype != D.bfloat16.np:
        return xp.asarray((n - 1) // 2)
    nans = xp.isnan(keys(x)).sum(axis=axis, keepdims=True)
    if ignore_nan:
        valid = n - nans
        return xp.where(valid > 0, (valid - 1) // 2, n - 1)
    return xp.where(nans > 0, n - nans, (n - 1) // 2)  # the first NaN in sorted order


def _median_dim_for(ignore_nan):
    def compute(xp, m, x, dim=-1, keepdim=False):
        x1, axis = along(x, dim, "")
        return _pick(xp, m, x1, _median_positions(xp, x1, axis, ignore_nan), axis)
    return compute


def _median_all_for(ignore_nan):
    def compute(xp, m, x):
        if x.size == 0:
            return xp.asarray(np.nan)
        flat = x.reshape(-1)
        pos = _median_positions(xp, flat, 0, ignore_nan)
        return xp.take(flat, sort_idx(xp, flat, 0)[pos]).reshape(())
    return compute


def _median_all_meta(x):
    return x.with_(shape=())


def _median_samples(dt):
    out = [Sample((S.array((3, 4), dt),), {}), Sample((S.array((3, 5), dt),), {}),
           Sample((S.array((), dt),), {})]
    if dt.category >= D._FLOAT:
        a = S.array((3, 4), dt, 3)
        a[1, 1] = np.nan
        out.append(Sample((a,), {}, name="nan", grad=False))
    return out


def _median_dim_samples(dt):
    out = _dim_samples(dt)
    if dt.category >= D._FLOAT:
        a = S.array((3, 4), dt, 3)
        a[1, 1] = a[2, 0] = a[2, 3] = np.nan
        out.append(Sample((a,), {"dim": 1}, name="nan", grad=False))
    return out


for _name, _nan in (("median", False), ("nanmedian", True)):
    _cap = _name.capitalize()
    opdef(_name, _median_all_for(_nan), _median_all_meta, vjp=_all_vjp, save_inputs=(0,),
          save_output=True, samples=_median_samples, dtypes=ORDERED,
          grad_name=f"{_cap}Backward0")
    opdef(_name + "_dim", _median_dim_for(_nan), _dim_meta_for(_name), vjp=_values_vjp,
          save_inputs=(), save_output=(1,), samples=_median_dim_samples, dtypes=ORDERED,
          num_outputs=2, nondiff_outputs=(1,), grad_name=f"{_cap}Backward1")


# ------------------------------------------------------------------------------ mode
def _mode(xp, m, x, dim=-1, keepdim=False):
    x, axis = along(x, dim, "mode")
    xs = xp.moveaxis(x, axis, -1)
    rows = xs.reshape(-1, xs.shape[-1]) if xs.shape[-1] else xs.reshape(-1, 0)
    vals = xp.empty(rows.shape[0], x.dtype)
    idx = xp.zeros(rows.shape[0], np.int64)
    for r in range(rows.shape[0]):
        vals[r], idx[r] = _mode_row(xp, rows[r])
    return vals.reshape(m[0].shape), idx.reshape(m[1].shape)


def _mode_row(xp, row):
    """The most frequent value (the smallest among equally frequent ones), its last index."""
    order = xp.argsort(keys(row), kind="stable")
    srt = keys(row)[order]
    starts = xp.concatenate([[True], srt[1:] != srt[:-1]])
    first = xp.flatnonzero(starts)
    counts = xp.diff(xp.append(first, len(srt)))
    best = int(xp.argmax(counts))
    last = first[best] + counts[best] - 1
    return row[order[last]], order[last]


mode = opdef("mode", _mode, _dim_meta_for("mode"), vjp=_values_vjp, save_inputs=(),
             save_output=(1,), num_outputs=2, nondiff_outputs=(1,), dtypes=ORDERED,
             samples=lambda dt: [Sample((np.array([[1, 3, 3, 1, 2], [2, 2, 0, 0, 1]], dt.np),),
                                        {}, grad=False),
                                 Sample((S.array((3, 4), dt),), {"dim": 0}),
                                 Sample((S.array((), dt),), {})])

__all__ = ["sort_idx", "keys", "along", "route"]
