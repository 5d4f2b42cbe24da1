"""VAE with torch.distributions: encoder outputs loc/log-scale, Independent(Normal) posterior,
rsample with fixed noise via loc + scale*eps, kl_divergence to a standard prior (analytic),
Bernoulli(logits) likelihood log_prob, ELBO backward; distribution attributes."""
import torch
import torch.nn as nn
from torch.distributions import Normal, Independent, Bernoulli, kl_divergence, LogNormal, Laplace
from casekit import init_params, randn, rand

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    enc = init_params(nn.Linear(6, 4), seed=1)
    dec = init_params(nn.Linear(2, 6), seed=2)
    x = torch.tensor((rand(3, 6, seed=3) > 0.5).astype("float32"))
    h = enc(x)
    loc, log_scale = h.chunk(2, dim=-1)
    q = Independent(Normal(loc, log_scale.exp()), 1)
    prior = Independent(Normal(torch.zeros(2), torch.ones(2)), 1)
    r["batch_shape"] = q.batch_shape
    r["event_shape"] = q.event_shape
    eps = torch.tensor(randn(3, 2, seed=4))
    z = q.base_dist.loc + q.base_dist.scale * eps
    r["log_q"] = q.log_prob(z)
    r["kl"] = kl_divergence(q, prior)
    r["kl_base"] = kl_divergence(q.base_dist, Normal(0.0, 1.0))
    lik = Independent(Bernoulli(logits=dec(z)), 1)
    r["log_lik"] = lik.log_prob(x)
    elbo = (lik.log_prob(x) - r["kl"]).mean()
    (-elbo).backward()
    r["grad_enc"] = enc.weight.grad
    r["grad_dec"] = dec.weight.grad
    r["entropy"] = q.entropy()
    r["mean_var"] = (q.mean, q.variance)
    s = q.rsample((5,))
    r["rsample_shape"] = s.shape
    r["rsample_grad"] = s.requires_grad
    ln = LogNormal(torch.tensor([0.0, 0.5]), torch.tensor([1.0, 0.3]))
    r["lognormal"] = (ln.mean, ln.variance, ln.log_prob(torch.tensor([1.0, 2.0])))
    lp = Laplace(torch.tensor(0.5), torch.tensor(2.0))
    r["laplace"] = (lp.log_prob(torch.tensor([0.0, 3.0])), lp.cdf(torch.tensor(1.0)), lp.entropy())
    r["normal_icdf"] = Normal(1.0, 2.0).icdf(torch.tensor([0.1, 0.5, 0.9]))
    r["kl_normals"] = kl_divergence(Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0])),
                                   Normal(torch.tensor([0.5, 0.0]), torch.tensor([2.0, 1.0])))
    return r
