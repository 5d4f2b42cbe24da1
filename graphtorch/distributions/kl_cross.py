"""KL(p || q) between different distribution families (registered into kl.py).

Each closed form is -H(p) - E_p[log q(x)], with p's moments; pairs where p's support is not
inside q's are infinite, as in torch."""
from __future__ import annotations

import math

import graphtorch as torch

from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .exponential import Exponential
from .gamma import Gamma
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .normal import Normal
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _infinite_batch(p):
    """A tensor of +inf over p's batch shape (p's support reaches outside q's)."""
    params = [v for v in p.__dict__.values() if isinstance(v, torch.Tensor)]
    like = params[0] if params else torch.tensor(0.0)
    return torch.full(tuple(p.batch_shape), math.inf, dtype=like.dtype, device=like.device)


def _kl_infinity(p, q):
    return _infinite_batch(p)


for _p, _qs in ((Normal, (Uniform, Gamma, Exponential, Beta)),
                (Laplace, (Uniform, Gamma, Exponential, Beta)),
                (Exponential, (Uniform, Beta)), (Gamma, (Uniform, Beta)),
                (Poisson, (Binomial, Bernoulli))):
    for _q in _qs:
        register_kl(_p, _q)(_kl_infinity)


def _neg_log_normal(q, mean, second_moment):
    """-E_p[log Normal(x; q)] given E_p[x] and E_p[x^2]."""
    var_q = q.scale.pow(2)
    return (q.scale.log() + _HALF_LOG_2PI
            + (second_moment - 2 * q.loc * mean + q.loc.pow(2)) / (2 * var_q))


def _neg_log_gamma(q, mean, mean_log):
    """-E_p[log Gamma(x; q)] given E_p[x] and E_p[log x]."""
    return (-q.concentration * q.rate.log() + q.concentration.lgamma()
            - (q.concentration - 1) * mean_log + q.rate * mean)


def _neg_log_exponential(q, mean):
    return -q.rate.log() + q.rate * mean


def _beta_moments(p):
    a, b = p.concentration1, p.concentration0
    mean = a / (a + b)
    second = p.variance + mean.pow(2)
    mean_log = torch.digamma(a) - torch.digamma(a + b)
    return mean, second, mean_log


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    mean, second, _ = _beta_moments(p)
    return -p.entropy() + _neg_log_normal(q, mean, second)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    outside = (q.low > 0) | (q.high < 1)
    return torch.where(outside, torch.full_like(result, math.inf), result)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    mean, _, _ = _beta_moments(p)
    return -p.entropy() + _neg_log_exponential(q, mean)


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    mean, _, mean_log = _beta_moments(p)
    return -p.entropy() + _neg_log_gamma(q, mean, mean_log)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    mean_log = -euler_gamma() - p.rate.log()
    return -p.entropy() + _neg_log_gamma(q, p.mean, mean_log)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    return -p.entropy() + _neg_log_normal(q, p.mean, p.variance + p.mean.pow(2))


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() + _neg_log_exponential(q, p.mean)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    return -p.entropy() + _neg_log_normal(q, p.mean, p.variance + p.mean.pow(2))


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    return -p.entropy() + _neg_log_normal(q, p.loc, p.variance + p.loc.pow(2))


def _uniform_mean_xlogx(low, high):
    """E[log x] for x ~ Uniform(low, high), 0 <= low < high."""
    return (torch.xlogy(high, high) - high - torch.xlogy(low, low) + low) / (high - low)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    result = -p.entropy() + _neg_log_exponential(q, p.mean)
    return torch.where(p.low < 0, torch.full_like(result, math.inf), result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    mean_log = _uniform_mean_xlogx(p.low.clamp(min=0), p.high)
    result = -p.entropy() + _neg_log_gamma(q, p.mean, mean_log)
    return torch.where(p.low < 0, torch.full_like(result, math.inf), result)


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    low, high = p.low.clamp(0, 1), p.high.clamp(0, 1)
    e_log_x = _uniform_mean_xlogx(low, high)
    e_log_1mx = _uniform_mean_xlogx(1 - high, 1 - low)
    a, b = q.concentration1, q.concentration0
    log_beta = a.lgamma() + b.lgamma() - (a + b).lgamma()
    result = -p.entropy() - (a - 1) * e_log_x - (b - 1) * e_log_1mx + log_beta
    outside = (p.low < 0) | (p.high > 1)
    return torch.where(outside, torch.full_like(result, math.inf), result)


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return -p.entropy() - p.probs * q.rate.log() + q.rate


def euler_gamma():
    """The Euler-Mascheroni constant."""
    return 0.57721566490153286060


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    # KL is invariant under a shared bijection: compare the base distributions
    if p.transforms != q.transforms:
        raise NotImplementedError
    if p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)
