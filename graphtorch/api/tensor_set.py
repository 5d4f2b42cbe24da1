"""Tensor.set_: make a tensor an alias of another tensor's (or a storage's) memory, with the
given offset, sizes and strides (PyTorch's ``set_`` overloads)."""
from __future__ import annotations

import math

import numpy as np

from ..eager import autograd as AG
from ..eager.grad_mode import STATE
from ..eager.legacy import UntypedStorage
from ..eager.tensor import Tensor, _addr
from ..ops import dtypes as D
from ._bind import tensor_method

_C_NAMES = {D.float32: "float", D.float64: "double", D.float16: "c10::Half",
            D.bfloat16: "c10::BFloat16", D.int64: "long", D.int32: "int", D.int16: "short",
            D.int8: "signed char", D.uint8: "unsigned char", D.bool: "bool",
            D.complex64: "c10::complex<float>", D.complex128: "c10::complex<double>"}


class _SetBackward(AG.Node):
    """torch records set_ with a NotImplemented node: reaching it in backward raises."""

    __slots__ = ()

    def apply(self, grads):
        raise RuntimeError("derivative for set_ is not implemented")


_SetBackward.__name__ = _SetBackward.__qualname__ = "NotImplemented"


def _owner(src):
    """(base tensor, its flat memory, offset in elements of ``src`` into it): graphtorch's
    storage is the base tensor's array, so offsets count from its start as storage_offset()."""
    base = src._base if src._base is not None else src
    arr = base._data
    if not arr.flags.c_contiguous:
        raise RuntimeError("set_: the source's storage is not contiguous memory")
    flat = arr.reshape(-1)
    off = (_addr(src._data) - _addr(flat)) // src._dtype.itemsize
    return base, flat, off


def _strided(flat, offset, size, stride, itemsize):
    size = tuple(int(s) for s in size)
    if stride is None or len(stride) == 0:
        stride, acc = [], 1
        for s in reversed(size):
            stride.insert(0, acc)
            acc *= max(s, 1)
    stride = tuple(int(s) for s in stride)
    if len(stride) != len(size):
        raise RuntimeError(f"unequal size length ({len(size)}) and stride length "
                           f"({len(stride)})")
    need = offset + 1 + sum((n - 1) * st for n, st in zip(size, stride)) \
        if all(size) else 0
    if offset < 0 or need > flat.size or any(n < 0 for n in size):
        # torch would grow the storage; graphtorch's memory is fixed-size
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {itemsize} requiring a storage size "
                           f"of {need * itemsize} are out of bounds for storage of size "
                           f"{flat.size * itemsize}")
    if not all(size):
        return np.empty(size, flat.dtype)
    return np.lib.stride_tricks.as_strided(flat[offset:], size,
                                           tuple(st * itemsize for st in stride))


def _check_autograd(self):
    if STATE.enabled and self._requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


@tensor_method
def set_(self, source=None, storage_offset=None, size=None, stride=None):
    """Make ``self`` use ``source``'s memory (a Tensor or a storage), optionally as the view
    with ``storage_offset``, ``size`` and ``stride``; with no source, ``self`` becomes empty."""
    _check_autograd(self)
    if source is None:
        arr, base = np.empty((0,), self._dtype.np), None
    else:
        src = source._tensor if isinstance(source, UntypedStorage) else source
        if not isinstance(src, Tensor):
            raise TypeError(f"set_() received an invalid combination of arguments - got "
                            f"({type(source).__name__})")
        if src._dtype is not self._dtype and not isinstance(source, UntypedStorage):
            raise RuntimeError(f"Could not set tensor of type {_C_NAMES[src._dtype]} to a "
                               f"tensor of type {_C_NAMES[self._dtype]}")
        base, flat, off = _owner(src)
        if src._dtype is not self._dtype:  # an untyped storage seen in self's dtype
            flat = flat.view(np.uint8).view(self._dtype.np)
            off = off * src._dtype.itemsize // self._dtype.itemsize
        if isinstance(source, UntypedStorage) and storage_offset is None and size is None:
            arr = flat  # the whole storage, flat
        elif storage_offset is None and size is None:
            arr = src._data
        else:
            if size is None:
                raise TypeError("set_() missing required argument 'size'")
            size = tuple(size)
            start = storage_offset if storage_offset is not None else 0
            arr = _strided(flat, start, size, stride, self._dtype.itemsize)
    self._data = arr
    self._base = base if base is not self else None
    self._vc[0] += 1  # torch bumps self's own version counter; source's is untouched
    src_grad = isinstance(source, Tensor) and source._requires_grad
    if STATE.enabled and (self._requires_grad or src_grad):
        edges = tuple(AG.edge_of(t) for t in ((self, source) if src_grad else (self,)))
        node = _SetBackward(edges, tuple((tuple(t.shape), t._dtype) for t in (self,)))
        self.grad_fn, self._output_nr, self._requires_grad = node, 0, True
    return self
