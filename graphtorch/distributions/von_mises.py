"""torch.distributions.VonMises."""
from __future__ import annotations

import math

import graphtorch as torch

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]


def _log_i0(k):
    """log I_0(k), through the exponentially scaled Bessel function so large k stays finite."""
    return torch.special.i0e(k).log() + k


def _proposal_r(k):
    """The Best-Fisher (1979) wrapped-Cauchy envelope parameter for concentration ``k``."""
    tau = 1 + (1 + 4 * k.pow(2)).sqrt()
    rho = (tau - (2 * tau).sqrt()) / (2 * k)
    r = (1 + rho.pow(2)) / (2 * rho)
    # rho underflows for tiny k; there r ~ 1/k + k (the envelope is then nearly uniform)
    return torch.where(k < 1e-5, 1 / k + k, r)


def _rejection_sample(loc, k, r, x):
    """Best-Fisher rejection sampler: redraw until every element is accepted."""
    done = torch.zeros(x.shape, dtype=torch.bool, device=loc.device)
    while not bool(done.all()):
        u1, u2, u3 = torch.rand((3,) + tuple(x.shape), dtype=loc.dtype,
                                device=loc.device).unbind()
        z = torch.cos(math.pi * u1)
        f = (1 + r * z) / (r + z)
        c = k * (r - f)
        accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
        x = torch.where(accept & ~done, (u3 - 0.5).sign() * f.acos(), x)
        done = done | accept
    # wrap into [-pi, pi)
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """A circular von Mises distribution on angles, with density proportional to
    ``exp(concentration * cos(x - loc))``.

    Sampling is by rejection (not reparameterized); ``log_prob`` is differentiable.

    Args:
        loc (Tensor): an angle in radians.
        concentration (Tensor): concentration parameter (positive).
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        batch_shape = self.loc.shape
        super().__init__(batch_shape, torch.Size(), validate_args=validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        k = self.concentration
        return k * torch.cos(value - self.loc) - math.log(2 * math.pi) - _log_i0(k)

    @lazy_property
    def _loc(self):
        return self.loc.to(torch.float64)

    @lazy_property
    def _concentration(self):
        return self.concentration.to(torch.float64)

    @lazy_property
    def _proposal_r(self):
        # float64: the formula loses all precision for small k in float32
        return _proposal_r(self._concentration)

    def sample(self, sample_shape=torch.Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with torch.no_grad():
            x = torch.empty(shape, dtype=torch.float64, device=self.loc.device)
            k = self._concentration.expand(shape)
            r = self._proposal_r.expand(shape)
            return _rejection_sample(self._loc.expand(shape), k, r, x).to(self.loc.dtype)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(VonMises, _instance)
        batch_shape = torch.Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        super(VonMises, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """The provided mean is the circular one."""
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        """The provided variance is the circular one: 1 - I1(k) / I0(k)."""
        k = self.concentration
        return 1 - torch.special.i1e(k) / torch.special.i0e(k)
