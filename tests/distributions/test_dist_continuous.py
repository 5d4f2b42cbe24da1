"""Continuous distributions against scipy.stats: densities, cdf/icdf, moments, entropy,
sample moments (fixed seeds, loose tolerances) and reparameterized gradients."""
import math

import numpy as np
import pytest
from scipy import stats

import graphtorch as torch
import graphtorch.distributions as D
from graphtorch.autograd import gradcheck

X = np.array([0.1, 0.7, 2.5])


def f64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# name -> (graphtorch distribution, frozen scipy distribution, points in the support)
def _cases():
    loc, scale = np.array([0.0, 1.0, -1.0]), np.array([1.0, 0.5, 2.0])
    a, b = np.array([0.5, 2.0, 7.5]), np.array([1.5, 0.7, 3.0])
    return {
        "normal": (D.Normal(f64(loc), f64(scale)), stats.norm(loc, scale), X),
        "uniform": (D.Uniform(f64(loc - 1), f64(loc + 4)), stats.uniform(loc - 1, 5), X),
        "exponential": (D.Exponential(f64(scale)), stats.expon(scale=1 / scale), X),
        "laplace": (D.Laplace(f64(loc), f64(scale)), stats.laplace(loc, scale), X),
        "cauchy": (D.Cauchy(f64(loc), f64(scale)), stats.cauchy(loc, scale), X),
        "gamma": (D.Gamma(f64(a), f64(b)), stats.gamma(a, scale=1 / b), X),
        "beta": (D.Beta(f64(a), f64(b)), stats.beta(a, b), X / 3),
        "chi2": (D.Chi2(f64(a * 2)), stats.chi2(a * 2), X),
        "student_t": (D.StudentT(f64(a + 2.5), f64(loc), f64(scale)),
                      stats.t(a + 2.5, loc, scale), X),
        "lognormal": (D.LogNormal(f64(loc), f64(scale)), stats.lognorm(scale, scale=np.exp(loc)),
                      X),
        "half_normal": (D.HalfNormal(f64(scale)), stats.halfnorm(scale=scale), X),
        "half_cauchy": (D.HalfCauchy(f64(scale)), stats.halfcauchy(scale=scale), X),
        "gumbel": (D.Gumbel(f64(loc), f64(scale)), stats.gumbel_r(loc, scale), X),
        "pareto": (D.Pareto(f64(scale / 20), f64(a + 2.5)), stats.pareto(a + 2.5, scale=scale / 20),
                   X),
        "weibull": (D.Weibull(f64(scale), f64(b)), stats.weibull_min(b, scale=scale), X),
    }


CASES = _cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob_cdf_moments_entropy(name):
    d, ref, x = CASES[name]
    np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), ref.logpdf(x), rtol=1e-10)
    np.testing.assert_allclose(d.entropy().numpy(), ref.entropy(), rtol=1e-10)
    if name not in ("cauchy", "half_cauchy"):
        np.testing.assert_allclose(d.mean.numpy(), ref.mean(), rtol=1e-12)
        np.testing.assert_allclose(d.variance.numpy(), ref.var(), rtol=1e-12)
        np.testing.assert_allclose(d.stddev.numpy(), ref.std(), rtol=1e-12)
    else:  # Cauchy: undefined (nan) mean; HalfCauchy: infinite mean; both infinite variance
        assert np.isnan(d.mean.numpy()).all() == (name == "cauchy")
        assert np.isinf(d.variance.numpy()).all()
    if name not in ("beta", "chi2", "student_t"):  # as in torch: no cdf
        np.testing.assert_allclose(d.cdf(f64(x)).numpy(), ref.cdf(x), rtol=1e-8)
    if name not in ("beta", "gamma", "chi2", "student_t", "pareto"):
        q = np.array([0.05, 0.5, 0.9])  # (Pareto: icdf only in torch's sign convention)
        np.testing.assert_allclose(d.icdf(f64(q)).numpy(), ref.ppf(q), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_moments(name):
    d, ref, _ = CASES[name]
    torch.manual_seed(0)
    s = d.sample((20000,))
    assert tuple(s.shape) == (20000, 3) and s.dtype == torch.float64
    assert not s.requires_grad
    if name in ("cauchy", "half_cauchy"):  # no moments: compare the median
        np.testing.assert_allclose(np.median(s.numpy(), 0), ref.median(), atol=0.12)
        return
    se = np.sqrt(ref.var() / 20000)
    assert (np.abs(s.numpy().mean(0) - ref.mean()) < 6 * se).all()
    if name == "gamma":  # Kolmogorov-Smirnov on the first batch element
        assert stats.kstest(s.numpy()[:, 0], stats.gamma(0.5, scale=1 / 1.5).cdf).pvalue > 1e-4


def test_samples_reproducible_with_manual_seed():
    d = D.Gamma(torch.tensor([0.5, 2.0]), torch.tensor([1.0, 3.0]))
    torch.manual_seed(3)
    a = d.sample((5,))
    torch.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), d.sample((5,)).numpy())
    assert a.dtype == torch.float32


@pytest.mark.parametrize("make", [
    lambda p, q: D.Normal(p, q.exp()), lambda p, q: D.Uniform(p, p + q.exp()),
    lambda p, q: D.Laplace(p, q.exp()), lambda p, q: D.Cauchy(p, q.exp()),
    lambda p, q: D.Exponential((p + q).exp()),
    lambda p, q: D.MultivariateNormal(p, scale_tril=torch.diag(q.exp()))])
def test_rsample_gradcheck(make):
    def fn(p, q):
        torch.manual_seed(7)  # the same noise on every evaluation
        return make(p, q).rsample((4,))
    assert gradcheck(fn, (f64([0.3, -0.2], True), f64([0.1, 0.4], True)))


def test_gamma_implicit_reparameterization_gradient():
    # E[d x / d alpha] = d E[x] / d alpha = 1 / rate for Gamma(alpha, rate)
    torch.manual_seed(0)
    alpha = f64([0.4, 2.0, 9.0], True)
    rate = f64([1.0, 2.0, 0.5], True)
    x = D.Gamma(alpha, rate).rsample((20000,))
    x.sum().backward()
    np.testing.assert_allclose(alpha.grad.numpy() / 20000, 1 / rate.detach().numpy(), rtol=0.05)
    np.testing.assert_allclose(rate.grad.numpy() / 20000,
                               -alpha.detach().numpy() / rate.detach().numpy() ** 2, rtol=0.05)


def test_beta_and_dirichlet_rsample_gradients():
    torch.manual_seed(1)
    c = f64([2.0, 3.0], True)
    x = D.Beta(c[0], c[1]).rsample((20000,))
    x.mean().backward()
    # d/dc1 of c1 / (c1 + c0) = c0 / (c1 + c0)^2
    np.testing.assert_allclose(c.grad.numpy(), [3 / 25, -2 / 25], rtol=0.1)
    conc = f64([1.0, 2.0, 3.0], True)
    s = D.Dirichlet(conc).rsample((20000,))
    np.testing.assert_allclose(s.sum(-1).detach().numpy(), 1.0, atol=1e-12)
    s[:, 0].mean().backward()
    np.testing.assert_allclose(conc.grad.numpy(), [5 / 36, -1 / 36, -1 / 36], rtol=0.15,
                               atol=0.005)


def test_log_prob_gradcheck():
    def fn(loc, scale, a, b):
        v = f64([0.2, 0.6])
        return (D.Normal(loc, scale.exp()).log_prob(v) + D.Gamma(a.exp(), b.exp()).log_prob(v)
                + D.Beta(a.exp(), b.exp()).log_prob(v) + D.Laplace(loc, scale.exp()).log_prob(v))
    args = tuple(f64(v, True) for v in ([0.1, 0.2], [0.3, -0.1], [0.5, 0.2], [-0.3, 0.4]))
    assert gradcheck(fn, args)


def test_gamma_cdf_gradient_in_value():
    x = f64([0.5, 2.0], True)
    D.Gamma(f64([2.0, 3.0]), f64([1.5, 0.5])).cdf(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(),
                               stats.gamma([2.0, 3.0], scale=[1 / 1.5, 2.0]).pdf([0.5, 2.0]),
                               rtol=1e-10)


def test_dirichlet_against_scipy():
    alpha = np.array([0.5, 2.0, 3.0])
    d = D.Dirichlet(f64(alpha))
    x = np.array([0.2, 0.3, 0.5])
    ref = stats.dirichlet(alpha)
    np.testing.assert_allclose(d.log_prob(f64(x)).item(), ref.logpdf(x), rtol=1e-10)
    np.testing.assert_allclose(d.entropy().item(), ref.entropy(), rtol=1e-10)
    np.testing.assert_allclose(d.mean.numpy(), ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), ref.var(), rtol=1e-12)
    torch.manual_seed(0)
    s = d.sample((20000,)).numpy()
    assert np.abs(s.mean(0) - ref.mean()).max() < 0.01
    np.testing.assert_allclose(d.mode.numpy(), [0.0, 1 / 3, 2 / 3], atol=1e-12)


def test_multivariate_normal_against_scipy():
    cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])
    mu = np.array([0.5, -1.0, 0.0])
    x = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.5]])
    ref = stats.multivariate_normal(mu, cov)
    for kw in ({"covariance_matrix": f64(cov)}, {"precision_matrix": f64(np.linalg.inv(cov))},
               {"scale_tril": f64(np.linalg.cholesky(cov))}):
        d = D.MultivariateNormal(f64(mu), **kw)
        np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), ref.logpdf(x), rtol=1e-10)
        np.testing.assert_allclose(d.entropy().item(), ref.entropy(), rtol=1e-10)
        np.testing.assert_allclose(d.covariance_matrix.numpy(), cov, rtol=1e-10)
        np.testing.assert_allclose(d.precision_matrix.numpy(), np.linalg.inv(cov), rtol=1e-8)
        np.testing.assert_allclose(d.variance.numpy(), np.diag(cov), rtol=1e-10)
    torch.manual_seed(0)
    s = d.sample((20000,)).numpy()
    np.testing.assert_allclose(np.cov(s.T), cov, atol=0.06)
    assert d.expand((2,)).sample().shape == (2, 3)


def test_exponential_family_entropy_matches_closed_form():
    for d in (D.Normal(f64([0.0, 1.0]), f64([1.0, 3.0])), D.Gamma(f64([2.0]), f64([3.0])),
              D.Exponential(f64([0.5])), D.Bernoulli(f64([0.3]))):
        np.testing.assert_allclose(D.ExponentialFamily.entropy(d).detach().numpy(),
                                   d.entropy().numpy(), rtol=1e-10)


def test_normal_scalar_parameters_and_log_prob_of_python_scale():
    d = D.Normal(0.0, 1.0)
    assert d.batch_shape == () and d.loc.dtype == torch.float32
    np.testing.assert_allclose(d.log_prob(torch.tensor(0.0)).item(), -0.5 * math.log(2 * math.pi),
                               rtol=1e-6)


def test_mixture_same_family_against_numpy():
    w, mu, sd = np.array([0.3, 0.7]), np.array([0.0, 2.0]), np.array([1.0, 0.5])
    d = D.MixtureSameFamily(D.Categorical(f64(w)), D.Normal(f64(mu), f64(sd)))
    x = np.array([-1.0, 0.5, 2.2])
    ref = np.log((w * stats.norm(mu, sd).pdf(x[:, None])).sum(1))
    np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), ref, rtol=1e-12)
    mean = (w * mu).sum()
    np.testing.assert_allclose(d.mean.item(), mean)
    np.testing.assert_allclose(d.variance.item(), (w * (sd ** 2 + mu ** 2)).sum() - mean ** 2)
    torch.manual_seed(0)
    s = d.sample((20000,)).numpy()
    assert abs(s.mean() - mean) < 0.05 and abs(s.var() - d.variance.item()) < 0.1
