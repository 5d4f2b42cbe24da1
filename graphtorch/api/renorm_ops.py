"""torch.renorm: rescale the slices of a tensor whose p-norm exceeds ``maxnorm`` (a composite
of differentiable ops, so its gradient matches torch's, which also flows through the norm)."""
from __future__ import annotations

from ._bind import both, tensor_method


def _renorm_factor(input, p, dim, maxnorm):
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           "dimensions")
    dim = dim % input.ndim
    others = [d for d in range(input.ndim) if d != dim]
    from ..linalg import vector_norm
    norm = vector_norm(input, p, dim=others, keepdim=True)
    # torch divides by norm + 1e-7 and leaves slices within the bound untouched
    scale = (maxnorm / (norm + 1e-7)).to(input.dtype)
    return scale.where(norm > maxnorm, scale.new_ones(()))


@both
def renorm(input, p, dim, maxnorm, *, out=None):
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` is scaled down to
    norm ``maxnorm``."""
    res = input * _renorm_factor(input, p, dim, maxnorm)
    if out is not None:
        from ._util import write_out
        return write_out(res, out)
    return res


@tensor_method
def renorm_(self, p, dim, maxnorm):
    """In-place :func:`renorm`; like torch's, its gradient also flows through the norm."""
    from ..eager.grad_mode import is_grad_enabled, no_grad
    if self.requires_grad and is_grad_enabled():
        # the factor reads the old values: compute out of place, then write back
        return self.copy_(renorm(self.clone(), p, dim, maxnorm))
    with no_grad():
        factor = _renorm_factor(self, p, dim, maxnorm)
    return self.mul_(factor)
