"""torch.distributions.LKJCholesky."""
from __future__ import annotations

import math

import graphtorch as torch

from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


def _mvlgamma(a, p):
    """log of the multivariate gamma function Gamma_p(a)."""
    result = p * (p - 1) / 4 * math.log(math.pi)
    for j in range(p):
        result = result + torch.lgamma(a - j / 2)
    return result


class LKJCholesky(Distribution):
    """LKJ distribution over Cholesky factors of ``dim`` x ``dim`` correlation matrices:
    the correlation matrix has density proportional to ``det(M)^(concentration - 1)``.

    Sampling uses the onion method (Lewandowski et al., 2009; Ghosh & Henderson, 2003):
    each row is a Beta-distributed radius times a uniform direction.

    Args:
        dim (int): dimension of the matrices.
        concentration (float or Tensor): concentration/shape parameter (positive).
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. "
                             f"Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        event_shape = torch.Size((dim, dim))
        # onion method: the squared off-diagonal norm of row i >= 1 is
        # Beta(i/2, c + (dim - 1 - i)/2).  torch 2.13 uses i - 1/2 as the first parameter,
        # which only agrees for i = 1: its rows >= 2 are too far from the diagonal (for
        # dim=3, c=2 the sampled var(corr[0, 2]) is 0.21, not the LKJ value 1/6 that
        # log_prob and this sampler give)
        marginal = self.concentration + 0.5 * (self.dim - 2)
        offset = torch.arange(self.dim - 1, dtype=self.concentration.dtype,
                              device=self.concentration.device)
        offset = torch.cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(0.5 * offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = torch.Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        super(LKJCholesky, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=torch.Size()):
        with torch.no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            shape = tuple(self._extended_shape(sample_shape))
            u = torch.randn(shape, dtype=y.dtype, device=y.device).tril(-1)
            u = u / u.norm(dim=-1, keepdim=True).clamp(min=torch.finfo(y.dtype).tiny)
            u[..., 0, :] = 0.0  # the first row is e_1
            w = torch.sqrt(y) * u
            tiny = torch.finfo(w.dtype).tiny
            diag = torch.clamp(1 - torch.sum(w ** 2, dim=-1), min=tiny).sqrt()
            return w + torch.diag_embed(diag)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = torch.arange(2, self.dim + 1, dtype=value.dtype, device=value.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = torch.sum(order * torch.log(diag), dim=-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        # log of the normalizer (Lewandowski et al. 2009, eq. 16)
        normalizer = (0.5 * dm1 * math.log(math.pi) + _mvlgamma(alpha - 0.5, dm1)
                      - torch.lgamma(alpha) * dm1)
        return unnormalized - normalizer
