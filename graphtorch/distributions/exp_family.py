"""torch.distributions.exp_family.ExponentialFamily: entropy via the Bregman divergence."""
from __future__ import annotations

import graphtorch as torch

from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Base class for exponential-family distributions, p(x) = h(x) exp(<t(x), theta> - F(theta)).

    Subclasses provide ``_natural_params``, ``_log_normalizer`` and ``_mean_carrier_measure``;
    the generic entropy and same-family KL divergence follow from them by autograd."""

    @property
    def _natural_params(self):
        """The natural parameters theta, as a tuple of tensors."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        """The log normalizer F(theta)."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        """E[log h(x)]."""
        raise NotImplementedError

    def entropy(self):
        """Entropy via the Bregman divergence of the log normalizer."""
        result = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = torch.autograd.grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for nparam, grad in zip(nparams, gradients):
            result = result - (nparam * grad).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result
