"""The storage of a sparse COO tensor.

A sparse tensor is a plain ``Tensor`` whose ``_data`` is a ``SparseData`` instead of an array:
it holds the int64 ``indices`` [sparse_dim, nnz] and the dense ``values`` [nnz, *dense_dims]
(both graphtorch Tensors, so autograd flows through ``values``), the full shape and the
coalesced flag.  No dense kernel can use it: every array access raises PyTorch's
"not implemented for SparseCPU" error, so a dense-only op fails cleanly instead of computing
garbage.  The sparse operations themselves live in ``graphtorch.sparse``."""
from __future__ import annotations

import sys

import numpy as np

__all__ = ["SparseData", "sparse_error", "ACTIVE"]

# True once a sparse tensor has been made: code on dense hot paths (optimizer steps) checks
# this flag before looking for sparse gradients
ACTIVE = [False]


def _current_op() -> str:
    """The registry op being dispatched (found in the caller frames), for the message."""
    f = sys._getframe(2)
    while f is not None:
        if f.f_globals.get("__name__") == "graphtorch.eager.dispatch" and "op" in f.f_locals:
            return getattr(f.f_locals["op"], "name", "?")
        f = f.f_back
    return "?"


def sparse_error(what: str | None = None) -> Exception:
    """PyTorch's error for a dense-only operation applied to a sparse tensor."""
    name = what or _current_op()
    e = NotImplementedError(
        f"Could not run 'aten::{name}' with arguments from the 'SparseCPU' backend. This could "
        "be because the operator doesn't exist for this backend, or was omitted during the "
        "selective/custom build process (if using custom build). (graphtorch supports only a "
        "subset of operations on sparse COO tensors; call .to_dense() first.)")
    e._graphtorch = True  # dispatch.translate_error passes it through unchanged
    return e


class SparseData:
    """Components of a sparse COO tensor (see the module docstring)."""

    __slots__ = ("indices", "values", "shape", "coalesced")

    def __init__(self, indices, values, shape, coalesced):
        self.indices = indices
        self.values = values
        self.shape = tuple(int(s) for s in shape)
        self.coalesced = bool(coalesced)

    # what Tensor's own properties read (shape, dim, numel, dtype, stride)
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self):
        return self.values._data.dtype

    @property
    def strides(self):
        return (0,) * len(self.shape)  # torch reports zero strides for sparse tensors

    @property
    def data(self):
        e = RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")
        e._graphtorch = True
        raise e

    def get(self):
        return self.data

    # every other array use (kernels, numpy functions, ufuncs) is a dense-only operation
    def __array__(self, dtype=None, copy=None):
        raise sparse_error()

    def __array_ufunc__(self, *args, **kwargs):
        raise sparse_error()

    def __array_function__(self, *args, **kwargs):
        raise sparse_error()

    def __getattr__(self, name):
        # dtype promotion probes for a cupy array: that probe marks a dense op too
        if name.startswith("__") and name != "__cuda_array_interface__":
            raise AttributeError(name)
        raise sparse_error()

    def _binop(self, *other):
        raise sparse_error()

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _binop
    __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __rpow__ = __neg__ = _binop
    __getitem__ = __setitem__ = __lt__ = __le__ = __gt__ = __ge__ = _binop
    __floordiv__ = __mod__ = __and__ = __or__ = __xor__ = __invert__ = __abs__ = _binop
