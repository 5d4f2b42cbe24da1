"""The pickler behind ``save``: it writes PyTorch's pickle layout without importing torch.

Tensors reduce to ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
requires_grad, OrderedDict())`` where ``storage`` is a persistent id
``('storage', torch.<Type>Storage, key, location, numel)``; the bytes of each storage are
written once, as record ``data/<key>``.  PyTorch's globals are emitted by name (``Global``
markers) so the file loads in PyTorch and in graphtorch alike."""
from __future__ import annotations

import pickle
from collections import OrderedDict

import numpy as np

from ..eager.device import device as _Device
from ..eager.size import Size
from ..eager.tensor import Tensor
from ..ops import dtypes as D

STORAGE_NAMES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "uint8": "ByteStorage", "int8": "CharStorage",
    "int16": "ShortStorage", "int32": "IntStorage", "int64": "LongStorage", "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage",
}
# attributes graphtorch itself keeps in a tensor's __dict__ (nn.Buffer): not user state
_INTERNAL_ATTRS = frozenset({"_is_buffer", "persistent"})


class Global:
    """A stand-in for the global ``module.name`` of PyTorch: pickled as that name."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args, **kwargs):
        raise TypeError(f"{self.module}.{self.name} is a pickling marker, not callable")

    def __repr__(self):
        return f"Global({self.module}.{self.name})"


REBUILD_V2 = Global("torch._utils", "_rebuild_tensor_v2")
REBUILD_PARAM = Global("torch._utils", "_rebuild_parameter")
REBUILD_PARAM_STATE = Global("torch._utils", "_rebuild_parameter_with_state")
FROM_TYPE_V2 = Global("torch._tensor", "_rebuild_from_type_v2")
REBUILD_SPARSE = Global("torch._utils", "_rebuild_sparse_tensor")


class _SparseLayout:
    """Stands for torch.sparse_coo in a pickle."""
TORCH_TENSOR = Global("torch", "Tensor")
TORCH_PARAMETER = Global("torch.nn.parameter", "Parameter")
TORCH_SIZE = Global("torch", "Size")
TORCH_DEVICE = Global("torch", "device")
_STORAGE_GLOBALS = {k: Global("torch", v) for k, v in STORAGE_NAMES.items()}


class StorageEntry:
    """One storage to write: its raw bytes (uint8 view), element dtype, key and location."""

    __slots__ = ("key", "dtype", "raw", "location", "owner")

    def __init__(self, key, dtype, raw, location, owner):
        self.key, self.dtype, self.raw, self.location, self.owner = key, dtype, raw, location, owner


class _StorageRef:
    """Placeholder in the reduce arguments; ``persistent_id`` turns it into the storage id."""

    __slots__ = ("entry",)

    def __init__(self, entry):
        self.entry = entry


def _owner(arr: np.ndarray) -> np.ndarray:
    """The array that owns the memory under ``arr`` (follows numpy bases and as_strided)."""
    while True:
        b = arr.base
        if isinstance(b, np.ndarray):
            arr = b
        elif b is not None and isinstance(getattr(b, "base", None), np.ndarray) \
                and hasattr(b, "__array_interface__"):
            arr = b.base  # np.lib.stride_tricks.DummyArray wraps the original
        else:
            return arr


def _addr(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _raw_bytes(owner: np.ndarray) -> np.ndarray:
    return owner.ravel(order="K").view(np.uint8)


class StorageTable:
    """Groups tensors by the memory they live in, so shared storage is written once."""

    def __init__(self):
        self.entries: list[StorageEntry] = []
        self._by_memory: dict = {}

    def _new_entry(self, dtype, owner, location) -> StorageEntry:
        raw = _raw_bytes(owner) if isinstance(owner, np.ndarray) else owner
        entry = StorageEntry(str(len(self.entries)), dtype, raw, location, owner)
        self.entries.append(entry)
        return entry

    def locate(self, t: Tensor):
        """(storage ref, storage offset, size, stride) of tensor ``t``, in elements."""
        arr, dt = t._data, t._dtype
        if type(arr) is not np.ndarray:  # cuda: saved as its own dense storage
            host = np.ascontiguousarray(arr.get())
            loc = f"cuda:{arr.device.id}"
            entry = self._new_entry(dt, host, loc)
            return _StorageRef(entry), 0, tuple(arr.shape), _dense_strides(arr.shape)
        found = self._in_owner(arr, dt)
        if found is None:  # negative strides, odd alignment: a dense copy of its own
            host = np.ascontiguousarray(arr)
            entry = self._new_entry(dt, host, "cpu")
            return _StorageRef(entry), 0, tuple(arr.shape), _dense_strides(arr.shape)
        owner, offset, strides = found
        key = (_addr(owner), owner.nbytes)
        entry = self._by_memory.get(key)
        if entry is None:
            entry = self._by_memory[key] = self._new_entry(dt, owner, "cpu")
        elif entry.dtype is not dt:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                               "data as different types")
        return _StorageRef(entry), offset, tuple(arr.shape), strides

    @staticmethod
    def _in_owner(arr, dt):
        owner, size = _owner(arr), dt.itemsize
        if not (owner.flags.c_contiguous or owner.flags.f_contiguous) or owner.nbytes % size:
            return None
        delta = _addr(arr) - _addr(owner)
        if delta < 0 or delta % size or any(s < 0 or s % size for s in arr.strides):
            return None
        extent = 0 if arr.size == 0 else \
            sum((n - 1) * s for n, s in zip(arr.shape, arr.strides)) + size
        if delta + extent > owner.nbytes:
            return None
        return owner, delta // size, tuple(s // size for s in arr.strides)


def _dense_strides(shape) -> tuple:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def tensor_state(t: Tensor) -> dict:
    """User attributes set on a tensor (PyTorch pickles them with the tensor)."""
    d = getattr(t, "__dict__", None) or {}
    return {k: v for k, v in d.items() if k not in _INTERNAL_ATTRS}


class TorchPickler(pickle._Pickler):
    """A pickler writing PyTorch's globals by name and tensors as persistent storages."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol, storages: StorageTable, legacy: bool = False):
        super().__init__(file, protocol)
        self.storages = storages
        self.legacy = legacy  # the pre-1.6 format adds a view_metadata field (None)

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            e = obj.entry
            numel = len(e.raw) // e.dtype.itemsize
            pid = ("storage", _STORAGE_GLOBALS[e.dtype.name], e.key, e.location, numel)
            return pid + (None,) if self.legacy else pid
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            if obj.is_sparse:  # torch's own form: _rebuild_sparse_tensor(layout, components)
                return (REBUILD_SPARSE, (_SparseLayout(), (
                    obj._indices(), obj._values().detach(), obj.size(), obj.is_coalesced())))
            return self._reduce_tensor(obj)
        if type(obj) is _SparseLayout:  # torch writes layouts as _get_layout("torch.x")
            return (Global("torch.serialization", "_get_layout"), ("torch.sparse_coo",))
        if type(obj) is Size:
            return (TORCH_SIZE, (tuple(obj),))
        if type(obj) is _Device:
            return (TORCH_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented

    def _reduce_tensor(self, t: Tensor):
        from ..nn.parameter import Parameter
        state = tensor_state(t)
        if isinstance(t, Parameter):
            data = t.detach()
            if state:
                return (REBUILD_PARAM_STATE, (data, t.requires_grad, OrderedDict(), state))
            return (REBUILD_PARAM, (data, t.requires_grad, OrderedDict()))
        ref, offset, size, stride = self.storages.locate(t)
        args = (ref, offset, size, stride, t.requires_grad, OrderedDict())
        if type(t) is Tensor and not state:
            return (REBUILD_V2, args)
        return (FROM_TYPE_V2, (REBUILD_V2, type(t), args, state))

    def save_global(self, obj, name=None):
        if type(obj) is Global:
            return self._write_global(obj, obj.module, obj.name)
        if obj is Tensor:
            return self._write_global(obj, "torch", "Tensor")
        from ..nn.parameter import Parameter
        if obj is Parameter:
            return self._write_global(obj, "torch.nn.parameter", "Parameter")
        return super().save_global(obj, name)

    def _write_global(self, obj, module: str, name: str) -> None:
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + module.encode() + b"\n" + name.encode() + b"\n")
        self.memoize(obj)

    def _save_dtype(self, obj):
        self._write_global(obj, "torch", obj.name)

    dispatch[D.dtype] = _save_dtype
    dispatch[Global] = lambda self, obj: self._write_global(obj, obj.module, obj.name)


def dump(obj, file, protocol: int, legacy: bool = False) -> StorageTable:
    """Pickle ``obj`` into ``file``; returns the storages it references."""
    table = StorageTable()
    TorchPickler(file, protocol, table, legacy).dump(obj)
    return table
