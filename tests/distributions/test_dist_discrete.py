"""Discrete distributions against scipy.stats: pmfs, moments, entropy, enumerate_support,
sample frequencies (fixed seeds, loose tolerances) and log_prob gradients."""
import numpy as np
import pytest
from scipy import stats

import graphtorch as torch
import graphtorch.distributions as D
from graphtorch.autograd import gradcheck


def f64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


P = np.array([0.1, 0.5, 0.8])
CASES = {
    "bernoulli": (lambda: D.Bernoulli(f64(P)), stats.bernoulli(P), [1.0, 0.0, 1.0]),
    "binomial": (lambda: D.Binomial(6, f64(P)), stats.binom(6, P), [0.0, 3.0, 6.0]),
    "geometric": (lambda: D.Geometric(f64(P)), stats.geom(P, loc=-1), [0.0, 2.0, 5.0]),
    "neg_binomial": (lambda: D.NegativeBinomial(f64([3.0, 0.5, 7.0]), f64(P[::-1] * 0.9)),
                     stats.nbinom([3.0, 0.5, 7.0], 1 - P[::-1] * 0.9), [0.0, 2.0, 5.0]),
    "poisson": (lambda: D.Poisson(f64([0.5, 3.0, 10.0])), stats.poisson([0.5, 3.0, 10.0]),
                [0.0, 2.0, 12.0]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pmf_moments_entropy(name):
    make, ref, x = CASES[name]
    d = make()
    np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), ref.logpmf(x), rtol=1e-10)
    np.testing.assert_allclose(d.mean.numpy(), ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), ref.var(), rtol=1e-12)
    if name in ("poisson", "neg_binomial"):  # no closed form in torch either
        with pytest.raises(NotImplementedError):
            d.entropy()
    else:
        np.testing.assert_allclose(d.entropy().numpy(), ref.entropy(), rtol=1e-8)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_frequencies(name):
    make, ref, _ = CASES[name]
    torch.manual_seed(0)
    s = make().sample((20000,)).numpy()
    assert s.shape == (20000, 3) and s.dtype == np.float64
    assert (s == np.round(s)).all() and (s >= 0).all()
    se = np.sqrt(ref.var() / 20000)
    assert (np.abs(s.mean(0) - ref.mean()) < 6 * se + 1e-12).all()


def test_enumerate_support():
    b = D.Binomial(3, f64([[0.2, 0.5]]))
    sup = b.enumerate_support()
    assert sup.shape == (4, 1, 2)
    np.testing.assert_allclose(b.log_prob(sup).exp().sum(0).numpy(), 1.0, rtol=1e-12)
    assert D.Bernoulli(f64([0.2, 0.5])).enumerate_support(expand=False).shape == (2, 1)
    c = D.Categorical(f64([[0.2, 0.8], [0.5, 0.5], [0.1, 0.9]]))
    assert c.enumerate_support().shape == (2, 3) and c.enumerate_support().dtype == torch.int64
    oh = D.OneHotCategorical(f64([0.2, 0.3, 0.5]))
    np.testing.assert_array_equal(oh.enumerate_support().numpy(), np.eye(3))


def test_categorical():
    probs = np.array([[1.0, 2.0, 7.0], [3.0, 3.0, 4.0]])
    c = D.Categorical(f64(probs))
    p = probs / probs.sum(1, keepdims=True)
    np.testing.assert_allclose(c.probs.numpy(), p)
    np.testing.assert_allclose(c.logits.numpy(), np.log(p), rtol=1e-12)
    np.testing.assert_allclose(c.entropy().numpy(), stats.entropy(p, axis=1), rtol=1e-12)
    np.testing.assert_allclose(c.log_prob(torch.tensor([2, 0])).numpy(),
                               np.log([p[0, 2], p[1, 0]]))
    np.testing.assert_array_equal(c.mode.numpy(), [2, 2])
    torch.manual_seed(0)
    s = c.sample((20000,))
    assert s.shape == (20000, 2) and s.dtype == torch.int64
    freq = np.stack([np.bincount(s.numpy()[:, i], minlength=3) / 20000 for i in range(2)])
    assert np.abs(freq - p).max() < 0.02
    # zero probabilities: entropy stays finite
    z = D.Categorical(f64([0.0, 0.5, 0.5]))
    np.testing.assert_allclose(z.entropy().item(), np.log(2))


def test_one_hot_categorical():
    d = D.OneHotCategorical(logits=f64([[0.0, 1.0, 2.0]]))
    torch.manual_seed(1)
    s = d.sample((500,))
    assert s.shape == (500, 1, 3) and (s.sum(-1) == 1).all()
    p = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    np.testing.assert_allclose(d.log_prob(f64([[0.0, 0.0, 1.0]])).numpy(), [np.log(p[2])])
    np.testing.assert_allclose(d.variance.numpy(), [p * (1 - p)])
    np.testing.assert_array_equal(d.mode.numpy(), [[0.0, 0.0, 1.0]])


def test_bernoulli_logits_and_mode():
    d = D.Bernoulli(logits=f64([-2.0, 0.0, 3.0]))
    np.testing.assert_allclose(d.probs.numpy(), 1 / (1 + np.exp([2.0, 0.0, -3.0])))
    m = d.mode.numpy()
    assert m[0] == 0 and np.isnan(m[1]) and m[2] == 1


def test_log_prob_gradcheck():
    def fn(logits, rate):
        return (D.Bernoulli(logits=logits).log_prob(f64([1.0, 0.0]))
                + D.Binomial(5, logits=logits).log_prob(f64([2.0, 5.0]))
                + D.Geometric(logits=logits).log_prob(f64([0.0, 3.0]))
                + D.Poisson(rate.exp()).log_prob(f64([1.0, 4.0]))
                + D.Categorical(logits=torch.stack([logits, rate])).log_prob(torch.tensor([1, 0])))
    assert gradcheck(fn, (f64([0.3, -1.2], True), f64([0.5, 0.1], True)))


def test_policy_gradient_formula():
    logits = f64([[0.1, 0.5, -0.3], [1.0, 0.0, 0.2]], True)
    action = torch.tensor([2, 0])
    D.Categorical(logits=logits).log_prob(action).sum().backward()
    sm = np.exp(logits.detach().numpy())
    sm /= sm.sum(1, keepdims=True)
    np.testing.assert_allclose(logits.grad.numpy(), np.eye(3)[[2, 0]] - sm, rtol=1e-12)


def test_binomial_inhomogeneous_counts():
    d = D.Binomial(f64([2.0, 3.0]), f64([0.5, 0.5]))
    with pytest.raises(NotImplementedError):
        d.enumerate_support()
    np.testing.assert_allclose(d.mode.numpy(), [1.0, 2.0])


def test_multinomial_against_scipy():
    p = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    d = D.Multinomial(5, f64(p))
    x = np.array([[1.0, 1.0, 3.0], [5.0, 0.0, 0.0]])
    ref = stats.multinomial(5, p)
    np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), ref.logpmf(x), rtol=1e-10)
    np.testing.assert_allclose(d.entropy().numpy(), ref.entropy(), rtol=1e-10)
    np.testing.assert_allclose(d.mean.numpy(), 5 * p)
    np.testing.assert_allclose(d.variance.numpy(), 5 * p * (1 - p))
    torch.manual_seed(0)
    s = d.sample((20000,)).numpy()
    assert s.shape == (20000, 2, 3) and (s.sum(-1) == 5).all()
    assert np.abs(s.mean(0) - 5 * p).max() < 0.05
    with pytest.raises(NotImplementedError):
        D.Multinomial(torch.tensor(3), f64(p))
