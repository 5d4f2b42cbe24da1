"""softmax and log_softmax over one dim (numerically stable: the max is subtracted first)."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import wrap_dim
from .registry import OpDef, Sample, register


def _prep(x, dim, dtype):
    if dtype is not None:
        x = x.astype(dtype.np)
    elif x.dtype.kind not in "fc" and D.from_numpy_dtype(x.dtype).category < D._FLOAT:
        raise NotImplementedError(f'"softmax_lastdim_kernel_impl" not implemented for '
                                  f"'{D.SCALAR_NAMES[D.from_numpy_dtype(x.dtype)]}'")
    return x, wrap_dim(dim, x.ndim, "softmax")


def _wide(x):
    """Half types are computed in float32 and rounded once, as torch's CPU kernels do
    (half arithmetic throughout was 1 ulp off in about half of the values)."""
    return x.astype(np.float32) if x.dtype.itemsize == 2 else x


def _softmax_kernel(xp, x, dim, dtype=None):
    x, d = _prep(x, dim, dtype)
    if x.ndim == 0:
        return xp.ones_like(x)
    w = _wide(x)
    e = xp.exp(w - w.max(axis=d, keepdims=True))
    e /= e.sum(axis=d, keepdims=True)
    return e.astype(x.dtype, copy=False)


def _log_softmax_kernel(xp, x, dim, dtype=None):
    x, d = _prep(x, dim, dtype)
    if x.ndim == 0:
        return xp.zeros_like(x)
    w = _wide(x)
    shifted = w - w.max(axis=d, keepdims=True)
    return (shifted - xp.log(xp.exp(shifted).sum(axis=d, keepdims=True))).astype(
        x.dtype, copy=False)


def _meta(x, dim, dtype=None):
    wrap_dim(dim, x.ndim, "softmax")
    dt = dtype or x.dtype
    if dt.category < D._FLOAT:
        raise NotImplementedError(f'"softmax_lastdim_kernel_impl" not implemented for '
                                  f"'{D.SCALAR_NAMES[dt]}'")
    return x.with_(dtype=dt)


def _softmax_vjp(ctx, g):
    y = ctx.output
    d = ctx.attrs["dim"]
    return (y * (g - (g * y).sum(d, keepdim=True)),)


def _log_softmax_vjp(ctx, g):
    y = ctx.output
    d = ctx.attrs["dim"]
    return (g - y.exp() * g.sum(d, keepdim=True),)


def _samples(dt):
    return [Sample((S.array((3, 4), dt),), {"dim": 1}),
            Sample((S.array((2, 3, 4), dt),), {"dim": 0}),
            Sample((S.array((5,), dt),), {"dim": -1}),
            Sample((S.array((), dt),), {"dim": 0})]


softmax = register(OpDef(name="softmax", kernel=_softmax_kernel, meta=_meta, vjp=_softmax_vjp,
                         samples=_samples, dtypes=S.FLOAT_DTYPES, save_output=True,
                         save_inputs=(), grad_name="SoftmaxBackward0"))
log_softmax = register(OpDef(name="log_softmax", kernel=_log_softmax_kernel, meta=_meta,
                             vjp=_log_softmax_vjp, samples=_samples, dtypes=S.FLOAT_DTYPES,
                             save_output=True, save_inputs=(), grad_name="LogSoftmaxBackward0"))
