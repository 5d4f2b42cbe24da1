"""Wishart, LKJCholesky and OneHotCategoricalStraightThrough: densities against scipy.stats
or closed forms, sample moments (fixed seeds, loose tolerances), gradients, errors."""
import math

import numpy as np
import pytest
from scipy import special, stats

import graphtorch as torch
import graphtorch.distributions as D
from graphtorch.autograd import gradcheck

COV = np.array([[2.0, 0.3], [0.3, 1.0]])
X = np.array([[1.0, 0.2], [0.2, 3.0]])


def f64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_wishart_vs_scipy(kind):
    param = {"covariance_matrix": COV, "precision_matrix": np.linalg.inv(COV),
             "scale_tril": np.linalg.cholesky(COV)}[kind]
    d = D.Wishart(f64(4.5), **{kind: f64(param)})
    ref = stats.wishart(df=4.5, scale=COV)
    np.testing.assert_allclose(float(d.log_prob(f64(X))), ref.logpdf(X), rtol=1e-7)
    np.testing.assert_allclose(float(d.entropy()), ref.entropy(), rtol=1e-7)
    np.testing.assert_allclose(d.mean.numpy(), ref.mean(), rtol=1e-7)
    np.testing.assert_allclose(d.variance.numpy(), ref.var(), rtol=1e-7)
    np.testing.assert_allclose(d.covariance_matrix.numpy(), COV, atol=1e-12)


def test_wishart_samples_and_batching():
    torch.manual_seed(0)
    d = D.Wishart(f64([4.0, 6.0]), f64(COV))
    s = d.sample((8000,))
    assert tuple(s.shape) == (8000, 2, 2, 2)
    assert bool(D.constraints.positive_definite.check(s).all())
    np.testing.assert_allclose(s.mean(0).numpy(), d.mean.numpy(), rtol=0.06, atol=0.05)
    e = d.expand((3, 2))
    assert tuple(e.sample().shape) == (3, 2, 2, 2)
    assert tuple(e.log_prob(e.sample()).shape) == (3, 2)


def test_wishart_rsample_grad_and_log_prob_gradcheck():
    df = f64(5.0, grad=True)
    tril = f64(np.linalg.cholesky(COV), grad=True)
    s = D.Wishart(df, scale_tril=tril).rsample()
    s.sum().backward()
    assert tril.grad is not None and bool(torch.isfinite(tril.grad).all())
    assert gradcheck(lambda v, c: D.Wishart(v, covariance_matrix=c @ c.mT).log_prob(f64(X)),
                     (f64(4.5, grad=True), tril.detach().clone().requires_grad_()))


def test_wishart_errors():
    with pytest.raises(ValueError, match="expected to be greater than ndim - 1"):
        D.Wishart(f64(1.0), f64(np.eye(3)))
    with pytest.raises(AssertionError, match="Exactly one"):
        D.Wishart(4.0)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        D.Wishart(4.0, f64(np.ones(3)))
    with pytest.warns(UserWarning, match="Low df"):
        D.Wishart(f64(2.5), f64(np.eye(3)))
    assert torch.isnan(D.Wishart(f64(2.5), f64(COV)).mode).all()


def _lkj_log_density(L, eta):
    """log LKJ density of the Cholesky factor (Lewandowski et al. 2009 with the Jacobian)."""
    d = L.shape[-1]
    order = 2 * (eta - 1) + d - np.arange(2, d + 1)
    unnorm = np.sum(order * np.log(np.diag(L)[1:]))
    dm1 = d - 1
    alpha = eta + 0.5 * dm1
    norm = 0.5 * dm1 * math.log(math.pi) + special.multigammaln(alpha - 0.5, dm1) \
        - special.gammaln(alpha) * dm1
    return unnorm - norm


def test_lkj_log_prob_and_samples():
    corr = np.array([[1.0, 0.3, 0.2], [0.3, 1.0, -0.4], [0.2, -0.4, 1.0]])
    L = np.linalg.cholesky(corr)
    d = D.LKJCholesky(3, f64([0.5, 2.0]))
    np.testing.assert_allclose(d.log_prob(f64(L)).numpy(),
                               [_lkj_log_density(L, 0.5), _lkj_log_density(L, 2.0)])
    # the uniform LKJ(1) over 2x2 correlations: r ~ Uniform(-1, 1), density 1/2 in r,
    # and dr/dL = 1 for L = [[1, 0], [r, sqrt(1 - r^2)]] up to the diagonal factor
    torch.manual_seed(0)
    s = D.LKJCholesky(2, f64(1.0)).sample((6000,))
    assert bool(D.constraints.corr_cholesky.check(s).all())
    r = s[:, 1, 0].numpy()
    assert abs(r.mean()) < 0.03 and abs(r.var() - 1 / 3) < 0.02
    assert tuple(d.expand((4, 2)).sample().shape) == (4, 2, 3, 3)
    # every off-diagonal correlation of LKJ(eta) in dim d has variance 1 / (2 eta + d - 1)
    # (torch 2.13's sampler gets rows >= 2 wrong; see lkj_cholesky.py)
    s = D.LKJCholesky(4, f64(2.0)).sample((8000,))
    var = (s @ s.mT).var(0).numpy()[np.tril_indices(4, -1)]
    np.testing.assert_allclose(var, 1 / 7, atol=0.012)
    with pytest.raises(ValueError, match="greater than or equal to 2"):
        D.LKJCholesky(1)
    assert gradcheck(lambda c: D.LKJCholesky(3, c).log_prob(f64(L)), (f64([0.5, 2.0], True),))


def test_straight_through_gradient():
    probs = f64([0.2, 0.5, 0.3], grad=True)
    d = D.OneHotCategoricalStraightThrough(probs)
    assert d.has_rsample
    torch.manual_seed(0)
    s = d.rsample((4,))
    assert bool(((s.detach() == 0) | (s.detach() == 1)).all())
    (s * f64([1.0, 2.0, 3.0])).sum().backward()
    # the gradient of 4 * w . normalize(probs): the normalization removes w . p
    w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(probs.grad.numpy(), 4 * (w - w @ probs.detach().numpy()))


def test_softplus_transform():
    t = D.transforms.SoftplusTransform()
    x = f64([-30.0, -1.0, 0.0, 2.0, 40.0])
    y = t(x)
    np.testing.assert_allclose(y.numpy(), np.logaddexp(0, x.numpy()))
    np.testing.assert_allclose(t.inv(y).numpy()[1:], x.numpy()[1:], rtol=1e-9)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y).numpy(),
                               np.log(special.expit(x.numpy())), atol=1e-15)
