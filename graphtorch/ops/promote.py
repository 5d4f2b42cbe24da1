"""Input preparation for pointwise ops: PyTorch's dtype promotion applied to arrays and Python
scalars before the kernel runs, so numpy never picks a result dtype on its own.

A ``prepare`` function takes the op's positional inputs (arrays or Python numbers, already
unwrapped from Tensors) and returns ``(arrays, out_dtype)``; every array comes back in the
compute dtype, every number as a 0-dim array of that dtype."""
from __future__ import annotations

import numpy as np

from . import dtypes as D

_np_to_dt = D._NP_TO_DTYPE
_cache: dict = {}


def _input_dtype(a):
    """(kind, dtype) of one input: kind 0 sized array, 1 zero-dim array, 2 Python scalar."""
    if isinstance(a, np.ndarray):
        return (0 if a.ndim else 1), _np_to_dt[a.dtype]
    dt = getattr(a, "dtype", None)
    if isinstance(dt, D.dtype):  # a TensorSpec (meta) or Tensor
        return (0 if len(a.shape) else 1), dt
    if hasattr(a, "__cuda_array_interface__"):
        return (0 if a.ndim else 1), _np_to_dt[np.dtype(a.dtype)]
    return 2, D.scalar_dtype(a)


def promoted(args) -> D.dtype:
    key = tuple(_input_dtype(a) for a in args if a is not None)
    out = _cache.get(key)
    if out is None:
        groups = ([], [], [])
        for kind, dt in key:
            groups[kind].append(dt)
        out = _cache[key] = D.result_type_from(*groups)
    return out


def clear_caches():
    """Called when the default dtype changes (it decides Python floats' dtype)."""
    _cache.clear()
    _pair_cache.clear()


def cast_all(args, dt: D.dtype) -> list:
    npd = dt.np
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(a if a.dtype == npd else a.astype(npd))
        elif a is None:
            out.append(None)
        else:
            out.append(scalar_array(a, dt))
    return out


def scalar_array(v, dt: D.dtype):
    """A Python number as a 0-dim array of ``dt``, wrapping integers the way a C cast does."""
    if dt.category == D._INT and isinstance(v, int) and not isinstance(v, bool):
        return np.array(v, dtype=np.int64 if -2**63 <= v < 2**63 else object).astype(dt.np)
    if dt.category in (D._INT, D._BOOL) and isinstance(v, float):
        return np.array(v).astype(dt.np)
    return np.asarray(v, dtype=dt.np)


_ndarray = np.ndarray
_pair_cache: dict = {}


def _pair(a, b):
    """Fast path for two arrays: the promoted dtype from a cache keyed by dtypes and 0-dim-ness."""
    key = (a.dtype, a.ndim == 0, b.dtype, b.ndim == 0)
    dt = _pair_cache.get(key)
    if dt is None:
        dt = _pair_cache[key] = promoted((a, b))
    return dt


def same(args):
    """Result dtype is the promoted dtype (add, mul, maximum, ...)."""
    if len(args) == 2 and type(args[0]) is _ndarray and type(args[1]) is _ndarray:
        a, b = args
        dt = _pair(a, b)
        if a.dtype == dt.np and b.dtype == dt.np:
            return args, dt
    else:
        dt = promoted(args)
    return cast_all(args, dt), dt


def to_float(args):
    """Integers and bool promote to the default float dtype (sqrt, exp, true division, ...)."""
    if len(args) == 1 and type(args[0]) is _ndarray and args[0].dtype.kind == "f" \
            and args[0].ndim:
        return args, _np_to_dt[args[0].dtype]
    dt = promoted(args)
    if dt.category < D._FLOAT:
        dt = D.get_default_dtype()
    return cast_all(args, dt), dt


def compare(args):
    """Compare in the promoted dtype; the output is bool."""
    dt = promoted(args)
    return cast_all(args, dt), D.bool


def keep(args):
    """No promotion: inputs pass through (the kernel decides)."""
    return [a if a is None or isinstance(a, np.ndarray) else np.asarray(a) for a in args], None
