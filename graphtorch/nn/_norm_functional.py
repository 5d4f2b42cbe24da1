"""F.batch_norm, F.instance_norm, F.layer_norm, F.group_norm over the normalization ops."""
from __future__ import annotations

from ..eager.dispatch import call
from ..eager.grad_mode import no_grad
from ..ops import registry as R

_bn, _ln, _gn = R.get("batch_norm"), R.get("layer_norm"), R.get("group_norm")


def _check_batch(input):
    size = 1
    for i, s in enumerate(input.shape):
        if i != 1:
            size *= s
    if size == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{input.shape}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize over the batch (and spatial) dims per channel; in training, update the running
    statistics in place with ``momentum``."""
    if training:
        _check_batch(input)
        y, mean, var = call(_bn, input, weight, bias, None, None, training=True, eps=eps)
        if running_mean is not None or running_var is not None:
            n = input.numel() // input.shape[1]
            with no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(mean * momentum)
                if running_var is not None:
                    running_var.mul_(1 - momentum).add_(var * momentum * n / max(n - 1, 1))
        return y
    return call(_bn, input, weight, bias, running_mean, running_var, training=False, eps=eps)[0]


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each (sample, channel) plane: batch_norm over a (1, N*C, ...) view."""
    n, c = input.shape[:2]
    x = input.reshape((1, n * c) + tuple(input.shape[2:]))
    rm = running_mean.repeat(n) if running_mean is not None else None
    rv = running_var.repeat(n) if running_var is not None else None
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    out = batch_norm(x, rm, rv, w, b, use_input_stats, momentum, eps)
    if running_mean is not None and use_input_stats:
        with no_grad():
            running_mean.copy_(rm.view(n, c).mean(0))
            running_var.copy_(rv.view(n, c).mean(0))
    return out.view(input.shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing ``normalized_shape`` dims."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    return call(_ln, input, weight, bias, normalized_shape=tuple(normalized_shape), eps=eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize over groups of channels (and spatial dims)."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    return call(_gn, input, weight, bias, num_groups=num_groups, eps=eps)
