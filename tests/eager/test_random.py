"""Random sampling: shapes, dtypes, ranges, moments (loose bounds), reproducibility, generator
state, in-place samplers on views, autograd nodes; torch.cuda and device moves without a GPU."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from helpers import raises_no_cuda
from graphtorch.eager.tensor import make_view

N = 20000


def _np(t):
    return t.detach().numpy().astype(np.float64)


def test_rand_randn_shapes_dtypes_moments():
    gt.manual_seed(0)
    u = gt.rand(N)
    assert u.dtype is gt.float32 and u.shape == (N,)
    a = _np(u)
    assert a.min() >= 0 and a.max() < 1 and abs(a.mean() - 0.5) < 0.02
    assert abs(a.var() - 1 / 12) < 0.01
    z = _np(gt.randn(100, 200, dtype=gt.float64))
    assert abs(z.mean()) < 0.03 and abs(z.var() - 1) < 0.05
    for dt in (gt.float16, gt.bfloat16, gt.float64, gt.complex64):
        assert gt.rand(3, 4, dtype=dt).dtype is dt and gt.randn((2,), dtype=dt).dtype is dt
    h = _np(gt.rand(N, dtype=gt.float16).float())
    assert h.max() < 1
    c = gt.randn(N, dtype=gt.complex128).numpy()
    assert abs(np.mean(np.abs(c) ** 2) - 1) < 0.05
    assert gt.rand(0, 3).shape == (0, 3) and gt.randn(()).shape == ()
    assert gt.rand(2, requires_grad=True).requires_grad


def test_like_variants():
    x = gt.zeros(3, 2, dtype=gt.float64)
    assert gt.rand_like(x).dtype is gt.float64 and gt.randn_like(x).shape == (3, 2)
    r = gt.randint_like(x, 5)
    assert r.dtype is gt.float64 and _np(r).max() < 5
    r = gt.randint_like(x, 2, 5)
    assert 2 <= _np(r).min() and _np(r).max() < 5
    with pytest.raises(NotImplementedError):
        gt.rand_like(gt.zeros(2, dtype=gt.int64))


def test_randint_randperm():
    r = gt.randint(3, 10, (50, 40))
    assert r.dtype is gt.int64 and r.shape == (50, 40)
    a = r.numpy()
    assert a.min() == 3 and a.max() == 9
    assert gt.randint(5, (3,)).numpy().max() < 5
    assert gt.randint(0, 2, (4,), dtype=gt.bool).dtype is gt.bool
    assert gt.randint(high=4, size=(2,)).shape == (2,)
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        gt.randint(5, 5, (2,))
    with pytest.raises(TypeError):
        gt.randint(3.5, (2,))
    with pytest.raises(RuntimeError, match="out of bounds"):
        gt.randint(0, 300, (2,), dtype=gt.uint8)
    p = gt.randperm(100)
    assert p.dtype is gt.int64 and sorted(p.tolist()) == list(range(100))
    assert gt.randperm(4, dtype=gt.float32).dtype is gt.float32
    with pytest.raises(RuntimeError):
        gt.randperm(-1)


def test_reproducibility_and_generators():
    gt.manual_seed(123)
    a = gt.randn(5)
    gt.manual_seed(123)
    assert gt.randn(5).tolist() == a.tolist()
    assert gt.initial_seed() == 123
    g1, g2 = gt.Generator().manual_seed(7), gt.Generator().manual_seed(7)
    assert gt.rand(4, generator=g1).tolist() == gt.rand(4, generator=g2).tolist()
    before = gt.randn(3, generator=g1)
    gt.manual_seed(0)
    gt.randn(100)  # the default generator is independent of g2
    assert gt.randn(3, generator=g2).tolist() == before.tolist()
    assert g1.manual_seed(5) is g1 and g1.initial_seed() == 5
    assert g1.device == gt.device("cpu")
    s = g1.seed()
    assert isinstance(s, int) and g1.initial_seed() == s
    assert gt.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1
    with pytest.raises(RuntimeError):
        gt.Generator().manual_seed(1.5)
    with pytest.raises(TypeError):
        gt.rand(2, generator=5)


def test_state_save_restore_and_fork_rng():
    g = gt.Generator().manual_seed(3)
    st = g.get_state()
    assert st.dtype is gt.uint8 and st.ndim == 1
    x = gt.rand(6, generator=g)
    g.set_state(st)
    assert gt.rand(6, generator=g).tolist() == x.tolist()
    gt.manual_seed(9)
    s = gt.get_rng_state()
    y = gt.randn(4)
    gt.set_rng_state(s)
    assert gt.randn(4).tolist() == y.tolist()
    gt.set_rng_state(s)
    with gt.random.fork_rng():
        gt.randn(10)
    assert gt.randn(4).tolist() == y.tolist()
    with pytest.raises(RuntimeError, match="size"):
        g.set_state(gt.zeros(3, dtype=gt.uint8))
    with pytest.raises(TypeError):
        g.set_state(gt.zeros(3))
    assert gt.seed() == gt.initial_seed()


def test_normal_overloads():
    gt.manual_seed(1)
    m = gt.full((N,), 3.0)
    a = _np(gt.normal(m, 2.0))
    assert abs(a.mean() - 3) < 0.1 and abs(a.std() - 2) < 0.1
    a = _np(gt.normal(1.0, gt.full((N,), 0.5)))
    assert abs(a.mean() - 1) < 0.05 and abs(a.std() - 0.5) < 0.05
    b = gt.normal(gt.zeros(2, 1), gt.ones(3))
    assert b.shape == (2, 3)
    c = gt.normal(2.0, 3.0, size=(4, 5), dtype=gt.float64)
    assert c.shape == (4, 5) and c.dtype is gt.float64
    assert gt.normal(0, 1, (2,)).dtype is gt.float32
    with pytest.raises(TypeError):
        gt.normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        gt.normal(gt.zeros(3), -1.0)
    with pytest.raises(RuntimeError, match="all elements of std"):
        gt.normal(gt.zeros(3), gt.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(RuntimeError):
        gt.normal(gt.zeros(3), gt.ones(2))
    mu = gt.zeros(3, requires_grad=True)
    sd = gt.ones(3, requires_grad=True)
    out = gt.normal(mu, sd)
    out.sum().backward()
    assert mu.grad.tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(sd.grad.numpy(), out.detach().numpy(), rtol=1e-6)


def test_bernoulli_multinomial_poisson():
    gt.manual_seed(2)
    p = gt.full((N,), 0.3)
    b = gt.bernoulli(p)
    assert b.dtype is gt.float32 and set(np.unique(b.numpy())) <= {0.0, 1.0}
    assert abs(_np(b).mean() - 0.3) < 0.02
    assert abs(_np(gt.bernoulli(gt.zeros(N), 0.8)).mean() - 0.8) < 0.02
    assert abs(_np(p.bernoulli()).mean() - 0.3) < 0.02
    with pytest.raises(RuntimeError):
        gt.bernoulli(gt.tensor([0.5, 2.0]))
    with pytest.raises(NotImplementedError):
        gt.bernoulli(gt.tensor([1, 0]))
    probs = gt.tensor([[0.1, 0.0, 0.9], [1.0, 1.0, 0.0]])
    s = gt.multinomial(probs, 1000, replacement=True)
    assert s.dtype is gt.int64 and s.shape == (2, 1000)
    assert 1 not in s.numpy()[0] and 2 not in s.numpy()[1]
    assert abs((s.numpy()[0] == 2).mean() - 0.9) < 0.05
    w = probs.multinomial(2)
    assert all(len(set(r)) == 2 for r in w.tolist())
    assert sorted(gt.multinomial(gt.ones(5), 5).tolist()) == list(range(5))
    for args, exc in [((gt.tensor([1.0, 1.0]), 3), RuntimeError),
                      ((gt.tensor([1.0, -1.0]), 1), RuntimeError),
                      ((gt.tensor([0.0, 0.0]), 1), RuntimeError),
                      ((gt.ones(2, 2, 2), 1), RuntimeError),
                      ((gt.tensor([1, 2]), 1), RuntimeError)]:
        with pytest.raises(exc):
            gt.multinomial(*args)
    r = gt.poisson(gt.full((N,), 4.0))
    assert r.dtype is gt.float32 and abs(_np(r).mean() - 4) < 0.1
    with pytest.raises(RuntimeError, match="non-negative"):
        gt.poisson(gt.tensor([-1.0]))


@pytest.mark.parametrize("method,args,check", [
    ("uniform_", (2.0, 5.0), lambda a: 2 <= a.min() and a.max() < 5 and abs(a.mean() - 3.5) < .05),
    ("normal_", (1.0, 2.0), lambda a: abs(a.mean() - 1) < 0.1 and abs(a.std() - 2) < 0.1),
    ("bernoulli_", (0.25,), lambda a: set(np.unique(a)) <= {0, 1} and abs(a.mean() - .25) < .02),
    ("random_", (3, 7), lambda a: a.min() == 3 and a.max() == 6),
    ("random_", (4,), lambda a: a.min() == 0 and a.max() == 3),
    ("random_", (), lambda a: a.min() >= 0 and a.max() <= 2 ** 24),
    ("exponential_", (2.0,), lambda a: a.min() >= 0 and abs(a.mean() - 0.5) < 0.03),
    ("geometric_", (0.5,), lambda a: a.min() >= 1 and abs(a.mean() - 2) < 0.1),
    ("log_normal_", (0.0, 0.5), lambda a: a.min() > 0 and abs(np.log(a).mean()) < 0.05),
    ("cauchy_", (1.0, 0.5), lambda a: abs(np.median(a) - 1) < 0.05),
])
def test_inplace_samplers(method, args, check):
    t = gt.zeros(N)
    v = t._version
    g = gt.Generator().manual_seed(11)
    out = getattr(t, method)(*args, generator=g)
    assert out is t and t._version == v + 1
    assert check(_np(t))
    t2 = gt.zeros(N)
    getattr(t2, method)(*args, generator=gt.Generator().manual_seed(11))
    assert t2.tolist() == t.tolist()


def test_inplace_writes_into_views_and_dtypes():
    base = gt.zeros(4, 5)
    view = make_view(base._data[1:3, ::2], base)
    view.uniform_(1.0, 2.0)
    a = base.numpy()
    assert (a[1:3, ::2] >= 1).all() and (a[0] == 0).all() and (a[1:3, 1::2] == 0).all()
    assert base._version == 1
    i = gt.zeros(1000, dtype=gt.int64).random_(-5, 0)
    assert i.numpy().min() >= -5 and i.numpy().max() < 0
    assert gt.zeros(10, dtype=gt.bool).random_().dtype is gt.bool
    assert set(gt.zeros(100, dtype=gt.int64).bernoulli_(0.5).tolist()) <= {0, 1}
    assert gt.zeros(10, dtype=gt.int32).geometric_(0.3).numpy().min() >= 1
    pb = gt.zeros(6).bernoulli_(gt.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]))
    assert pb.tolist() == [0, 1, 0, 1, 0, 1]


@pytest.mark.parametrize("call,exc", [
    (lambda: gt.zeros(3, dtype=gt.int64).uniform_(), NotImplementedError),
    (lambda: gt.zeros(3, dtype=gt.int64).normal_(), NotImplementedError),
    (lambda: gt.zeros(3, dtype=gt.int64).exponential_(), RuntimeError),
    (lambda: gt.zeros(3, dtype=gt.int64).log_normal_(), NotImplementedError),
    (lambda: gt.zeros(3, dtype=gt.int64).cauchy_(), RuntimeError),
    (lambda: gt.zeros(3).uniform_(2, 1), RuntimeError),
    (lambda: gt.zeros(3).normal_(0, -1), RuntimeError),
    (lambda: gt.zeros(3).exponential_(-1), RuntimeError),
    (lambda: gt.zeros(3).geometric_(0), RuntimeError),
    (lambda: gt.zeros(3).geometric_(1.5), RuntimeError),
    (lambda: gt.zeros(3).log_normal_(1, -2), RuntimeError),
    (lambda: gt.zeros(3).bernoulli_(2.0), RuntimeError),
    (lambda: gt.zeros(3).cauchy_(0, -1), RuntimeError),
    (lambda: gt.zeros(3).random_(5, 3), RuntimeError),
    (lambda: gt.zeros(3, dtype=gt.uint8).random_(-1, 3), RuntimeError),
    (lambda: gt.zeros(3, dtype=gt.uint8).random_(0, 300), RuntimeError),
    (lambda: gt.rand(2, dtype=gt.int64), NotImplementedError),
    (lambda: gt.randn(2, dtype=gt.int64), NotImplementedError),
])
def test_sampler_errors(call, exc):
    with pytest.raises(exc):
        call()


def test_autograd_nodes():
    x = gt.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.uniform_()
    with gt.no_grad():
        x.normal_()  # initialisation under no_grad is allowed
    names = {"uniform_": "UniformBackward0", "normal_": "NormalBackward0",
             "bernoulli_": "BernoulliBackward2", "exponential_": "ExponentialBackward0",
             "cauchy_": "CauchyBackward0", "log_normal_": "LogNormalBackward0"}
    for m, name in names.items():
        y = x * 2
        getattr(y, m)()
        assert type(y.grad_fn).__name__ == name
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
        x.grad = None
    y = x * 2
    assert type(y.random_().grad_fn).__name__ == "RandomBackward2"
    assert type((x * 2).random_(5).grad_fn).__name__ == "RandomBackward1"
    assert type((x * 2).random_(1, 5).grad_fn).__name__ == "RandomBackward0"
    half = gt.full((3,), 0.5, requires_grad=True)
    assert type(gt.bernoulli(half).grad_fn).__name__ == "BernoulliBackward0"
    assert type(gt.poisson(half).grad_fn).__name__ == "PoissonBackward0"


# ------------------------------------------------------------------ torch.cuda and transfer
def test_cuda_namespace_without_gpu():
    if gt.cuda.is_available():
        pytest.skip("a GPU is present")
    assert gt.cuda.device_count() == 0
    gt.cuda.manual_seed(1)
    gt.cuda.manual_seed_all(1)
    gt.cuda.empty_cache()
    assert gt.cuda.memory_allocated() == 0
    for fn in (gt.cuda.get_device_name, gt.cuda.current_device, gt.cuda.synchronize,
               lambda: gt.cuda.set_device(0)):
        with raises_no_cuda():
            fn()
    with raises_no_cuda():
        gt.ones(2).cuda()
    with raises_no_cuda():
        gt.ones(2).to("cuda")
    with gt.cuda.amp.autocast():
        pass
    scaler = gt.cuda.amp.GradScaler()
    assert not scaler.is_enabled() and scaler.scale(3.0) == 3.0
    import graphtorch.cuda.amp  # noqa: F401


def test_to_device_cpu_is_differentiable():
    from graphtorch.eager.transfer import to_device
    x = gt.ones(3, requires_grad=True)
    y = to_device(x, "cpu")
    assert type(y.grad_fn).__name__ == "ToCopyBackward0"
    (y * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    assert not np.shares_memory(y._data, x._data)


@pytest.mark.gpu
@pytest.mark.skipif(not gt.cuda.is_available(), reason="needs an NVIDIA GPU")
def test_gpu_round_trip_and_random():
    x = gt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device.type == "cuda" and type(y.grad_fn).__name__ == "ToCopyBackward0"
    assert "device='cuda:0'" in repr(y.detach())
    (y.cpu() * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    gt.cuda.manual_seed(4)
    a = gt.rand(5, device="cuda")
    gt.cuda.manual_seed(4)
    assert a.cpu().tolist() == gt.rand(5, device="cuda").cpu().tolist()
    z = gt.zeros(4, device="cuda").normal_()
    assert z.device.type == "cuda" and z._version == 1
    assert isinstance(gt.cuda.get_device_name(), str) and gt.cuda.device_count() >= 1


def test_poisson_zero_dim_keeps_shape_and_dtype():
    gt.manual_seed(0)
    for dt in (gt.float32, gt.float64):
        out = gt.poisson(gt.tensor(4.0, dtype=dt))
        assert out.shape == () and out.dtype == dt
        assert float(out) >= 0 and float(out) == round(float(out))
