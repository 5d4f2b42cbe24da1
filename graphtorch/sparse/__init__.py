"""torch.sparse: sparse COO tensors (creation, products, reductions, softmax).

A sparse COO tensor is an ordinary ``Tensor`` with ``layout == torch.sparse_coo`` whose
storage holds int64 indices [sparse_dim, nnz] and values [nnz, *dense_dims] (see
graphtorch/eager/sparse_tensor.py).  It runs eagerly on numpy only; tracing and compiling
refuse it with a clear error."""
from __future__ import annotations

from .. import api
from ..eager.tensor import Tensor
from ..ops import dtypes as D
from . import _coo as C
from . import _linalg as L
from ._methods import install as _install_methods

__all__ = ["mm", "addmm", "sum", "softmax", "log_softmax", "spmm", "sparse_coo_tensor",
           "check_sparse_tensor_invariants"]


def _as_tensor(x, dtype=None):
    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype is dtype else x.to(dtype)
    return api.tensor(x, dtype=dtype)


def _infer_or_check_size(idx, vals, size):
    nsd, nnz = idx.shape
    dense = tuple(vals.shape[1:])
    if size is None:
        sparse = tuple(int(m) + 1 for m in idx.max(1)) if nnz else (0,) * nsd
        if nnz and (idx < 0).any():
            raise RuntimeError("found negative index in the indices of sparse_coo_tensor")
        return sparse + dense
    size = tuple(int(s) for s in size)
    if len(size) != nsd + len(dense):
        raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) "
                           f"= {len(size)}, sparse_dim = {nsd}, dense_dim = {len(dense)}")
    if size[nsd:] != dense:
        raise RuntimeError(f"values has incorrect size, expected {[nnz, *size[nsd:]]}, got "
                           f"{[nnz, *dense]}")
    for k in range(nsd if nnz else 0):
        lo, hi = int(idx[k].min()), int(idx[k].max())
        if lo < 0:
            raise RuntimeError(f"found negative index {lo} for dim {k}")
        if hi >= size[k]:
            raise RuntimeError(f"size is inconsistent with indices: for dim {k}, size is "
                               f"{size[k]} but found index {hi}")
    return size


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with the given ``indices`` [sparse_dim, nnz] and ``values``
    [nnz, *dense_dims].

    Args:
        size: the full shape; inferred from the largest index per sparse dim when omitted.
        is_coalesced: trust that the indices are sorted and unique.

    Indices are always checked against ``size`` (graphtorch has no unchecked mode).
    """
    if device is not None and str(device) != "cpu":
        raise RuntimeError("graphtorch sparse COO tensors live on the cpu only")
    idx = _as_tensor(indices)
    if idx.dtype is not D.int64:
        idx = idx.to(D.int64)
    vals = _as_tensor(values, dtype)
    if idx.dim() != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    if vals.dim() == 0:
        raise RuntimeError("values must be a tensor of at least one dimension (nnz, ...)")
    if idx.shape[1] != vals.shape[0]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{idx.shape[1]}, nnz from values: {vals.shape[0]}")
    shape = _infer_or_check_size(idx._data, vals, size)
    # torch flags a tensor with fewer than two entries coalesced unless told otherwise
    coalesced = idx.shape[1] < 2 if is_coalesced is None else bool(is_coalesced)
    return C.make_sparse(idx, vals, shape, coalesced, requires_grad=requires_grad)


def mm(mat1, mat2, reduce=None):
    """``mat1 @ mat2`` with a sparse COO ``mat1`` (dense result; the gradient of a sparse
    ``mat1`` is sparse, on its pattern)."""
    if reduce is not None:
        raise RuntimeError("torch.sparse.mm: reduce is supported for sparse CSR only")
    if C.is_sparse(mat1):
        return L.spmm(mat1, mat2)
    if C.is_sparse(mat2):
        return L.dense_sparse_mm(mat1, mat2)
    return api.mm(mat1, mat2)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """``beta * mat + alpha * (mat1 @ mat2)`` with a sparse COO ``mat1``."""
    if not C.is_sparse(mat1):
        return api.addmm(mat, mat1, mat2, beta=beta, alpha=alpha)
    return L.addmm(mat, mat1, mat2, beta=beta, alpha=alpha)


spmm = mm


def sum(input, dim=None, dtype=None):  # noqa: A001 - torch.sparse.sum
    """Sum of a sparse tensor: a dense 0-d tensor when ``dim`` is None (or covers every
    sparse dim), otherwise a coalesced sparse tensor."""
    if not C.is_sparse(input):
        return api.sum(input, dim, dtype=dtype) if dim is not None else api.sum(input,
                                                                               dtype=dtype)
    return L.sparse_sum(input, dim, dtype)


def softmax(input, dim, *, dtype=None):
    """Softmax over the specified entries along ``dim`` (unspecified entries count as -inf)."""
    return L.softmax(input, dim, log=False, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """Log of ``softmax`` over the specified entries along ``dim``."""
    return L.softmax(input, dim, log=True, dtype=dtype)


class check_sparse_tensor_invariants:
    """Context manager / decorator accepted for compatibility: graphtorch always checks the
    indices of a new sparse tensor."""

    def __init__(self, enable=True):
        self._enable = enable

    @staticmethod
    def is_enabled() -> bool:
        return True

    @staticmethod
    def enable():
        pass

    @staticmethod
    def disable():
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        return fn
