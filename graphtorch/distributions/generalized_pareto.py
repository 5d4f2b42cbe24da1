"""torch.distributions.GeneralizedPareto."""
from __future__ import annotations

from numbers import Number

import graphtorch as torch

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """Generalized Pareto distribution with ``loc``, ``scale`` and shape ``concentration``
    (xi).  The support is [loc, inf) for xi >= 0 and [loc, loc - scale / xi] for xi < 0;
    xi = 0 is the exponential distribution shifted to ``loc``.

    Args:
        loc (float or Tensor): location parameter.
        scale (float or Tensor): scale parameter (positive).
        concentration (float or Tensor): shape parameter (xi).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive,
                       "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        scalar = all(isinstance(v, Number) for v in (loc, scale, concentration))
        batch_shape = torch.Size() if scalar else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = torch.Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        super(GeneralizedPareto, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _xi(self):
        """(xi == 0 mask, xi with zeros replaced by 1): the xi != 0 branch then stays
        finite (and its gradient too) where the xi == 0 branch is selected."""
        zero = self.concentration.abs() <= 1e-8  # torch.isclose(xi, 0) with its default atol
        return zero, torch.where(zero, torch.ones_like(self.concentration), self.concentration)

    def _z(self, x):
        return (x - self.loc) / self.scale

    def rsample(self, sample_shape=torch.Size()):
        shape = tuple(self._extended_shape(sample_shape))
        u = torch.rand(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(u)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        zero, xi = self._xi()
        general = -(1 / xi + 1) * torch.log1p(xi * z)
        return -self.scale.log() + torch.where(zero, -z, general)

    def log_survival_function(self, value):
        """log P(X > value)."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        zero, xi = self._xi()
        return torch.where(zero, -z, -torch.log1p(xi * z) / xi)

    def log_cdf(self, value):
        """log P(X <= value)."""
        return torch.log1p(-torch.exp(self.log_survival_function(value)))

    def cdf(self, value):
        return torch.exp(self.log_cdf(value))

    def icdf(self, value):
        zero, xi = self._xi()
        log_sf = torch.log1p(-value)
        general = torch.expm1(-xi * log_sf) / xi
        return self.loc + self.scale * torch.where(zero, -log_sf, general)

    @property
    def mean(self):
        xi = self.concentration
        result = self.loc + self.scale / (1 - xi)
        return torch.where(xi < 1, result, torch.full_like(result, float("nan")))

    @property
    def variance(self):
        xi = self.concentration
        result = self.scale.pow(2) / ((1 - xi).pow(2) * (1 - 2 * xi))
        return torch.where(xi < 0.5, result, torch.full_like(result, float("nan")))

    @property
    def mode(self):
        return self.loc

    def entropy(self):
        return torch.log(self.scale) + self.concentration + 1

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        xi = self.concentration
        safe_xi = torch.where(xi < 0, xi, -torch.ones_like(xi))  # no 1/0 in the unused branch
        upper = torch.where(xi < 0, self.loc - self.scale / safe_xi,
                            torch.full_like(self.loc, float("inf")))
        return constraints.interval(self.loc, upper)
