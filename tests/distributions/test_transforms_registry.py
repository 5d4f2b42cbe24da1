"""The vector/matrix transforms and biject_to / transform_to: round trips, codomain checks,
log_abs_det_jacobian against finite-difference Jacobians (float64), shapes and errors."""
import numpy as np
import pytest

import graphtorch as torch
import graphtorch.distributions as D
from graphtorch.distributions import constraints as C
from graphtorch.distributions import transforms as T
from graphtorch.distributions.constraint_registry import biject_to, transform_to


def _numeric_jacobian(fn, x, eps=1e-6):
    x = x.detach().numpy().astype(np.float64)
    cols = []
    for i in range(x.size):
        d = np.zeros_like(x).ravel()
        d[i] = eps
        hi = fn(torch.tensor(x + d.reshape(x.shape))).numpy().ravel()
        lo = fn(torch.tensor(x - d.reshape(x.shape))).numpy().ravel()
        cols.append((hi - lo) / (2 * eps))
    return np.stack(cols, 1)


def _rand(*shape, seed=0):
    return torch.tensor(np.random.default_rng(seed).normal(size=shape))


@pytest.mark.parametrize("constraint", [
    C.real, C.positive, C.nonnegative, C.greater_than(2.0), C.less_than(-1.0),
    C.unit_interval, C.interval(-2.0, 3.0), C.half_open_interval(0.0, 4.0), C.simplex,
    C.corr_cholesky, C.independent(C.positive, 1),
    C.cat([C.positive, C.real, C.unit_interval], -1, [1, 2, 1]),
    C.stack([C.positive, C.interval(0.0, 2.0)], -1)])
def test_biject_to_round_trip_and_ladj(constraint):
    t = biject_to(constraint)
    assert t.bijective
    n = 6 if constraint is C.corr_cholesky else 4 if constraint.event_dim <= 1 else 2
    x = _rand(n) if constraint.event_dim or constraint in (C.simplex,) else _rand(n)
    if isinstance(constraint, type(C.stack([C.real], -1))):
        x = _rand(3, 2)
    y = t(x)
    assert bool(t.codomain.check(y).all())
    assert bool(constraint.check(y).all())
    np.testing.assert_allclose(t.inv(y).numpy(), x.numpy(), atol=1e-10)
    ladj = t.log_abs_det_jacobian(x, y)
    if constraint is C.simplex:
        jac = _numeric_jacobian(lambda v: t(v)[..., :-1], x)
        np.testing.assert_allclose(ladj.numpy(), np.linalg.slogdet(jac)[1], rtol=1e-6)
    elif constraint is C.corr_cholesky:
        rows, cols = np.tril_indices(4, -1)
        jac = _numeric_jacobian(lambda v: t(v)[..., rows, cols], x)
        np.testing.assert_allclose(ladj.numpy(), np.linalg.slogdet(jac)[1], rtol=1e-6)
    elif t.domain.event_dim == 0 and not isinstance(t, (T.CatTransform, T.StackTransform)):
        jac = _numeric_jacobian(t, x)
        np.testing.assert_allclose(ladj.numpy(), np.log(np.abs(np.diag(jac))), rtol=1e-6,
                                   atol=1e-8)


@pytest.mark.parametrize("constraint", [C.simplex, C.lower_cholesky, C.positive_definite,
                                        C.positive_semidefinite])
def test_transform_to_lands_in_constraint(constraint):
    t = transform_to(constraint)
    x = _rand(3, 3, 3)
    y = t(x)
    assert bool(constraint.check(y).all())
    assert bool(constraint.check(t(t.inv(y))).all())
    np.testing.assert_allclose(t(t.inv(y)).numpy(), y.numpy(), atol=1e-10)


def test_registry_errors_and_register():
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        biject_to(C.boolean)
    with pytest.raises(NotImplementedError):
        biject_to(C.lower_cholesky)  # only transform_to has it, as in torch
    registry = type(biject_to)()
    registry.register(C.boolean, lambda c: T.identity_transform)
    assert registry(C.boolean) is T.identity_transform
    with pytest.raises(TypeError):
        registry.register(int, lambda c: None)


def test_shapes_and_reshape_errors():
    assert T.StickBreakingTransform().forward_shape((2, 3)) == (2, 4)
    assert T.StickBreakingTransform().inverse_shape((2, 4)) == (2, 3)
    assert T.CorrCholeskyTransform().forward_shape((5, 6)) == (5, 4, 4)
    assert T.CorrCholeskyTransform().inverse_shape((4, 4)) == (6,)
    with pytest.raises(ValueError, match="flattend"):
        T.CorrCholeskyTransform().forward_shape((5,))
    r = T.ReshapeTransform((2, 3), (6,))
    x = _rand(4, 2, 3)
    assert tuple(r(x).shape) == (4, 6) and tuple(r.log_abs_det_jacobian(x, r(x)).shape) == (4,)
    assert r.forward_shape((4, 2, 3)) == (4, 6)
    with pytest.raises(ValueError, match="different numbers"):
        T.ReshapeTransform((2, 3), (5,))
    with pytest.raises(ValueError, match="Shape mismatch"):
        r.forward_shape((3, 3))


def test_transformed_distributions_with_new_transforms():
    base = D.Normal(torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))
    d = D.TransformedDistribution(base, T.StickBreakingTransform())
    assert tuple(d.event_shape) == (4,)
    ln = D.LogisticNormal(torch.zeros(3, dtype=torch.float64),
                          torch.ones(3, dtype=torch.float64))
    y = ln.sample((2,))
    np.testing.assert_allclose(d.log_prob(y).numpy(), ln.log_prob(y).numpy())
    cdf = T.CumulativeDistributionTransform(D.Normal(0.0, 1.0))
    u = cdf(torch.tensor([-1.0, 0.0, 2.0]))
    np.testing.assert_allclose(cdf.inv(u).numpy(), [-1.0, 0.0, 2.0], atol=1e-5)
    ind = T.IndependentTransform(T.ExpTransform(), 1)
    x = _rand(2, 3)
    np.testing.assert_allclose(ind.log_abs_det_jacobian(x, ind(x)).numpy(), x.sum(-1).numpy())


def test_softmax_and_cat_stack_ladj_shapes():
    x = _rand(2, 3)
    y = T.SoftmaxTransform()(x)
    np.testing.assert_allclose(y.sum(-1).numpy(), [1.0, 1.0])
    with pytest.raises(NotImplementedError):
        T.SoftmaxTransform().log_abs_det_jacobian(x, y)
    cat = T.CatTransform([T.ExpTransform(), T.identity_transform], dim=0, lengths=[1, 1])
    assert tuple(cat.log_abs_det_jacobian(x, cat(x)).shape) == (2, 3)
    st = T.StackTransform([T.ExpTransform(), T.SigmoidTransform(), T.identity_transform], 1)
    np.testing.assert_allclose(st.inv(st(x)).numpy(), x.numpy(), atol=1e-10)
