"""Loss ops with their own grad nodes in PyTorch: nll_loss, mse_loss.  (cross_entropy is
log_softmax + nll_loss, as in PyTorch; other losses are compositions in nn.functional.)"""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec, broadcast_shapes
from .registry import OpDef, Sample, register

REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _nll_check(x, t, w):
    if t.dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{D.SCALAR_NAMES[t.dtype]}")
    if x.ndim < 1 or x.ndim > 1 and t.ndim >= 1 and x.shape[0] != t.shape[0]:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 0}).")
    expect = tuple(x.shape[:1]) + tuple(x.shape[2:]) if x.ndim > 1 else ()
    if tuple(t.shape) != expect:
        raise RuntimeError(f"expected target of shape {list(expect)} for input of shape "
                           f"{list(x.shape)}, got {list(t.shape)}")
    C = x.shape[1] if x.ndim > 1 else x.shape[0]
    if w is not None and (w.ndim != 1 or w.shape[0] != C):
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                           f"classes but got weight tensor of shape: {list(w.shape)}")
    return C


def _nll_kernel(xp, x, t, w=None, reduction="mean", ignore_index=-100):
    _check_reduction(reduction)
    C = _nll_check(_Spec(x), _Spec(t), _Spec(w) if w is not None else None)
    x2 = xp.moveaxis(x, 1, -1).reshape(-1, C) if x.ndim > 1 else x.reshape(1, C)
    tf = t.reshape(-1).astype(np.int64)
    mask = tf != ignore_index
    bad = mask & ((tf < 0) | (tf >= C))
    if bad.any():
        raise IndexError(f"Target {int(tf[bad][0])} is out of bounds.")
    tt = xp.where(mask, tf, 0)
    picked = x2[xp.arange(tt.shape[0]), tt]
    ww = (w[tt] if w is not None else xp.ones_like(picked)) * mask
    losses = -ww * picked
    if reduction == "none":
        return losses.reshape(t.shape).astype(x.dtype)
    total = losses.sum()
    if reduction == "sum":
        return xp.asarray(total, dtype=x.dtype)
    return xp.asarray(total / ww.sum(), dtype=x.dtype)


class _Spec:
    def __init__(self, a):
        self.shape, self.ndim, self.dtype = a.shape, a.ndim, D.from_numpy_dtype(a.dtype)


def _nll_meta(x, t, w=None, reduction="mean", ignore_index=-100):
    _check_reduction(reduction)
    _nll_check(x, t, w)
    shape = tuple(t.shape) if reduction == "none" else ()
    return TensorSpec(shape, x.dtype, x.device)


def _nll_vjp(ctx, g):
    x, t, w = (ctx.inputs + (None,))[:3]
    red = ctx.attrs.get("reduction", "mean")
    ign = ctx.attrs.get("ignore_index", -100)
    C = x.shape[1] if x.dim() > 1 else x.shape[0]
    tf = t.reshape(-1)
    mask = tf != ign
    tt = tf * mask
    ww = (w[tt] if w is not None else x.new_ones(tf.shape)) * mask
    scale = g.reshape(-1) if red == "none" else g / ww.sum() if red == "mean" else g
    onehot = tt.unsqueeze(1) == tt.new_tensor(list(range(C)))
    gx = onehot * (-ww * scale).unsqueeze(1)
    if x.dim() == 1:
        gx = gx.reshape(C)
    elif x.dim() > 2:
        gx = gx.reshape(tuple(t.shape) + (C,)).movedim(-1, 1)
    gw = None
    if w is not None and len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]:
        gw = _nll_weight_grad(x, C, onehot, mask, ww, g, red)
    return (gx, None, gw)


def _nll_weight_grad(x, C, onehot, mask, ww, g, red):
    """d loss / d weight: each class collects -x[n, class] of the samples targeting it
    (with the quotient rule for 'mean', whose denominator is the sum of the weights)."""
    x2 = x.reshape(1, C) if x.dim() == 1 else x if x.dim() == 2 else \
        x.movedim(1, -1).reshape(-1, C)
    picked = (x2 * onehot).sum(1)
    per = -picked * mask
    onehot_f = onehot * 1.0
    if red == "none":
        return (onehot_f * (per * g.reshape(-1)).unsqueeze(1)).sum(0)
    if red == "sum":
        return (onehot_f * per.unsqueeze(1)).sum(0) * g
    total, denom = (ww * per).sum(), ww.sum()
    d_num = (onehot_f * per.unsqueeze(1)).sum(0)
    d_den = (onehot_f * mask.unsqueeze(1)).sum(0)
    return (d_num / denom - total / (denom * denom) * d_den) * g


def _nll_samples(dt):
    r = np.random.RandomState(0)
    t = r.randint(0, 4, size=(5,)).astype(np.int64)
    t2 = r.randint(0, 3, size=(2, 4, 4)).astype(np.int64)
    return [Sample((S.array((5, 4), dt), t), {}),
            Sample((S.array((5, 4), dt), t, S.array((4,), dt, 3, 0.5, 2.0)), {"reduction": "sum"}),
            Sample((S.array((5, 4), dt), np.where(t == 1, -100, t)), {"reduction": "none"}),
            Sample((S.array((2, 3, 4, 4), dt), t2), {"reduction": "mean"}),
            Sample((S.array((4,), dt), np.array(2, dtype=np.int64)), {})]


nll_loss = register(OpDef(name="nll_loss", kernel=_nll_kernel, meta=_nll_meta, vjp=_nll_vjp,
                          samples=_nll_samples, dtypes=S.FLOAT_DTYPES,
                          grad_name="NllLossBackward0"))


def _mse_kernel(xp, x, t, reduction="mean"):
    _check_reduction(reduction)
    d = x - t
    sq = d * d
    if reduction == "none":
        return sq
    return xp.asarray(sq.sum() if reduction == "sum" else sq.mean(), dtype=sq.dtype)


def _mse_meta(x, t, reduction="mean"):
    _check_reduction(reduction)
    shape = broadcast_shapes(x.shape, t.shape, op="mse_loss")
    dt = D.promote_types(x.dtype, t.dtype)
    return TensorSpec(shape if reduction == "none" else (), dt, x.device)


def _mse_vjp(ctx, g):
    x, t = ctx.inputs
    d = x - t
    if ctx.attrs.get("reduction", "mean") == "mean":
        g = g / d.numel()
    gd = 2 * d * g
    need = ctx.needs_input_grad
    return (gd if need[0] else None, -gd if need[1] else None)


def _mse_samples(dt):
    return [Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1)), {}),
            Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1)), {"reduction": "sum"}),
            Sample((S.array((3, 4), dt), S.array((4,), dt, 1)), {"reduction": "none"})]


mse_loss = register(OpDef(name="mse_loss", kernel=_mse_kernel, meta=_mse_meta, vjp=_mse_vjp,
                          samples=_mse_samples, dtypes=S.FLOAT_DTYPES,
                          grad_name="MseLossBackward0"))
