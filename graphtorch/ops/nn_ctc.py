"""CTC loss (Graves et al.) by the alpha-beta recursions in log space.  The gradient follows
PyTorch's ctc_loss_backward exactly: for log-probabilities lp it returns
exp(lp) - exp(log(sum_s alpha*beta) + nll - lp), i.e. the gradient seen through log_softmax,
so results equal PyTorch's (double backward is not defined, as in PyTorch)."""
from __future__ import annotations

import numpy as np

from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register

_NEG = -np.inf


def _targets_of(targets, target_lengths, b):
    if targets.ndim == 1:
        start = int(target_lengths[:b].sum())
        return targets[start:start + int(target_lengths[b])]
    return targets[b, :int(target_lengths[b])]


def _extended(tgt, blank):
    ext = np.full(2 * len(tgt) + 1, blank, dtype=np.int64)
    ext[1::2] = tgt
    return ext


def _skip_mask(ext, blank):
    """s may be reached from s-2 when l'[s] is a label different from l'[s-2]."""
    m = np.zeros(len(ext), dtype=bool)
    m[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    return m


def _alpha(lp, ext, T, blank):
    Sx = len(ext)
    a = np.full((T, Sx), _NEG)
    a[0, 0] = lp[0, ext[0]]
    if Sx > 1:
        a[0, 1] = lp[0, ext[1]]
    skip = _skip_mask(ext, blank)
    for t in range(1, T):
        prev = a[t - 1]
        acc = prev.copy()
        acc[1:] = np.logaddexp(acc[1:], prev[:-1])
        acc[2:] = np.where(skip[2:], np.logaddexp(acc[2:], prev[:-2]), acc[2:])
        a[t] = acc + lp[t, ext]
    return a


def _beta(lp, ext, T, blank):
    Sx = len(ext)
    b = np.full((T, Sx), _NEG)
    b[T - 1, Sx - 1] = lp[T - 1, ext[Sx - 1]]
    if Sx > 1:
        b[T - 1, Sx - 2] = lp[T - 1, ext[Sx - 2]]
    skip = np.zeros(Sx, dtype=bool)
    skip[:-2] = (ext[:-2] != blank) & (ext[:-2] != ext[2:])
    for t in range(T - 2, -1, -1):
        nxt = b[t + 1]
        acc = nxt.copy()
        acc[:-1] = np.logaddexp(acc[:-1], nxt[1:])
        acc[:-2] = np.where(skip[:-2], np.logaddexp(acc[:-2], nxt[2:]), acc[:-2])
        b[t] = acc + lp[t, ext]
    return b


def _nll(a, T, Sx):
    end = a[T - 1, Sx - 1]
    return -(np.logaddexp(end, a[T - 1, Sx - 2]) if Sx > 1 else end)


def _check(lp, targets, input_lengths, target_lengths):
    T, N = lp.shape[:2]
    if len(input_lengths) != N:
        raise RuntimeError(f"input_lengths must be of size batch_size")
    if len(target_lengths) != N:
        raise RuntimeError(f"target_lengths must be of size batch_size")
    bad = [int(v) for v in input_lengths if v > T]
    if bad:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{bad[0]} (while checking arguments for ctc_loss_cpu)")


def _reduce_losses(xp, losses, target_lengths, reduction, dtype):
    if reduction == "none":
        return losses.astype(dtype)
    if reduction == "sum":
        return xp.asarray(losses.sum(), dtype=dtype)
    return xp.asarray((losses / np.maximum(target_lengths, 1)).mean(), dtype=dtype)


def _kernel(xp, log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
            zero_infinity=False):
    il, tl = np.asarray(input_lengths).reshape(-1), np.asarray(target_lengths).reshape(-1)
    _check(log_probs, targets, il, tl)
    lp = log_probs.astype(np.float64)
    losses = np.empty(lp.shape[1])
    for b in range(lp.shape[1]):
        ext = _extended(_targets_of(targets, tl, b), blank)
        T = int(il[b])
        loss = _nll(_alpha(lp[:T, b], ext, T, blank), T, len(ext)) if T > 0 else np.inf
        losses[b] = 0.0 if zero_infinity and np.isinf(loss) else loss
    return _reduce_losses(xp, losses, tl, reduction, log_probs.dtype)


def _meta(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
          zero_infinity=False):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_probs.ndim != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of 3 dims (T, N, C), got "
                           f"{log_probs.ndim}")
    shape = (log_probs.shape[1],) if reduction == "none" else ()
    return TensorSpec(shape, log_probs.dtype, log_probs.device)


def _bwd_kernel(xp, g, log_probs, targets, input_lengths, target_lengths, blank=0,
                reduction="mean", zero_infinity=False):
    il, tl = np.asarray(input_lengths).reshape(-1), np.asarray(target_lengths).reshape(-1)
    lp = log_probs.astype(np.float64)
    T_max, N, C = lp.shape
    g = np.asarray(g, dtype=np.float64)
    if reduction == "none":
        scale = g.reshape(N)
    elif reduction == "sum":
        scale = np.full(N, float(g))
    else:
        scale = float(g) / N / np.maximum(tl, 1)
    grad = np.zeros_like(lp)
    for b in range(N):
        ext = _extended(_targets_of(targets, tl, b), blank)
        T = int(il[b])
        if T == 0:
            continue
        lpb = lp[:T, b]
        a, be = _alpha(lpb, ext, T, blank), _beta(lpb, ext, T, blank)
        nll = _nll(a, T, len(ext))
        if zero_infinity and np.isinf(nll):
            continue
        lcab = np.full((T, C), _NEG)
        ab = a + be
        for s, c in enumerate(ext):
            lcab[:, c] = np.logaddexp(lcab[:, c], ab[:, s])
        grad[:T, b] = (np.exp(lpb) - np.exp(lcab + nll - lpb)) * scale[b]
    return grad.astype(log_probs.dtype)


def _vjp(ctx, g):
    lp, targets, il, tl = ctx.inputs
    return (g._dispatch(ctc_loss_backward, g, lp, targets, il, tl, **ctx.attrs), None, None,
            None)


def _samples(dt):
    r = np.random.RandomState(0)
    x = r.randn(6, 2, 5)
    lp = (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(dt.np)
    tg = np.array([[1, 2, 2], [3, 1, 4]], dtype=np.int64)
    il, tl = np.array([6, 5], dtype=np.int64), np.array([3, 2], dtype=np.int64)
    return [Sample((lp, tg, il, tl), {}, grad=False),
            Sample((lp, tg, il, tl), {"reduction": "sum"}, grad=False),
            Sample((lp, np.array([1, 2, 2, 3, 1], dtype=np.int64), il, tl),
                   {"reduction": "none"}, grad=False)]


# tag: the vjp is exact only through log_softmax (tests/nn/test_ctc.py checks it that way)
ctc_loss = register(OpDef(name="ctc_loss", kernel=_kernel, meta=_meta, vjp=_vjp,
                          samples=_samples, dtypes=S.FLOAT_DTYPES, grad_name="CtcLossBackward0",
                          tags=frozenset({"grad_via_log_softmax"})))
ctc_loss_backward = register(OpDef(
    name="ctc_loss_backward", kernel=_bwd_kernel,
    meta=lambda g, lp, *a, **k: lp, samples=lambda dt: [
        Sample((np.array(1.0, dtype=dt.np),) + s.args, s.kwargs, grad=False)
        for s in _samples(dt)[:2]],
    dtypes=S.FLOAT_DTYPES, differentiable=False))
