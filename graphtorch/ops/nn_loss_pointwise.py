"""Pointwise losses with their own grad nodes in PyTorch: smooth_l1, huber, binary cross
entropy (with and without logits), soft margin.  One helper builds kernel, meta and vjp from
the elementwise loss and its partial derivatives; reduction is 'none' | 'mean' | 'sum'."""
from __future__ import annotations

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec, broadcast_shapes
from .nn_loss import _check_reduction
from .registry import OpDef, Sample, register


def _reduce(xp, loss, reduction, dtype):
    if reduction == "none":
        return loss.astype(dtype, copy=False)
    return xp.asarray(loss.sum() if reduction == "sum" else loss.mean(), dtype=dtype)


def _loss_op(name, fn, dx, dt, grad_name, samples, n_extra=0, check=None, dextra=()):
    def kernel(xp, x, t, *extra, reduction="mean", **a):
        _check_reduction(reduction)
        if check is not None:
            check(xp, x, t)
        return _reduce(xp, fn(xp, x, t, *extra, **a), reduction, x.dtype)

    def meta(x, t, *extra, reduction="mean", **a):
        _check_reduction(reduction)
        shape = broadcast_shapes(x.shape, t.shape, op=name)
        if x.dtype.category < D._FLOAT:
            raise RuntimeError(f'"{name}" not implemented for \'{x.dtype.name}\'')
        return TensorSpec(shape if reduction == "none" else (), x.dtype, x.device)

    def vjp(ctx, g):
        x, t, *extra = ctx.inputs
        a = {k: v for k, v in ctx.attrs.items() if k != "reduction"}
        red = ctx.attrs.get("reduction", "mean")
        if red == "mean":
            g = g / broadcast_numel(x, t)
        need = ctx.needs_input_grad
        gx = g * dx(x, t, *extra, **a) if need[0] else None
        gt = g * dt(x, t, *extra, **a) if dt is not None and len(need) > 1 and need[1] else None
        ge = tuple(g * dextra[i](x, t, *extra, **a) if i < len(dextra) and need[2 + i] else None
                   for i in range(len(extra)))
        return (gx, gt) + ge

    return register(OpDef(name=name, kernel=kernel, meta=meta, vjp=vjp, samples=samples,
                          dtypes=S.FLOAT_DTYPES, grad_name=grad_name))


def broadcast_numel(x, t):
    n = 1
    for s in broadcast_shapes(tuple(x.shape), tuple(t.shape)):
        n *= s
    return n


def _pair_samples(lo=-2.0, hi=2.0, tlo=-2.0, thi=2.0, **kw):
    def samples(dt):
        return [Sample((S.array((3, 4), dt, 0, lo, hi), S.array((3, 4), dt, 1, tlo, thi)), kw),
                Sample((S.array((3, 4), dt, 0, lo, hi), S.array((3, 4), dt, 1, tlo, thi)),
                       dict(kw, reduction="sum")),
                Sample((S.array((3, 4), dt, 0, lo, hi), S.array((3, 4), dt, 1, tlo, thi)),
                       dict(kw, reduction="none"))]
    return samples


def _smooth_l1(xp, x, t, beta=1.0):
    d = xp.abs(x - t)
    return xp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta) if beta > 0 else d


def _smooth_l1_dx(x, t, beta=1.0):
    d = x - t
    if beta == 0:
        return d.sign()
    small = d.abs() < beta
    return small * d / beta + (~small) * d.sign()


smooth_l1_loss = _loss_op("smooth_l1_loss", _smooth_l1, _smooth_l1_dx,
                          lambda x, t, beta=1.0: -_smooth_l1_dx(x, t, beta),
                          "SmoothL1LossBackward0", _pair_samples(beta=0.7))


def _huber(xp, x, t, delta=1.0):
    d = xp.abs(x - t)
    return xp.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


def _huber_dx(x, t, delta=1.0):
    d = x - t
    small = d.abs() < delta
    return small * d + (~small) * d.sign() * delta


huber_loss = _loss_op("huber_loss", _huber, _huber_dx, lambda x, t, delta=1.0: -_huber_dx(
    x, t, delta), "HuberLossBackward0", _pair_samples(delta=0.8))


def _bce_check(xp, x, t):
    if x.size and ((x < 0).any() or (x > 1).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")


def _bce(xp, x, t, w=None):
    # PyTorch clamps the logs at -100 so that log(0) stays finite
    l = -(t * xp.maximum(xp.log(x), -100) + (1 - t) * xp.maximum(xp.log1p(-x), -100))
    return l * w if w is not None else l


def _bce_dx(x, t, w=None):
    d = (x - t) / ((1 - x) * x).clamp_min(1e-12)
    return d * w if w is not None else d


def _bce_dt(x, t, w=None):
    d = (1 - x).log().clamp_min(-100) - x.log().clamp_min(-100)
    return d * w if w is not None else d


def _bce_dw(x, t, w=None):
    return -(t * x.log().clamp_min(-100) + (1 - t) * (1 - x).log().clamp_min(-100))


binary_cross_entropy = _loss_op(
    "binary_cross_entropy", _bce, _bce_dx, _bce_dt, "BinaryCrossEntropyBackward0",
    _pair_samples(0.1, 0.9, 0.0, 1.0), check=_bce_check, dextra=(_bce_dw,))


def _bce_logits(xp, x, t, w=None, pw=None):
    # (1 - t) x + (1 + (pw - 1) t) * softplus(-x), computed without overflow
    sp = xp.logaddexp(0, -x)
    l = (1 - t) * x + (1 + (pw - 1) * t) * sp if pw is not None else (1 - t) * x + sp
    return l * w if w is not None else l


def _bce_logits_dx(x, t, w=None, pw=None):
    s = x.sigmoid()
    d = s * (1 - t + pw * t) - pw * t if pw is not None else s - t
    return d * w if w is not None else d


def _bce_logits_dt(x, t, w=None, pw=None):
    sp = x.sigmoid().log().neg()  # softplus(-x)
    d = -x + (pw - 1) * sp if pw is not None else -x
    return d * w if w is not None else d


def _bce_logits_samples(dt):
    base = _pair_samples(-2, 2, 0.0, 1.0)(dt)
    return base + [Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1, 0, 1),
                           S.array((3, 4), dt, 2, 0.5, 1.5), S.array((4,), dt, 3, 0.5, 2)), {})]


def _bce_logits_dw(x, t, w=None, pw=None):
    sp = x.sigmoid().log().neg()
    return (1 - t) * x + (1 + (pw - 1) * t) * sp if pw is not None else (1 - t) * x + sp


def _bce_logits_dpw(x, t, w=None, pw=None):
    d = t * x.sigmoid().log().neg()
    return d * w if w is not None else d


binary_cross_entropy_with_logits = _loss_op(
    "binary_cross_entropy_with_logits", _bce_logits, _bce_logits_dx, _bce_logits_dt,
    "BinaryCrossEntropyWithLogitsBackward0", _bce_logits_samples,
    dextra=(_bce_logits_dw, _bce_logits_dpw))


def _soft_margin(xp, x, t):
    return xp.logaddexp(0, -t * x)


soft_margin_loss = _loss_op(
    "soft_margin_loss", _soft_margin, lambda x, t: -t * (-t * x).sigmoid(),
    lambda x, t: -x * (-t * x).sigmoid(), "SoftMarginLossBackward0", _pair_samples())
