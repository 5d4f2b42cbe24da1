"""In-place methods on sparse COO tensors (``zero_``, ``add_``, ``sub_``, ``mul_``, ``div_``,
``copy_``), as torch: the tensor keeps its identity and takes the new indices and values.
A dense ``self`` with a sparse operand (``dense.add_(sparse)``) densifies the operand."""
from __future__ import annotations

import numpy as np

from ..eager.grad_mode import no_grad
from ..eager.sparse_tensor import SparseData
from ..eager.tensor import Tensor, wrap
from . import _accumulate as A
from . import _coo as C

ORIG: dict = {}  # the dense methods (filled by _methods.activate)


def _sp(x) -> bool:
    return isinstance(x, Tensor) and type(x._data) is SparseData


def _check_leaf(self: Tensor) -> None:
    if self._requires_grad and self.grad_fn is None and not _grad_disabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _assign(self: Tensor, r: Tensor) -> Tensor:
    """Make sparse ``self`` hold ``r``'s components (cast to self's dtype); bump version."""
    sd, rd = self._data, r._data
    with no_grad():
        sd.indices, sd.values = rd.indices, rd.values.detach().to(self.dtype)
    if self._requires_grad and self.grad_fn is None:
        C.set_leaf_requires_grad(self, True)  # the new values become the leaf's values
    sd.shape, sd.coalesced = rd.shape, rd.coalesced
    self._vc[0] += 1
    return self


def _grad_disabled() -> bool:
    from ..eager.grad_mode import STATE
    return not STATE.enabled


def zero_(self):
    """Remove every stored entry (nnz 0, coalesced), as torch's sparse ``zero_``."""
    if not _sp(self):
        return ORIG["zero_"](self)
    _check_leaf(self)
    sd = self._data
    nsd = sd.indices._data.shape[0]
    dense = tuple(sd.values.shape[1:])
    idx = wrap(np.zeros((nsd, 0), dtype=np.int64))
    vals = wrap(np.zeros((0,) + dense, dtype=sd.values._data.dtype))
    vals._dtype = sd.values._dtype
    return _assign(self, C.make_sparse(idx, vals, sd.shape, True))


def add_(self, other, *, alpha=1):
    """``self += alpha * other``."""
    if not _sp(self):
        return ORIG["add_"](self, C.to_dense(other) if _sp(other) else other, alpha=alpha)
    _check_leaf(self)
    if not _sp(other):
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) "
                           "instead.")
    with no_grad():
        return _assign(self, A.add_sparse(self, other, alpha))


def sub_(self, other, *, alpha=1):
    """``self -= alpha * other``."""
    if not _sp(self):
        return ORIG["sub_"](self, C.to_dense(other) if _sp(other) else other, alpha=alpha)
    return add_(self, other, alpha=-alpha)


def mul_(self, other):
    """In-place product with a scalar (or a 0-d tensor) or a sparse tensor."""
    if not _sp(self):
        return ORIG["mul_"](self, C.to_dense(other) if _sp(other) else other)
    _check_leaf(self)
    with no_grad():
        if _sp(other):
            return _assign(self, C.mul_sparse(self, other))
        if isinstance(other, Tensor) and other.dim() > 0:
            return _assign(self, C.mul_dense(self, other))
        return _assign(self, C.with_values(self, self._data.values * other))


def div_(self, other, *, rounding_mode=None):
    """In-place division by a scalar (or a 0-d tensor)."""
    if not _sp(self):
        return ORIG["div_"](self, C.to_dense(other) if _sp(other) else other,
                            rounding_mode=rounding_mode)
    _check_leaf(self)
    if _sp(other) or (isinstance(other, Tensor) and other.dim() > 0):
        raise RuntimeError("div_: only division of a sparse tensor by a scalar is supported")
    with no_grad():
        vals = self._data.values.div(other, rounding_mode=rounding_mode)
        return _assign(self, C.with_values(self, vals))


def copy_(self, src, non_blocking=False):
    """Copy a sparse tensor into a sparse tensor (its indices, values and size)."""
    if _sp(self) != _sp(src):
        kind = lambda t: "torch.sparse.FloatTensor" if _sp(t) else "torch.FloatTensor"  # noqa
        raise RuntimeError("copy_() between dense and sparse Tensors is not implemented! "
                           f"Found self type = {kind(self)} and src type = {kind(src)}")
    if not _sp(self):
        return ORIG["copy_"](self, src, non_blocking)
    _check_leaf(self)
    sd = src._data
    return _assign(self, C.make_sparse(sd.indices.clone(), sd.values.detach().clone(),
                                       sd.shape, sd.coalesced))


METHODS = {f.__name__: f for f in (zero_, add_, sub_, mul_, div_, copy_)}
