"""Reductions (core): sum, sum_to_size.  The reduction helper family lives in reduction_*.py."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import reduce_shape, wrap_dims
from .registry import OpDef, Sample, register


def sum_dtype(dt: D.dtype, dtype=None) -> D.dtype:
    """torch.sum's result dtype: integers and bool accumulate in int64."""
    if dtype is not None:
        return dtype
    return D.int64 if dt.category <= D._INT else dt


def _norm_dims(dim, ndim):
    if dim is None or dim == () or dim == []:
        return None
    axes = wrap_dims(dim, ndim, "sum")
    return None if ndim == 0 else axes  # torch allows dim=0 / -1 on a 0-dim tensor


def _sum_kernel(xp, x, dim=None, keepdim=False, dtype=None):
    axes = _norm_dims(dim, x.ndim)
    out_dt = sum_dtype(D.from_numpy_dtype(x.dtype), dtype)
    acc = out_dt.np
    if out_dt in (D.float16, D.bfloat16):
        acc = np.float32  # torch accumulates half precision in float32
    r = xp.sum(x, axis=axes, keepdims=keepdim, dtype=acc)
    return xp.asarray(r).astype(out_dt.np, copy=False)


def _sum_meta(x, dim=None, keepdim=False, dtype=None):
    axes = _norm_dims(dim, x.ndim)
    return x.with_(shape=reduce_shape(x.shape, axes, keepdim), dtype=sum_dtype(x.dtype, dtype))


def _expand_back(g, in_shape, axes, keepdim):
    """The gradient of a reduction over ``axes``: g broadcast back to ``in_shape``."""
    if axes is None:
        axes = tuple(range(len(in_shape)))
    if not keepdim:
        shape = [1 if i in axes else s for i, s in enumerate(in_shape)]
        g = g.reshape(shape)
    return g.expand(in_shape)


def _sum_vjp(ctx, g):
    shape = ctx._input_meta[0][0]
    axes = _norm_dims(ctx.attrs.get("dim"), len(shape))
    return (_expand_back(g, shape, axes, ctx.attrs.get("keepdim", False)),)


def _sum_samples(dt):
    return [Sample((S.array((3, 4), dt),), {}), Sample((S.array((3, 4), dt),), {"dim": 1}),
            Sample((S.array((2, 3, 4), dt),), {"dim": (0, 2), "keepdim": True}),
            Sample((S.array((0, 3), dt),), {"dim": 0}), Sample((S.array((), dt),), {})]


sum_ = register(OpDef(
    name="sum", kernel=_sum_kernel, meta=_sum_meta, vjp=_sum_vjp, save_inputs=(),
    samples=_sum_samples, dtypes=S.ALL_REAL,
    grad_name=lambda attrs: "SumBackward1" if attrs.get("dim") is not None else "SumBackward0"))


def sum_to_axes(in_shape, shape):
    lead = len(in_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and in_shape[lead + i] != 1)
    return axes, lead


def _sum_to_kernel(xp, x, size):
    axes, lead = sum_to_axes(x.shape, tuple(size))
    r = xp.sum(x, axis=axes, keepdims=True) if axes else x.copy()
    return xp.asarray(r).reshape(tuple(size)).astype(x.dtype, copy=False)


def _sum_to_meta(x, size):
    return x.with_(shape=tuple(size))


sum_to_size = register(OpDef(
    name="sum_to_size", kernel=_sum_to_kernel, meta=_sum_to_meta,
    vjp=lambda ctx, g: (g.expand(ctx._input_meta[0][0]),), save_inputs=(),
    samples=lambda dt: [Sample((S.array((2, 3, 4), dt),), {"size": (3, 1)}),
                        Sample((S.array((3, 4), dt),), {"size": (1, 4)})],
    dtypes=S.FLOAT_DTYPES, grad_name="SumToSizeBackward0"))
