"""Products and reductions with a sparse COO operand: mm / addmm / sum / softmax."""
from __future__ import annotations

import numpy as np

from .. import api
from ..eager.tensor import Tensor
from . import _coo as C


def _check_mm(s: Tensor, d: Tensor, name: str) -> None:
    sd = s._data
    if len(sd.shape) != 2 or sd.indices._data.shape[0] != 2:
        raise RuntimeError(f"{name}: matrices expected, got {len(sd.shape)}D tensor")
    if d.dim() != 2:
        raise RuntimeError(f"{name}: matrices expected, got {d.dim()}D tensor")
    if d.shape[0] != sd.shape[1]:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {sd.shape[1]}, "
                           f"got {d.shape[0]}")
    if d.dtype is not s.dtype:
        raise RuntimeError(f"expected scalar type {_scalar(s.dtype)} but found "
                           f"{_scalar(d.dtype)}")


def _scalar(dt) -> str:
    from ..ops.dtypes import SCALAR_NAMES
    return SCALAR_NAMES[dt]


def spmm(s: Tensor, d: Tensor, name: str = "mm") -> Tensor:
    """sparse [n, k] @ dense [k, m] -> dense [n, m]: gather rows of ``d`` at the column
    indices, scale by the values, scatter-add into the output rows."""
    C.check_no_trace()
    if C.is_sparse(d):
        # sparse @ sparse: torch returns a sparse result
        _check_mm(s, api.zeros(d._data.shape, dtype=d.dtype), name)
        return C.from_dense(spmm(s, C.to_dense(d), name))
    _check_mm(s, d, name)
    sd = s._data
    rows, cols = sd.indices[0], sd.indices[1]
    contrib = d.index_select(0, cols) * sd.values.unsqueeze(1)
    out = api.zeros((sd.shape[0], d.shape[1]), dtype=d.dtype)
    return C.named_grad(out.index_add(0, rows, contrib), "SparseAddmmBackward0")


def dense_sparse_mm(d: Tensor, s: Tensor) -> Tensor:
    """dense @ sparse via (s^T @ d^T)^T."""
    return spmm(transpose(s, 0, 1), d.t()).t()


def addmm(input, s, d, *, beta=1, alpha=1):
    """``beta * input + alpha * (s @ d)`` with sparse ``s``."""
    prod = spmm(s, d, "addmm")
    if alpha != 1:
        prod = prod * alpha
    if C.is_sparse(input):
        input = C.to_dense(input)
    if beta == 0:
        return prod + api.zeros_like(input)
    return (input if beta == 1 else input * beta) + prod


def transpose(s: Tensor, d0: int, d1: int) -> Tensor:
    """Swap two sparse dims (rows of the indices); the result is not coalesced."""
    sd = s._data
    nd = len(sd.shape)
    d0, d1 = d0 % nd if -nd <= d0 < nd else d0, d1 % nd if -nd <= d1 < nd else d1
    nsd = sd.indices._data.shape[0]
    if not (0 <= d0 < nsd and 0 <= d1 < nsd):
        raise RuntimeError("transpose: only sparse dimensions can be transposed for a sparse "
                           f"COO tensor with {nsd} sparse dims (got dims {d0} and {d1})")
    perm = list(range(nsd))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    shape = list(sd.shape)
    shape[d0], shape[d1] = shape[d1], shape[d0]
    idx = sd.indices[perm] if nsd else sd.indices
    return C.make_sparse(idx, sd.values, shape, sd.coalesced and d0 == d1)


def _dims(dim, nd):
    dims = [dim] if isinstance(dim, int) else list(dim)
    out = []
    for d in dims:
        if not -nd <= d < max(nd, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                             f"{nd - 1}], but got {d})")
        out.append(d % nd)
    return sorted(set(out))


def sparse_sum(s: Tensor, dim=None, dtype=None) -> Tensor:
    """torch.sparse.sum: dense 0-d for a full reduction, else a coalesced sparse tensor
    (dense when every sparse dim is reduced)."""
    C.check_no_trace()
    sd = s._data
    vals = sd.values if dtype is None else sd.values.to(dtype)
    if dim is None:
        return vals.sum()
    nd, nsd = len(sd.shape), sd.indices._data.shape[0]
    dims = _dims(dim, nd)
    sparse_red = [d for d in dims if d < nsd]
    dense_red = [d - nsd + 1 for d in dims if d >= nsd]
    if dense_red:
        vals = vals.sum(dense_red)
    shape = [n for i, n in enumerate(sd.shape) if i not in dims]
    if not sparse_red:
        return C.make_sparse(sd.indices, vals, shape, sd.coalesced)
    if len(sparse_red) == nsd:
        return vals.sum(0)
    keep = [k for k in range(nsd) if k not in sparse_red]
    return C.coalesce(C.make_sparse(sd.indices[keep], vals, shape, False))


def softmax(s: Tensor, dim: int, log: bool = False, dtype=None) -> Tensor:
    """Softmax over the specified elements along ``dim`` (missing entries act as -inf)."""
    C.check_no_trace()
    s = C.coalesce(s)
    sd = s._data
    nsd = sd.indices._data.shape[0]
    nd = len(sd.shape)
    dim = _dims(dim, nd)[0]
    if dim >= nsd:
        raise RuntimeError("softmax over a dense dimension of a sparse tensor is not supported")
    vals = sd.values if dtype is None else sd.values.to(dtype)
    idx = sd.indices._data
    others = np.delete(idx, dim, axis=0)
    _, grp = np.unique(others, axis=1, return_inverse=True) if idx.shape[1] else (None, idx[0])
    grp = np.asarray(grp, dtype=np.int64).reshape(-1)
    ngroups = int(grp.max()) + 1 if grp.size else 0
    vnp = vals._data
    mx = np.full((ngroups,) + vnp.shape[1:], -np.inf, dtype=vnp.dtype)
    np.maximum.at(mx, grp, vnp)  # the shift cancels in softmax: no gradient needed through it
    g = C._long(grp)
    shifted = vals - api.tensor(mx, dtype=vals.dtype).index_select(0, g)
    e = shifted.exp()
    tot = api.zeros((ngroups,) + tuple(vals.shape[1:]), dtype=vals.dtype).index_add(0, g, e)
    out = shifted - tot.log().index_select(0, g) if log else e / tot.index_select(0, g)
    return C.with_values(s, out)
