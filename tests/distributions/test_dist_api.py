"""Distribution framework: constraints, utils, validation errors, expand, KL registry,
reprs, and torch.utils.cpp_extension."""
import math

import numpy as np
import pytest

import graphtorch as torch
import graphtorch.distributions as D
from graphtorch.distributions import constraints as C
from graphtorch.distributions.utils import (broadcast_all, clamp_probs, lazy_property,
                                            logits_to_probs, probs_to_logits)


def test_broadcast_all():
    a, b = broadcast_all(0.5, torch.zeros(2, 3, dtype=torch.float64))
    assert a.shape == (2, 3) and a.dtype == torch.float64 and float(a[0, 0]) == 0.5
    (c,) = broadcast_all(1)
    assert c.dtype == torch.float32 and c.shape == ()
    with pytest.raises(ValueError, match="Input arguments must all be instances"):
        broadcast_all([1.0], torch.zeros(1))


def test_probs_logits_round_trip():
    p = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)
    np.testing.assert_allclose(logits_to_probs(probs_to_logits(p, True), True).numpy(), p.numpy())
    np.testing.assert_allclose(probs_to_logits(p, True).numpy(), np.log(p.numpy() / (1 - p.numpy())))
    q = torch.tensor([0.2, 0.3, 0.5])
    np.testing.assert_allclose(logits_to_probs(probs_to_logits(q)).numpy(), q.numpy(), rtol=1e-6)
    edge = clamp_probs(torch.tensor([0.0, 1.0]))
    eps = float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(edge.numpy(), [eps, 1 - eps])
    assert np.isfinite(probs_to_logits(torch.tensor([0.0, 1.0]), True).numpy()).all()


def test_lazy_property_caches_once():
    calls = []

    class A:
        @lazy_property
        def x(self):
            calls.append(1)
            return 3

    a = A()
    assert a.x == 3 and a.x == 3 and len(calls) == 1
    assert "x" in a.__dict__


@pytest.mark.parametrize("c,x,expected", [
    (C.real, [0.0, math.nan, math.inf], [True, False, True]),
    (C.positive, [-1.0, 0.0, 2.0], [False, False, True]),
    (C.nonnegative, [-1.0, 0.0, 2.0], [False, True, True]),
    (C.unit_interval, [-0.1, 0.0, 1.0], [False, True, True]),
    (C.boolean, [0.0, 1.0, 0.5], [True, True, False]),
    (C.nonnegative_integer, [0.0, 1.5, 3.0], [True, False, True]),
    (C.integer_interval(0, 2), [0.0, 2.0, 3.0], [True, True, False]),
    (C.half_open_interval(0, 1), [0.0, 0.5, 1.0], [True, True, False]),
    (C.greater_than_eq(1), [0.5, 1.0, 2.0], [False, True, True]),
    (C.less_than(1), [0.5, 1.0, 2.0], [True, False, False]),
])
def test_constraint_checks(c, x, expected):
    np.testing.assert_array_equal(c.check(torch.tensor(x)).numpy(), expected)


def test_event_constraints():
    assert C.simplex.check(torch.tensor([[0.2, 0.8], [0.5, 0.6]])).tolist() == [True, False]
    assert C.one_hot.check(torch.tensor([[0.0, 1.0], [1.0, 1.0]])).tolist() == [True, False]
    assert C.real_vector.check(torch.tensor([[0.0, 1.0], [1.0, math.nan]])).tolist() == \
        [True, False]
    assert C.real_vector.event_dim == 1 and repr(C.real_vector) == "IndependentConstraint(Real(), 1)"
    pd = torch.tensor([[2.0, 0.1], [0.1, 1.0]])
    assert bool(C.positive_definite.check(pd)) and not bool(C.positive_definite.check(-pd))
    assert bool(C.lower_cholesky.check(torch.linalg.cholesky(pd)))
    assert not bool(C.lower_cholesky.check(pd))
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    with pytest.raises(ValueError):
        C.dependent.check(torch.zeros(1))


def test_validation_errors_and_switch():
    with pytest.raises(ValueError, match="to satisfy the constraint GreaterThan"):
        D.Normal(0.0, -1.0)
    D.Normal(0.0, -1.0, validate_args=False)  # no error without validation
    with pytest.raises(ValueError, match="The value argument to log_prob must be a Tensor"):
        D.Normal(0.0, 1.0).log_prob(0.5)
    with pytest.raises(ValueError, match="within the support"):
        D.Exponential(1.0).log_prob(torch.tensor(-1.0))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Categorical()
    D.Distribution.set_default_validate_args(False)
    try:
        assert not math.isnan(D.Exponential(1.0).log_prob(torch.tensor(-1.0)).item())
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Exponential(1.0).log_prob(torch.tensor(-1.0))


def test_base_class_raises_not_implemented():
    d = D.Distribution(validate_args=False)
    for attr in ("mean", "mode", "variance"):
        with pytest.raises(NotImplementedError):
            getattr(d, attr)
    for fn in (d.rsample, d.entropy, d.enumerate_support):
        with pytest.raises(NotImplementedError):
            fn()
    with pytest.raises(NotImplementedError):
        D.Bernoulli(0.5).rsample()


def test_expand_and_independent():
    d = D.Normal(torch.zeros(3), torch.ones(3)).expand((2, 3))
    assert d.batch_shape == (2, 3) and d.sample((4,)).shape == (4, 2, 3)
    ind = D.Independent(D.Normal(torch.zeros(2, 3), torch.ones(2, 3)), 1)
    assert ind.batch_shape == (2,) and ind.event_shape == (3,)
    x = torch.tensor([0.5, -0.5, 1.0])
    np.testing.assert_allclose(ind.log_prob(x).numpy(),
                               D.Normal(0.0, 1.0).log_prob(x).sum().numpy().repeat(2), rtol=1e-6)
    assert ind.has_rsample and not ind.has_enumerate_support
    assert repr(ind.support) == "IndependentConstraint(Real(), 1)"
    assert ind.expand((5, 2)).batch_shape == (5, 2)


class _MyNormal(D.Normal):
    pass


def test_kl_registry_dispatch_and_missing_pair():
    p, q = D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)
    expected = math.log(2) + (1 + 1) / 8 - 0.5
    np.testing.assert_allclose(D.kl_divergence(p, q).item(), expected, rtol=1e-6)
    np.testing.assert_allclose(D.kl_divergence(_MyNormal(0.0, 1.0), q).item(), expected, rtol=1e-6)

    @D.register_kl(_MyNormal, _MyNormal)
    def _kl(p, q):
        return torch.tensor(42.0)

    assert D.kl_divergence(_MyNormal(0.0, 1.0), _MyNormal(0.0, 1.0)).item() == 42.0
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Poisson(1.0), D.Normal(0.0, 1.0))
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


def test_reprs():
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(D.Categorical(torch.tensor([0.2, 0.8]))) == "Categorical(probs: torch.Size([2]))"
    assert repr(D.Beta(4, 0.4)) == "Beta()"
    assert repr(D.Uniform(0.0, 1.0).support) == "Interval(lower_bound=0.0, upper_bound=1.0)"


def test_cpp_extension():
    setuptools = pytest.importorskip("setuptools")  # like torch's, the module builds on it
    from setuptools.command.build_ext import build_ext

    import graphtorch.utils.cpp_extension as ce
    e = ce.CppExtension("myext", ["myext.cpp"], include_dirs=["inc"], extra_compile_args=["-O2"])
    assert isinstance(e, setuptools.Extension) and type(e).__name__ == "Extension"
    assert e.name == "myext" and e.sources == ["myext.cpp"] and e.language == "c++"
    assert e.include_dirs == ["inc"] and e.extra_compile_args == ["-O2"]
    assert ce.CUDAExtension("c", ["c.cu"]).language == "c++"
    assert issubclass(ce.BuildExtension, build_ext)
    assert issubclass(ce.BuildExtension.with_options(use_ninja=False), ce.BuildExtension)
    with pytest.raises(RuntimeError, match="no C.. extension ABI"):
        ce.load("x", ["x.cpp"])
    with pytest.raises(RuntimeError, match="no C.. extension ABI"):
        ce.load_inline("x", "int f();")
    assert ce.CUDA_HOME is None and ce.include_paths() == []
