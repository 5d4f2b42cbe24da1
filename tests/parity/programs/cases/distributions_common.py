"""torch.distributions as used in RL/VAE code: Normal rsample/log_prob/entropy, kl_divergence,
Categorical from logits (log_prob/entropy/probs), Independent, MultivariateNormal log_prob,
Bernoulli, TransformedDistribution with TanhTransform, sample shapes (values by property)."""
import torch
import torch.distributions as D
from casekit import randn


def run():
    r = {}
    mu = torch.tensor(randn(3, 2, seed=1), requires_grad=True)
    sd = torch.tensor(randn(3, 2, seed=2)).exp()
    n = D.Normal(mu, sd)
    x = torch.tensor(randn(3, 2, seed=3))
    r["normal_lp"] = n.log_prob(x)
    r["normal_ent"] = n.entropy()
    r["normal_cdf"] = n.cdf(x)
    r["normal_icdf"] = n.icdf(torch.tensor([[0.1, 0.9]]))
    torch.manual_seed(0)
    s = n.rsample((4,))
    r["rsample_shape"] = s.shape
    s.sum().backward()
    r["rsample_grad_mu"] = mu.grad
    r["kl_normal"] = D.kl_divergence(n, D.Normal(torch.zeros(3, 2), torch.ones(3, 2)))
    ind = D.Independent(n, 1)
    r["indep_shapes"] = (ind.batch_shape, ind.event_shape, ind.log_prob(x))
    logits = torch.tensor(randn(4, 5, seed=4))
    c = D.Categorical(logits=logits)
    r["cat_probs"] = c.probs
    r["cat_lp"] = c.log_prob(torch.tensor([0, 4, 2, 2]))
    r["cat_ent"] = c.entropy()
    r["cat_sample_range"] = bool(((c.sample((10,)) >= 0) & (c.sample((10,)) < 5)).all())
    r["cat_sample_shape"] = c.sample((2, 3)).shape
    b = D.Bernoulli(logits=torch.tensor([-1.0, 0.0, 2.0]))
    r["bern"] = (b.probs, b.log_prob(torch.tensor([1.0, 0.0, 1.0])), b.entropy(), b.mean, b.variance)
    cov = torch.tensor([[2.0, 0.3], [0.3, 1.0]])
    mvn = D.MultivariateNormal(torch.zeros(2), covariance_matrix=cov)
    r["mvn_lp"] = mvn.log_prob(torch.tensor([[0.5, -0.2], [1.0, 1.0]]))
    r["mvn_scale_tril"] = mvn.scale_tril
    r["mvn_ent"] = mvn.entropy()
    t = D.TransformedDistribution(D.Normal(torch.zeros(2), torch.ones(2)), [D.transforms.TanhTransform()])
    r["tanh_lp"] = t.log_prob(torch.tensor([0.3, -0.7]))
    r["beta"] = D.Beta(torch.tensor([2.0]), torch.tensor([3.0])).log_prob(torch.tensor([0.4]))
    r["gamma"] = D.Gamma(torch.tensor([2.0]), torch.tensor([0.5])).log_prob(torch.tensor([1.5]))
    r["uniform"] = D.Uniform(0.0, 2.0).log_prob(torch.tensor([0.5, 1.5]))
    r["dirichlet_mean"] = D.Dirichlet(torch.tensor([1.0, 2.0, 3.0])).mean
    r["validate_err"] = _err(lambda: D.Normal(torch.tensor([0.0]), torch.tensor([-1.0])))
    r["support_err"] = _err(lambda: D.Categorical(logits=logits).log_prob(torch.tensor([7, 0, 0, 0])))
    r["repr"] = repr(D.Normal(torch.tensor([0.0]), torch.tensor([1.0])))
    return r


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "no error"
