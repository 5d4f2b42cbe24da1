"""torch.distributions.NegativeBinomial."""
from __future__ import annotations

import graphtorch as torch
import graphtorch.nn.functional as F

from ._param import BinaryProbsLogits, expand_probs_logits, set_count_and_probs_or_logits
from . import constraints
from .distribution import Distribution
from .gamma import Gamma

__all__ = ["NegativeBinomial"]


class NegativeBinomial(BinaryProbsLogits, Distribution):
    """Number of successes before ``total_count`` failures, success probability ``probs``.

    Args:
        total_count (float or Tensor): non-negative number of failures to stop at.
        probs (Tensor): success probabilities in [0, 1).
        logits (Tensor): success log-odds (exactly one of probs/logits).
    """

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        set_count_and_probs_or_logits(self, total_count, probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(NegativeBinomial, _instance)
        batch_shape = torch.Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        expand_probs_logits(self, new, batch_shape)
        super(NegativeBinomial, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.total_count * torch.exp(self.logits)

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / torch.sigmoid(-self.logits)

    @property
    def param_shape(self):
        return self._param.size()

    def sample(self, sample_shape=torch.Size()):
        # a Gamma-Poisson mixture
        with torch.no_grad():
            rate = Gamma(concentration=self.total_count, rate=torch.exp(-self.logits),
                         validate_args=False).sample(sample_shape)
            shape = tuple(rate.shape)
            return torch.poisson(rate.reshape(-1)).reshape(shape)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized_prob = (self.total_count * F.logsigmoid(-self.logits)
                                 + value * F.logsigmoid(self.logits))
        log_normalization = (-torch.lgamma(self.total_count + value)
                             + torch.lgamma(1.0 + value) + torch.lgamma(self.total_count))
        # total_count + value == 0 is the certain outcome of a degenerate distribution
        zero = (self.total_count + value) == 0.0
        log_normalization = torch.where(zero, torch.zeros_like(log_normalization),
                                        log_normalization)
        return log_unnormalized_prob - log_normalization
