"""Factories and random sampling as registry ops (ops/creation.py, ops/random_ops.py): eager
values against numpy, the kernels and metas directly (symbolic sizes), and a fake tracer that
sees every factory, draw and in-place sample go through dispatch."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
import graphtorch.nn.functional as F
from graphtorch.eager import dispatch
from graphtorch.ir import symbolic as Y
from graphtorch.ops import creation as OC
from graphtorch.ops import dtypes as D
from graphtorch.ops import random_ops as RO
from graphtorch.ops import registry as R

N = Y.SymInt(5, Y.sym("N"))


def _plain(v):
    if isinstance(v, Y.SymInt):
        return int.__int__(v)
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


class Recorder:
    """A fake tracer with the tracer interface: records each op, runs it untraced with the
    SymInts in its attributes replaced by their values (as the real tracer does)."""

    def __init__(self):
        self.calls = []

    def call(self, op, args, attrs):
        self.calls.append((op.name, args, dict(attrs)))
        return dispatch._call_plain(op, *args, **{k: _plain(v) for k, v in attrs.items()})

    def call_inplace(self, op, target, args, attrs):
        self.calls.append((op.name + "_", (target,) + tuple(args), dict(attrs)))
        return dispatch._call_inplace_plain(op, target, *args,
                                            **{k: _plain(v) for k, v in attrs.items()})

    def names(self):
        return [c[0] for c in self.calls]

    def find(self, name):
        return next(c for c in self.calls if c[0] == name)


@pytest.fixture
def rec():
    r, guards = Recorder(), []
    saved_guard = Y.GUARD_HOOK[0]
    dispatch.HOOKS.tracer = r
    Y.GUARD_HOOK[0] = lambda *a: guards.append(a)
    r.guards = guards
    try:
        yield r
    finally:
        dispatch.HOOKS.tracer = None
        Y.GUARD_HOOK[0] = saved_guard


# ------------------------------------------------------------------ eager values
def test_eager_factories_match_numpy():
    np.testing.assert_array_equal(gt.zeros(2, 3).numpy(), np.zeros((2, 3), np.float32))
    assert gt.ones(2, dtype=gt.int8).numpy().dtype == np.int8
    assert gt.full((2, 2), 7).dtype is gt.int64 and gt.full((2,), True).dtype is gt.bool
    assert gt.full((2,), 1.5).dtype is gt.float32 and gt.full((1,), 1j).dtype is gt.complex64
    np.testing.assert_array_equal(gt.arange(1, 10, 3).numpy(), np.arange(1, 10, 3))
    np.testing.assert_allclose(gt.arange(0.5, 3, 0.3, dtype=gt.float64).numpy(),
                               np.arange(0.5, 3, 0.3), rtol=1e-12)
    assert gt.arange(2.7, 9.1, 1.9, dtype=gt.int32).tolist() == [2, 3, 4, 5, 6, 7, 8]
    np.testing.assert_allclose(gt.linspace(0, 1, 5, dtype=gt.float64).numpy(),
                               np.linspace(0, 1, 5))
    np.testing.assert_allclose(gt.logspace(0, 2, 3, dtype=gt.float64).numpy(), [1, 10, 100])
    np.testing.assert_array_equal(gt.eye(2, 3).numpy(), np.eye(2, 3, dtype=np.float32))
    x = gt.zeros(3, 2, dtype=gt.float64)
    assert gt.full_like(x, 2).tolist() == [[2.0, 2.0]] * 3 and gt.empty_like(x).shape == (3, 2)
    assert x.new_zeros(2).dtype is gt.float64 and x.new_full((1, 2), 4).tolist() == [[4, 4]]
    assert gt.scalar_tensor(2, dtype=gt.int32).item() == 2
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        gt.zeros(2, -1)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        gt.arange(0, 3, 0)
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0"):
        gt.eye(-1)


def test_eager_random_is_the_generator_stream():
    gt.manual_seed(11)
    a = gt.rand(3, 4)
    ref = np.random.Generator(np.random.PCG64(11)).random((3, 4), dtype=np.float32)
    np.testing.assert_array_equal(a.numpy(), ref)
    gt.manual_seed(11)
    b = gt.randn(2, 3, dtype=gt.float64)
    ref = np.random.Generator(np.random.PCG64(11)).standard_normal((2, 3), dtype=np.float64)
    np.testing.assert_array_equal(b.numpy(), ref)
    gt.manual_seed(11)
    assert gt.rand(3, 4).tolist() == a.tolist()
    g = gt.Generator().manual_seed(4)
    c = gt.empty(5).uniform_(-1, 1, generator=g)
    g.manual_seed(4)
    assert gt.empty(5).uniform_(-1, 1, generator=g).tolist() == c.tolist()


# ------------------------------------------------------------------ kernels and metas
def test_factory_kernels_and_metas():
    out = OC.full.kernel(np, size=[2, 3], fill_value=1.5, dtype=D.float64)
    assert out.dtype == np.float64 and out.shape == (2, 3) and np.all(out == 1.5)
    assert OC.full.kernel(np, size=[2], fill_value=None, dtype=D.int32).dtype == np.int32
    spec = OC.full.meta(size=[N, 3], fill_value=0, dtype=D.float32, device=gt.device("cpu"))
    assert spec.shape == (Y.sym("N"), 3) and spec.dtype is D.float32 and spec.device == "cpu"
    assert OC.arange.meta(start=0, end=N, step=1, dtype=D.int64).shape == (Y.sym("N"),)
    two = OC.arange.meta(start=1, end=N, step=2, dtype=D.int64).shape[0]
    assert Y.evaluate(two, {"N": 9}) == len(range(1, 9, 2))
    assert OC.arange.kernel(np, start=0, end=N, step=1, dtype=D.int64).tolist() == \
        list(range(5))
    assert OC.linspace.meta(start=0, end=1, steps=N, dtype=D.float32).shape == (Y.sym("N"),)
    assert OC.eye.meta(n=N, dtype=D.float32).shape == (Y.sym("N"), Y.sym("N"))
    with pytest.raises(RuntimeError, match="negative dimension"):
        OC.full.meta(size=[-2], fill_value=0, dtype=D.float32)
    with pytest.raises(NotImplementedError):
        OC.arange.meta(start=0, end=3, step=1, dtype=D.bool)
    for op in (OC.full, OC.arange, OC.linspace, OC.logspace, OC.eye):
        assert R.get(op.name) is op and not op.differentiable and "random" not in op.tags


def test_random_kernels_draw_from_the_default_stream():
    ops = [RO.rand_uniform, RO.rand_normal, RO.randint, RO.randperm, RO.bernoulli,
           RO.poisson, RO.multinomial, RO.rand_exponential, RO.rand_geometric,
           RO.rand_log_normal, RO.rand_cauchy]
    for op in ops:
        assert op.tags == frozenset({"random"}) and not op.differentiable and op.vjp is None
    gt.manual_seed(2)
    a = RO.rand_uniform.kernel(np, size=[3], dtype=D.float64, low=2.0, high=4.0)
    gt.manual_seed(2)
    b = gt.empty(3, dtype=gt.float64).uniform_(2.0, 4.0)
    assert a.tolist() == b.tolist() and a.dtype == np.float64 and np.all((a >= 2) & (a < 4))
    r = RO.randint.kernel(np, size=[50], dtype=D.int16, low=3, high=6)
    assert r.dtype == np.int16 and set(r.tolist()) <= {3, 4, 5}
    m = RO.bernoulli.meta(_spec((2, 3)), p=0.5)
    assert m.shape == (2, 3) and m.dtype is D.float32
    with pytest.raises(RuntimeError):
        RO.bernoulli.meta(_spec((2, 3)), _spec((4,)))
    assert RO.multinomial.meta(_spec((2, 5)), num_samples=N).shape == (2, Y.sym("N"))
    assert RO.rand_normal.meta(size=[N, 2], dtype=D.float16).shape == (Y.sym("N"), 2)
    g = gt.Generator().manual_seed(1)
    x = RO.rand_normal.kernel(np, size=[4], dtype=D.float32, generator=g)
    g.manual_seed(1)
    assert gt.randn(4, generator=g).tolist() == x.tolist()


def _spec(shape, dtype=D.float32):
    from graphtorch.ops.meta import TensorSpec
    return TensorSpec(shape, dtype)


# ------------------------------------------------------------------ through a tracer
def test_traced_zeros_keeps_symbolic_size(rec):
    z = gt.zeros(N, 3)
    name, args, attrs = rec.find("full")
    assert args == () and attrs["size"] == [N, 3] and type(attrs["size"][0]) is Y.SymInt
    assert attrs["fill_value"] == 0 and attrs["dtype"] is gt.float32
    assert z.shape == (5, 3) and z.dtype is gt.float32 and not z.requires_grad
    assert rec.guards == []  # no specialization of N
    o = gt.ones(2, requires_grad=True)
    assert o.requires_grad and o.grad_fn is None


def test_traced_arange_and_space(rec):
    a = gt.arange(N)
    assert rec.find("arange")[2] == {"start": 0, "end": N, "step": 1, "dtype": gt.int64,
                                     "device": None}
    assert a.tolist() == [0, 1, 2, 3, 4] and rec.guards == []
    gt.linspace(0, 1, N)
    gt.eye(N)
    assert rec.names()[-2:] == ["linspace", "eye"] and rec.guards == []


def test_traced_rand_matches_eager(rec):
    gt.manual_seed(7)
    r = gt.rand(2, 3)
    assert rec.names() == ["rand_uniform"]
    assert rec.calls[0][2]["size"] == [2, 3] and rec.calls[0][2]["dtype"] is gt.float32
    dispatch.HOOKS.tracer = None
    gt.manual_seed(7)
    assert gt.rand(2, 3).tolist() == r.tolist()


def test_traced_new_zeros(rec):
    x = gt.ones(4, 2, dtype=gt.float64)
    rec.calls.clear()
    z = x.new_zeros(N, 2)
    assert rec.names() == ["full"] and rec.calls[0][2]["size"] == [N, 2]
    assert z.dtype is gt.float64 and z.shape == (5, 2)
    rec.calls.clear()
    m = x.new_empty(N, 2).bernoulli_(0.5)  # dropout's mask: sized from the traced input
    assert rec.names() == ["full", "bernoulli", "_random_values_"] and m.shape == (5, 2)
    assert rec.calls[0][2]["fill_value"] is None and rec.guards == []


def test_traced_dropout_draws_a_fresh_mask(rec):
    x = gt.ones(6, 8)
    rec.calls.clear()
    gt.manual_seed(3)
    y = F.dropout(x, 0.5, training=True)
    names = rec.names()
    assert "bernoulli" in names and "_random_values_" in names
    assert names.index("bernoulli") < names.index("_random_values_")
    _, args, attrs = rec.find("bernoulli")
    assert attrs["p"] == 0.5
    dispatch.HOOKS.tracer = None
    gt.manual_seed(3)
    assert F.dropout(x, 0.5, training=True).tolist() == y.tolist()
    assert F.dropout(x, 0.5, training=True).tolist() != y.tolist()


def test_traced_inplace_samplers(rec):
    t = gt.empty(3, 4)
    rec.calls.clear()
    t.uniform_(-1, 1)
    assert rec.names() == ["rand_uniform", "_random_values_"]
    assert rec.calls[0][2]["low"] == -1 and rec.calls[1][1][0] is t
    v = rec.calls[1][1][1]
    assert v.tolist() == t.tolist()
    half = gt.full((4,), 0.5)
    for fn, op in [(lambda: t.normal_(), "rand_normal"), (lambda: t.random_(5), "randint"),
                   (lambda: t.exponential_(), "rand_exponential"),
                   (lambda: t.bernoulli_(half), "bernoulli")]:
        rec.calls.clear()
        fn()
        assert rec.names() == [op, "_random_values_"]


def test_traced_random_factories_and_autograd(rec):
    x = gt.zeros(2, 3)
    for fn, op in [(lambda: gt.randn(N), "rand_normal"), (lambda: gt.randint(0, 4, (N,)),
                                                         "randint"),
                   (lambda: gt.randperm(N), "randperm"), (lambda: gt.rand_like(x),
                                                          "rand_uniform"),
                   (lambda: gt.poisson(gt.ones(3)), "poisson"),
                   (lambda: gt.multinomial(gt.ones(4), 2), "multinomial"),
                   (lambda: gt.normal(2.0, 1.0, (N,)), "rand_normal")]:
        rec.calls.clear()
        fn()
        assert op in rec.names(), op
    assert rec.guards == []
    w = gt.full((3,), 0.5, requires_grad=True)
    rec.calls.clear()
    b = gt.bernoulli(w)
    assert rec.names()[-2:] == ["bernoulli", "_random_values"]
    assert type(b.grad_fn).__name__ == "BernoulliBackward0"
    b.sum().backward()
    assert w.grad.tolist() == [0.0, 0.0, 0.0]
    m, s = gt.zeros(3, requires_grad=True), gt.ones(3)
    out = gt.normal(m, s)
    out.sum().backward()
    assert m.grad.tolist() == [1.0, 1.0, 1.0]
