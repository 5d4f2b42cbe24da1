"""Tensors in shared memory: ``Tensor.share_memory_()`` moves a tensor's storage into a
file-backed shared mapping (in /dev/shm), and a reduction registered with multiprocessing's
ForkingPickler sends such tensors by name (path, offset, shape, strides, dtype), so the
receiving process maps the same memory: no copy, and in-place writes are seen by both sides.

The process that created a segment unlinks its file when the mapping is garbage collected or
at exit; a receiver that maps it first keeps the memory alive afterwards.  Tensors that were
not shared are sent by copy (PyTorch would move them to shared memory on the way)."""
from __future__ import annotations

import mmap
import os
import tempfile
import threading
import weakref
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ..eager.tensor import Tensor, wrap
from ..ops import dtypes as D

_SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
_PATHS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # mmap -> file path
_ATTACHED: "weakref.WeakValueDictionary" = weakref.WeakValueDictionary()  # path -> mmap
_LOCK = threading.Lock()


def _unlink_if_creator(path: str, pid: int) -> None:
    if os.getpid() == pid:  # a forked child dropping an inherited mapping must not unlink
        try:
            os.unlink(path)
        except OSError:
            pass


def _new_segment(nbytes: int) -> mmap.mmap:
    fd, path = tempfile.mkstemp(prefix="graphtorch_shm_", dir=_SHM_DIR)
    try:
        os.ftruncate(fd, max(nbytes, 1))
        mm = mmap.mmap(fd, max(nbytes, 1))
    finally:
        os.close(fd)
    _PATHS[mm] = path
    weakref.finalize(mm, _unlink_if_creator, path, os.getpid())
    return mm


def _attach(path: str, nbytes: int) -> mmap.mmap:
    with _LOCK:
        mm = _ATTACHED.get(path)
        if mm is not None:
            return mm
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            raise RuntimeError(f"shared memory segment {path} no longer exists: the process "
                               "that shared the tensor released it before it was received "
                               "(keep the sender's tensor alive until then)") from None
        try:
            mm = mmap.mmap(fd, max(nbytes, 1))
        finally:
            os.close(fd)
        _PATHS[mm] = path
        _ATTACHED[path] = mm
        return mm


def _owner(arr: np.ndarray):
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def _segment(arr):
    """(mmap, path, byte offset of ``arr`` in it) if ``arr`` lives in a shared segment."""
    if type(arr) is not np.ndarray:
        return None
    holder = _owner(arr).base
    if isinstance(holder, memoryview):
        holder = holder.obj
    if not isinstance(holder, mmap.mmap):
        return None
    path = _PATHS.get(holder)
    if path is None:
        return None
    start = np.frombuffer(holder, np.uint8, count=0).__array_interface__["data"][0]
    return holder, path, arr.__array_interface__["data"][0] - start


def _moved(arr: np.ndarray, mm, delta: int) -> np.ndarray:
    return np.ndarray(arr.shape, dtype=arr.dtype, buffer=mm, offset=delta, strides=arr.strides)


def share_memory_(self: Tensor) -> Tensor:
    """Move this tensor's storage to shared memory (values kept); a no-op if already shared
    or on cuda.  Returns self."""
    if self.is_cuda or _segment(self._data) is not None:
        return self
    from .._serialization.pickler import StorageTable
    found = StorageTable._in_owner(self._data, self._dtype)
    if found is None:  # negative strides etc.: share a dense copy
        dense = np.ascontiguousarray(self._data)
        mm = _new_segment(dense.nbytes)
        self._data = _moved(dense, mm, 0)
        self._data[...] = dense
        return self
    owner, offset, _ = found
    old = owner.ravel(order="K").view(np.uint8)
    mm = _new_segment(old.nbytes)
    np.frombuffer(mm, np.uint8, count=old.nbytes)[:] = old
    base_addr = owner.__array_interface__["data"][0]
    for t in (self, self._base):
        if t is not None and _owner(t._data) is owner:
            t._data = _moved(t._data, mm, t._data.__array_interface__["data"][0] - base_addr)
    return self


def is_shared(self: Tensor) -> bool:
    """True if the tensor's storage is in shared memory (cuda tensors always are)."""
    return self.is_cuda or _segment(self._data) is not None


def _rebuild_shared(path, nbytes, offset, shape, strides, dtype_name, requires_grad, param):
    mm = _attach(path, nbytes)
    dt = getattr(D, dtype_name)
    arr = np.ndarray(shape, dtype=dt.np, buffer=mm, offset=offset, strides=strides)
    t = wrap(arr)
    if param:
        from ..nn.parameter import Parameter
        return Parameter(t, requires_grad)
    if requires_grad:
        t.requires_grad_(True)
    return t


def reduce_tensor(t: Tensor):
    """ForkingPickler reduction: shared tensors travel by segment name, others by copy."""
    seg = _segment(t._data)
    if seg is None:
        return t.__reduce_ex__(2)
    mm, path, offset = seg
    from ..nn.parameter import Parameter
    return (_rebuild_shared, (path, len(mm), offset, tuple(t._data.shape), t._data.strides,
                              t._dtype.name, t.requires_grad, isinstance(t, Parameter)))


def install() -> None:
    """Put share_memory_/is_shared on Tensor and register the ForkingPickler reductions."""
    from ..api._bind import METHODS, tensor_method
    from ..nn.parameter import Parameter
    for fn in (share_memory_, is_shared):
        if fn.__name__ not in METHODS:
            tensor_method(fn)
        setattr(Tensor, fn.__name__, METHODS[fn.__name__])
    ForkingPickler.register(Tensor, reduce_tensor)
    ForkingPickler.register(Parameter, reduce_tensor)
