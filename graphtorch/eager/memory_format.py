"""channels_last / channels_last_3d layouts: a tensor's numpy array is given NHWC (NDHWC)
memory order while its logical shape stays NCHW, as torch's strides do."""
from __future__ import annotations

import numpy as np

# logical dims listed from outermost to innermost in memory
_ORDER = {("channels_last", 4): (0, 2, 3, 1), ("channels_last_3d", 5): (0, 2, 3, 4, 1)}


def _name(fmt) -> str:
    return getattr(fmt, "name", str(fmt).replace("torch.", ""))


def _order(fmt, ndim):
    name = _name(fmt)
    if name in ("channels_last", "channels_last_3d"):
        order = _ORDER.get((name, ndim))
        if order is None:
            need = 4 if name == "channels_last" else 5
            raise RuntimeError(f"required rank {need} tensor to use {name} format")
        return order
    return tuple(range(ndim))


def laid_out(a: np.ndarray, fmt) -> np.ndarray:
    """A copy of ``a`` with the same values in ``fmt``'s memory order."""
    order = _order(fmt, a.ndim)
    inv = np.argsort(order)
    return np.ascontiguousarray(a.transpose(order)).transpose(inv)


def is_contiguous_as(a: np.ndarray, fmt) -> bool:
    """Whether ``a``'s strides are the dense strides of ``fmt`` (size-1 dims are free)."""
    if _name(fmt) in ("contiguous_format", "preserve_format"):
        return a.flags.c_contiguous
    order = _order(fmt, a.ndim)
    expected = a.itemsize
    for d in reversed(order):
        if a.shape[d] != 1 and a.strides[d] != expected:
            return False
        expected *= a.shape[d]
    return True


def to_format(t, fmt):
    """``t`` in memory format ``fmt`` (t itself when already so laid out); differentiable."""
    name = _name(fmt)
    if name == "preserve_format" or is_contiguous_as(t._data, fmt):
        return t
    out = t.clone()  # records autograd like a copy; only the fresh copy's layout changes
    out._data = laid_out(out._data, fmt)
    return out


def channels_last_of(*tensors):
    """'channels_last(_3d)' when one of ``tensors`` is laid out so (and not plainly
    contiguous), else None: torch propagates that layout to conv outputs and *_like results."""
    for t in tensors:
        a = getattr(t, "_data", None)
        if type(a) is not np.ndarray or a.ndim not in (4, 5) or a.flags.c_contiguous:
            continue
        name = "channels_last" if a.ndim == 4 else "channels_last_3d"
        if is_contiguous_as(a, name):
            return name
    return None


def relayout_fresh(out, fmt):
    """Give a freshly computed ``out`` (no views of it exist yet) the layout ``fmt``."""
    if fmt is not None and type(out._data) is np.ndarray and out._data.ndim == len(
            _ORDER[(fmt, 4 if fmt == "channels_last" else 5)]):
        out._data = laid_out(out._data, fmt)
    return out
