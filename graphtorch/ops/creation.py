"""Tensor factories as ops: ``full`` (zeros/ones/empty/full and their _like/new_ variants),
``arange``, ``linspace``, ``logspace`` and ``eye``.

They take no tensor inputs: everything (sizes, values, dtype, device) is an attribute, so a
traced graph records the factory itself, with symbolic sizes, instead of baking its result in
as a constant.  The API layer (graphtorch/api/creation.py) resolves defaults (the default dtype,
dtype inference from the fill value) and checks arguments before building the attributes; the
kernels here compute exactly what eager mode returns.  Sizes may be symbolic (``SymInt`` or
``Expr``) in meta; kernels always see concrete ints."""
from __future__ import annotations

import math

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec, fmt_shape
from .registry import OpDef, Sample, register

__all__ = ["full", "arange", "linspace", "logspace", "eye", "range_len", "linspace_array",
           "sym_dim", "spec_device"]

ALL = S.ALL_REAL + (D.complex64, D.complex128)


def sym_dim(d):
    """A size as meta sees it: a SymInt becomes its expression (no guard is recorded), plain
    ints and expressions pass through."""
    e = getattr(d, "_expr", None)
    return d if e is None else e


def spec_device(device) -> str:
    return "cpu" if device is None else str(device)


def _check_dtype(dtype, op):
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"{op}(): argument 'dtype' must be torch.dtype, not "
                        f"{type(dtype).__name__}")


# ------------------------------------------------------------------ full
def _full_kernel(xp, *, size, fill_value, dtype, device=None):
    # fill_value None: uninitialized memory (torch.empty); the values are unspecified
    shape = tuple(int(_concrete(s)) for s in size)
    if fill_value is None:
        return xp.empty(shape, dtype=dtype.np)
    return xp.full(shape, fill_value, dtype=dtype.np)


def _full_meta(*, size, fill_value, dtype, device=None):
    _check_dtype(dtype, "full")
    shape = tuple(sym_dim(s) for s in size)
    for d in shape:
        if type(d) is int and d < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {d}: "
                               f"{fmt_shape(shape)}")
    return TensorSpec(shape, dtype, spec_device(device))


def _full_samples(dt):
    one = True if dt is D.bool else 2.5 if dt.category >= D._FLOAT else 3
    return [Sample((), {"size": [2, 3], "fill_value": one, "dtype": dt}, grad=False),
            Sample((), {"size": [], "fill_value": 0, "dtype": dt}, grad=False),
            Sample((), {"size": [0, 4], "fill_value": 1, "dtype": dt}, grad=False),
            Sample((), {"size": [3], "fill_value": None, "dtype": dt}, grad=False)]


full = register(OpDef(
    name="full", kernel=_full_kernel, meta=_full_meta, samples=_full_samples, dtypes=ALL,
    differentiable=False,
    doc="a tensor of shape size filled with fill_value (None: uninitialized) in dtype"))


# ------------------------------------------------------------------ arange
def range_len(s, e, st, rounding) -> int:
    """Number of elements of a range from ``s`` to ``e`` by ``st`` (PyTorch's checks)."""
    if st == 0:
        raise RuntimeError("step must be nonzero")
    if not all(math.isfinite(v) for v in (s, e)):
        raise RuntimeError(f"unsupported range: {s} -> {e}")
    if (e - s) * st < 0 and e != s:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = rounding((float(e) - float(s)) / float(st))
    if n > 2 ** 48:
        raise RuntimeError("invalid size, possible overflow?")
    return max(int(n), 0)


def _concrete(v):
    """The plain value of a number (a SymInt's trace-time value, without a guard)."""
    return int.__int__(v) if isinstance(v, int) and type(v) not in (int, bool) else v


def _arange_kernel(xp, *, start, end, step, dtype, device=None):
    s, e, st = _concrete(start), _concrete(end), _concrete(step)
    if dtype.category == D._INT:  # integral results: the bounds are truncated first, as in torch
        s, e, st = int(s), int(e), int(st)
        n = range_len(s, e, st, math.ceil)
        return (s + xp.arange(n, dtype=np.int64) * st).astype(dtype.np)
    n = range_len(s, e, st, math.ceil)
    return (s + xp.arange(n, dtype=np.float64) * st).astype(dtype.np)


def _sym_range_len(s, e, st):
    """Length of an integer range whose bounds are size expressions (step a plain int)."""
    from ..ir import symbolic as Y  # the size algebra; imported only for symbolic bounds
    if type(st) is not int or st == 0:
        raise RuntimeError("arange(): a symbolic range needs a nonzero integer step")
    if st > 0:
        return Y.floordiv(Y.add(Y.sub(e, s), st - 1), st)
    return Y.floordiv(Y.add(Y.sub(s, e), -st - 1), -st)


def _arange_meta(*, start, end, step, dtype, device=None):
    _check_dtype(dtype, "arange")
    if dtype is D.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    s, e, st = sym_dim(start), sym_dim(end), sym_dim(step)
    if all(isinstance(v, (int, float)) for v in (s, e, st)):
        if dtype.category == D._INT:
            s, e, st = int(s), int(e), int(st)
        n = range_len(s, e, st, math.ceil)
    else:
        n = _sym_range_len(s, e, st)
    return TensorSpec((n,), dtype, spec_device(device))


def _arange_samples(dt):
    frac = (0.5, 2.0, 0.25) if dt.category >= D._FLOAT else (0.5, 4.7, 1.9)  # truncated bounds
    return [Sample((), {"start": 0, "end": 5, "step": 1, "dtype": dt}, grad=False),
            Sample((), {"start": 1, "end": 10, "step": 3, "dtype": dt}, grad=False),
            Sample((), {"start": 4, "end": 0, "step": -1, "dtype": dt}, grad=False),
            Sample((), dict(zip(("start", "end", "step"), frac), dtype=dt), grad=False),
            Sample((), {"start": 3, "end": 3, "step": 1, "dtype": dt}, grad=False)]


arange = register(OpDef(
    name="arange", kernel=_arange_kernel, meta=_arange_meta, samples=_arange_samples,
    dtypes=tuple(d for d in S.ALL_REAL if d is not D.bool), differentiable=False,
    doc="values from start to end (exclusive) by step, computed in double precision"))


# ------------------------------------------------------------------ linspace / logspace
def linspace_array(xp, s, e, steps, dt):
    """PyTorch's symmetric linspace: the first half steps up from start, the second down from end
    (so both ends are exact); computed in the output precision for floats."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    cplx = isinstance(s, complex) or isinstance(e, complex) or dt.category == D._COMPLEX
    work = dt.np if dt.category >= D._FLOAT and dt.itemsize >= 4 else \
        (np.complex128 if cplx else np.float64 if dt.category != D._FLOAT else np.float32)
    if steps == 0:
        return xp.empty((0,), dt.np)
    if steps == 1:
        return xp.full((1,), s, dtype=work).astype(dt.np)
    s_, e_ = xp.asarray(s, work), xp.asarray(e, work)
    step = (e_ - s_) / xp.asarray(steps - 1, work)
    i = xp.arange(steps)
    half = steps // 2
    out = xp.where(i < half, s_ + step * i.astype(work),
                   e_ - step * (steps - 1 - i).astype(work)).astype(work)
    if dt.category == D._INT:
        return xp.trunc(out.real).astype(dt.np)
    return out.astype(dt.np)


def _linspace_kernel(xp, *, start, end, steps, dtype, device=None):
    return linspace_array(xp, start, end, int(_concrete(steps)), dtype)


def _logspace_kernel(xp, *, start, end, steps, base, dtype, device=None):
    work = D.complex128 if dtype.category == D._COMPLEX else D.float64
    exps = linspace_array(xp, start, end, int(_concrete(steps)), work)
    vals = xp.power(xp.asarray(base, work.np), exps)
    return xp.trunc(vals).astype(dtype.np) if dtype.category == D._INT else vals.astype(dtype.np)


def _space_meta(*, start, end, steps, dtype, device=None, base=None):
    _check_dtype(dtype, "linspace")
    n = sym_dim(steps)
    if type(n) is int and n < 0:
        raise RuntimeError("number of steps must be non-negative")
    return TensorSpec((n,), dtype, spec_device(device))


def _space_samples(dt, **extra):
    return [Sample((), {"start": 0, "end": 4, "steps": 5, "dtype": dt, **extra}, grad=False),
            Sample((), {"start": -1.5, "end": 2.0, "steps": 4, "dtype": dt, **extra}, grad=False),
            Sample((), {"start": 1, "end": 1, "steps": 1, "dtype": dt, **extra}, grad=False),
            Sample((), {"start": 0, "end": 1, "steps": 0, "dtype": dt, **extra}, grad=False)]


_SPACE_DTYPES = (D.float32, D.float64, D.float16, D.bfloat16, D.int64, D.int32, D.complex64,
                 D.complex128)
linspace = register(OpDef(
    name="linspace", kernel=_linspace_kernel, meta=_space_meta, samples=_space_samples,
    dtypes=_SPACE_DTYPES, differentiable=False,
    doc="steps evenly spaced values from start to end (both included)"))

logspace = register(OpDef(
    name="logspace", kernel=_logspace_kernel, meta=_space_meta,
    samples=lambda dt: _space_samples(dt, base=2.0), dtypes=_SPACE_DTYPES, differentiable=False,
    doc="base ** x for steps values x evenly spaced from start to end"))


# ------------------------------------------------------------------ eye
def _eye_kernel(xp, *, n, m=None, dtype, device=None):
    n = int(_concrete(n))
    return xp.eye(n, n if m is None else int(_concrete(m)), dtype=dtype.np)


def _eye_meta(*, n, m=None, dtype, device=None):
    _check_dtype(dtype, "eye")
    rows, cols = sym_dim(n), sym_dim(n if m is None else m)
    for name, v in (("n", rows), ("m", cols)):
        if type(v) is int and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return TensorSpec((rows, cols), dtype, spec_device(device))


eye = register(OpDef(
    name="eye", kernel=_eye_kernel, meta=_eye_meta, dtypes=ALL, differentiable=False,
    samples=lambda dt: [Sample((), {"n": 3, "dtype": dt}, grad=False),
                        Sample((), {"n": 2, "m": 4, "dtype": dt}, grad=False),
                        Sample((), {"n": 0, "m": 2, "dtype": dt}, grad=False)],
    doc="a 2-D tensor with ones on the diagonal (n rows, m columns, default n)"))
