"""Decompositions of the composite nn ops (activations, softmax, linear, normalization, losses,
embedding, constant padding) into more primitive ops, written with Tensor methods only.

A backend without a direct rule for one of these ops runs its ``decomp`` instead.  Each
function takes the op's positional inputs (Tensors, Python scalars or None) and attributes and
returns the op's output(s).  Importing this module attaches them (``OpDef.decomp``); the kernels,
metas and derivatives stay in the families' own files.  The spatial ops (convolution, pooling)
are in decomp_spatial.py, the linalg / statistics ones in decomp_math.py."""
from __future__ import annotations

import math

from . import dtypes as D
from .registry import get

_SQRT2, _SQRT_2_PI = math.sqrt(2.0), math.sqrt(2.0 / math.pi)
_HALF = (D.float16, D.bfloat16)


def _softplus0(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    return x.clamp_min(0) + (-x.abs()).exp().log1p()


def _zero(x):
    return x.new_zeros(())


def cat(tensors, dim):
    """torch.cat through the registry (Tensor has no cat method)."""
    return tensors[0]._dispatch(get("cat"), *tensors, dim=dim)


# ------------------------------------------------------------------------------ activations
def gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + (_SQRT_2_PI * (x + 0.044715 * x ** 3)).tanh())
    if approximate != "none":
        raise RuntimeError("approximate argument must be either none or tanh.")
    return 0.5 * x * (1 + (x / _SQRT2).erf())


def silu(x):
    return x * x.sigmoid()


def mish(x):
    return x * _softplus0(x).tanh()


def leaky_relu(x, negative_slope=0.01):
    return x.where(x > 0, x * negative_slope)


def elu(x, alpha=1.0, scale=1.0, input_scale=1.0):
    return (x * scale).where(x > 0, alpha * scale * (x * input_scale).expm1())


def softplus(x, beta=1.0, threshold=20.0):
    bx = x * beta
    return x.where(bx > threshold, bx.exp().log1p() / beta)


def hardtanh(x, min_val=-1.0, max_val=1.0):
    return x.clamp(min_val, max_val)


def hardswish(x):
    return x * (x + 3).clamp(0, 6) / 6


def hardsigmoid(x):
    return (x + 3).clamp(0, 6) / 6


def log_sigmoid(x):
    return -_softplus0(-x)


def softshrink(x, lambd=0.5):
    return (x - lambd).where(x > lambd, (x + lambd).where(x < -lambd, _zero(x)))


def hardshrink(x, lambd=0.5):
    return x.where(x.abs() > lambd, _zero(x))


def threshold(x, threshold=0.0, value=0.0):
    return x.where(x > threshold, x.new_tensor(value))


def glu(x, dim=-1):
    a, b = x.chunk(2, dim)
    return a * b.sigmoid()


def prelu(x, w):
    if x.dim() >= 2 and w.numel() > 1:
        w = w.reshape([1, -1] + [1] * (x.dim() - 2))
    return x.where(x > 0, x * w)


# ------------------------------------------------------------------------------ softmax, linear
def softmax(x, dim, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    if x.dim() == 0:
        return (x - x).exp()
    # the max only shifts for stability (softmax is shift invariant): no gradient through it
    e = (x - x.amax(dim, keepdim=True).detach()).exp()
    return e / e.sum(dim, keepdim=True)


def log_softmax(x, dim, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    if x.dim() == 0:
        return x - x
    shifted = x - x.amax(dim, keepdim=True).detach()
    return shifted - shifted.exp().sum(dim, keepdim=True).log()


def linear(x, w, b=None):
    y = x @ w.t()
    return y if b is None else y + b


# ------------------------------------------------------------------------------ normalization
def _acc(x):
    return x.float() if x.dtype in _HALF else x


def _moments(x, dims):
    """mean and biased variance over ``dims`` (kept as size-1 dims)."""
    n = math.prod(x.shape[d] for d in dims)
    mean = x.sum(dims, keepdim=True) / n
    d = x - mean
    return mean, (d * d).sum(dims, keepdim=True) / n


def _channel(v, ndim):
    return v.reshape([1, -1] + [1] * (ndim - 2))


def batch_norm(x, weight=None, bias=None, running_mean=None, running_var=None, training=True,
               eps=1e-5):
    xa = _acc(x)
    if training:
        dims = [0] + list(range(2, x.dim()))
        mean, var = _moments(xa, dims)
        mean, var = mean.reshape(-1), var.reshape(-1)
    else:
        mean, var = _acc(running_mean), _acc(running_var)
    y = (xa - _channel(mean, x.dim())) * (_channel(var, x.dim()) + eps).rsqrt()
    if weight is not None:
        y = y * _channel(weight, x.dim())
    if bias is not None:
        y = y + _channel(bias, x.dim())
    return y.to(x.dtype), mean.to(x.dtype).clone(), var.to(x.dtype).clone()


def layer_norm(x, weight=None, bias=None, normalized_shape=(), eps=1e-5):
    dims = list(range(x.dim() - len(normalized_shape), x.dim()))
    xa = _acc(x)
    mean, var = _moments(xa, dims)
    y = (xa - mean) * (var + eps).rsqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y.to(x.dtype)


def group_norm(x, weight=None, bias=None, num_groups=1, eps=1e-5):
    n = x.shape[0]
    xg = _acc(x).reshape(n, num_groups, -1)
    mean, var = _moments(xg, [2])
    y = ((xg - mean) * (var + eps).rsqrt()).reshape(x.shape)
    if weight is not None:
        y = y * _channel(weight, x.dim())
    if bias is not None:
        y = y + _channel(bias, x.dim())
    return y.to(x.dtype)


# ------------------------------------------------------------------------------ losses
def _reduce(loss, reduction, dtype):
    if reduction == "sum":
        loss = loss.sum()
    elif reduction == "mean":
        loss = loss.sum() / loss.numel()
    elif reduction != "none":
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return loss.to(dtype)


def mse_loss(x, t, reduction="mean"):
    d = x - t
    return _reduce(d * d, reduction, d.dtype)


def smooth_l1_loss(x, t, reduction="mean", beta=1.0):
    d = (x - t).abs()
    loss = (0.5 * d * d / beta).where(d < beta, d - 0.5 * beta) if beta > 0 else d
    return _reduce(loss, reduction, x.dtype)


def huber_loss(x, t, reduction="mean", delta=1.0):
    d = (x - t).abs()
    return _reduce((0.5 * d * d).where(d < delta, delta * (d - 0.5 * delta)), reduction, x.dtype)


def binary_cross_entropy(x, t, w=None, reduction="mean"):
    # PyTorch clamps each log at -100 so that x = 0 or 1 gives a finite loss
    loss = -(t * x.log().clamp_min(-100) + (1 - t) * (-x).log1p().clamp_min(-100))
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction, x.dtype)


def binary_cross_entropy_with_logits(x, t, w=None, pw=None, reduction="mean"):
    sp = _softplus0(-x)
    loss = (1 - t) * x + ((1 + (pw - 1) * t) * sp if pw is not None else sp)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction, x.dtype)


def soft_margin_loss(x, t, reduction="mean"):
    return _reduce(_softplus0(-t * x), reduction, x.dtype)


def nll_loss(x, t, w=None, reduction="mean", ignore_index=-100):
    c = x.shape[1] if x.dim() > 1 else x.shape[0]
    x2 = x.movedim(1, -1).reshape(-1, c) if x.dim() > 1 else x.reshape(1, c)
    tf = t.reshape(-1).long()
    mask = tf != ignore_index
    safe = tf * mask  # ignored targets pick class 0, then get weight 0
    picked = x2.gather(1, safe.unsqueeze(1)).squeeze(1)
    ww = (w.index_select(0, safe) if w is not None else x2.new_ones(())) * mask
    losses = -ww * picked
    if reduction == "none":
        return losses.reshape(t.shape)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / ww.sum()


# ------------------------------------------------------------------------------ embedding, pad
def embedding(weight, indices, padding_idx=None, scale_grad_by_freq=False):
    flat = indices.reshape(-1)
    rows = weight.index_select(0, flat)
    if scale_grad_by_freq:
        # forward unchanged (the difference term is exactly 0); backward divided by how often
        # each index occurs in the batch
        counts = weight.new_zeros((weight.shape[0],)).index_add(
            0, flat, weight.new_ones(tuple(flat.shape)))
        rows = rows.detach() + (rows - rows.detach()) / counts[flat].unsqueeze(1)
    if padding_idx is not None:
        # rows at padding_idx keep their value but pass no gradient to the weight
        keep = (indices.reshape(-1) != padding_idx).unsqueeze(1)
        rows = rows.where(keep, rows.detach())
    return rows.reshape(tuple(indices.shape) + (weight.shape[1],))


def constant_pad_nd(x, pad, value=0):
    """Negative widths crop (narrow); positive ones concatenate blocks filled with ``value``."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    orig = x
    for i in range(len(pad) // 2):
        d = x.dim() - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        lo, hi = max(-before, 0), max(-after, 0)
        if lo or hi:
            x = x.narrow(d, lo, x.shape[d] - lo - hi)
        parts = []
        for width in (before, after):
            shape = list(x.shape)
            shape[d] = max(width, 0)
            parts.append(x.new_full(shape, value) if width > 0 else None)
        seq = [p for p in (parts[0], x, parts[1]) if p is not None]
        if len(seq) > 1:
            x = cat(seq, d)
    return x.clone() if x is orig else x  # a new tensor, never the input itself


DECOMPS = {
    "gelu": gelu, "silu": silu, "mish": mish, "leaky_relu": leaky_relu, "elu": elu,
    "softplus": softplus, "hardtanh": hardtanh, "hardswish": hardswish,
    "hardsigmoid": hardsigmoid, "log_sigmoid": log_sigmoid, "softshrink": softshrink,
    "hardshrink": hardshrink, "threshold": threshold, "glu": glu, "prelu": prelu,
    "softmax": softmax, "log_softmax": log_softmax, "linear": linear,
    "batch_norm": batch_norm, "layer_norm": layer_norm, "group_norm": group_norm,
    "mse_loss": mse_loss, "smooth_l1_loss": smooth_l1_loss, "huber_loss": huber_loss,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "soft_margin_loss": soft_margin_loss, "nll_loss": nll_loss, "embedding": embedding,
    "constant_pad_nd": constant_pad_nd,
}


def attach(table):
    """Set ``decomp`` on each named registry op."""
    for name, fn in table.items():
        get(name).decomp = fn


attach(DECOMPS)
from . import decomp_math, decomp_spatial  # noqa: E402,F401 - attach theirs too
from . import decomp_extra  # noqa: E402,F401 - transposed conv, adaptive pools, upsample, ...
