"""torch.distributions.Kumaraswamy."""
from __future__ import annotations

import graphtorch as torch

from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .uniform import Uniform
from .utils import broadcast_all, euler_constant

__all__ = ["Kumaraswamy"]


def _moment(a, b, n):
    """E[X^n] = b * B(1 + n / a, b) for Kumaraswamy(a, b)."""
    arg = 1 + n / a
    return b * torch.exp(torch.lgamma(arg) + torch.lgamma(b) - torch.lgamma(arg + b))


class Kumaraswamy(TransformedDistribution):
    """Kumaraswamy distribution on (0, 1): ``(1 - U^(1/c0))^(1/c1)`` for ``U ~ Uniform(0, 1)``.

    Args:
        concentration1 (float or Tensor): 1st concentration (alpha, positive).
        concentration0 (float or Tensor): 2nd concentration (beta, positive).
    """

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        c0 = self.concentration0
        base = Uniform(torch.full_like(c0, 0), torch.full_like(c0, 1),
                       validate_args=validate_args)
        parts = [PowerTransform(exponent=self.concentration0.reciprocal()),
                 AffineTransform(loc=1.0, scale=-1.0),
                 PowerTransform(exponent=self.concentration1.reciprocal())]
        super().__init__(base, parts, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(batch_shape)
        new.concentration0 = self.concentration0.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return _moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        a, b = self.concentration1, self.concentration0
        # ((a - 1) / (a b - 1))^(1/a), evaluated in log space; undefined for a < 1 or b < 1
        log_mode = ((a - 1).log() - (a * b - 1).log()) / a
        log_mode = torch.where((a < 1) | (b < 1), torch.full_like(log_mode, float("nan")),
                               log_mode)
        return log_mode.exp()

    @property
    def variance(self):
        a, b = self.concentration1, self.concentration0
        return _moment(a, b, 2) - torch.pow(self.mean, 2)

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        harmonic = torch.digamma(b + 1) + euler_constant  # the harmonic number H_b
        return (1 - 1 / b) + (1 - 1 / a) * harmonic - torch.log(a) - torch.log(b)
