"""The unpicklers behind ``load``: PyTorch's global names map to graphtorch objects, and
``weights_only`` loading admits only an allowlist of globals (so no code from the file runs).

Python's unpickler resolves every global (GLOBAL, STACK_GLOBAL, INST, OBJ, EXT*) through
``find_class``: refusing a name there means nothing outside the allowlist can be called."""
from __future__ import annotations

import _codecs
import _compat_pickle
import collections
import importlib
import pickle

import numpy as np

from ..eager.device import device as _Device
from ..eager.size import Size
from ..eager.tensor import Tensor, wrap
from ..ops import dtypes as D
from .pickler import STORAGE_NAMES

_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_SAFE_GLOBALS: set = set()


class StorageType:
    """What ``torch.FloatStorage`` (etc.) names in a file: the element dtype of a storage."""

    def __init__(self, name: str, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f"StorageType(dtype={self.dtype})"


class LoadedStorage:
    """A storage read from a checkpoint: raw bytes (uint8), element dtype and location tag.

    ``map_location`` callables receive it (PyTorch passes a storage); ``cpu()``/``cuda()`` and
    ``to()`` return a storage whose tensors are moved there."""

    def __init__(self, raw: np.ndarray, dtype, location: str = "cpu"):
        self.raw, self.dtype, self.location = raw, dtype, location
        self.device = _Device(location)

    def nbytes(self) -> int:
        return int(self.raw.nbytes)

    def size(self) -> int:
        return self.raw.nbytes // self.dtype.itemsize

    __len__ = size

    def typed(self) -> np.ndarray:
        return self.raw.view(self.dtype.np)

    def tolist(self):
        return wrap(self.typed()).tolist()

    def to(self, device=None, **kwargs):
        out = LoadedStorage(self.raw, self.dtype, str(_Device(device)))
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else _Device("cuda", _index(device)))

    def __repr__(self):
        return f"LoadedStorage(dtype={self.dtype}, size={self.size()}, device={self.location})"


def _index(device):
    return device if isinstance(device, int) else _Device(device).index


def _materialize(storage: LoadedStorage, dtype, offset, size, stride) -> Tensor:
    """A tensor viewing ``storage`` (moved to its device when that is not the cpu)."""
    typed = storage.raw.view(dtype.np)
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if offset < 0 or offset + extent > typed.size or any(s < 0 for s in stride):
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset} and itemsize {dtype.itemsize} requiring a storage "
                           f"size of {(offset + extent) * dtype.itemsize} are out of bounds for "
                           f"storage of size {storage.raw.nbytes}")
    arr = np.ndarray(size, dtype=dtype.np, buffer=typed, offset=offset * dtype.itemsize,
                     strides=tuple(s * dtype.itemsize for s in stride))
    t = wrap(arr)
    if storage.device.type != "cpu":
        t = t.to(storage.device)
    return t


# ------------------------------------------------------------------ torch._utils rebuilders
def rebuild_tensor(storage, storage_offset, size, stride):
    return _materialize(storage, storage.dtype, storage_offset, size, stride)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      metadata=None):
    t = _materialize(storage, storage.dtype, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      dtype, metadata=None):
    t = _materialize(storage, dtype, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_parameter(data, requires_grad, backward_hooks=None):
    from ..nn.parameter import Parameter
    return Parameter(data, requires_grad)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = rebuild_parameter(data, requires_grad)
    _set_state(p, state)
    return p


def rebuild_from_type_v2(func, new_type, args, state):
    t = func(*args)
    if type(t) is not new_type:
        t = t.as_subclass(new_type)
    _set_state(t, state)
    return t


def _set_state(obj, state):
    if not state:
        return
    if isinstance(state, tuple) and len(state) == 2:  # (dict state, slots state)
        state = {**(state[0] or {}), **(state[1] or {})}
    if getattr(type(obj), "__setstate__", None) not in (None, Tensor.__setstate__):
        obj.__setstate__(state)
        return
    for k, v in state.items():
        setattr(obj, k, v)


def get_layout(name):
    import graphtorch
    return getattr(graphtorch, name.replace("torch.", ""))


def _rebuild_sparse(layout, data):
    from ..sparse._methods import rebuild_sparse_tensor
    return rebuild_sparse_tensor(layout, data)


def _torch_globals() -> dict:
    """``module.name`` of PyTorch (and the stdlib) -> graphtorch object, for allowed globals."""
    from ..nn.parameter import Parameter
    g = {
        "torch._utils._rebuild_tensor": rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": rebuild_from_type_v2,
        "torch.serialization._get_layout": get_layout,
        "torch._utils._rebuild_sparse_tensor": _rebuild_sparse,
        "torch.sparse_coo": importlib.import_module("graphtorch").sparse_coo,
        "torch.Size": Size, "torch.device": _Device, "torch.Tensor": Tensor,
        "torch.nn.parameter.Parameter": Parameter,
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "_codecs.encode": _codecs.encode, "builtins.bytearray": bytearray,
        "builtins.set": set, "builtins.complex": complex,
    }
    for d in D.ALL:
        g["torch." + d.name] = d
        g["torch." + STORAGE_NAMES[d.name]] = StorageType(STORAGE_NAMES[d.name], d)
    g["torch.storage.UntypedStorage"] = StorageType("UntypedStorage", D.uint8)
    g["torch.storage.TypedStorage"] = StorageType("TypedStorage", D.uint8)
    g["torch.UntypedStorage"] = g["torch.storage.UntypedStorage"]
    for alias, d in D.ALIASES.items():
        if d is not None:
            g["torch." + alias] = d
    return g


_GLOBALS_CACHE: list = []


def torch_globals() -> dict:
    if not _GLOBALS_CACHE:
        _GLOBALS_CACHE.append(_torch_globals())
    return _GLOBALS_CACHE[0]


def _qualname(obj) -> str:
    return f"{getattr(obj, '__module__', None) or type(obj).__module__}." \
           f"{getattr(obj, '__qualname__', None) or type(obj).__qualname__}"


def user_globals() -> dict:
    """``module.name`` -> object for everything allowed with ``add_safe_globals``."""
    out = {}
    for entry in _SAFE_GLOBALS:
        if isinstance(entry, tuple):
            obj, name = entry
            out[name] = obj
        else:
            out[_qualname(entry)] = entry
    return out


def _py3_name(module: str, name: str) -> tuple[str, str]:
    """Python 2 names in protocol <= 2 pickles (__builtin__.set) -> Python 3 names."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _display(full: str) -> str:
    return full[len("builtins."):] if full.startswith("builtins.") else full


class WeightsOnlyUnpickler(pickle.Unpickler):
    """Resolves only allowlisted globals; anything else raises UnpicklingError."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._persistent = persistent_load

    def persistent_load(self, pid):
        return self._persistent(pid)

    def find_class(self, module, name):
        module, name = _py3_name(module, name)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose "
                                         f"module {module} is blocked.")
        allowed = torch_globals()
        if full in allowed:
            return allowed[full]
        user = user_globals()
        if full in user:
            return user[full]
        shown = _display(full)
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please "
            f"use `torch.serialization.add_safe_globals([{shown}])` or the "
            f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist this "
            "global if you trust this class/function.")


class FullUnpickler(pickle.Unpickler):
    """Loads any pickle (trusted files only); PyTorch's ``torch.*`` names resolve to
    graphtorch's objects of the same path when they exist."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._persistent = persistent_load

    def persistent_load(self, pid):
        return self._persistent(pid)

    def find_class(self, module, name):
        module, name = _py3_name(module, name)
        full = f"{module}.{name}"
        allowed = torch_globals()
        if full in allowed:
            return allowed[full]
        if module == "torch" or module.startswith("torch."):
            found = _graphtorch_equivalent(module, name)
            if found is not None:
                return found
        return super().find_class(module, name)


def _graphtorch_equivalent(module: str, name: str):
    try:
        mod = importlib.import_module("graphtorch" + module[len("torch"):])
    except ImportError:
        return None
    obj = mod
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


__all__ = ["WeightsOnlyUnpickler", "FullUnpickler", "LoadedStorage", "StorageType"]
