"""Legacy tensor types (torch.FloatTensor, torch.LongTensor, ...) and storages.

``torch.LongTensor([1, 2])`` builds an int64 tensor; ``isinstance(t, torch.LongTensor)`` checks
the dtype, as PyTorch's legacy type objects do."""
from __future__ import annotations

import numpy as np

from ..ops import dtypes as D
from .tensor import Tensor, wrap


class _LegacyMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._dtype is cls.dtype and obj.device.type == "cpu"


def _legacy(name, dt):
    def __new__(cls, *args, device=None):
        if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
            arr = np.array(args[0], dtype=dt.np)
        elif len(args) == 1 and isinstance(args[0], Tensor):
            return args[0].to(dt)
        elif all(isinstance(a, int) for a in args):
            arr = np.zeros(args, dtype=dt.np) if args else np.empty((0,), dt.np)
        else:
            raise TypeError(f"new(): invalid arguments for torch.{name}")
        return wrap(arr)
    return _LegacyMeta(name, (), {"__new__": __new__, "dtype": dt, "__module__": "torch"})


LEGACY_TYPES = {name: _legacy(name, dt) for dt, name in D.TYPE_NAMES.items()}


class UntypedStorage:
    """The bytes under a tensor (what ``t.untyped_storage()`` returns)."""

    def __init__(self, tensor):
        base = tensor._base if tensor._base is not None else tensor
        self._tensor = base

    def nbytes(self) -> int:
        return int(self._tensor._data.nbytes)

    def size(self) -> int:
        return self.nbytes()

    def data_ptr(self) -> int:
        return self._tensor.data_ptr()

    @property
    def device(self):
        return self._tensor.device

    def __len__(self):
        return self.nbytes()


class TypedStorage(UntypedStorage):
    """Storage seen as elements of the tensor's dtype (``t.storage()``)."""

    @property
    def dtype(self):
        return self._tensor._dtype

    def size(self) -> int:
        return int(self._tensor._data.size)

    def __len__(self):
        return self.size()

    def tolist(self):
        return self._tensor._data.reshape(-1).tolist()


def is_storage(obj) -> bool:
    """True if ``obj`` is a storage object (torch.is_storage)."""
    return isinstance(obj, UntypedStorage)


def typename(obj) -> str:
    """'torch.FloatTensor' for tensors, else the object's module-qualified class name."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qual = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    if not isinstance(obj, type):
        module = type(obj).__module__
        qual = type(obj).__qualname__
    if module in ("", "builtins", "__builtin__"):
        return qual
    return module + "." + qual
