"""Random sampling as ops (tagged "random": impure, never CSE'd, folded or reordered).

Factories (no tensor inputs): ``rand_uniform``, ``rand_normal``, ``randint``, ``randperm`` and
the distributions behind the in-place samplers (``rand_exponential``, ``rand_geometric``,
``rand_log_normal``, ``rand_cauchy``).  Tensor-parameterized: ``bernoulli``, ``poisson``,
``multinomial``.  None is differentiable: the API adds PyTorch's zero-gradient node
(``_random_values``) where a sampled tensor must stay in the autograd graph.

Kernels draw, at call time, from a numpy stream supplied by ``SOURCE[0](generator, device)``.
graphtorch/api/random.py installs it (the eager generators live in graphtorch.eager, which ops
must not import): ``generator=None`` means the device's default generator, so a traced graph
draws fresh numbers from torch's default stream on every call, exactly as eager code does.
The samplers below are the eager ones, so eager results and manual_seed reproducibility are
the same whichever path draws them."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .creation import spec_device, sym_dim
from .meta import TensorSpec, broadcast_shapes, fmt_shape
from .registry import OpDef, Sample, register

__all__ = ["SOURCE", "stream", "uniform", "normal", "integers"]

# SOURCE[0]: fn(generator | None, device | None) -> numpy.random.Generator
SOURCE = [None]
_FALLBACK = []
RANDOM = frozenset({"random"})
FLOATS = (D.float16, D.bfloat16, D.float32, D.float64)
FLOATS_C = FLOATS + (D.complex64, D.complex128)


def stream(generator=None, device=None) -> np.random.Generator:
    """The numpy stream a random kernel draws from."""
    src = SOURCE[0]
    if src is not None:
        return src(generator, device)
    if not _FALLBACK:  # ops used without the eager layer: a private stream
        _FALLBACK.append(np.random.default_rng())
    return _FALLBACK[0]


def _shape(size) -> tuple:
    return tuple(int.__int__(s) if isinstance(s, int) else int(s) for s in size)


# ---------------------------------------------------------------- samplers (numpy arrays)
def uniform(rng, shape, dt, lo=0.0, hi=1.0):
    """Uniform [lo, hi) in ``dt``; half types are drawn on their own grid so that the upper
    bound is never reached by rounding."""
    if dt.category == D._COMPLEX:
        r = dt.to_real()
        return (uniform(rng, shape, r, lo, hi) + 1j * uniform(rng, shape, r, lo, hi)) \
            .astype(dt.np)
    if dt in (D.float16, D.bfloat16):
        bits = 11 if dt is D.float16 else 8
        u = np.floor(rng.random(shape) * 2 ** bits) / 2 ** bits
    else:
        u = rng.random(shape, dtype=dt.np)
    if lo == 0.0 and hi == 1.0:
        return u.astype(dt.np)
    return (lo + (hi - lo) * u.astype(np.float64)).astype(dt.np)


def normal(rng, shape, dt, mean=0.0, std=1.0):
    """Normal(mean, std) samples in ``dt``."""
    if dt.category == D._COMPLEX:  # torch: real and imaginary parts each have variance 1/2
        r = dt.to_real()
        z = normal(rng, shape, r) + 1j * normal(rng, shape, r)
        return (mean + std * z / np.sqrt(2)).astype(dt.np)
    work = dt.np if dt in (D.float32, D.float64) else np.float32
    z = rng.standard_normal(shape, dtype=work)
    if mean == 0.0 and std == 1.0:
        return z.astype(dt.np)
    return (mean + std * z.astype(np.float64)).astype(dt.np)


def integers(rng, lo, hi, shape, dt):
    """Integers uniform in [lo, hi) (hi may be 2**63), cast to ``dt``."""
    return rng.integers(lo, hi - 1, size=shape, dtype=np.int64, endpoint=True).astype(dt.np)


# ---------------------------------------------------------------- factories
def _size_meta(*, size, dtype, device=None, generator=None, **_):
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    shape = tuple(sym_dim(s) for s in size)
    for d in shape:
        if type(d) is int and d < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {d}: "
                               f"{fmt_shape(shape)}")
    return TensorSpec(shape, dtype, spec_device(device))


def _factory_samples(dt, **attrs):
    return [Sample((), {"size": [3, 4], "dtype": dt, **attrs}, grad=False),
            Sample((), {"size": [], "dtype": dt, **attrs}, grad=False),
            Sample((), {"size": [0, 2], "dtype": dt, **attrs}, grad=False)]


def _factory(name, draw, dtypes, doc, **sample_attrs):
    """Register a no-input sampler: ``draw(rng, shape, dtype, **params)`` gives the array."""
    def kernel(xp, *, size, dtype, device=None, generator=None, **params):
        return draw(stream(generator, device), _shape(size), dtype, **params)
    return register(OpDef(
        name=name, kernel=kernel, meta=_size_meta, dtypes=dtypes, differentiable=False,
        tags=RANDOM, samples=lambda dt: _factory_samples(dt, **sample_attrs), doc=doc))


def _draw_uniform(rng, shape, dt, low=0.0, high=1.0):
    return uniform(rng, shape, dt, low, high)


def _draw_normal(rng, shape, dt, mean=0.0, std=1.0):
    return normal(rng, shape, dt, mean, std)


def _draw_randint(rng, shape, dt, low=0, high=2):
    return integers(rng, low, high, shape, dt)


def _draw_exponential(rng, shape, dt, lambd=1.0):
    return rng.exponential(1.0 / lambd, shape).astype(dt.np)


def _draw_geometric(rng, shape, dt, p=0.5):
    return rng.geometric(p, shape).astype(dt.np)


def _draw_log_normal(rng, shape, dt, mean=1.0, std=2.0):
    return rng.lognormal(mean, std, shape).astype(dt.np)


def _draw_cauchy(rng, shape, dt, median=0.0, sigma=1.0):
    return (median + sigma * rng.standard_cauchy(shape)).astype(dt.np)


rand_uniform = _factory("rand_uniform", _draw_uniform, FLOATS_C,
                        "samples uniform in [low, high) (torch.rand, Tensor.uniform_)",
                        low=-1.0, high=2.0)
rand_normal = _factory("rand_normal", _draw_normal, FLOATS_C,
                       "samples of N(mean, std**2) (torch.randn, Tensor.normal_)",
                       mean=1.0, std=0.5)
randint = _factory("randint", _draw_randint, S.ALL_REAL,
                   "integers uniform in [low, high) (torch.randint, Tensor.random_)",
                   low=0, high=2)
rand_exponential = _factory("rand_exponential", _draw_exponential, FLOATS,
                            "exponential samples with rate lambd (Tensor.exponential_)",
                            lambd=2.0)
rand_geometric = _factory("rand_geometric", _draw_geometric, S.ALL_REAL,
                          "trials up to the first Bernoulli(p) success (Tensor.geometric_)",
                          p=0.3)
rand_log_normal = _factory("rand_log_normal", _draw_log_normal, FLOATS,
                           "samples whose log is N(mean, std**2) (Tensor.log_normal_)",
                           mean=0.0, std=1.0)
rand_cauchy = _factory("rand_cauchy", _draw_cauchy, FLOATS,
                       "Cauchy samples (Tensor.cauchy_)", median=0.0, sigma=1.0)


def _randperm_kernel(xp, *, n, dtype, device=None, generator=None):
    return stream(generator, device).permutation(_shape((n,))[0]).astype(dtype.np)


def _randperm_meta(*, n, dtype, device=None, generator=None):
    return _size_meta(size=(n,), dtype=dtype, device=device)


randperm = register(OpDef(
    name="randperm", kernel=_randperm_kernel, meta=_randperm_meta, differentiable=False,
    tags=RANDOM, dtypes=(D.int64, D.int32, D.float32, D.float64),
    samples=lambda dt: [Sample((), {"n": 5, "dtype": dt}, grad=False),
                        Sample((), {"n": 0, "dtype": dt}, grad=False)],
    doc="a random permutation of 0 .. n-1"))


# ---------------------------------------------------------------- tensor-parameterized
def _bernoulli_kernel(xp, x, probs=None, *, p=None, device=None, generator=None):
    """0/1 in x's dtype and shape: probabilities ``probs`` (a tensor), else ``p``, else x."""
    q = probs.astype(np.float64) if probs is not None else p if p is not None else \
        x.astype(np.float64)
    rng = stream(generator, device)
    return (rng.random(x.shape) < q).astype(x.dtype)


def _bernoulli_meta(x, probs=None, *, p=None, device=None, generator=None):
    if probs is not None:
        shape = broadcast_shapes(x.shape, probs.shape, op="bernoulli_")
        if shape != tuple(x.shape):
            raise RuntimeError(f"bernoulli_: probabilities of shape {fmt_shape(probs.shape)} "
                               f"do not broadcast to the output shape {fmt_shape(x.shape)}")
    elif p is None and x.dtype.category < D._FLOAT:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{D.SCALAR_NAMES[x.dtype]}'")
    return TensorSpec(tuple(x.shape), x.dtype, x.device)


def _bernoulli_samples(dt):
    out = [Sample((S.array((3, 4), dt),), {"p": 0.3}, grad=False),
           Sample((S.array((2, 3), dt), S.array((3,), D.float64, 1, 0.0, 1.0)), {}, grad=False)]
    if dt.category >= D._FLOAT:
        out.append(Sample((S.array((3, 2), dt, 2, 0.0, 1.0),), {}, grad=False))
    return out


bernoulli = register(OpDef(
    name="bernoulli", kernel=_bernoulli_kernel, meta=_bernoulli_meta, differentiable=False,
    tags=RANDOM, samples=_bernoulli_samples, dtypes=S.ALL_REAL,
    doc="0/1 samples shaped like x: probabilities from the tensor probs, the number p, or x"))


def _poisson_kernel(xp, x, *, device=None, generator=None):
    # numpy returns a Python int for 0-dim input
    return np.asarray(stream(generator, device).poisson(x.astype(np.float64))).astype(x.dtype)


poisson = register(OpDef(
    name="poisson", kernel=_poisson_kernel, differentiable=False, tags=RANDOM,
    meta=lambda x, **_: TensorSpec(tuple(x.shape), x.dtype, x.device), dtypes=FLOATS,
    samples=lambda dt: [Sample((S.array((3, 4), dt, 0, 0.0, 4.0),), {}, grad=False)],
    doc="Poisson samples with rates x, in x's dtype"))


def _sample_row(rng, p, n, replacement):
    if replacement:
        cdf = np.cumsum(p)
        idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
        return np.minimum(idx, len(p) - 1)
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=len(p)) / p  # exponential race: smallest keys win
    return np.argsort(keys, kind="stable")[:n]


def _multinomial_kernel(xp, x, *, num_samples, replacement=False, device=None,
                        generator=None):
    k = x.shape[-1]
    probs = x.astype(np.float64).reshape(-1, k)
    rng = stream(generator, device)
    rows = [_sample_row(rng, row, num_samples, replacement) for row in probs]
    return np.stack(rows).reshape(x.shape[:-1] + (num_samples,)).astype(np.int64)


def _multinomial_meta(x, *, num_samples, replacement=False, device=None, generator=None):
    if x.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if x.dtype.category != D._FLOAT:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{D.SCALAR_NAMES[x.dtype]}")
    n = sym_dim(num_samples)
    if type(n) is int and n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    return TensorSpec(tuple(x.shape[:-1]) + (n,), D.int64, x.device)


multinomial = register(OpDef(
    name="multinomial", kernel=_multinomial_kernel, meta=_multinomial_meta,
    differentiable=False, tags=RANDOM, dtypes=FLOATS,
    samples=lambda dt: [Sample((S.array((2, 5), dt, 0, 0.1, 1.0),),
                               {"num_samples": 3}, grad=False),
                        Sample((S.array((4,), dt, 1, 0.1, 1.0),),
                               {"num_samples": 6, "replacement": True}, grad=False)],
    doc="indices drawn from the categorical distributions in the rows of x"))
