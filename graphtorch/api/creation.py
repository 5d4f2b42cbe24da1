"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/empty/full (and _like), arange."""
from __future__ import annotations

import numbers

import numpy as np

from ..eager.device import as_device
from ..eager.tensor import Tensor, wrap
from ..ops import dtypes as D
from ._bind import torch_function
from ._util import size_args


def _leaf_dtype(data):
    """The dtype torch.tensor infers for (nested) Python data."""
    cat = -1
    np_dt = None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, Tensor):
            if x.numel() != 1 and x.ndim != 0 and not isinstance(data, Tensor):
                pass
            np_dt = x._dtype if np_dt is None else D.promote_types(np_dt, x._dtype)
        elif isinstance(x, np.ndarray):
            d = D.from_numpy_dtype(x.dtype)
            np_dt = d if np_dt is None else D.promote_types(np_dt, d)
        elif isinstance(x, np.generic):
            d = D.from_numpy_dtype(x.dtype)
            np_dt = d if np_dt is None else D.promote_types(np_dt, d)
        elif isinstance(x, bool):
            cat = max(cat, 0)
        elif isinstance(x, numbers.Integral):
            cat = max(cat, 1)
        elif isinstance(x, numbers.Real):
            cat = max(cat, 2)
        elif isinstance(x, numbers.Complex):
            cat = max(cat, 3)
        else:
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    py = {0: D.bool, 1: D.int64, 2: D.get_default_dtype(), 3: D.default_complex()}.get(cat)
    if np_dt is None:
        return py or D.get_default_dtype()
    if py is None:
        return np_dt
    return py if py.category > np_dt.category else np_dt


def _to_array(data, dtype: D.dtype):
    if isinstance(data, Tensor):
        return np.array(data._data, dtype=dtype.np, copy=True)
    if isinstance(data, (list, tuple)):
        data = _flatten_tensors(data)
        _check_ragged(data)
    try:
        return np.array(data, dtype=dtype.np)
    except OverflowError:
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without "
                           "overflow") from None


def _flatten_tensors(data):
    if isinstance(data, Tensor):
        if data.ndim:
            return [_flatten_tensors(x) for x in data.unbind(0)] if data.numel() != 1 \
                else data._data.reshape(data.shape).tolist()
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_flatten_tensors(x) for x in data]
    return data


def _check_ragged(data):
    def shape_of(x):
        if isinstance(x, (list, tuple)):
            subs = [shape_of(e) for e in x]
            if subs and any(s != subs[0] for s in subs):
                raise ValueError(f"expected sequence of length {len(subs[0]) and subs[0][0]} at "
                                 f"dim 1 (got {subs[1][0] if len(subs) > 1 and subs[1] else 0})")
            return (len(x),) + (subs[0] if subs else ())
        return ()
    shape_of(data)


def _finish(arr, requires_grad=False, device=None):
    if device is not None and as_device(device).type != "cpu":
        from ..eager.device import xp_for
        arr = xp_for(as_device(device)).asarray(arr)
    t = wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


@torch_function
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (a number, nested list/tuple, numpy array or tensor)."""
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    dt = dtype or _leaf_dtype(data)
    return _finish(_to_array(data, dt), requires_grad, device)


@torch_function
def as_tensor(data, dtype=None, device=None):
    """Convert ``data`` to a tensor, sharing memory with a numpy array or tensor when possible."""
    if isinstance(data, Tensor):
        return data if dtype in (None, data._dtype) else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


@torch_function
def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with numpy array ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    D.from_numpy_dtype(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    return wrap(ndarray)


def _filled(fill, size, dtype, device, requires_grad, name):
    shape = size_args(size, name)
    dt = dtype or (D.get_default_dtype() if not isinstance(fill, (bool, int)) or fill is None
                   else D.get_default_dtype())
    arr = np.empty(shape, dtype=dt.np) if fill is None else np.full(shape, fill, dtype=dt.np)
    return _finish(arr, requires_grad, device)


@torch_function
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of zeros of shape ``size``."""
    return _filled(0, size, dtype, device, requires_grad, "zeros")


@torch_function
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of ones of shape ``size``."""
    return _filled(1, size, dtype, device, requires_grad, "ones")


@torch_function
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """An uninitialized tensor of shape ``size``."""
    return _filled(None, size, dtype, device, requires_grad, "empty")


@torch_function
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    if dtype is None:
        dtype = D.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    return _finish(np.full(size_args((size,), "full"), fill_value, dtype=dtype.np), requires_grad,
                   device)


def _like(fill, input, dtype, device, requires_grad):
    dt = dtype or input._dtype
    arr = np.empty(input._data.shape, dtype=dt.np) if fill is None else \
        np.full(input._data.shape, fill, dtype=dt.np)
    return _finish(arr, requires_grad, device)


@torch_function
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(0, input, dtype, device, requires_grad)


@torch_function
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(1, input, dtype, device, requires_grad)


@torch_function
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return _like(None, input, dtype, device, requires_grad)


@torch_function
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(fill_value, input, dtype, device, requires_grad)


@torch_function
def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, int) for v in vals) else D.get_default_dtype()
    import math
    n = max(math.ceil((vals[1] - vals[0]) / vals[2]), 0)
    arr = (vals[0] + np.arange(n, dtype=np.float64 if dtype.category >= D._FLOAT else np.int64)
           * vals[2]).astype(dtype.np)
    return _finish(arr, requires_grad, device)
