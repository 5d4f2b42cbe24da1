"""KL(p || q) pairs involving Gumbel, HalfNormal and Pareto (registered into kl.py).

Cross-family forms are -H(p) - E_p[log q(x)]; for a Gumbel q, E_p[exp(-x / scale)] is p's
moment generating function at -1 / scale."""
from __future__ import annotations

import math

import graphtorch as torch

from .beta import Beta
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .kl import register_kl
from .kl_cross import _kl_infinity, _neg_log_exponential, _neg_log_gamma, _neg_log_normal
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform

for _p, _qs in ((Gumbel, (Uniform, Pareto, Gamma, Exponential, Beta)),
                (Pareto, (Uniform, Beta)),
                (Beta, (Pareto,)), (Exponential, (Pareto,)), (Gamma, (Pareto,)),
                (Laplace, (Pareto,)), (Normal, (Pareto,))):
    for _q in _qs:
        register_kl(_p, _q)(_kl_infinity)


def _inf_where(cond, result):
    return torch.where(cond, torch.full_like(result, math.inf), result)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    return _neg_log_gumbel(q, p.mean, (q.loc - p.loc) / q.scale
                           + torch.lgamma(1 + p.scale / q.scale)) - p.entropy()


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    return 0.5 * (var_ratio - 1 - var_ratio.log())


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    result = (q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1)
    return _inf_where(p.scale < q.scale, result)  # p's support must lie inside q's


def _neg_log_gumbel(q, mean, log_mgf):
    """-E_p[log Gumbel(x; q)] from E_p[x] and log E_p[exp((q.loc - x) / q.scale)]."""
    return q.scale.log() - (q.loc - mean) / q.scale + log_mgf.exp()


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    t = -1 / q.scale  # Normal MGF: exp(m t + s^2 t^2 / 2)
    log_mgf = q.loc / q.scale + p.loc * t + 0.5 * p.scale.pow(2) * t * t
    return -p.entropy() + _neg_log_gumbel(q, p.loc, log_mgf)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    log_mgf = q.loc / q.scale + torch.log(p.rate / (p.rate + 1 / q.scale))
    return -p.entropy() + _neg_log_gumbel(q, p.mean, log_mgf)


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    log_mgf = q.loc / q.scale - p.concentration * torch.log1p(1 / (q.scale * p.rate))
    return -p.entropy() + _neg_log_gumbel(q, p.mean, log_mgf)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    # E[exp(-x / s)] for x ~ U(l, h) is s (exp(-l / s) - exp(-h / s)) / (h - l)
    s = q.scale
    log_mgf = (q.loc / s + torch.log(s / (p.high - p.low))
               + torch.log(torch.exp(-p.low / s) - torch.exp(-p.high / s)))
    return -p.entropy() + _neg_log_gumbel(q, p.mean, log_mgf)


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    return -p.entropy() + _neg_log_normal(q, p.mean, p.variance + p.mean.pow(2))


def _pareto_mean_log(p):
    return p.scale.log() + p.alpha.reciprocal()


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    result = -p.entropy() + _neg_log_exponential(q, p.mean)
    return _inf_where(p.alpha <= 1, result)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    result = -p.entropy() + _neg_log_gamma(q, p.mean, _pareto_mean_log(p))
    return _inf_where(p.alpha <= 1, result)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    result = -p.entropy() + _neg_log_normal(q, p.mean, p.variance + p.mean.pow(2))
    return _inf_where(p.alpha <= 2, result)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    low = p.low.clamp(min=1e-300)
    e_log_x = (torch.xlogy(p.high, p.high) - p.high - torch.xlogy(low, low) + low) / \
        (p.high - low)
    log_q = q.alpha.log() + q.alpha * q.scale.log() - (q.alpha + 1) * e_log_x
    result = -p.entropy() - log_q
    return _inf_where(p.low < q.scale, result)


