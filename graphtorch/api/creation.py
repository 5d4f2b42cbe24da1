"""Tensor creation: tensor, as_tensor, asarray, from_numpy, zeros/ones/empty/full (and _like,
and the Tensor.new_* helpers), empty_strided, scalar_tensor, arange/range/linspace/logspace, eye
(complex and polar: creation_complex.py).

The factories compute through the ops of graphtorch/ops/creation.py: directly with the op's
kernel in eager mode, through ``dispatch.call`` while tracing so that the tracer records them
(sizes may then be SymInts: they are kept in the attributes, and only their plain value
``int.__int__(d)`` is used here, so that no specialization guard is recorded)."""
from __future__ import annotations

import builtins
import math
import numbers
import warnings

import numpy as np

from ..eager import dispatch as _dispatch
from ..eager.device import as_device
from ..eager.tensor import Tensor, wrap
from ..ops import creation as OC
from ..ops import dtypes as D
from ._bind import torch_function
from ._util import size_args

_PY_DTYPES = {builtins.float: D.float64, builtins.int: D.int64, builtins.bool: D.bool,
              builtins.complex: D.complex128}


def _dt(dtype):
    """Accept torch dtypes and the Python types torch also takes (dtype=float -> float64)."""
    if dtype is None or isinstance(dtype, D.dtype):
        return dtype
    if dtype in _PY_DTYPES:
        return _PY_DTYPES[dtype]
    raise TypeError(f"dtype must be torch.dtype, not {type(dtype).__name__}")


# ------------------------------------------------------------------ nested data -> array
def _is_seq(x) -> bool:
    if isinstance(x, (list, tuple, builtins.range)):
        return True
    return isinstance(x, (np.ndarray, Tensor)) and x.ndim > 0


def _leaf_dtype(x):
    """The dtype torch.tensor gives one scalar leaf (Python number, numpy scalar, 0-d array)."""
    if isinstance(x, Tensor):
        return x._dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(x.dtype)
    if isinstance(x, builtins.bool):
        return D.bool
    if isinstance(x, numbers.Integral):
        if not -(1 << 63) <= x < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
        return D.int64
    if isinstance(x, numbers.Real):
        return D.get_default_dtype()
    if isinstance(x, numbers.Complex):
        return D.default_complex()
    if x is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    raise TypeError(f"new(): invalid data type '{type(x).__name__}'")


def _shape_of(data) -> tuple:
    shape, x = [], data
    while _is_seq(x):
        if isinstance(x, (np.ndarray, Tensor)):
            return tuple(shape) + tuple(x.shape)
        shape.append(len(x))
        if not len(x):
            break
        x = x[0]
    return tuple(shape)


def _scan(x, shape, d, dts):
    """Check ``x`` against ``shape`` from dim ``d`` (torch's ragged errors) and collect dtypes;
    returns nested Python lists of scalars."""
    if isinstance(x, (np.ndarray, Tensor)) and x.ndim:
        if tuple(x.shape) != shape[d:]:
            if isinstance(x, Tensor) and d == len(shape):
                raise ValueError("only one element tensors can be converted to Python scalars")
            raise ValueError(f"expected sequence of length {shape[d]} at dim {d} "
                             f"(got {x.shape[0]})")
        dts.append(_leaf_dtype(x))
        return _host_list(x)
    if d == len(shape):
        if _is_seq(x):
            raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer")
        dts.append(_leaf_dtype(x))
        if isinstance(x, Tensor):
            return x.item()
        return x.item() if isinstance(x, (np.ndarray, np.generic)) else x
    if not _is_seq(x):
        raise TypeError("not a sequence")
    if len(x) != shape[d]:
        raise ValueError(f"expected sequence of length {shape[d]} at dim {d} (got {len(x)})")
    return [_scan(e, shape, d + 1, dts) for e in x]


def _host_list(x):
    a = x._data if isinstance(x, Tensor) else x
    if type(a) is not np.ndarray and not isinstance(a, np.ndarray):
        a = a.get()
    if a.dtype == D.bfloat16.np:
        a = a.astype(np.float32)
    return a.tolist()


def _from_python(py, target: D.dtype) -> np.ndarray:
    """Convert nested Python scalars to ``target`` with torch's overflow rules."""
    try:
        arr = np.array(py)
    except OverflowError:
        arr = np.array(py, dtype=object)
    if arr.dtype == object:  # ints beyond int64 (allowed only for uint64-like values)
        raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")
    if target.category == D._BOOL:
        return arr != 0
    if target.category == D._INT:
        if arr.dtype.kind == "c":
            arr = arr.real
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise RuntimeError(f"value cannot be converted to type {target.name} without "
                               "overflow")
        info = np.iinfo(target.np)
        lo = -128 if target is D.uint8 else info.min  # torch wraps small negatives for uint8
        if arr.size and (arr.min() < lo or arr.max() > info.max):
            raise RuntimeError(f"value cannot be converted to type {target.name} without "
                               "overflow")
        return arr.astype(np.int64).astype(target.np) if arr.dtype.kind != "f" else \
            np.trunc(arr).astype(np.int64).astype(target.np)
    if target.category == D._FLOAT and arr.dtype.kind == "c":
        arr = arr.real
    return arr.astype(target.np)


def _array_from_data(data, dtype):
    """(numpy array, dtype) for torch.tensor's ``data``."""
    if isinstance(data, np.ndarray):
        _check_numpy(data)
        dt = dtype or D.from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dt.np, copy=True), dt
    if isinstance(data, Tensor):
        dt = dtype or data._dtype
        return np.array(_host(data._data), dtype=dt.np, copy=True), dt
    shape = _shape_of(data)
    dts: list = []
    py = _scan(data, shape, 0, dts)
    inferred = None
    for d in dts:
        inferred = d if inferred is None else D.promote_types(inferred, d)
    dt = dtype or inferred or D.get_default_dtype()
    if not dts:
        return np.zeros(shape, dtype=dt.np), dt
    if any(isinstance(d, D.dtype) and d is D.bfloat16 for d in dts) and dt is D.bfloat16:
        return np.array(py, dtype=np.float32).astype(dt.np), dt
    return _from_python(py, dt).reshape(shape), dt


def _host(a):
    return a if isinstance(a, np.ndarray) else a.get()


def _check_numpy(a):
    if any(s < 0 for s in a.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")


def _finish(arr, requires_grad=False, device=None):
    """Wrap a fresh host array as a leaf tensor on ``device`` (requires_grad checked)."""
    dev = as_device(device) if device is not None else None
    if dev is not None and dev.type != "cpu":
        from ..eager.transfer import move_array
        arr = move_array(arr, dev)
    t = wrap(arr)
    if requires_grad:
        if t._dtype.category < D._FLOAT:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


@torch_function
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (a number, nested list/tuple, numpy array or tensor).

    The dtype is inferred from the data when not given: bools -> bool, ints -> int64, floats ->
    the default dtype, numpy scalars/arrays and tensors keep theirs, mixed leaves promote."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, _ = _array_from_data(data, _dt(dtype))
    return _finish(arr, requires_grad, device)


@torch_function
def as_tensor(data, dtype=None, device=None):
    """Convert ``data`` to a tensor, sharing memory with a numpy array or tensor when possible."""
    dtype = _dt(dtype)
    if isinstance(data, Tensor):
        out = data if dtype in (None, data._dtype) else data.to(dtype)
        return out if device is None or as_device(device) == out.device else out.to(device)
    if isinstance(data, np.ndarray) and (device is None or as_device(device).type == "cpu"):
        t = from_numpy(data)
        return t if dtype in (None, t._dtype) else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


@torch_function
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """Convert ``obj`` to a tensor; shares memory unless ``copy=True`` or a conversion is needed
    (``copy=False`` makes a needed copy an error)."""
    dtype = _dt(dtype)
    if isinstance(obj, Tensor):
        out = obj
        if dtype is not None and dtype is not obj._dtype:
            if copy is False:
                raise ValueError(f"can't alias tensor with dtype '{D.SCALAR_NAMES[obj._dtype]}' "
                                 f"into dtype '{D.SCALAR_NAMES[dtype]}'.")
            out = obj.to(dtype)
        elif copy:
            out = obj.detach().clone()
        if device is not None and as_device(device) != out.device:
            out = out.to(device)
    elif isinstance(obj, (np.ndarray, np.generic)) or hasattr(obj, "__array_interface__"):
        a = np.asarray(obj)
        if copy or (dtype is not None and dtype.np != a.dtype) or any(s < 0 for s in a.strides):
            if copy is False:
                raise ValueError("can't alias ndarray into a tensor without a copy.")
            out = tensor(np.ascontiguousarray(a), dtype=dtype, device=device)
        else:
            out = from_numpy(a if a.ndim or isinstance(obj, np.ndarray) else a.copy())
            if device is not None:
                out = out.to(device)
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        out = tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        out.requires_grad_(True)
    return out


@torch_function
def from_numpy(ndarray) -> Tensor:
    """A tensor sharing memory with numpy array ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _check_numpy(ndarray)
    D.from_numpy_dtype(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    return wrap(ndarray)


# ------------------------------------------------------------------ filled tensors
def _plain(d):
    """The plain value of a size (a SymInt's trace-time value, recording no guard)."""
    return int.__int__(d) if isinstance(d, int) and type(d) is not int else d


def _shape(size, name):
    shape = size_args(size, name)
    for d in shape:
        if _plain(d) < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {_plain(d)}: "
                               f"[{', '.join(str(_plain(x)) for x in shape)}]")
    return shape


def _tracing() -> bool:
    return _dispatch.HOOKS.tracer is not None


def _dev(device):
    return as_device(device) if device is not None else None


def _out(arr, out, dtype):
    """Write a factory result into ``out=`` (resized silently, as factories do)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if dtype is not None and dtype is not out._dtype:
        raise RuntimeError(f"dtype {D.SCALAR_NAMES[dtype]} does not match dtype of out "
                           f"parameter ({D.SCALAR_NAMES[out._dtype]})")
    if isinstance(arr, Tensor):
        arr = arr._data
    if out._data.shape == arr.shape:
        out._data[...] = arr
    else:
        out._data = arr.astype(out._dtype.np)
    out._vc[0] += 1
    return out


def _build(op, attrs, dtype, out, device, requires_grad, args=()):
    """Run factory ``op`` (its kernel; through dispatch while tracing) and finish the result:
    written into ``out``, or moved to ``device`` and marked ``requires_grad``."""
    if _dispatch.HOOKS.tracer is not None:
        t = _dispatch.call(op, *args, **attrs)
        if out is not None:
            return _out(t, out, dtype)
        return _finish_tensor(t, requires_grad, device)
    arr = op.kernel(np, *[a._data if isinstance(a, Tensor) else a for a in args], **attrs)
    if out is not None:
        return _out(arr, out, dtype)
    return _finish(arr, requires_grad, device)


def _finish_tensor(t, requires_grad=False, device=None):
    """_finish for a tensor produced by dispatch (while tracing)."""
    dev = _dev(device)
    if dev is not None and dev != t.device:
        t = t.to(dev)
    if requires_grad:
        if t._dtype.category < D._FLOAT:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _filled(shape, value, dtype, out, device, requires_grad):
    """zeros/ones/empty/full: the ``full`` op (value None: uninitialized); ``dtype`` defaults to
    out's dtype, then the default dtype."""
    dt = _dt(dtype) or (out._dtype if isinstance(out, Tensor) else D.get_default_dtype())
    attrs = {"size": list(shape), "fill_value": value, "dtype": dt, "device": _dev(device)}
    return _build(OC.full, attrs, _dt(dtype), out, device, requires_grad)


@torch_function
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of zeros of shape ``size``."""
    return _filled(_shape(size, "zeros"), 0, dtype, out, device, requires_grad)


@torch_function
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of ones of shape ``size``."""
    return _filled(_shape(size, "ones"), 1, dtype, out, device, requires_grad)


@torch_function
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """An uninitialized tensor of shape ``size`` (``memory_format=torch.channels_last``
    lays it out channels-last, as the memory-format tutorial shows)."""
    t = _filled(_shape(size, "empty"), None, dtype, out, device, requires_grad)
    name = getattr(memory_format, "name", "contiguous_format")
    if out is None and name in ("channels_last", "channels_last_3d"):
        from ..eager.memory_format import relayout_fresh
        rank = 4 if name == "channels_last" else 5
        if t.ndim != rank:
            raise RuntimeError(f"required rank {rank} tensor to use {name} format")
        relayout_fresh(t, name)
    return t


def _fill_dtype(v):
    if isinstance(v, Tensor):
        if v.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {v.ndim} dimensions.")
        return v._dtype, v.item()
    if isinstance(v, np.generic):
        v = v.item()
    return D.scalar_dtype(v), v


@torch_function
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it:
    bool -> bool, int -> int64, float -> default dtype, complex -> default complex)."""
    if not isinstance(size, (tuple, list)) and not (isinstance(size, Tensor) and size.ndim):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    inferred, value = _fill_dtype(fill_value)
    if dtype is None and out is None:
        dtype = inferred
    return _filled(_shape((size,), "full"), value, dtype, out, device, requires_grad)


def _size_of(t: Tensor) -> tuple:
    """``t``'s shape: Tensor.shape while tracing (its sizes may be symbolic), else the array's."""
    return tuple(t.shape) if _tracing() else t._data.shape


def _like(value, input, dtype, device, requires_grad, memory_format=None):
    dt = _dt(dtype) or input._dtype
    dev = input.device if device is None else device
    if isinstance(value, Tensor):
        value = value.item()
    out = _filled(_size_of(input), value, dt, None, dev, requires_grad)
    if memory_format is None or getattr(memory_format, "name", "") == "preserve_format":
        # preserve_format (the default): a channels_last input gives a channels_last result
        from ..eager.memory_format import channels_last_of, relayout_fresh
        fmt = channels_last_of(input)
        relayout_fresh(out, fmt)
    elif getattr(memory_format, "name", "") != "contiguous_format":
        from ..eager.memory_format import relayout_fresh
        relayout_fresh(out, memory_format.name)
    return out


def new_filled(self, size, value, dtype=None, device=None, requires_grad=False):
    """Tensor.new_zeros/new_ones/new_empty/new_full: ``size`` (the varargs tuple) filled with
    ``value`` (None: uninitialized) in self's dtype and on self's device by default."""
    shape = _shape(size, "new_empty" if value is None else "new_full")
    if isinstance(value, Tensor):
        value = value.item()
    return _filled(shape, value, _dt(dtype) or self._dtype, None,
                   self.device if device is None else device, requires_grad)


@torch_function
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """Zeros with the shape (and by default dtype and device) of ``input``."""
    return _like(0, input, dtype, device, requires_grad, memory_format)


@torch_function
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Ones with the shape (and by default dtype and device) of ``input``."""
    return _like(1, input, dtype, device, requires_grad, memory_format)


@torch_function
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """An uninitialized tensor with the shape of ``input``."""
    return _like(None, input, dtype, device, requires_grad, memory_format)


@torch_function
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``fill_value`` with the shape (and by default dtype and device) of ``input``."""
    return _like(fill_value, input, dtype, device, requires_grad, memory_format)


@torch_function
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialized tensor with the given shape and strides (in elements)."""
    shape, stride = _shape((size,), "empty_strided"), tuple(stride)
    if len(shape) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    dt = _dt(dtype) or D.get_default_dtype()
    n = 0 if 0 in shape else 1 + sum((s - 1) * st for s, st in zip(shape, stride))
    buf = np.zeros(n, dtype=dt.np)
    arr = np.lib.stride_tricks.as_strided(buf, shape, [st * dt.itemsize for st in stride],
                                          writeable=True)
    return _finish(arr, requires_grad, device)


@torch_function
def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A 0-dim tensor holding ``s`` (default dtype: the default float dtype)."""
    dt = _dt(dtype) or D.get_default_dtype()
    v = s.item() if isinstance(s, Tensor) else s
    arr = _from_python(v, dt).reshape(())
    if _tracing():  # recorded as a 0-dim full of the converted value
        fill = arr.astype(np.float32).item() if dt is D.bfloat16 else arr.item()
        return _filled((), fill, dt, None, device, requires_grad)
    return _finish(arr, requires_grad, device)


# ------------------------------------------------------------------ ranges and special tensors
def _num(v, name="start"):
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise RuntimeError(f"a Tensor with {v.numel()} elements cannot be converted to "
                               "Scalar")
        return v.item(), v._dtype
    if isinstance(v, np.generic):
        v = v.item()
    return v, D.scalar_dtype(v)


def _range_dtype(dts):
    return D.get_default_dtype() if any(d.category >= D._FLOAT for d in dts) else D.int64


@torch_function
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``: ``ceil((end - start) / step)``
    elements, computed in double precision as PyTorch does."""
    if end is None:
        start, end = 0, start
    (s, ds), (e, de), (st, dst) = _num(start), _num(end), _num(step)
    dt = _dt(dtype) or (out._dtype if isinstance(out, Tensor) else _range_dtype((ds, de, dst)))
    if dt is D.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    ps, pe, pst = _plain(s), _plain(e), _plain(st)
    if dt.category == D._INT:  # integral results: the bounds are truncated first, as in torch
        ps, pe, pst = int(ps), int(pe), int(pst)
    OC.range_len(ps, pe, pst, math.ceil)  # PyTorch's errors, before anything is recorded
    attrs = {"start": s, "end": e, "step": st, "dtype": dt, "device": _dev(device)}
    return _build(OC.arange, attrs, _dt(dtype), out, device, requires_grad)


@torch_function
def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):  # noqa: A001 - torch.range
    """Deprecated: values from ``start`` to ``end`` inclusive (use arange)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        start, end = 0, start
    (s, _), (e, _), (st, _) = _num(start), _num(end), _num(step)
    s, e, st = _plain(s), _plain(e), _plain(st)  # not traced symbolically (deprecated)
    dt = _dt(dtype) or D.get_default_dtype()
    n = OC.range_len(s, e, st, math.floor) + 1
    work = np.int64 if dt.category == D._INT else np.float64
    arr = (s + np.arange(n, dtype=work) * st).astype(dt.np)
    return _out(arr, out, _dt(dtype)) if out is not None else _finish(arr, requires_grad, device)


def _space_dtype(dtype, s, e, ds, de):
    dt = _dt(dtype)
    if dt is not None:
        return dt
    if ds.category == D._COMPLEX or de.category == D._COMPLEX:
        return D.default_complex()
    return D.get_default_dtype()


def _steps(steps):
    n = int(_plain(steps))
    if n < 0:
        raise RuntimeError("number of steps must be non-negative")
    return steps if isinstance(steps, int) else n


@torch_function
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` (both included)."""
    (s, ds), (e, de) = _num(start), _num(end)
    dt = _space_dtype(dtype if out is None else dtype or out._dtype, s, e, ds, de)
    attrs = {"start": s, "end": e, "steps": _steps(steps), "dtype": dt,
             "device": _dev(device)}
    return _build(OC.linspace, attrs, dt, out, device, requires_grad)


@torch_function
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``steps`` values ``base ** x`` for x evenly spaced from ``start`` to ``end``."""
    (s, ds), (e, de) = _num(start), _num(end)
    dt = _space_dtype(dtype if out is None else dtype or out._dtype, s, e, ds, de)
    attrs = {"start": s, "end": e, "steps": _steps(steps), "base": base, "dtype": dt,
             "device": _dev(device)}
    return _build(OC.logspace, attrs, dt, out, device, requires_grad)


@torch_function
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A 2-D tensor with ones on the diagonal (``n`` rows, ``m`` columns, default ``n``)."""
    if _plain(n) < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {_plain(n)}")
    if m is not None and _plain(m) < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {_plain(m)}")
    dt = _dt(dtype) or (out._dtype if isinstance(out, Tensor) else D.get_default_dtype())
    attrs = {"n": n, "m": m, "dtype": dt, "device": _dev(device)}
    return _build(OC.eye, attrs, _dt(dtype), out, device, requires_grad)


# complex / polar live in creation_complex.py (imported here so that they register)
from . import creation_complex  # noqa: E402,F401
