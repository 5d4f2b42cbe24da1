"""Mixture models with torch.distributions: MixtureSameFamily(Categorical, Normal) and with
Independent(Normal) components, log_prob / mean / variance / cdf, gradient of the NLL w.r.t.
logits and locs, LowRankMultivariateNormal and MultivariateNormal(scale_tril) log_prob."""
import torch
from torch.distributions import (Categorical, Normal, Independent, MixtureSameFamily,
                                 MultivariateNormal, LowRankMultivariateNormal)
from casekit import randn

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    logits = torch.tensor([0.2, -0.3, 1.0], requires_grad=True)
    locs = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    scales = torch.tensor([0.5, 1.0, 0.7])
    gmm = MixtureSameFamily(Categorical(logits=logits), Normal(locs, scales))
    x = torch.tensor(randn(6, seed=1))
    lp = gmm.log_prob(x)
    r["log_prob"] = lp
    r["mean"] = gmm.mean
    r["variance"] = gmm.variance
    r["cdf"] = gmm.cdf(x)
    (-lp.mean()).backward()
    r["grad_logits"] = logits.grad
    r["grad_locs"] = locs.grad
    r["batch_event"] = (gmm.batch_shape, gmm.event_shape)
    comp = Independent(Normal(torch.tensor(randn(4, 2, seed=2)), torch.ones(4, 2) * 0.8), 1)
    gmm2 = MixtureSameFamily(Categorical(probs=torch.tensor([0.1, 0.2, 0.3, 0.4])), comp)
    pts = torch.tensor(randn(5, 2, seed=3))
    r["gmm2_log_prob"] = gmm2.log_prob(pts)
    r["gmm2_event"] = gmm2.event_shape
    r["gmm2_sample_shape"] = gmm2.sample((7,)).shape
    L = torch.tensor([[1.0, 0.0], [0.5, 0.8]])
    mvn = MultivariateNormal(torch.tensor([0.5, -0.5]), scale_tril=L)
    r["mvn_log_prob"] = mvn.log_prob(pts)
    r["mvn_cov"] = mvn.covariance_matrix
    r["mvn_entropy"] = mvn.entropy()
    lr = LowRankMultivariateNormal(torch.zeros(3), torch.tensor(randn(3, 1, seed=4)), torch.ones(3))
    r["lowrank_log_prob"] = lr.log_prob(torch.tensor(randn(2, 3, seed=5)))
    r["lowrank_cov"] = lr.covariance_matrix
    r["cat_log_prob"] = Categorical(logits=logits).log_prob(torch.tensor([0, 2]))
    return r
