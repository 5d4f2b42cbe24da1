"""F.pad, F.embedding, F.one_hot, F.normalize and the dropout family."""
from __future__ import annotations

import numpy as np

from ..eager.dispatch import call
from ..eager.grad_mode import no_grad
from ..eager.tensor import wrap
from ..ops import dtypes as D
from ..ops import registry as R


def _index_map(mode, size, a, b, dim, ndim):
    if mode == "reflect":
        if a >= size or b >= size:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({a}, {b}) at dimension "
                               f"{dim} of input {ndim}")
        return list(range(a, 0, -1)) + list(range(size)) + list(range(size - 2, size - 2 - b, -1))
    if mode == "replicate":
        return [0] * a + list(range(size)) + [size - 1] * b
    if mode == "circular":
        if a > size or b > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        return [i % size for i in range(-a, size + b)]
    raise NotImplementedError(f"Unrecognised padding mode {mode}")


def pad(input, pad, mode: str = "constant", value=None):
    """Pad the last len(pad)//2 dims: pad = (left_last, right_last, left_prev, right_prev, ...).

    Modes: 'constant' (``value``, default 0), 'reflect', 'replicate', 'circular'."""
    pad = tuple(int(p) for p in pad)
    if mode == "constant":
        return call(R.get("constant_pad_nd"), input, pad=pad, value=0 if value is None else value)
    if value is not None and value != 0:
        raise AssertionError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    n = len(pad) // 2
    if input.dim() not in (n + 1, n + 2) or n > 3:
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for i in range(n):
        dim = input.dim() - 1 - i
        a, b = pad[2 * i], pad[2 * i + 1]
        if a == 0 and b == 0:
            continue
        idx = _index_map(mode, input.shape[dim], a, b, dim, list(input.shape))
        out = out.index_select(dim, wrap(np.asarray(idx, dtype=np.int64)))
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` selected by the integer tensor ``input``."""
    if padding_idx is not None:
        n = weight.shape[0]
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % n
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    attrs = {} if padding_idx is None else {"padding_idx": padding_idx}
    if scale_grad_by_freq:
        attrs["scale_grad_by_freq"] = True
    if sparse:  # weight.grad will be a sparse COO tensor
        from ..sparse._embedding import embedding_sparse
        return embedding_sparse(weight, input, padding_idx, scale_grad_by_freq)
    return call(R.get("embedding"), weight, input, **attrs)


def _renorm_rows(weight, input, max_norm, norm_type):
    """Rescale (in place) the referenced rows whose norm exceeds ``max_norm``."""
    with no_grad():
        w = weight.detach().numpy()
        rows = np.unique(input.detach().numpy().reshape(-1))
        norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        w[rows] = (w[rows] * scale[:, None]).astype(w.dtype)
        weight._vc[0] += 1


def one_hot(tensor, num_classes: int = -1):
    """(..., num_classes) int64 one-hot encoding of a LongTensor of class indices.

    Built from ops (a compare against ``arange``), so a trace records it.  While tracing the
    range checks are skipped (they would become data guards on every call, with a guard error
    in place of this function's own); ``num_classes=-1`` reads the data, which the trace
    records as a guard."""
    from ..jit import is_tracing
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    nonempty = tensor.numel() > 0
    check = not is_tracing() and nonempty
    if check and bool((tensor < 0).any()):
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not nonempty:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max()) + 1
    elif check and bool((tensor >= num_classes).any()):
        raise RuntimeError("Class values must be smaller than num_classes.")
    classes = call(R.get("arange"), start=0, end=num_classes, step=1, dtype=D.int64)
    return (tensor.unsqueeze(-1) == classes).to(D.int64)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    r = input / denom
    return r if out is None else out.copy_(r)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout(input, p, training, inplace, batched_dims):
    _check_p(p)
    if not training or p == 0:
        return input
    shape = list(input.shape[:batched_dims]) + [1] * (input.dim() - batched_dims)
    mask = input.new_empty(shape).bernoulli_(1 - p)
    mask = mask / (1 - p) if p < 1 else mask * 0
    return input.mul_(mask) if inplace else input * mask


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) / (C, L) inputs."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an optional "
                           "batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, input.dim() - 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) inputs."""
    return _feature_dropout(input, p, training, inplace, 2 if input.dim() == 4 else 1)


def dropout3d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 2 if input.dim() == 5 else 1)


_ALPHA = 1.7580993408473766  # -SELU scale * alpha: the value dropped units are set to


def _alpha_dropout(input, p, training, feature):
    _check_p(p)
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0
    keep = 1 - p
    shape = (list(input.shape[:2]) + [1] * (input.dim() - 2)) if feature else list(input.shape)
    mask = input.new_empty(shape).bernoulli_(keep)
    a = (keep + _ALPHA ** 2 * keep * p) ** -0.5
    # kept: x * a + alpha * a * p; dropped: -alpha * a * (1 - p)
    return input * (mask * a) + (mask - 1) * (_ALPHA * a) + _ALPHA * a * p


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps the self-normalizing property of SELU networks."""
    out = _alpha_dropout(input, p, training, False)
    return input.copy_(out) if inplace and out is not input else out


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    out = _alpha_dropout(input, p, training, True)
    return input.copy_(out) if inplace and out is not input else out


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Samples from the Gumbel-softmax distribution over ``dim``.

    Args:
        tau: the temperature.
        hard: return one-hot vectors whose gradient is the soft sample's
            (straight-through estimator).
    """
    gumbels = -logits.detach().new_empty(logits.shape).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = logits.new_zeros(logits.shape).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
