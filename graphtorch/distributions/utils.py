"""torch.distributions.utils: argument broadcasting, probs/logits conversion, lazy properties."""
from __future__ import annotations

import numbers
from functools import update_wrapper

import graphtorch as torch

__all__ = ["broadcast_all", "clamp_probs", "euler_constant", "lazy_property", "logits_to_probs",
           "probs_to_logits", "tril_matrix_to_vec", "vec_to_tril_matrix"]

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def broadcast_all(*values):
    """Broadcast numbers and tensors to one shape; numbers take the first tensor's dtype.

    Raises ValueError for an argument that is neither a number nor a tensor."""
    for v in values:
        if not isinstance(v, (torch.Tensor, numbers.Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number, "
                             "torch.Tensor or objects implementing __torch_function__.")
    if not any(isinstance(v, torch.Tensor) for v in values):
        dt = torch.get_default_dtype()
        return tuple(torch.tensor(float(v), dtype=dt) for v in values)
    like = next(v for v in values if isinstance(v, torch.Tensor))
    vals = [v if isinstance(v, torch.Tensor) else
            torch.tensor(v, dtype=like.dtype, device=like.device) for v in values]
    return tuple(torch.broadcast_tensors(*vals))


def _standard_normal(shape, dtype, device):
    """Standard normal samples of ``shape`` from the default generator."""
    return torch.randn(tuple(shape), dtype=dtype, device=device)


def _sum_rightmost(value, dim: int):
    """Sum out the ``dim`` right-most dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary: bool = False):
    """Probabilities from logits: sigmoid when binary, else softmax over the last dim."""
    if is_binary:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp probabilities to [eps, 1 - eps] of their dtype (keeps logs finite)."""
    eps = torch.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary: bool = False):
    """Logits from probabilities: log-odds when binary, else log-probabilities."""
    ps = clamp_probs(probs)
    if is_binary:
        return torch.log(ps) - torch.log1p(-ps)
    return torch.log(ps)


class lazy_property:
    """A property computed once per instance on first access, then stored in its __dict__.

    Computed with gradients enabled, so a lazily derived parameter stays differentiable."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with torch.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a lazy_property looks like on the class (so property introspection works)."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag: int = 0):
    """The lower triangle (from diagonal ``diag``) of a batch of square matrices as vectors."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = torch.tril_indices(n, n, offset=diag).unbind(0)
    return mat[..., rows, cols]


def vec_to_tril_matrix(vec, diag: int = 0):
    """Inverse of tril_matrix_to_vec: fill a lower-triangular matrix from vectors."""
    m = vec.shape[-1]
    # solve n(n+1)/2 + (n - |diag|)... for n: the matrix side from the vector length
    n = int((-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5)
            / 2 + 1e-9)
    rows, cols = torch.tril_indices(n, n, offset=diag).unbind(0)
    out = torch.zeros(tuple(vec.shape[:-1]) + (n, n), dtype=vec.dtype, device=vec.device)
    out[..., rows, cols] = vec
    return out


def _fmt(t):
    """A parameter as torch's Distribution repr prints it (a 0-dim tensor as its item)."""
    if t.dim() == 0:
        return str(t.item())
    return str(t)
