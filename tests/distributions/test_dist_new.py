"""The distribution families added in session 6 (InverseGamma, FisherSnedecor, Kumaraswamy,
ContinuousBernoulli, Relaxed*, LowRankMultivariateNormal, LogisticNormal, VonMises,
GeneralizedPareto): densities against scipy.stats or closed forms, sample moments (fixed
seeds, loose tolerances), float64 gradchecks of log_prob and rsample, validation errors."""
import math

import numpy as np
import pytest
from scipy import stats

import graphtorch as torch
import graphtorch.distributions as D
from graphtorch.autograd import gradcheck


def f64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


A, B = np.array([0.7, 2.5, 4.0]), np.array([1.5, 0.8, 3.0])


def _kumaraswamy_pdf(x, a, b):
    return a * b * x ** (a - 1) * (1 - x ** a) ** (b - 1)


def _cb_pdf(x, p):
    norm = 2 * np.arctanh(1 - 2 * p) / (1 - 2 * p)
    return norm * p ** x * (1 - p) ** (1 - x)


@pytest.mark.parametrize("name, dist, ref, x", [
    ("invgamma", lambda: D.InverseGamma(f64(A), f64(B)),
     lambda x: stats.invgamma(A, scale=B).logpdf(x), np.array([0.3, 1.0, 2.0])),
    ("fisher", lambda: D.FisherSnedecor(f64(A * 2), f64(B * 3)),
     lambda x: stats.f(A * 2, B * 3).logpdf(x), np.array([0.3, 1.0, 2.0])),
    ("kumaraswamy", lambda: D.Kumaraswamy(f64(A), f64(B)),
     lambda x: np.log(_kumaraswamy_pdf(x, A, B)), np.array([0.3, 0.5, 0.9])),
    ("cb", lambda: D.ContinuousBernoulli(f64([0.2, 0.7, 0.95])),
     lambda x: np.log(_cb_pdf(x, np.array([0.2, 0.7, 0.95]))), np.array([0.3, 0.5, 0.9])),
    ("vonmises", lambda: D.VonMises(f64([0.0, 1.0, -2.0]), f64(A)),
     lambda x: stats.vonmises(A, loc=[0.0, 1.0, -2.0]).logpdf(x), np.array([0.3, 2.0, -1.0])),
    ("gpd", lambda: D.GeneralizedPareto(f64([0.0, 1.0, 0.0]), f64(B), f64([0.5, 0.0, -0.2])),
     lambda x: stats.genpareto([0.5, 0.0, -0.2], loc=[0.0, 1.0, 0.0], scale=B).logpdf(x),
     np.array([0.3, 2.0, 1.0])),
])
def test_log_prob_vs_reference(name, dist, ref, x):
    d = dist()
    np.testing.assert_allclose(d.log_prob(f64(x)).detach().numpy(), ref(x), rtol=1e-7)


def test_gpd_cdf_icdf_entropy_vs_scipy():
    xi, loc = np.array([0.5, 0.0, -0.2]), np.array([0.0, 1.0, 0.0])
    d = D.GeneralizedPareto(f64(loc), f64(B), f64(xi))
    ref = stats.genpareto(xi, loc=loc, scale=B)
    x = np.array([0.3, 2.0, 1.0])
    np.testing.assert_allclose(d.cdf(f64(x)).numpy(), ref.cdf(x), rtol=1e-7)
    np.testing.assert_allclose(d.icdf(f64([0.1, 0.5, 0.9])).numpy(), ref.ppf([0.1, 0.5, 0.9]))
    np.testing.assert_allclose(d.entropy().numpy(), ref.entropy(), rtol=1e-7)
    np.testing.assert_allclose(d.variance.numpy(), ref.var(), rtol=1e-7)


def test_invgamma_and_fisher_moments_vs_scipy():
    d = D.InverseGamma(f64([3.5, 4.5]), f64([1.0, 2.0]))
    ref = stats.invgamma([3.5, 4.5], scale=[1.0, 2.0])
    np.testing.assert_allclose(d.mean.numpy(), ref.mean())
    np.testing.assert_allclose(d.variance.numpy(), ref.var())
    np.testing.assert_allclose(d.entropy().numpy(), ref.entropy())
    f = D.FisherSnedecor(f64([3.0, 6.0]), f64([5.0, 9.0]))
    fref = stats.f([3.0, 6.0], [5.0, 9.0])
    np.testing.assert_allclose(f.mean.numpy(), fref.mean())
    np.testing.assert_allclose(f.variance.numpy(), fref.var())
    assert torch.isnan(D.FisherSnedecor(1.0, 2.0).mean)


def test_lowrank_mvn_matches_dense():
    loc, W, diag = np.array([0.0, 1.0, 2.0]), np.array([[1.0, 0.0], [0.5, 2.0], [0.3, -1.0]]), \
        np.array([1.0, 2.0, 0.5])
    cov = W @ W.T + np.diag(diag)
    d = D.LowRankMultivariateNormal(f64(loc), f64(W), f64(diag))
    ref = stats.multivariate_normal(loc, cov)
    x = np.array([[0.3, 0.5, 0.9], [1.0, -1.0, 0.0]])
    np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), ref.logpdf(x))
    np.testing.assert_allclose(d.entropy().numpy(), ref.entropy())
    np.testing.assert_allclose(d.covariance_matrix.numpy(), cov)
    np.testing.assert_allclose(d.precision_matrix.numpy(), np.linalg.inv(cov), atol=1e-12)
    np.testing.assert_allclose(d.scale_tril.numpy(), np.linalg.cholesky(cov), atol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), np.diag(cov))


@pytest.mark.parametrize("make, mean, var", [
    (lambda: D.InverseGamma(f64(5.0), f64(2.0)), 0.5, 1 / 12),
    (lambda: D.Kumaraswamy(f64(2.0), f64(3.0)), None, None),
    (lambda: D.ContinuousBernoulli(f64(0.8)), None, None),
    (lambda: D.FisherSnedecor(f64(6.0), f64(12.0)), 1.2, None),
    (lambda: D.VonMises(f64(1.0), f64(4.0)), 1.0, None),
    (lambda: D.GeneralizedPareto(f64(0.0), f64(1.0), f64(0.2)), 1.25, None),
    (lambda: D.LowRankMultivariateNormal(f64([1.0, -1.0]), f64([[1.0], [0.5]]),
                                         f64([0.5, 0.5])), None, None),
])
def test_sample_moments(make, mean, var):
    torch.manual_seed(0)
    d = make()
    s = d.sample((20000,))
    assert s.dtype == torch.float64
    assert tuple(s.shape) == (20000,) + tuple(d.batch_shape) + tuple(d.event_shape)
    mean = d.mean.numpy() if mean is None else mean
    np.testing.assert_allclose(s.mean(0).numpy(), mean, rtol=0.05, atol=0.02)
    if var is not None or not isinstance(d, (D.VonMises, D.FisherSnedecor)):
        var = d.variance.numpy() if var is None else var
        np.testing.assert_allclose(s.var(0).numpy(), var, rtol=0.1, atol=0.01)
    assert bool(d.support.check(s).all())


def test_vonmises_sample_float32_and_small_concentration():
    torch.manual_seed(1)
    s = D.VonMises(torch.tensor([0.0, 2.0]), torch.tensor([1e-6, 50.0])).sample((500,))
    assert s.dtype == torch.float32
    assert bool((s >= -math.pi).all()) and bool((s < math.pi).all())
    assert abs(float(s[:, 1].mean()) - 2.0) < 0.05


def test_relaxed_samples_in_support():
    torch.manual_seed(0)
    rb = D.RelaxedBernoulli(torch.tensor(0.5), probs=torch.tensor([0.1, 0.9]))
    s = rb.sample((2000,))
    assert bool(((s > 0) & (s < 1)).all())
    assert float(s[:, 1].mean()) > 0.7 > 0.3 > float(s[:, 0].mean())
    rc = D.RelaxedOneHotCategorical(torch.tensor(0.3), probs=torch.tensor([0.1, 0.2, 0.7]))
    s = rc.sample((2000,))
    assert torch.allclose(s.sum(-1), torch.ones(2000), atol=1e-5)
    counts = np.bincount(s.argmax(-1).numpy(), minlength=3) / 2000
    np.testing.assert_allclose(counts, [0.1, 0.2, 0.7], atol=0.04)
    ln = D.LogisticNormal(torch.zeros(3), torch.ones(3))
    assert tuple(ln.sample((4,)).shape) == (4, 4)
    assert bool(ln.support.check(ln.sample((10,))).all())


@pytest.mark.parametrize("make", [
    lambda p: D.InverseGamma(p, p + 1),
    lambda p: D.FisherSnedecor(p + 2, p * 3),
    lambda p: D.Kumaraswamy(p, p + 0.5),
    lambda p: D.ContinuousBernoulli(p / 4),
    lambda p: D.ContinuousBernoulli(logits=p - 1.2),
    lambda p: D.RelaxedBernoulli(f64(0.7), probs=p / 4),
    lambda p: D.RelaxedOneHotCategorical(f64(0.7), logits=p),
    lambda p: D.LogisticNormal(p, p + 1),
    lambda p: D.VonMises(p, p + 1),
    lambda p: D.GeneralizedPareto(p - 1, p + 1, p - 1.5),
    lambda p: D.LowRankMultivariateNormal(p, p.unsqueeze(-1) + 0.3, p + 1),
])
def test_log_prob_gradcheck(make):
    p = f64([0.5, 1.2, 2.9], grad=True)
    torch.manual_seed(0)
    with torch.no_grad():
        x = make(p).sample()
    assert gradcheck(lambda q: make(q).log_prob(x), (p,))


# gamma-based samplers (InverseGamma, FisherSnedecor) use implicit gradients, which are not
# the derivative of the seeded sampling path, so they are checked by test_dist_continuous
@pytest.mark.parametrize("make", [
    lambda p: D.Kumaraswamy(p, p + 0.5),
    lambda p: D.ContinuousBernoulli(p / 4),
    lambda p: D.RelaxedOneHotCategorical(f64(0.7), logits=p),
    lambda p: D.LogisticNormal(p, p + 1),
    lambda p: D.GeneralizedPareto(p - 1, p + 1, p - 1.5),
    lambda p: D.LowRankMultivariateNormal(p, p.unsqueeze(-1) + 0.3, p + 1),
])
def test_rsample_gradcheck(make):
    p = f64([0.5, 1.2, 2.9], grad=True)

    def fn(q):
        torch.manual_seed(3)
        return make(q).rsample((2,))
    assert gradcheck(fn, (p,))


def test_continuous_bernoulli_stable_region_and_icdf():
    d = D.ContinuousBernoulli(f64([0.4999, 0.5, 0.3]))
    assert np.allclose(d.log_prob(f64([0.2, 0.2, 0.2])).numpy()[:2], 0.0, atol=1e-3)
    u = f64([0.1, 0.5, 0.9])
    np.testing.assert_allclose(d.cdf(d.icdf(u)).numpy(), u.numpy(), atol=1e-6)
    e = d.entropy()
    assert torch.isfinite(e).all()


def test_validation_errors():
    with pytest.raises(ValueError):
        D.InverseGamma(f64([-1.0]), f64([1.0]))
    with pytest.raises(ValueError):
        D.ContinuousBernoulli(probs=0.3, logits=0.1)
    with pytest.raises(ValueError):
        D.ContinuousBernoulli(f64([1.5]), validate_args=True)
    with pytest.raises(ValueError, match="cov_factor must be a batch of matrices"):
        D.LowRankMultivariateNormal(f64([0.0, 1.0]), f64([[1.0, 2.0, 3.0]]), f64([1.0, 1.0]))
    with pytest.raises(ValueError, match="cov_diag must be a batch of vectors"):
        D.LowRankMultivariateNormal(f64([0.0, 1.0]), f64([[1.0], [2.0]]), f64([1.0]))
    with pytest.raises(ValueError, match="loc must be at least one-dimensional"):
        D.LowRankMultivariateNormal(f64(0.0), f64([[1.0]]), f64([1.0]))
    with pytest.raises(ValueError, match="support"):
        D.GeneralizedPareto(0.0, 1.0, -0.5).log_prob(torch.tensor(3.0))
    with pytest.raises(ValueError):
        D.Kumaraswamy(1.0, 2.0).log_prob(torch.tensor(1.5))


def test_expand_shapes():
    for d in [D.InverseGamma(f64(2.0), f64(1.0)), D.FisherSnedecor(f64(2.0), f64(3.0)),
              D.Kumaraswamy(f64(2.0), f64(3.0)), D.ContinuousBernoulli(f64(0.3)),
              D.VonMises(f64(0.0), f64(1.0)), D.GeneralizedPareto(f64(0.), f64(1.), f64(.1)),
              D.RelaxedBernoulli(f64(0.5), f64(0.3))]:
        e = d.expand((4, 2))
        assert tuple(e.batch_shape) == (4, 2)
        assert tuple(e.sample().shape) == (4, 2)
        assert tuple(e.log_prob(e.sample()).shape) == (4, 2)
    lr = D.LowRankMultivariateNormal(f64([0.0, 1.0]), f64([[1.0], [2.0]]), f64([1.0, 1.0]))
    e = lr.expand((3,))
    assert tuple(e.sample().shape) == (3, 2) and tuple(e.entropy().shape) == (3,)
    ln = D.LogisticNormal(f64([0.0, 1.0]), f64([1.0, 1.0])).expand((5,))
    assert tuple(ln.sample().shape) == (5, 3)
