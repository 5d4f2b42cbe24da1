"""The nn functions PyTorch also exposes in the torch namespace and as Tensor methods
(torch.softmax, Tensor.log_softmax, torch.cdist, torch.conv2d, ...)."""
from __future__ import annotations

from ._bind import both, torch_function


def _F():
    from ..nn import functional
    return functional


@both
def softmax(input, dim, dtype=None):
    """softmax along ``dim`` (torch.softmax / Tensor.softmax)."""
    return _F().softmax(input, dim, dtype=dtype)


@both
def log_softmax(input, dim, dtype=None):
    return _F().log_softmax(input, dim, dtype=dtype)


@torch_function
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M)."""
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values")
    from ..amp.autocast_mode import fp32
    x1, x2 = fp32(x1, x2)
    return (x1.unsqueeze(-2) - x2.unsqueeze(-3)).norm(p, -1)


@torch_function
def pdist(input, p=2):
    """Distances between all pairs of rows (the upper triangle, row-major), shape N*(N-1)/2.

    The differences are taken pair by pair (not from cdist's full matrix: its zero diagonal
    would put 0/0 into the gradient)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.is_floating_point():
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    if n < 2:
        return (input[:0, 0] * 0).reshape(0)
    from .. import triu_indices
    i, j = triu_indices(n, n, 1)
    return (input[i] - input[j]).norm(p, -1)


def _forward(name):
    def f(*args, **kwargs):
        return getattr(_F(), name)(*args, **kwargs)
    f.__name__ = name
    f.__doc__ = f"torch.{name}: see torch.nn.functional.{name}."
    return f


for _name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "layer_norm", "group_norm", "batch_norm", "instance_norm",
              "embedding", "embedding_bag", "pixel_shuffle", "pixel_unshuffle",
              "channel_shuffle", "cosine_similarity", "pairwise_distance", "prelu", "selu",
              "celu", "rrelu", "hardshrink", "max_pool1d", "max_pool2d", "max_pool3d",
              "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "bilinear",
              "kl_div", "binary_cross_entropy_with_logits", "ctc_loss", "hinge_embedding_loss",
              "margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss",
              "poisson_nll_loss", "alpha_dropout", "feature_alpha_dropout", "dropout",
              "native_channel_shuffle"):
    torch_function(_forward(_name), name=_name)
