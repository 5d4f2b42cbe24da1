"""clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_."""
from __future__ import annotations

import math

from ...eager.grad_mode import no_grad
from ...eager.sparse_tensor import sparse_error
from ...eager.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _refuse_sparse(tensors, op):
    """torch 2.13 computes these with dense-only kernels: a sparse gradient raises."""
    for t in tensors:
        if t.is_sparse:
            raise sparse_error(op)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    import graphtorch
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    _refuse_sparse(tensors, "linalg_vector_norm")
    norm_type = float(norm_type)
    if not tensors:
        return graphtorch.tensor(0.0)
    with no_grad():
        if norm_type == math.inf:
            total = graphtorch.stack([t.detach().abs().max() for t in tensors]).max()
        else:
            total = graphtorch.stack([t.detach().norm(norm_type) for t in tensors]).norm(norm_type)
    if error_if_nonfinite and not bool(total.isfinite()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and "
                           "scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    grads = _grads(parameters)
    coef = (float(max_norm) / (float(total_norm) + 1e-6))
    if coef < 1:
        with no_grad():
            for g in grads:
                g.mul_(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale gradients so that their total ``norm_type`` norm is at most ``max_norm``; returns
    the total norm before clipping."""
    if not isinstance(parameters, Tensor):
        parameters = list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    grads = _grads(parameters)
    _refuse_sparse(grads, "clamp_")
    with no_grad():
        for g in grads:
            g.clamp_(-clip_value, clip_value)


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)
