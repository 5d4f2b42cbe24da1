"""Random sampling: rand/randn/randint/randperm (and _like), normal, bernoulli, multinomial,
poisson, the in-place samplers (uniform_, normal_, random_, ...), seeding, and the namespace
entries of the printing and device seams (set_printoptions, torch.cuda).

Numbers are drawn by the random ops of graphtorch/ops/random_ops.py, whose kernels read the
generators through ``random_ops.SOURCE`` (installed here).  In eager mode the kernels are run
directly; while tracing every draw goes through dispatch, so the tracer records a random node
(in-place samplers then write its result with the in-place ``_random_values`` op)."""
from __future__ import annotations

import numpy as np

from .. import random as _random
from ..eager import dispatch as _dispatch
from ..eager import printing
from ..eager.dispatch import call, call_inplace
from ..eager.generator import Generator, default_generator
from ..eager.grad_mode import STATE
from ..eager.tensor import Tensor, wrap
from ..ops import dtypes as D
from ..ops import random_ops as RO
from ..ops import registry as R
from ._bind import both, tensor_method, torch_function
from .creation import _build, _dt, _out, _plain, _shape, _size_of

_values_op = R.get("_random_values")
_C_NAMES = {D.int64: "long int", D.int32: "int", D.int16: "short int", D.int8: "signed char",
            D.uint8: "unsigned char", D.bool: "bool"}


def _g(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _stream(generator, device=None) -> np.random.Generator:
    """The numpy stream of ``generator`` (default: the device's default generator)."""
    if generator is None:
        if device is not None and device.type == "cuda":
            from .. import cuda
            return cuda.default_generator(device.index or 0)._np
        return default_generator._np
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator for argument 'generator', got "
                        f"{type(generator).__name__}")
    return generator._np


RO.SOURCE[0] = _stream  # the random ops draw from the generators of the eager layer


def _draw(op, attrs, args=()):
    """Run random ``op``: its kernel on arrays in eager mode (an array comes back), through
    dispatch while tracing so that the draw is recorded (a Tensor comes back)."""
    if _dispatch.HOOKS.tracer is not None:
        return call(op, *args, **attrs)
    return op.kernel(np, *[a._data if isinstance(a, Tensor) else a for a in args], **attrs)


def _attrs(size, dtype, generator, device, **params):
    """A random factory's attributes (``generator`` only when one is given)."""
    out = {"size": list(size), "dtype": dtype, "device": device, **params}
    if generator is not None:
        out["generator"] = generator
    return out


def _not_impl(kernel, dt):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{D.SCALAR_NAMES[dt]}'")


def _factory_dtype(dtype, out):
    return _dt(dtype) or (out._dtype if isinstance(out, Tensor) else D.get_default_dtype())


def _dev(device):
    from ..eager.device import as_device
    return as_device(device) if device is not None else None


# ------------------------------------------------------------------ factories
@torch_function
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples in [0, 1) of shape ``size``."""
    dt = _factory_dtype(dtype, out)
    if dt.category < D._FLOAT:
        raise _not_impl("check_uniform_bounds", dt)
    _stream(generator)  # a bad generator= is a TypeError before anything is recorded
    attrs = _attrs(_shape(size, "rand"), dt, generator, _dev(device))
    return _build(RO.rand_uniform, attrs, _dt(dtype), out, device, requires_grad)


@torch_function
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples of shape ``size``."""
    dt = _factory_dtype(dtype, out)
    if dt.category < D._FLOAT:
        raise _not_impl("normal_kernel_cpu", dt)
    _stream(generator)
    attrs = _attrs(_shape(size, "randn"), dt, generator, _dev(device))
    return _build(RO.rand_normal, attrs, _dt(dtype), out, device, requires_grad)


def _like_args(input, dtype, device):
    return _dt(dtype) or input._dtype, input.device if device is None else device


@torch_function
def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None):
    """Uniform [0, 1) samples with the shape of ``input``."""
    dt, dev = _like_args(input, dtype, device)
    return rand(_size_of(input), generator=generator, dtype=dt, device=dev,
                requires_grad=requires_grad)


@torch_function
def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None):
    """Standard normal samples with the shape of ``input``."""
    dt, dev = _like_args(input, dtype, device)
    return randn(_size_of(input), generator=generator, dtype=dt, device=dev,
                 requires_grad=requires_grad)


def _int_arg(v, name, pos):
    if isinstance(v, Tensor) and v.numel() == 1 and v._dtype.category <= D._INT:
        return int(v.item())
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"randint(): argument '{name}' (position {pos}) must be int, not "
                        f"{type(v).__name__}")
    return v if isinstance(v, int) else int(v)  # a SymInt stays symbolic


def _check_range(lo, hi, dt, op="random_"):
    """PyTorch's bounds checks for discrete uniform sampling into ``dt``."""
    if lo >= hi:
        raise RuntimeError(f"{op} expects 'from' to be less than 'to', but got from={lo} >= "
                           f"to={hi}")
    if dt.category <= D._INT:
        info_min, info_max = (0, 1) if dt is D.bool else (int(np.iinfo(dt.np).min),
                                                          int(np.iinfo(dt.np).max))
        if not info_min <= lo <= info_max:
            raise RuntimeError(f"from is out of bounds for {_C_NAMES[dt]}")
        if not info_min <= hi - 1 <= info_max:
            raise RuntimeError(f"to - 1 is out of bounds for {_C_NAMES[dt]}")


@torch_function
def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False, low=None, high=None, size=None):
    """Integers uniform in [low, high) of shape ``size``: ``randint(high, size)`` or
    ``randint(low, high, size)`` (dtype int64 unless given)."""
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if high is None or size is None:
        raise TypeError("randint() missing required arguments 'high' and 'size'")
    lo, hi = _int_arg(low, "low", 0), _int_arg(high, "high", 1)
    dt = _dt(dtype) or (out._dtype if isinstance(out, Tensor) else D.int64)
    _check_range(_plain(lo), _plain(hi), dt)
    _stream(generator)
    attrs = _attrs(_shape((size,), "randint"), dt, generator, _dev(device), low=lo, high=hi)
    return _build(RO.randint, attrs, _dt(dtype), out, device, requires_grad)


@torch_function
def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None):
    """Integers uniform in [low, high) with the shape (and dtype) of ``input``."""
    if high is None:
        low, high = 0, low
    dt, dev = _like_args(input, dtype, device)
    return randint(low, high, _size_of(input), generator=generator, dtype=dt, device=dev,
                   requires_grad=requires_grad)


@torch_function
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0 .. n-1 (int64 unless ``dtype`` is given)."""
    n = _int_arg(n, "n", 0)
    _shape((n,), "randperm")
    dt = _dt(dtype) or (out._dtype if isinstance(out, Tensor) else D.int64)
    if dt.category <= D._INT and dt is not D.bool and _plain(n) - 1 > np.iinfo(dt.np).max:
        raise RuntimeError(f"n is too large for result tensor type: '{D.SCALAR_NAMES[dt]}'")
    _stream(generator)
    attrs = {"n": n, "dtype": dt, "device": _dev(device)}
    if generator is not None:
        attrs["generator"] = generator
    return _build(RO.randperm, attrs, _dt(dtype), out, device, requires_grad)


# ------------------------------------------------------------------ distributions on tensors
def _host(t):
    a = t._data
    return a if isinstance(a, np.ndarray) else a.get()


def _on(arr, like: Tensor):
    """``arr`` (an array, or a tensor drawn while tracing) as a tensor on ``like``'s device."""
    t = arr if isinstance(arr, Tensor) else wrap(arr)
    return t if like.device.type == "cpu" else t.to(like.device)


def _with_zero_grad(input, values, grad_name):
    """``values`` as a result of ``input``: a node named ``grad_name`` with zero gradient."""
    v = _on(values, input)
    if STATE.enabled and input._requires_grad:
        return call(_values_op, input, v, grad=grad_name)
    return v


@torch_function
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, pin_memory=False, requires_grad=False):
    """Normal samples: ``normal(mean_tensor, std_tensor)``, ``normal(mean_tensor, std=1.0)``,
    ``normal(mean, std_tensor)`` or ``normal(mean, std, size)``; differentiable in tensor
    ``mean`` and ``std``."""
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one "
                            "of: (Tensor mean, Tensor std), (Tensor mean, float std), "
                            "(float mean, Tensor std), (float mean, float std, tuple of ints "
                            "size)")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
        dt = _factory_dtype(dtype, out)
        if dt.category < D._FLOAT:
            raise _not_impl("normal_kernel_cpu", dt)
        _stream(generator)
        attrs = _attrs(_shape((size,), "normal"), dt, generator, _dev(device), mean=mean,
                       std=std)
        return _build(RO.rand_normal, attrs, _dt(dtype), out, device, requires_grad)
    from ..ops.meta import broadcast_shapes
    shapes = [_size_of(t) for t in (mean, std) if isinstance(t, Tensor)]
    shape = broadcast_shapes(*shapes)
    dts = [t._dtype for t in (mean, std) if isinstance(t, Tensor)]
    dt = dts[0] if len(dts) == 1 else D.promote_types(*dts)
    if dt.category < D._FLOAT:
        raise _not_impl("normal_kernel_cpu", dt)
    if not st and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    if st and np.any(_host(std) < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    like = mean if mt else std
    eps = _draw(RO.rand_normal, _attrs(shape, dt, generator, like.device))
    if isinstance(eps, Tensor) or STATE.enabled and any(
            isinstance(t, Tensor) and t._requires_grad for t in (mean, std)):
        res = _on(eps, like) * std + mean  # differentiable in mean and std
    else:
        m = _host(mean) if mt else mean
        s = _host(std) if st else std
        res = _on(np.asarray(m + s * eps).astype(dt.np), like)
    if out is not None:
        return _out(_host(res.detach()), out, None)
    return res


@both
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities ``input`` (or a scalar ``p``), in input's dtype."""
    _stream(generator)
    args, attrs = (input,), _rand_attrs(generator, input.device)
    if p is None:
        if input._dtype.category < D._FLOAT:
            raise _not_impl("bernoulli_tensor_cpu_p_", input._dtype)
        probs = _host(input).astype(np.float64)
        if not np.all((probs >= 0) & (probs <= 1)):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                               "(Could this error message be improved?  If so, please report "
                               "an enhancement request to PyTorch.)")
    elif isinstance(p, Tensor):
        args += (p,)
    else:
        attrs["p"] = _check_p(p, "bernoulli_")
    vals = _draw(RO.bernoulli, attrs, args)
    res = _with_zero_grad(input, vals, "BernoulliBackward0")
    return res if out is None else _out(vals, out, None)


def _rand_attrs(generator, device):
    """Attributes of a tensor-parameterized random op (``generator`` only when given)."""
    return {"device": device} if generator is None else \
        {"device": device, "generator": generator}


def _check_p(p, op):
    if isinstance(p, Tensor):
        return _host(p).astype(np.float64)
    if not 0 <= p <= 1:
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p={_g(p)}")
    return p


@both
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices sampled from the categorical distributions in the rows of ``input``."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input._dtype.category != D._FLOAT:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{D.SCALAR_NAMES[input._dtype]}")
    k = input._data.shape[-1]
    if _plain(num_samples) <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and _plain(num_samples) > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    probs = _host(input).astype(np.float64).reshape(-1, k)
    if not np.all(np.isfinite(probs) & (probs >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(probs.sum(-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    _stream(generator)
    attrs = dict(_rand_attrs(generator, input.device), num_samples=num_samples,
                 replacement=replacement)
    arr = _draw(RO.multinomial, attrs, (input,))
    return _out(arr, out, None) if out is not None else _on(arr, input)


@torch_function
def poisson(input, generator=None):
    """Poisson samples with rates ``input`` (same dtype as ``input``)."""
    if input._dtype.category != D._FLOAT:
        raise _not_impl("poisson_cpu", input._dtype)
    rates = _host(input).astype(np.float64)
    if np.any(rates < 0) or np.any(np.isnan(rates)):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    _stream(generator)
    vals = _draw(RO.poisson, _rand_attrs(generator, input.device), (input,))
    return _with_zero_grad(input, vals, "PoissonBackward0")


# ------------------------------------------------------------------ in-place samplers
def _fill_(self, values, grad_name):
    """Write sampled ``values`` into ``self`` in place (views see it; version bumped); on a
    tensor that requires grad, autograd records ``grad_name`` with a zero gradient."""
    if STATE.enabled and self._requires_grad:
        return call_inplace(_values_op, self, _on(values, self), grad=grad_name)
    if not isinstance(self._data, np.ndarray):
        import cupy
        self._data[...] = cupy.asarray(values)
    elif not self._data.flags.writeable:
        raise RuntimeError("unsupported operation: the tensor's memory is read-only")
    else:
        np.copyto(self._data, values, casting="unsafe")
    self._vc[0] += 1
    return self


def _sample_into(self, op, grad_name, attrs, args=()):
    """Fill ``self`` with a draw of random ``op``; while tracing, the draw and the in-place
    write (``_random_values``) are both recorded."""
    vals = _draw(op, attrs, args)
    if isinstance(vals, Tensor):
        return call_inplace(_values_op, self, vals, grad=grad_name)
    return _fill_(self, vals, grad_name)


def _size_attrs(self, generator, dtype=None, **params):
    """Attributes of a factory op drawing a tensor shaped like ``self``."""
    _stream(generator)  # a bad generator= is a TypeError before anything is recorded
    return _attrs(_size_of(self), dtype or self._dtype, generator, self.device, **params)


def _float_only(self, kernel):
    if self._dtype.category < D._FLOAT:
        raise _not_impl(kernel, self._dtype)


@tensor_method
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    """Fill with samples uniform in [from, to)."""
    from_ = kw.pop("from", from_)
    _float_only(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_g(from_)} > to={_g(to)}")
    return _sample_into(self, RO.rand_uniform, "UniformBackward0",
                        _size_attrs(self, generator, low=from_, high=to))


@tensor_method
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std**2)."""
    _float_only(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    return _sample_into(self, RO.rand_normal, "NormalBackward0",
                        _size_attrs(self, generator, mean=mean, std=std))


@tensor_method
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 samples, 1 with probability ``p`` (a number or a tensor)."""
    probs = _check_p(p, "bernoulli_")
    if isinstance(p, Tensor):
        from ..ops.meta import broadcast_shapes
        broadcast_shapes(self._data.shape, p._data.shape)
    _stream(generator)
    attrs = _rand_attrs(generator, self.device)
    if isinstance(p, Tensor):
        return _sample_into(self, RO.bernoulli, "BernoulliBackward1", attrs, (self, p))
    return _sample_into(self, RO.bernoulli, "BernoulliBackward2", dict(attrs, p=probs),
                        (self,))


def _random_bounds(dt):
    """The default [0, hi] range of random_() for ``dt`` (floats: integers exactly
    representable)."""
    if dt.category >= D._FLOAT:
        digits = {D.float16: 11, D.bfloat16: 8, D.float32: 24}.get(dt.to_real(), 53)
        return 2 ** digits + 1
    if dt is D.bool:
        return 2
    return int(np.iinfo(dt.np).max) + 1


@tensor_method
def random_(self, *args, generator=None, **kw):
    """Fill with integers: ``random_()`` over the dtype's range, ``random_(to)`` in [0, to),
    ``random_(from, to)`` in [from, to)."""
    lo, hi = 0, None
    if len(args) == 1:
        hi = args[0]
    elif len(args) == 2:
        lo, hi = args
    lo, hi = kw.get("from", lo), kw.get("to", hi)
    grad = "RandomBackward2" if not args and not kw else \
        "RandomBackward1" if len(args) == 1 else "RandomBackward0"
    if self._dtype.category == D._COMPLEX:
        raise _not_impl("random_from_to", self._dtype)
    hi = _random_bounds(self._dtype) if hi is None else hi
    _check_range(int(lo), int(hi), self._dtype)
    dt = self._dtype if self._dtype.category <= D._INT else D.float64
    return _sample_into(self, RO.randint, grad,
                        _size_attrs(self, generator, dt, low=int(lo), high=int(hi)))


def _continuous(self, name):
    if self._dtype.category < D._FLOAT:
        # PyTorch names the dtype differently in the two messages ("Long" / "long int")
        dt = D.SCALAR_NAMES[self._dtype] if name == "Exponential" else _C_NAMES[self._dtype]
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {dt}")


@tensor_method
def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples from the exponential distribution with rate ``lambd``."""
    _continuous(self, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_g(lambd)}")
    return _sample_into(self, RO.rand_exponential, "ExponentialBackward0",
                        _size_attrs(self, generator, lambd=lambd))


@tensor_method
def geometric_(self, p, *, generator=None):
    """Fill with samples of the number of Bernoulli(p) trials up to the first success."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_g(p)}")
    return _sample_into(self, RO.rand_geometric, "GeometricBackward0",
                        _size_attrs(self, generator, p=p))


@tensor_method
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with samples whose logarithm is N(mean, std**2)."""
    _float_only(self, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_g(std)}")
    return _sample_into(self, RO.rand_log_normal, "LogNormalBackward0",
                        _size_attrs(self, generator, mean=mean, std=std))


@tensor_method
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples from the Cauchy distribution."""
    _continuous(self, "Cauchy")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_g(sigma)}")
    return _sample_into(self, RO.rand_cauchy, "CauchyBackward0",
                        _size_attrs(self, generator, median=median, sigma=sigma))


# ------------------------------------------------------------------ seeding and namespace seams
for _f in (_random.manual_seed, _random.seed, _random.initial_seed, _random.get_rng_state,
           _random.set_rng_state):
    torch_function(_f)
torch_function(Generator, name="Generator")
torch_function(default_generator, name="default_generator")
torch_function(printing.set_printoptions, name="set_printoptions")

