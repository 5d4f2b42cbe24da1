"""Sizes while tracing: ``x.shape``, ``x.size()``, ``x.numel()`` and ``len(x)`` of traced
tensors give ``SymInt``s (so the graph keeps sizes symbolic), ``detach()`` keeps the traced
value, ``x.numpy()`` / ``np.asarray(x)`` record a data guard, and ``out=`` arguments are recorded (``_tracer_out``); installed on the first active
tracer and removed with the last."""
from __future__ import annotations

import builtins

from ..eager.tensor import Tensor
from ..ir import symbolic as S
from ..ops import registry as R
from ._tracer import _sym_shape, current
from ._tracer_floatleft import specialize_here

__all__ = ["patch_sizes"]

_ORIG: dict = {}
_RANGE = builtins.range


class _RangeType(type):
    """``range`` while tracing: ``range(x.size(0))`` unrolls a loop at the trace-time size,
    which CPython takes from a SymInt without calling ``__index__``; the size is therefore
    taken as a constant explicitly (a guard naming the line).  ``isinstance(r, range)``
    still works."""

    def __call__(cls, *args):
        return _RANGE(*(a.__index__() if type(a) is S.SymInt else a for a in args))

    def __instancecheck__(cls, obj):
        return isinstance(obj, _RANGE)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _RANGE)


class _Range(metaclass=_RangeType):
    __doc__ = _RANGE.__doc__


def patch_sizes(on: bool):
    """While tracing, ``x.shape``/``x.size()``/``x.numel()`` of traced tensors are SymInts and
    ``out=`` arguments are recorded (``_tracer_out``)."""
    from . import _tracer_out
    if on:
        if _ORIG:
            return
        _tracer_out.install()
        _ORIG.update(shape=Tensor.shape, size=Tensor.size, numel=Tensor.numel,
                     detach=Tensor.detach, __len__=Tensor.__len__, numpy=Tensor.numpy,
                     __array__=Tensor.__array__)
        Tensor.numpy = _numpy
        Tensor.__array__ = _array
        builtins.range = _Range
        Tensor.__len__ = _len
        Tensor.shape = property(_shape)
        Tensor.size = _size
        Tensor.numel = _numel
        Tensor.detach = _detach
    elif _ORIG:
        for k, v in _ORIG.items():
            setattr(Tensor, k, v)
        _ORIG.clear()
        builtins.range = _RANGE
        _tracer_out.uninstall()


def _len(self):
    """len() must return a plain int (CPython): a symbolic first dim is specialized, with a
    guard naming the line."""
    shape = _traced_shape(self)
    if not shape:
        raise TypeError("len() of a 0-d tensor")
    return shape[0].__index__()


def _numpy(self, *, force: bool = False):
    """x.numpy() of a traced tensor: Python code reads the data, so a guard records it."""
    out = _ORIG["numpy"](self, force=force)
    _guard_data(self)
    return out


def _array(self, dtype=None, copy=None):
    """np.asarray(x) / x.__array__(): as ``x.numpy()`` (one guard, not two)."""
    a = _ORIG["numpy"](self) if not self._requires_grad else self._data
    _guard_data(self)
    return a if dtype is None else a.astype(dtype)


def _guard_data(t):
    tr = current()
    if tr is not None:
        tr.on_scalar(t, "numpy")


def _detach(self):
    """detach() while tracing: the same value (autograd is not part of the graph), and an
    alias so in-place writes through either are seen by both."""
    out = _ORIG["detach"](self)
    tr = current()
    if tr is not None:
        v = tr.lookup(self)
        if v is not None:
            tr.bind(out, v)
            tr.views[id(out)] = (self, R.get("_indexing_alias"), {}, None)
    return out


def _traced_shape(t):
    tr = current()
    if tr is not None:
        e = tr.env.get(id(t))
        if e is not None and e[0] is t:
            v = tr.lookup(t)
            shape = _sym_shape(tr, v, t._data.shape)
            if any(type(d) is S.SymInt for d in shape) and specialize_here():
                # `0.5 * x.size(0)`: Python would bake the value in without asking the size
                shape = tuple(d._concrete("float") if type(d) is S.SymInt else d
                              for d in shape)
            return shape
    return t._data.shape


def _shape(self):
    from ..eager.size import Size
    return Size(_traced_shape(self))


def _size(self, dim=None):
    from ..eager.size import Size
    shape = _traced_shape(self)
    if dim is None:
        return Size(shape)
    from ..ops.meta import wrap_dim
    return shape[wrap_dim(dim, len(shape), "size")]


def _numel(self):
    n = 1
    for d in _traced_shape(self):
        n = n * d
    return n
