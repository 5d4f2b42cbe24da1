"""torch.nn.functional (core subset so far): linear, activations, softmax family, dropout and
the classification/regression losses.  Ops with their own grad nodes live in graphtorch/ops/nn_*;
the rest is composed from registry ops exactly where PyTorch composes them."""
from __future__ import annotations

import warnings

from ..eager.dispatch import call
from ..eager.tensor import Tensor
from ..ops import registry as R

_linear, _softmax, _log_softmax, _nll, _mse = (
    R.get(n) for n in ("linear", "softmax", "log_softmax", "nll_loss", "mse_loss"))


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='mean' instead." if (size_average in (None, True) and
                                                   reduce in (None, True)) else
                  "size_average and reduce args will be deprecated, please use "
                  "reduction='sum' instead." if reduce in (None, True) else
                  "size_average and reduce args will be deprecated, please use "
                  "reduction='none' instead.", stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias."""
    return call(_linear, input, weight, bias) if bias is not None else \
        call(_linear, input, weight)


def relu(input, inplace: bool = False):
    return input.relu_() if inplace else input.relu()


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    return call(_softmax, input, dim=dim, dtype=dtype) if dtype is not None else \
        call(_softmax, input, dim=dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    return softmax(-input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) computed stably along ``dim``."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    return call(_log_softmax, input, dim=dim, dtype=dtype) if dtype is not None else \
        call(_log_softmax, input, dim=dim)


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training only)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input.mul_(0) if inplace else input * 0
    mask = input.new_empty(input.shape).bernoulli_(1 - p) / (1 - p)
    return input.mul_(mask) if inplace else input * mask


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean"):
    """Negative log likelihood of ``target`` class indices under log-probabilities ``input``."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    args = (input, target) if weight is None else (input, target, weight)
    return call(_nll, *args, reduction=reduction, ignore_index=ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0):
    """Cross entropy between logits ``input`` and class indices or class probabilities."""
    from ..amp.autocast_mode import fp32
    input, target = fp32(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    logp = log_softmax(input, 1 if input.dim() > 1 else 0)
    cdim = 1 if input.dim() > 1 else 0
    C = input.shape[cdim]
    if target.is_floating_point():  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"Expected target size {list(input.shape)}, got "
                               f"{list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / C
        prod = logp * target
        if weight is not None:
            prod = prod * weight.reshape([C] + [1] * (input.dim() - cdim - 1))
        loss = -prod.sum(cdim)
        if reduction == "none":
            return loss
        if reduction == "sum":
            return loss.sum()
        return loss.sum() / (input.numel() // C if input.dim() > 1 else 1)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0:
        return nll
    return (1 - label_smoothing) * nll + label_smoothing * _smooth_loss(
        logp, target, weight, ignore_index, reduction, C, cdim)


def _smooth_loss(logp, target, weight, ignore_index, reduction, C, cdim):
    wshape = [C] + [1] * (logp.dim() - cdim - 1)
    per = -(logp * weight.reshape(wshape)).sum(cdim) if weight is not None else -logp.sum(cdim)
    keep = target != ignore_index
    per = per * keep
    if reduction == "none":
        return per / C
    if reduction == "sum":
        return per.sum() / C
    if weight is not None:
        denom = (weight[target * keep] * keep).sum()
    else:
        denom = keep.sum()
    return per.sum() / denom / C


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None):
    """Mean squared error (squared L2) between ``input`` and ``target``."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return call(_mse, input, target, reduction=reduction)


from ._act_functional import *  # noqa: E402,F401,F403
from ._act_functional import (celu, elu, gelu, glu, hardshrink, hardsigmoid,  # noqa: E402,F401
                              hardswish, hardtanh, leaky_relu, logsigmoid, mish, prelu, relu6,
                              rrelu, selu, sigmoid, silu, softplus, softshrink, softsign, tanh,
                              tanhshrink, threshold)
from ._attention_functional import (multi_head_attention_forward,  # noqa: E402,F401
                                    scaled_dot_product_attention)
from ._conv_functional import conv1d, conv2d, conv3d  # noqa: E402
from ..api.nn_namespace import pdist  # noqa: E402,F401 - torch.pdist is also F.pdist
from ._extra_functional import (embedding_bag, local_response_norm,  # noqa: E402,F401
                                multi_margin_loss, multilabel_margin_loss, rms_norm)
from ._loss_functional import (binary_cross_entropy,  # noqa: E402,F401
                               binary_cross_entropy_with_logits, bilinear, cosine_embedding_loss, ctc_loss,
                               cosine_similarity, gaussian_nll_loss, hinge_embedding_loss,
                               huber_loss, kl_div, l1_loss, margin_ranking_loss,
                               multilabel_soft_margin_loss, pairwise_distance, poisson_nll_loss,
                               smooth_l1_loss, soft_margin_loss, triplet_margin_loss,
                               triplet_margin_with_distance_loss)
from ._misc_functional import (alpha_dropout, dropout1d, dropout2d, dropout3d,  # noqa: E402,F401
                               embedding, feature_alpha_dropout, gumbel_softmax, normalize,
                               one_hot, pad)
from ._norm_functional import batch_norm, group_norm, instance_norm, layer_norm  # noqa: E402,F401
from ._pool_functional import (adaptive_avg_pool1d, adaptive_avg_pool2d,  # noqa: E402,F401
                               adaptive_avg_pool3d, avg_pool1d, avg_pool2d, avg_pool3d,
                               max_pool1d, max_pool2d, max_pool3d)
from ._spatial_functional import (  # noqa: E402,F401 - adaptive_max_pool* with return_indices
    adaptive_max_pool1d, adaptive_max_pool1d_with_indices, adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices, adaptive_max_pool3d, adaptive_max_pool3d_with_indices,
    affine_grid, channel_shuffle, conv_transpose1d, conv_transpose2d, conv_transpose3d, fold,
    fractional_max_pool2d, fractional_max_pool2d_with_indices, fractional_max_pool3d,
    fractional_max_pool3d_with_indices, grid_sample, interpolate, lp_pool1d, lp_pool2d,
    lp_pool3d, max_unpool1d, max_unpool2d, max_unpool3d, native_channel_shuffle, pixel_shuffle,
    pixel_unshuffle, unfold, upsample, upsample_bilinear, upsample_nearest)

__all__ = ["conv1d", "conv2d", "conv3d", "linear", "relu", "softmax", "softmin", "log_softmax", "dropout", "nll_loss",
           "cross_entropy", "mse_loss"]
del Tensor
