"""Normalization ops: batch_norm, layer_norm, group_norm.  Each normalizes over a set of dims
and applies a per-feature affine; statistics are computed in float32 or wider.  Derivatives
are the standard closed forms written with Tensor methods (differentiable again).  Running
statistics are updated by nn.functional with in-place ops, so a tracer sees them."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register


def _acc(xp, x):
    return x.astype(np.float32) if x.dtype in (np.float16, D.bfloat16.np) else x


def _normalize(xp, x, axes, eps):
    xa = _acc(xp, x)
    mean = xa.mean(axis=axes, keepdims=True)
    var = ((xa - mean) ** 2).mean(axis=axes, keepdims=True)
    invstd = 1.0 / xp.sqrt(var + eps)
    return (xa - mean) * invstd, mean, invstd


def _affine_shape(ndim, channel_dim=1):
    return lambda v: v.reshape((1,) * channel_dim + (-1,) + (1,) * (ndim - channel_dim - 1))


# ------------------------------------------------------------------------------ batch norm
def _bn_kernel(xp, x, weight=None, bias=None, running_mean=None, running_var=None,
               training=True, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = _affine_shape(x.ndim)
    if training:
        xa = _acc(xp, x)
        mean = xa.mean(axis=axes)
        xc = xa - shape(mean)
        var = (xc * xc).mean(axis=axes)
    else:
        mean, var = _acc(xp, running_mean), _acc(xp, running_var)
        xc = _acc(xp, x) - shape(mean)
    # fold 1/std and the weight into one per-channel scale: one full-size multiply
    scale = 1.0 / xp.sqrt(var + eps)
    if weight is not None:
        scale = scale * weight
    y = xc * shape(scale)
    if bias is not None:
        y += shape(bias)
    return y.astype(x.dtype), mean.astype(x.dtype), var.astype(x.dtype)


def _bn_meta(x, weight=None, bias=None, running_mean=None, running_var=None, training=True,
             eps=1e-5):
    if x.ndim < 2:
        raise ValueError(f"Expected 2D or 3D input (got {x.ndim}D input)")
    c = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"running_mean should contain {c} elements not "
                               f"{t.shape[0] if t.shape else 1}" if name.startswith("running")
                               else f"batch_norm: {name} should contain {c} elements")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    stat = TensorSpec((c,), x.dtype, x.device)
    return (x, stat, stat)


def _bn_vjp(ctx, g, _gm=None, _gi=None):
    x, w = ctx.inputs[0], ctx.inputs[1] if len(ctx.inputs) > 1 else None
    eps = ctx.attrs.get("eps", 1e-5)
    training = ctx.attrs.get("training", True)
    need = ctx.needs_input_grad
    axes = [0] + list(range(2, x.dim()))
    shape = [1, -1] + [1] * (x.dim() - 2)
    if training:
        xc = x - x.mean(axes, keepdim=True)
        invstd = (xc * xc).mean(axes, keepdim=True).add(eps).rsqrt()
    else:
        xc = x - ctx.inputs[3].reshape(shape)
        invstd = ctx.inputs[4].add(eps).rsqrt().reshape(shape)
    # only per-channel sums of g and g*xc are needed: with them the weight/bias grads and the
    # training-mode input grad g*s - xc*(s*invstd^2*sum(g*xc)/m) - s*sum(g)/m (s = w*invstd)
    # take few full-size temporaries
    want_gw = len(need) > 1 and need[1]
    want_gb = len(need) > 2 and need[2]
    g_sum = g.sum(axes) if (need[0] and training) or want_gb else None
    gxc_sum = (g * xc).sum(axes) if (need[0] and training) or want_gw else None
    scale = invstd if w is None else w.reshape(shape) * invstd
    gx = None
    if need[0]:
        gx = g * scale
        if training:
            k = scale / (x.numel() // x.shape[1] if x.numel() else 1)
            gx = gx - xc * (k * invstd * invstd * gxc_sum.reshape(shape)) \
                - k * g_sum.reshape(shape)
    gw = gxc_sum * invstd.reshape(-1) if want_gw else None
    gb = g_sum if want_gb else None
    g_rm = g_rv = None
    if not training:  # eval: y is affine in the running statistics
        gxhat = g * w.reshape(shape) if w is not None else g
        if len(need) > 3 and need[3]:
            g_rm = -(gxhat * invstd).sum(axes)
        if len(need) > 4 and need[4]:
            g_rv = (gxhat * xc * invstd ** 3 * -0.5).sum(axes)
    return (gx, gw, gb, g_rm, g_rv)


def _bn_samples(dt):
    c = 3
    w, b = S.array((c,), dt, 1, 0.5, 1.5), S.array((c,), dt, 2)
    rm, rv = S.array((c,), dt, 3), S.array((c,), dt, 4, 0.5, 1.5)
    return [Sample((S.array((4, c, 5), dt), w, b), {"training": True}),
            Sample((S.array((4, c), dt),), {"training": True, "eps": 1e-3}),
            Sample((S.array((2, c, 3, 3), dt), w, b, rm, rv), {"training": False}),
            Sample((S.array((2, c, 3, 3), dt), w, b), {"training": True})]


# outputs: y, and the batch mean and biased variance (nn.functional updates running stats)
batch_norm = register(OpDef(
    name="batch_norm", kernel=_bn_kernel, meta=_bn_meta, vjp=_bn_vjp, samples=_bn_samples,
    dtypes=S.FLOAT_DTYPES, num_outputs=3, nondiff_outputs=(1, 2),
    grad_name="NativeBatchNormBackward0"))


# ------------------------------------------------------------------------------ layer norm
def _ln_check(x, normalized_shape):
    k = len(normalized_shape)
    if tuple(x.shape[x.ndim - k:]) != tuple(normalized_shape) or k > x.ndim:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, normalized_shape))}], but got "
                           f"input of size{list(x.shape)}")


def _ln_kernel(xp, x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
    _ln_check(x, normalized_shape)
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    y, _, _ = _normalize(xp, x, axes, eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y.astype(x.dtype)


def _ln_meta(x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
    _ln_check(x, normalized_shape)
    for t in (weight, bias):
        if t is not None and tuple(t.shape) != tuple(normalized_shape):
            raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but "
                               f"got weight of shape {list(t.shape)} and normalized_shape = "
                               f"{list(normalized_shape)}")
    return x


def _ln_vjp(ctx, g):
    x, w = ctx.inputs[0], ctx.inputs[1] if len(ctx.inputs) > 1 else None
    k = len(ctx.attrs["normalized_shape"])
    eps = ctx.attrs.get("eps", 1e-5)
    axes = list(range(x.dim() - k, x.dim()))
    mean = x.mean(axes, keepdim=True)
    invstd = ((x - mean) ** 2).mean(axes, keepdim=True).add(eps).rsqrt()
    xhat = (x - mean) * invstd
    gxhat = g * w if w is not None else g
    need = ctx.needs_input_grad
    gx = (gxhat - gxhat.mean(axes, keepdim=True) -
          xhat * (gxhat * xhat).mean(axes, keepdim=True)) * invstd if need[0] else None
    lead = list(range(x.dim() - k))
    gw = (g * xhat).sum(lead) if len(need) > 1 and need[1] else None
    gb = g.sum(lead) if len(need) > 2 and need[2] else None
    return (gx, gw, gb)


def _ln_samples(dt):
    return [Sample((S.array((4, 5), dt), S.array((5,), dt, 1, 0.5, 1.5), S.array((5,), dt, 2)),
                   {"normalized_shape": (5,)}),
            Sample((S.array((2, 3, 4), dt),), {"normalized_shape": (3, 4), "eps": 1e-3}),
            Sample((S.array((2, 3, 4), dt), S.array((4,), dt, 1, 0.5, 1.5)),
                   {"normalized_shape": (4,)})]


layer_norm = register(OpDef(
    name="layer_norm", kernel=_ln_kernel, meta=_ln_meta, vjp=_ln_vjp, samples=_ln_samples,
    dtypes=S.FLOAT_DTYPES, grad_name="NativeLayerNormBackward0"))


# ------------------------------------------------------------------------------ group norm
def _gn_kernel(xp, x, weight=None, bias=None, num_groups=1, eps=1e-5):
    n, c = x.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    xg = x.reshape(n, num_groups, -1)
    y, _, _ = _normalize(xp, xg, (2,), eps)
    y = y.reshape(x.shape)
    shape = _affine_shape(x.ndim)
    if weight is not None:
        y = y * shape(weight)
    if bias is not None:
        y = y + shape(bias)
    return y.astype(x.dtype)


def _gn_meta(x, weight=None, bias=None, num_groups=1, eps=1e-5):
    if x.shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    return x


def _gn_vjp(ctx, g):
    x, w = ctx.inputs[0], ctx.inputs[1] if len(ctx.inputs) > 1 else None
    G, eps = ctx.attrs.get("num_groups", 1), ctx.attrs.get("eps", 1e-5)
    n = x.shape[0]
    shape = [1, -1] + [1] * (x.dim() - 2)
    xg = x.reshape(n, G, -1)
    mean = xg.mean(2, keepdim=True)
    invstd = ((xg - mean) ** 2).mean(2, keepdim=True).add(eps).rsqrt()
    xhat = ((xg - mean) * invstd).reshape(x.shape)
    gxhat = (g * w.reshape(shape) if w is not None else g).reshape(n, G, -1)
    xh = xhat.reshape(n, G, -1)
    need = ctx.needs_input_grad
    gx = ((gxhat - gxhat.mean(2, keepdim=True) - xh * (gxhat * xh).mean(2, keepdim=True))
          * invstd).reshape(x.shape) if need[0] else None
    axes = [0] + list(range(2, x.dim()))
    gw = (g * xhat).sum(axes) if len(need) > 1 and need[1] else None
    gb = g.sum(axes) if len(need) > 2 and need[2] else None
    return (gx, gw, gb)


def _gn_samples(dt):
    return [Sample((S.array((2, 4, 3), dt), S.array((4,), dt, 1, 0.5, 1.5), S.array((4,), dt, 2)),
                   {"num_groups": 2}),
            Sample((S.array((2, 6, 2, 2), dt),), {"num_groups": 3, "eps": 1e-3})]


group_norm = register(OpDef(
    name="group_norm", kernel=_gn_kernel, meta=_gn_meta, vjp=_gn_vjp, samples=_gn_samples,
    dtypes=S.FLOAT_DTYPES, grad_name="NativeGroupNormBackward0"))
