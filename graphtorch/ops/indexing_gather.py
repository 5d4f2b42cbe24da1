"""Indexing along one dim: index_select, gather, scatter (src or value, reduce), scatter_add,
scatter_reduce, index_add, index_copy, index_fill.

The index tensor is a positional input; ``dim`` (and reduce, alpha, ...) are attributes.
Derivatives are written with these same ops, so they differentiate again."""
from __future__ import annotations

import math

import numpy as np

from . import dtypes as D
from . import samples as S
from .indexing import checked, slice_, slice_backward
from .meta import fmt_shape, wrap_dim
from .registry import OpDef, Sample, get, register

NUM = (D.float32, D.float64, D.int32, D.int64)


def _idx(*vals):
    return np.array(vals, dtype=np.int64)


def _axis(x, dim, op):
    return wrap_dim(dim, max(x.ndim, 1), op)


def _along(xp, a, d):
    """``a`` with dim ``d`` first (a view), treating a 0-dim array as 1-element."""
    return xp.moveaxis(a.reshape(1) if a.ndim == 0 else a, d, 0)


def _pad_to(g, shape):
    """``g`` placed at the start of a zero tensor of ``shape`` (shapes differ only by sizes)."""
    for d, (a, b) in enumerate(zip(tuple(g.shape), shape)):
        if a != b:
            full = tuple(shape[:d + 1]) + tuple(g.shape[d + 1:])
            g = g._dispatch(slice_backward, g, input_sizes=full, dim=d, start=0, end=a, step=1)
    return g


def _same_dtype(x, src, op):
    if src.dtype is not x.dtype:
        raise RuntimeError(f"{op}(): self ({D.SCALAR_NAMES[x.dtype]}) and source "
                           f"({D.SCALAR_NAMES[src.dtype]}) must have the same scalar type")


def _bounds(idx, n, d, op="", exc=RuntimeError, negative=False):
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        low = -n if negative else 0
        if hi >= n or lo < low:
            bad = hi if hi >= n else lo
            raise exc(f"{op}index {bad} is out of bounds for dimension {d} with size {n}")


# ------------------------------------------------------------------------------ index_select
def _vector_index(x, idx, dim, op, dtypes=(D.int64, D.int32), what="dtype int32 or int64"):
    if idx.dtype not in dtypes:
        raise RuntimeError(f"{op}(): Expected {what} for index")
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return _axis(x, dim, op)


def _index_select_meta(x, idx, dim):
    d = _vector_index(x, idx, dim, "index_select")
    if x.ndim == 0:
        return x
    n = math.prod(idx.shape)  # not np.prod: it would drop a symbolic (traced) size
    return x.with_(shape=x.shape[:d] + (n,) + x.shape[d + 1:])


@checked(_index_select_meta)
def _index_select_kernel(xp, x, idx, dim):
    d = dim % max(x.ndim, 1)
    n = x.shape[d] if x.ndim else 1
    flat = idx.reshape(-1)
    if flat.size and (int(flat.min()) < -n or int(flat.max()) >= n):
        raise IndexError("index out of range in self")
    if x.ndim == 0:
        return x.copy()
    return xp.take(x, flat, axis=d)


def _index_select_vjp(ctx, g):
    idx = ctx.inputs[1]
    zeros = g.new_zeros(tuple(ctx._input_meta[0][0]))
    return (g._dispatch(index_add, zeros, idx, g, dim=ctx.attrs["dim"]), None)


index_select = register(OpDef(
    name="index_select", kernel=_index_select_kernel, meta=_index_select_meta,
    vjp=_index_select_vjp, save_inputs=(1,), dtypes=S.ALL_REAL,
    samples=lambda dt: [Sample((S.array((3, 4), dt), _idx(2, 0, 2)), {"dim": 0}),
                        Sample((S.array((3, 4), dt), _idx(-1).astype(np.int32)), {"dim": 1}),
                        Sample((S.array((2, 3), dt), np.array(1)), {"dim": -1})]))


# ------------------------------------------------------------------------------ gather
def _gather_meta(x, idx, dim, sparse_grad=False):
    if idx.dtype not in (D.int64, D.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    d = _axis(x, dim, "gather")
    if max(x.ndim, 1) != max(idx.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input "
                           "tensor")
    for k in range(idx.ndim):
        if k != d and idx.shape[k] > x.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{fmt_shape(idx.shape)} to be no larger than self "
                               f"{fmt_shape(x.shape)} apart from dimension {d}")
    return x.with_(shape=idx.shape)


def _region(a, shape, skip):
    """The leading ``shape`` block of ``a`` (all of dim ``skip``)."""
    return a[tuple(slice(None) if k == skip else slice(0, s) for k, s in enumerate(shape))]


@checked(_gather_meta)
def _gather_kernel(xp, x, idx, dim, sparse_grad=False):
    if x.ndim == 0:
        _bounds(idx, 1, 0)
        return x.reshape(idx.shape).copy()
    d = dim % x.ndim
    _bounds(idx, x.shape[d], d)
    return xp.take_along_axis(_region(x, idx.shape, d), idx, axis=d)


def _gather_vjp(ctx, g):
    zeros = g.new_zeros(tuple(ctx._input_meta[0][0]))
    return (g._dispatch(scatter_add, zeros, ctx.inputs[1], g, dim=ctx.attrs["dim"]), None)


def _dim_samples(dt):
    return [Sample((S.array((3, 4), dt), _idx([0, 2], [1, 1], [3, 0])), {"dim": 1}),
            Sample((S.array((3, 4), dt), _idx([2, 0, 1])), {"dim": 0}),
            Sample((S.array((), dt), np.array(0)), {"dim": 0})]


gather = register(OpDef(
    name="gather", kernel=_gather_kernel, meta=_gather_meta, vjp=_gather_vjp,
    save_inputs=(1,), dtypes=S.ALL_REAL, samples=_dim_samples))


# ------------------------------------------------------------------------------ scatter family
def _scatter_check(x, idx, src, dim, op):
    if idx.dtype not in (D.int64, D.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    d = _axis(x, dim, op)
    is_t = hasattr(src, "dtype")
    if is_t and src.dtype is not x.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    if max(x.ndim, 1) != max(idx.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self "
                           "tensor")
    too_big = any(k != d and idx.shape[k] > x.shape[k] for k in range(idx.ndim))
    if is_t and src.ndim == idx.ndim:
        too_big = too_big or any(i > s for i, s in zip(idx.shape, src.shape))
    if too_big:
        raise RuntimeError(f"Expected index {fmt_shape(idx.shape)} to be no larger than self "
                           f"{fmt_shape(x.shape)} apart from dimension {d}" +
                           (f" and to be no larger size than src {fmt_shape(src.shape)}"
                            if is_t else ""))
    return d


def _scatter_meta(x, idx, src, dim, reduce=None):
    _scatter_check(x, idx, src, dim, "scatter")
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    return x


def _grids(xp, idx, d):
    grids = list(xp.indices(idx.shape, sparse=True))
    grids[d] = idx
    return tuple(grids)


def _src_block(xp, src, idx, dtype):
    if hasattr(src, "shape") and src.ndim:
        return _region(src, idx.shape, -1)
    return xp.broadcast_to(xp.asarray(src).astype(dtype), idx.shape)


def _scatter_into(xp, x, idx, src, dim, fn):
    """Copy of ``x`` with ``fn(out, positions, values)`` applied at the scatter positions."""
    out = x.copy()
    if idx.size == 0:
        return out
    o = out.reshape(1) if out.ndim == 0 else out
    d = dim % o.ndim
    _bounds(idx, o.shape[d], d)
    fn(o, _grids(xp, idx.reshape(idx.shape or (1,)), d),
       _src_block(xp, src, idx.reshape(idx.shape or (1,)), x.dtype).reshape(idx.shape or (1,)))
    return out


def _assign(out, pos, vals):
    out[pos] = vals


_REDUCE_AT = {None: _assign, "add": np.add.at, "multiply": np.multiply.at}


@checked(_scatter_meta)
def _scatter_kernel(xp, x, idx, src, dim, reduce=None):
    return _scatter_into(xp, x, idx, src, dim, _REDUCE_AT[reduce])


def _scatter_vjp(ctx, g):
    if ctx.attrs.get("reduce") is not None:
        raise RuntimeError("derivative for aten::scatter is not implemented")
    idx, src = ctx.inputs[1], ctx.inputs[2]
    d = ctx.attrs["dim"]
    gx = g._dispatch(scatter, g, idx, 0, dim=d) if ctx.needs_input_grad[0] else None
    gs = None
    if ctx.needs_input_grad[2]:
        gs = _pad_to(g._dispatch(gather, g, idx, dim=d), tuple(ctx._input_meta[2][0]))
    return (gx, None, gs)


def _scatter_name(attrs, args):
    if attrs.get("reduce") is not None:
        return "NotImplemented"
    return "ScatterBackward1" if not hasattr(args[2], "dtype") else "ScatterBackward0"


def _scatter_samples(dt):
    x = S.array((3, 4), dt)
    idx = _idx([0, 2], [1, 3])
    one = True if dt is D.bool else 1
    return [Sample((x, idx, S.array((2, 3), dt, 1)), {"dim": 1}),
            Sample((x, _idx([2, 0, 1, 0]), S.array((1, 4), dt, 2)), {"dim": 0}),
            Sample((x, idx, one), {"dim": 1}),
            Sample((x, idx, S.array((2, 2), dt, 3)), {"dim": 1, "reduce": "add"}, grad=False),
            Sample((x, _idx([0, 2], [1, 0]), S.array((2, 2), dt, 4)),
                   {"dim": 0, "reduce": "multiply"},
                   grad=False)]


scatter = register(OpDef(
    name="scatter", kernel=_scatter_kernel, meta=_scatter_meta, vjp=_scatter_vjp,
    save_inputs=(1,), dtypes=NUM, samples=_scatter_samples, grad_name=_scatter_name))


def _scatter_add_meta(x, idx, src, dim):
    _scatter_check(x, idx, src, dim, "scatter_add")
    return x


@checked(_scatter_add_meta)
def _scatter_add_kernel(xp, x, idx, src, dim):
    return _scatter_into(xp, x, idx, src, dim, np.add.at)


def _scatter_add_vjp(ctx, g):
    gs = None
    if ctx.needs_input_grad[2]:
        gs = _pad_to(g._dispatch(gather, g, ctx.inputs[1], dim=ctx.attrs["dim"]),
                     tuple(ctx._input_meta[2][0]))
    return (g, None, gs)


scatter_add = register(OpDef(
    name="scatter_add", kernel=_scatter_add_kernel, meta=_scatter_add_meta,
    vjp=_scatter_add_vjp, save_inputs=(1,), dtypes=NUM,
    samples=lambda dt: [s for s in _scatter_samples(dt)[:2]] +
    [Sample((S.array((), dt), np.array(0), S.array((), dt, 5)), {"dim": 0})]))


# ------------------------------------------------------------------------------ scatter_reduce
_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_ALIAS = {"max": "amax", "min": "amin"}  # torch accepts these spellings too


def _scatter_reduce_meta(x, idx, src, dim, reduce, include_self=True):
    _scatter_check(x, idx, src, dim, "scatter_reduce")
    if _ALIAS.get(reduce, reduce) not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    return x


def _identity(dtype, reduce):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


_AT = {"sum": np.add.at, "mean": np.add.at, "prod": np.multiply.at, "amax": np.maximum.at,
       "amin": np.minimum.at}


@checked(_scatter_reduce_meta)
def _scatter_reduce_kernel(xp, x, idx, src, dim, reduce, include_self=True):
    reduce = _ALIAS.get(reduce, reduce)

    def apply(out, pos, vals):
        if not include_self:
            out[pos] = _identity(out.dtype, reduce)
        _AT[reduce](out, pos, vals)
        if reduce == "mean":
            cnt = xp.full(out.shape, 1 if include_self else 0, np.int64)
            np.add.at(cnt, pos, 1)
            cnt = xp.maximum(cnt, 1)
            out[...] = out / cnt if out.dtype.kind == "f" else out // cnt
    return _scatter_into(xp, x, idx, src, dim, apply)


def _hits(g, idx, d):
    """1.0 where the scatter writes, 0.0 elsewhere (a constant of g's shape and dtype)."""
    return g._dispatch(scatter, g.new_zeros(tuple(g.shape)), idx, 1, dim=d)


def _count(g, idx, d, self_mask, src_mask):
    src_mask = _pad_to(src_mask, tuple(idx.shape)) if tuple(src_mask.shape) != tuple(
        idx.shape) else src_mask
    return g._dispatch(scatter_add, self_mask, idx, src_mask, dim=d)


def _eq_float(a, b, like):
    return like._dispatch(get("eq"), a, b).to(like.dtype)


def _scatter_reduce_vjp(ctx, g):
    x, idx, src = ctx.inputs
    a = ctx.attrs
    d, red, inc = a["dim"], _ALIAS.get(a["reduce"], a["reduce"]), a.get("include_self", True)
    out = ctx.output
    hit = _hits(g, idx, d)
    keep = (1 - hit) + hit * (1 if inc else 0)  # 1 where self takes part in the result
    src_b = _take_block(src, idx)
    if red == "sum":
        gx, gsb = g * keep, g._dispatch(gather, g, idx, dim=d)
    elif red == "mean":
        n = _count(g, idx, d, keep, src_b.new_ones(tuple(idx.shape)))  # >= 1 everywhere
        gx, gsb = g * keep / n, g._dispatch(gather, g / n, idx, dim=d)
    elif red == "prod":
        gx = g * (1 - hit) + g * out / x * hit * (1 if inc else 0)
        gsb = g._dispatch(gather, g * out, idx, dim=d) / src_b
    else:
        mx = _eq_float(x, out, g) * keep
        ms = _eq_float(src_b, g._dispatch(gather, out, idx, dim=d), g)
        n = _count(g, idx, d, mx, ms)
        gx, gsb = g * mx / n, g._dispatch(gather, g / n, idx, dim=d) * ms
    return (gx, None, _pad_to(gsb, tuple(ctx._input_meta[2][0])))


def _take_block(src, idx):
    """The leading block of ``src`` with ``idx``'s shape (the part the scatter reads)."""
    for d, (a, b) in enumerate(zip(tuple(idx.shape), tuple(src.shape))):
        if a != b:
            src = src._dispatch(slice_, src, dim=d, start=0, end=a, step=1)
    return src


def _scatter_reduce_samples(dt):
    x = S.array((3, 4), dt, 0, 0.5, 2.0)
    src = S.array((2, 3), dt, 1, 0.5, 2.0)
    idx = _idx([0, 2], [1, 1])
    return [Sample((x, idx, src), {"dim": 1, "reduce": r, "include_self": inc})
            for r in _REDUCES for inc in (True, False)]


scatter_reduce = register(OpDef(
    name="scatter_reduce", kernel=_scatter_reduce_kernel, meta=_scatter_reduce_meta,
    vjp=_scatter_reduce_vjp, save_output=True, dtypes=(D.float32, D.float64, D.int64),
    samples=_scatter_reduce_samples, grad_name="ScatterReduceBackward0"))


# ------------------------------------------------------------------------------ index_add/copy
def _index_src_check(x, idx, src, dim, op, idx_msg):
    d = _vector_index(x, idx, dim, op, *idx_msg)
    _same_dtype(x, src, op)
    n = int(np.prod(idx.shape))
    sn = src.shape[d] if src.ndim else 1
    if n != sn:
        raise RuntimeError(f"{op}(): Number of indices ({n}) should be equal to source.size(dim):"
                           f" ({sn}), for dim: {d}")
    xs = [s for k, s in enumerate(x.shape) if k != d]
    ss = [s for k, s in enumerate(src.shape) if k != d]
    if x.ndim and src.ndim and xs != ss:
        raise RuntimeError(f"{op}(): Source/destination tensor must have same slice shapes. "
                           f"Destination slice shape: {fmt_shape(xs)} at dimension {d} and "
                           f"source slice shape: {fmt_shape(ss)} at dimension {d}.")
    return d


_ADD_IDX = ((D.int64, D.int32), "dtype int32/int64")
_COPY_IDX = ((D.int64,), "a long tensor")


def _index_add_meta(x, idx, src, dim, alpha=1):
    _index_src_check(x, idx, src, dim, "index_add_", _ADD_IDX)
    return x


def _index_rows(xp, x, idx, src, dim, fn, op="", exc=RuntimeError):
    out = x.copy()
    o = _along(xp, out, dim % max(x.ndim, 1))
    _bounds(idx.reshape(-1), o.shape[0], dim % max(x.ndim, 1), op, exc, negative=True)
    fn(o, idx.reshape(-1), _along(xp, src, dim % max(src.ndim, 1)))
    return out


@checked(_index_add_meta)
def _index_add_kernel(xp, x, idx, src, dim, alpha=1):
    s = src if alpha == 1 else (src * alpha).astype(src.dtype)
    return _index_rows(xp, x, idx, s, dim, np.add.at)


def _index_add_vjp(ctx, g):
    gs = None
    if ctx.needs_input_grad[2]:
        gs = g._dispatch(index_select, g, ctx.inputs[1], dim=ctx.attrs["dim"])
        alpha = ctx.attrs.get("alpha", 1)
        gs = gs if alpha == 1 else gs * alpha
    return (g, None, gs)


def _index_src_samples(dt):
    x = S.array((3, 4), dt)
    return [Sample((x, _idx(2, 0), S.array((2, 4), dt, 1)), {"dim": 0}),
            Sample((x, _idx(1, 3, 0).astype(np.int32), S.array((3, 3), dt, 2)), {"dim": -1}),
            Sample((S.array((), dt), _idx(0), S.array((), dt, 3)), {"dim": 0})]


index_add = register(OpDef(
    name="index_add", kernel=_index_add_kernel, meta=_index_add_meta, vjp=_index_add_vjp,
    save_inputs=(1,), dtypes=NUM,
    samples=lambda dt: _index_src_samples(dt) + [
        Sample((S.array((3, 4), dt), _idx(1, 1), S.array((3, 2), dt, 4)),
               {"dim": 1, "alpha": 2})]))


def _index_copy_meta(x, idx, src, dim):
    _index_src_check(x, idx, src, dim, "index_copy_", _COPY_IDX)
    return x


@checked(_index_copy_meta)
def _index_copy_kernel(xp, x, idx, src, dim):
    return _index_rows(xp, x, idx, src, dim, _assign, "index_copy_(): ", IndexError)


def _index_copy_vjp(ctx, g):
    idx, d = ctx.inputs[1], ctx.attrs["dim"]
    need = ctx.needs_input_grad
    gx = g._dispatch(index_fill, g, idx, 0, dim=d) if need[0] else None
    gs = g._dispatch(index_select, g, idx, dim=d) if need[2] else None
    return (gx, None, gs)


index_copy = register(OpDef(
    name="index_copy", kernel=_index_copy_kernel, meta=_index_copy_meta, vjp=_index_copy_vjp,
    save_inputs=(1,), dtypes=S.ALL_REAL,
    samples=lambda dt: _index_src_samples(dt)[:1] + [
        Sample((S.array((3, 4), dt), _idx(1, 3, 0), S.array((3, 3), dt, 2)), {"dim": -1})]))


# ------------------------------------------------------------------------------ index_fill
def _index_fill_meta(x, idx, value, dim):
    if idx.dtype is not D.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if hasattr(value, "shape") and value.ndim != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    _axis(x, dim, "index_fill_")
    return x


@checked(_index_fill_meta)
def _index_fill_kernel(xp, x, idx, value, dim):
    v = xp.asarray(value).astype(x.dtype)

    def fill(o, i, _):
        o[i] = v
    return _index_rows(xp, x, idx, x, dim, fill, "", IndexError)


def _index_fill_vjp(ctx, g):
    idx, d = ctx.inputs[1], ctx.attrs["dim"]
    need = ctx.needs_input_grad
    gx = g._dispatch(index_fill, g, idx, 0, dim=d) if need[0] else None
    gv = g._dispatch(index_select, g, idx, dim=d).sum() if need[2] else None
    return (gx, None, gv)


def _index_fill_name(attrs, args):
    return "IndexFillBackward1" if hasattr(args[2], "dtype") else "IndexFillBackward0"


index_fill = register(OpDef(
    name="index_fill", kernel=_index_fill_kernel, meta=_index_fill_meta, vjp=_index_fill_vjp,
    save_inputs=(1,), dtypes=S.ALL_REAL, grad_name=_index_fill_name,
    samples=lambda dt: [Sample((S.array((3, 4), dt), _idx(2, 0), S.array((), dt, 1)),
                               {"dim": 0}),
                        Sample((S.array((3, 4), dt), _idx(-1), True if dt is D.bool else 2),
                               {"dim": 1})]))
