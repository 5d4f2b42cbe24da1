"""KL(p || q) pairs involving ContinuousBernoulli and LowRankMultivariateNormal (registered
into kl.py, as torch registers them).

ContinuousBernoulli pairs are -H(p) - E_p[log q(x)], using that both densities are linear
in x (or x^2) in the log domain; the support tests for Uniform follow torch's (which
returns inf unless the uniform interval strictly contains [0, 1], or for Uniform || CB
lies strictly inside it).  Gaussian pairs use the dense Cholesky factors, so one formula
serves MultivariateNormal and its low-rank form."""
from __future__ import annotations

import math

import graphtorch as torch

from .beta import Beta
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .kl import register_kl
from .kl_cross import _kl_infinity
from .laplace import Laplace
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform

for _p in (Exponential, Gamma, Gumbel, Laplace, Normal, Pareto):
    register_kl(_p, ContinuousBernoulli)(_kl_infinity)
register_kl(ContinuousBernoulli, Pareto)(_kl_infinity)


def _inf_where(cond, value):
    return torch.where(cond, torch.full_like(value, float("inf")), value)


def _cb_expected_log_prob(q, mean):
    """E[log q(x)] for a ContinuousBernoulli q under any p with E[x] = ``mean``."""
    return mean * q.probs.log() + (1 - mean) * torch.log1p(-q.probs) + q._cont_bern_log_norm()


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_cb_cb(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + torch.log1p(-p.probs)
    t3 = -q._cont_bern_log_norm() - torch.log1p(-q.probs)
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Exponential)
def _kl_cb_exponential(p, q):
    return -p.entropy() - torch.log(q.rate) + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_cb_normal(p, q):
    t1 = -p.entropy()
    t2 = 0.5 * (math.log(2.0 * math.pi) + torch.square(q.loc / q.scale)) + torch.log(q.scale)
    t3 = (p.variance + torch.square(p.mean) - 2.0 * q.loc * p.mean) / (2.0 * torch.square(q.scale))
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_cb_uniform(p, q):
    result = -p.entropy() + torch.log(q.high - q.low)
    return _inf_where((q.low >= 0) | (q.high <= 1), result)


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_cb(p, q):
    return -p.entropy() - _cb_expected_log_prob(q, p.mean)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_cb(p, q):
    result = -p.entropy() - _cb_expected_log_prob(q, p.mean)
    return _inf_where((p.high >= 1) | (p.low <= 0), result)


def _kl_gaussians(p, q):
    """KL between two (low-rank) multivariate normals via their Cholesky factors."""
    n = p.event_shape[0]
    batch = torch.broadcast_shapes(p.batch_shape, q.batch_shape)
    p_tril = p.scale_tril.expand(tuple(batch) + (n, n))
    q_tril = q.scale_tril.expand(tuple(batch) + (n, n))
    log_det_ratio = (q_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
                     - p_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1))
    trace = torch.linalg.solve_triangular(q_tril, p_tril, upper=False).pow(2).sum((-2, -1))
    maha = _batch_mahalanobis(q_tril, q.loc - p.loc)
    return log_det_ratio + 0.5 * (trace + maha - n)


def _check_events(p, q, what):
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two {what} with different event shapes "
                         "cannot be computed")


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p, q):
    _check_events(p, q, "Low Rank Multivariate Normals")
    return _kl_gaussians(p, q)


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p, q):
    _check_events(p, q, "(Low Rank) Multivariate Normals")
    return _kl_gaussians(p, q)


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p, q):
    _check_events(p, q, "(Low Rank) Multivariate Normals")
    return _kl_gaussians(p, q)
