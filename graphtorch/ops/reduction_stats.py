"""Statistical reductions: mean, nansum, nanmean, prod, var, std, var_mean, std_mean, logsumexp,
norm, all, any, count_nonzero.  Also the helpers the other reduction_* files share.

Kernels validate through their meta (so every bad input raises PyTorch's error before numpy
sees it) and return exactly the meta's dtype."""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import reduce_shape, spec_of, wrap_dims
from .reduction import _expand_back, sum_dtype
from .registry import OpDef, Sample, register

FLOATS = (D.float16, D.bfloat16, D.float32, D.float64)
HALF = (D.float16, D.bfloat16)


# ------------------------------------------------------------------------------ shared helpers
def axes_of(dim, ndim: int, op: str):
    """Wrapped reduction axes; None (reduce everything) for dim None, () or []."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    axes = wrap_dims(dim, ndim, op)
    return None if ndim == 0 else axes  # a 0-dim tensor's dim 0 is the tensor itself


def all_axes(axes, ndim):
    return tuple(range(ndim)) if axes is None else axes


def count(shape, axes) -> int:
    """Number of elements reduced into each output element."""
    return math.prod(shape[a] for a in all_axes(axes, len(shape)))


def acc(x):
    """The array in a dtype numpy reduces accurately: half precision accumulates in float32."""
    if x.dtype == np.float16 or x.dtype == D.bfloat16.np:
        return x.astype(np.float32)
    return x


def spec(a):
    return spec_of(a) if hasattr(a, "shape") and hasattr(a, "dtype") else a


def opdef(name, compute, meta, **kw):
    """Register an op whose kernel validates with ``meta`` and casts to its dtypes.

    ``compute(xp, out_specs, *arrays, **attrs)`` returns an array or a tuple of arrays."""
    def kernel(xp, *arrays, **attrs):
        m = meta(*[spec(a) for a in arrays], **attrs)
        r = compute(xp, m, *arrays, **attrs)
        if isinstance(m, tuple):
            return tuple(_fit(xp, v, s) for v, s in zip(r, m))
        return _fit(xp, r, m)
    return register(OpDef(name=name, kernel=kernel, meta=meta, **kw))


def _fit(xp, r, s):
    """``r`` as an array of spec ``s``'s dtype (and shape, unless it is data-dependent)."""
    r = xp.asarray(r).astype(s.dtype.np, copy=False)
    if r.shape != s.shape and all(type(d) is int for d in s.shape):
        r = r.reshape(s.shape)
    return r


def grad_back(g, ctx, keep=None):
    """``g`` of a reduction, reshaped and expanded back to the input's shape."""
    shape = ctx._input_meta[0][0]
    axes = axes_of(ctx.attrs.get("dim"), len(shape), "")
    keepdim = ctx.attrs.get("keepdim", False) if keep is None else keep
    return _expand_back(g, shape, axes, keepdim)


def red_samples(dt, kinds=("all", "dim", "dims", "empty", "scalar"), **kw):
    out = []
    if "all" in kinds:
        out.append(Sample((S.array((3, 4), dt),), dict(kw), name="all"))
    if "dim" in kinds:
        out.append(Sample((S.array((3, 4), dt, 1),), dict(kw, dim=1), name="dim"))
        out.append(Sample((S.array((2, 3), dt, 2),), dict(kw, dim=-2, keepdim=True),
                          name="keepdim"))
    if "dims" in kinds:
        out.append(Sample((S.array((2, 3, 4), dt),), dict(kw, dim=(0, 2), keepdim=True),
                          name="dims"))
    if "empty" in kinds:
        out.append(Sample((S.array((0, 3), dt),), dict(kw, dim=1), name="empty", grad=False))
    if "scalar" in kinds:
        out.append(Sample((S.array((), dt),), dict(kw), name="0-dim"))
    return out


def _is_float(dt):
    return dt.category >= D._FLOAT


def _dtype_name(dt):
    return D.SCALAR_NAMES[dt]


# ------------------------------------------------------------------------------ mean / nansum
def _mean_meta(x, dim=None, keepdim=False, dtype=None):
    axes = axes_of(dim, x.ndim, "mean")
    if dtype is not None and not _is_float(dtype):
        raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either "
                           f"a floating point or complex dtype. Got: {_dtype_name(dtype)}")
    if dtype is None and not _is_float(x.dtype):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_dtype_name(x.dtype)}")
    return x.with_(shape=reduce_shape(x.shape, axes, keepdim), dtype=dtype or x.dtype)


def _mean(xp, m, x, dim=None, keepdim=False, dtype=None):
    axes = axes_of(dim, x.ndim, "mean")
    x = acc(x.astype(m.dtype.np, copy=False))
    return xp.sum(x, axis=axes, keepdims=keepdim) / count(x.shape, axes)


def _mean_vjp(ctx, g):
    n = count(ctx._input_meta[0][0], axes_of(ctx.attrs.get("dim"), len(ctx._input_meta[0][0]),
                                               ""))
    return (grad_back(g, ctx) / max(n, 1),)


mean = opdef("mean", _mean, _mean_meta, vjp=_mean_vjp, save_inputs=(),
             samples=red_samples, dtypes=FLOATS,
             grad_name=lambda a: "MeanBackward1" if a.get("dim") is not None else
             "MeanBackward0")


def _nansum_meta(x, dim=None, keepdim=False, dtype=None):
    axes = axes_of(dim, x.ndim, "nansum")
    return x.with_(shape=reduce_shape(x.shape, axes, keepdim), dtype=sum_dtype(x.dtype, dtype))


def _nansum(xp, m, x, dim=None, keepdim=False, dtype=None):
    axes = axes_of(dim, x.ndim, "nansum")
    x = acc(x.astype(m.dtype.np, copy=False)) if _is_float(m.dtype) else x.astype(m.dtype.np)
    return xp.nansum(x, axis=axes, keepdims=keepdim)


def _nansum_vjp(ctx, g):
    x = ctx.inputs[0]
    return (grad_back(g, ctx) * (x == x),)


def _nan_samples(dt):
    out = red_samples(dt)
    a = S.array((3, 4), dt, 3)
    a[0, 1] = a[2, 2] = np.nan
    out.append(Sample((a,), {"dim": 1}, name="nan"))
    return out


nansum = opdef("nansum", _nansum, _nansum_meta, vjp=_nansum_vjp, save_inputs=(0,),
               samples=lambda dt: _nan_samples(dt) if _is_float(dt) else red_samples(dt),
               dtypes=S.ALL_REAL)


def _nanmean_meta(x, dim=None, keepdim=False, dtype=None):
    if not _is_float(x.dtype):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_dtype_name(x.dtype)}")
    return _mean_meta(x, dim, keepdim, dtype)


def _nanmean(xp, m, x, dim=None, keepdim=False, dtype=None):
    axes = axes_of(dim, x.ndim, "nanmean")
    x = acc(x.astype(m.dtype.np, copy=False))
    n = xp.sum(~xp.isnan(x), axis=axes, keepdims=keepdim)
    return xp.nansum(x, axis=axes, keepdims=keepdim) / n


def _nanmean_vjp(ctx, g):
    x = ctx.inputs[0]
    mask = x == x
    dim, keep = ctx.attrs.get("dim"), ctx.attrs.get("keepdim", False)
    n = mask.sum(dim if dim is not None else (), keepdim=keep)
    return (grad_back(g / n, ctx) * mask,)


nanmean = opdef("nanmean", _nanmean, _nanmean_meta, vjp=_nanmean_vjp, save_inputs=(0,),
                samples=_nan_samples, dtypes=FLOATS, grad_name="DivBackward0")


# ------------------------------------------------------------------------------ prod
def _prod_meta(x, dim=None, keepdim=False, dtype=None):
    axes = None if dim is None else wrap_dims(dim, x.ndim, "prod")
    return x.with_(shape=reduce_shape(x.shape, axes, keepdim), dtype=sum_dtype(x.dtype, dtype))


def _prod(xp, m, x, dim=None, keepdim=False, dtype=None):
    axes = None if dim is None else wrap_dims(dim, x.ndim, "prod")
    return xp.prod(acc(x.astype(m.dtype.np, copy=False)), axis=axes, keepdims=keepdim)


def _prod_vjp(ctx, g):
    x = ctx.inputs[0]
    y = grad_back(ctx.output, ctx)
    if bool((x == 0).any()):
        # out / x is 0/0 where x has zeros: use the exact product of the other elements
        dim = ctx.attrs.get("dim")
        others = x._prod_others(dim=dim)
        return (grad_back(g, ctx) * others,)
    return (grad_back(g, ctx) * y / x,)


def _prod_samples(dt):
    out = [Sample((S.array((3, 4), dt, lo=0.5, hi=1.5),), {}),
           Sample((S.array((3, 4), dt, 1, lo=0.5, hi=1.5),), {"dim": 1}),
           Sample((S.array((2, 3), dt, 2, lo=0.5, hi=1.5),), {"dim": 0, "keepdim": True}),
           Sample((S.array((0, 3), dt),), {"dim": 1}, grad=False),
           Sample((S.array((), dt),), {})]
    if _is_float(dt):
        z = S.array((3, 4), dt, 3, lo=0.5, hi=1.5)
        z[1, 2] = 0
        z[2, 0] = z[2, 3] = 0
        out.append(Sample((z,), {"dim": 1}, name="zeros"))
        out.append(Sample((z[1:2].copy(),), {}, name="one-zero"))
    return out


prod = opdef("prod", _prod, _prod_meta, vjp=_prod_vjp, save_inputs=(0,), save_output=True,
             samples=_prod_samples, dtypes=S.ALL_REAL,
             grad_name=lambda a: "ProdBackward1" if a.get("dim") is not None else
             "ProdBackward0")


def _others(xp, x, axis):
    """Product of all elements but one along ``axis`` (exact with zeros): exclusive cumprods."""
    x = xp.moveaxis(x, axis, -1)
    ones = xp.ones(x.shape[:-1] + (1,), x.dtype)
    left = xp.cumprod(xp.concatenate([ones, x[..., :-1]], -1), -1)
    right = xp.flip(xp.cumprod(xp.flip(xp.concatenate([x[..., 1:], ones], -1), -1), -1), -1)
    return xp.moveaxis(left * right, -1, axis)


def _prod_others(xp, m, x, dim=None):
    if dim is None:
        return _others(xp, x.reshape(-1), 0).reshape(x.shape)
    return _others(xp, x, wrap_dims(dim, x.ndim, "prod")[0])


def _prod_others_vjp(ctx, g):
    # d others_i / d x_k = others_i / x_k (k != i): exact where x has no zeros, which is what
    # double backward of prod needs in all but degenerate cases
    x, dim = ctx.inputs[0], ctx.attrs.get("dim")
    go = g * ctx.output
    total = go.sum(dim if dim is not None else (), keepdim=True)
    return ((total - go) / x,)


prod_others = opdef("_prod_others", _prod_others, lambda x, dim=None: x, vjp=_prod_others_vjp,
                    samples=lambda dt: [Sample((S.array((3, 4), dt, lo=0.5),), {"dim": 1}),
                                        Sample((S.array((2, 2), dt, lo=0.5),), {})],
                    dtypes=S.FLOAT_DTYPES, save_inputs=(0,), save_output=True,
                    grad_name="ProdBackward0")


# ------------------------------------------------------------------------------ var / std
def _var_meta_for(name, pair=False):
    def meta(x, dim=None, correction=1, keepdim=False):
        axes = axes_of(dim, x.ndim, name)
        if not _is_float(x.dtype):
            raise RuntimeError("std and var only support floating point and complex dtypes")
        out = x.with_(shape=reduce_shape(x.shape, axes, keepdim), dtype=x.dtype.to_real())
        return (out, x.with_(shape=out.shape)) if pair else out
    return meta


def _moments(xp, x, dim, correction, keepdim, name):
    axes = axes_of(dim, x.ndim, name)
    x = acc(x)
    n = count(x.shape, axes)
    mu = xp.sum(x, axis=axes, keepdims=True) / n
    d = x - mu
    sq = (d.real ** 2 + d.imag ** 2) if xp.iscomplexobj(d) else d * d
    dof = max(n - correction, 0)
    if dof <= 0:
        warnings.warn(f"{name.split('_')[0]}(): degrees of freedom is <= 0. Correction should be "
                      "strictly less than the reduction factor (input numel divided by output "
                      "numel).", UserWarning, stacklevel=6)
    var = xp.sum(sq, axis=axes, keepdims=keepdim) / dof
    if not keepdim:
        mu = mu.reshape(var.shape)
    return var, mu


def _var(xp, m, x, dim=None, correction=1, keepdim=False):
    return _moments(xp, x, dim, correction, keepdim, "var")[0]


def _std(xp, m, x, dim=None, correction=1, keepdim=False):
    return xp.sqrt(_moments(xp, x, dim, correction, keepdim, "std")[0])


def _var_mean(xp, m, x, dim=None, correction=1, keepdim=False):
    return _moments(xp, x, dim, correction, keepdim, "var_mean")


def _std_mean(xp, m, x, dim=None, correction=1, keepdim=False):
    v, mu = _moments(xp, x, dim, correction, keepdim, "std_mean")
    return xp.sqrt(v), mu


def _centered(ctx):
    """(x - mean(x)) over the reduced dims, and the divisor N - correction."""
    x = ctx.inputs[0]
    dim = ctx.attrs.get("dim")
    d = x - x.mean(dim if dim is not None else (), keepdim=True)
    n = count(tuple(x.shape), axes_of(dim, x.ndim, ""))
    return d, max(n - ctx.attrs.get("correction", 1), 0)


def _var_vjp(ctx, g):
    d, dof = _centered(ctx)
    return (grad_back(g, ctx) * d * (2.0 / dof if dof else math.inf),)


def _std_vjp(ctx, g):
    d, dof = _centered(ctx)
    y = ctx.output[0] if isinstance(ctx.output, tuple) else ctx.output
    return (grad_back(g / (y * dof if dof else 0.0 * y), ctx) * d,)


def _pair_vjp(first_vjp):
    def vjp(ctx, g0, g1):
        out = None
        if g0 is not None:
            out = first_vjp(ctx, g0)[0]
        if g1 is not None:
            shape = ctx._input_meta[0][0]
            n = count(shape, axes_of(ctx.attrs.get("dim"), len(shape), ""))
            gm = grad_back(g1, ctx) / max(n, 1)
            out = gm if out is None else out + gm
        return (out,)
    return vjp


def _var_samples(dt):
    return red_samples(dt, ("all", "dim", "dims", "empty")) + [
        Sample((S.array((), dt),), {}, grad=False),Sample((S.array((3, 4), dt, 5),), {"dim": 0, "correction": 0}),
                              Sample((S.array((3, 5), dt, 6),), {"correction": 2})]


def _var_op(name, compute, vjp, pair=False, save_output=False):
    return opdef(name, compute, _var_meta_for(name, pair), vjp=vjp, save_inputs=(0,),
                 save_output=save_output, samples=_var_samples,
                 dtypes=FLOATS + (D.complex64,), num_outputs=2 if pair else 1,
                 grad_name="".join(p.capitalize() for p in name.split("_")) + "Backward0")


var = _var_op("var", _var, _var_vjp)
std = _var_op("std", _std, _std_vjp, save_output=True)
var_mean = _var_op("var_mean", _var_mean, _pair_vjp(_var_vjp), pair=True)
std_mean = _var_op("std_mean", _std_mean, _pair_vjp(_std_vjp), pair=True, save_output=True)


# ------------------------------------------------------------------------------ logsumexp
def _lse_meta(x, dim=(), keepdim=False):
    axes = axes_of(dim, x.ndim, "logsumexp")
    dt = x.dtype if _is_float(x.dtype) else D.get_default_dtype()
    return x.with_(shape=reduce_shape(x.shape, axes, keepdim), dtype=dt)


def _lse(xp, m, x, dim=(), keepdim=False):
    axes = axes_of(dim, x.ndim, "logsumexp")
    x = acc(x.astype(m.dtype.np, copy=False))
    if x.size == 0:
        return xp.log(xp.sum(xp.exp(x), axis=axes, keepdims=keepdim))
    mx = xp.max(x, axis=axes, keepdims=True)
    mx = xp.where(xp.isinf(mx), 0, mx)  # all -inf (or an inf): do not shift by inf
    r = xp.log(xp.sum(xp.exp(x - mx), axis=axes, keepdims=True)) + mx
    return r if keepdim else r.reshape(m.shape)


def _lse_vjp(ctx, g):
    x = ctx.inputs[0]
    y = grad_back(ctx.output, ctx)
    return (grad_back(g, ctx) * (x - y).exp(),)


logsumexp = opdef("logsumexp", _lse, _lse_meta, vjp=_lse_vjp, save_inputs=(0,),
                  save_output=True, dtypes=S.NUMERIC + HALF,
                  samples=lambda dt: red_samples(dt, ("dim", "dims", "empty")) +
                  [Sample((S.array((3, 4), dt),), {"dim": ()})])


# ------------------------------------------------------------------------------ norm
def _norm_meta(x, p=2.0, dim=None, keepdim=False, dtype=None):
    axes = axes_of(dim, x.ndim, "norm")
    if not _is_float(x.dtype):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype_name(x.dtype)}")
    if x.ndim and axes is None and 0 in x.shape and p < 0:
        raise RuntimeError("linalg.vector_norm cannot compute the "
                           f"{p:g} norm on an empty tensor because the operation does not "
                           "have an identity")
    out = dtype if dtype is not None else x.dtype
    return x.with_(shape=reduce_shape(x.shape, axes, keepdim), dtype=out.to_real())


def _norm(xp, m, x, p=2.0, dim=None, keepdim=False, dtype=None):
    axes = axes_of(dim, x.ndim, "norm")
    a = xp.abs(acc(x.astype(dtype.np if dtype else x.dtype, copy=False)))
    kw = {"axis": axes, "keepdims": keepdim}
    if p == math.inf:
        return xp.max(a, initial=0.0, **kw)
    if p == -math.inf:
        return xp.min(a, **kw)
    if p == 0:
        return xp.sum(a != 0, **kw).astype(a.dtype)
    if p == 1:
        return xp.sum(a, **kw)
    if p == 2:
        return xp.sqrt(xp.sum(a * a, **kw))
    return xp.sum(a ** p, **kw) ** (1.0 / p)


def _norm_vjp(ctx, g):
    x = ctx.inputs[0]
    p = ctx.attrs.get("p", 2.0)
    y = grad_back(ctx.output, ctx)
    g = grad_back(g, ctx)
    if p == 0:
        return (x * 0.0,)
    if p == 1:
        return (g * x.sgn(),)
    if p == 2:
        return (g * x / y.masked_fill(y == 0, math.inf),)
    if math.isinf(p):
        mask = x.abs() == y
        dim = ctx.attrs.get("dim")
        n = mask.sum(dim if dim is not None else (), keepdim=True)
        return (g * x.sgn() * mask / n,)
    ya = y.masked_fill(y == 0, math.inf)
    return (g * x.sgn() * x.abs().pow(p - 1) / ya.pow(p - 1),)


def _norm_samples(dt):
    out = red_samples(dt, ("all", "dim", "dims", "scalar"))
    for p in (1.0, 3.0, math.inf, -math.inf, 0.0, 0.5):
        out.append(Sample((S.array((3, 4), dt, 8, lo=0.2),), {"p": p, "dim": 1}, name=f"p{p}"))
    return out


norm = opdef("norm", _norm, _norm_meta, vjp=_norm_vjp, save_inputs=(0,), save_output=True,
             samples=_norm_samples, dtypes=FLOATS, grad_name="LinalgVectorNormBackward0")


# ------------------------------------------------------------------------------ all / any / count
def _logical_meta_for(name):
    def meta(x, dim=None, keepdim=False):
        axes = None if dim is None else wrap_dims(dim, x.ndim, name)  # dim=() reduces nothing
        dt = D.uint8 if x.dtype is D.uint8 else D.bool
        return x.with_(shape=reduce_shape(x.shape, axes, keepdim), dtype=dt)
    return meta


def _logical(fn):
    def compute(xp, m, x, dim=None, keepdim=False):
        return fn(x != 0, axis=None if dim is None else wrap_dims(dim, x.ndim, ""),
                  keepdims=keepdim)
    return compute


def _bool_samples(dt):
    return red_samples(dt) + [Sample((np.zeros((2, 3), dt.np),), {"dim": 0})]


all_ = opdef("all", _logical(np.all), _logical_meta_for("all"), differentiable=False,
             samples=_bool_samples, dtypes=S.ALL_REAL)
any_ = opdef("any", _logical(np.any), _logical_meta_for("any"), differentiable=False,
             samples=_bool_samples, dtypes=S.ALL_REAL)


def _count_meta(x, dim=None):
    axes = axes_of(dim, x.ndim, "count_nonzero")
    return x.with_(shape=reduce_shape(x.shape, axes, False), dtype=D.int64)


count_nonzero = opdef(
    "count_nonzero", lambda xp, m, x, dim=None: xp.count_nonzero(
        x, axis=axes_of(dim, x.ndim, "count_nonzero")), _count_meta, differentiable=False,
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {}), Sample((S.array((3, 4), dt),),
                                                                   {"dim": (0, 1)}),
                        Sample((S.array((2, 3), dt),), {"dim": 1})], dtypes=S.ALL_REAL)

__all__ = ["axes_of", "opdef", "grad_back", "red_samples", "acc", "count"]
