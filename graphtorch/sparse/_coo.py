"""Sparse COO algorithms, written with dense graphtorch ops on the components.

Every computation on the values goes through ordinary differentiable ops (index_add,
index_select, mul, ...), so autograd through a sparse tensor needs nothing special: gradients
reach ``values`` exactly as PyTorch's sparse kernels produce them (masked to the sparsity
pattern).  Index bookkeeping (linearising, sorting, deduplicating) is plain numpy on the int64
indices, which never need gradients."""
from __future__ import annotations

import weakref

import numpy as np

from .. import api
from ..eager import dispatch
from ..eager.sparse_tensor import SparseData
from ..eager.tensor import Tensor, _init, wrap
from ..ops import dtypes as D
from ..ops.registry import OpDef
from ..ops.meta import TensorSpec

__all__ = ["is_sparse", "make_sparse", "coalesce", "to_dense", "from_dense", "detach_sparse",
           "linear_index", "check_no_trace"]


def is_sparse(x) -> bool:
    return isinstance(x, Tensor) and type(x._data) is SparseData


def check_no_trace() -> None:
    """Tracing records dense kernels only: refuse sparse tensors clearly."""
    if dispatch.HOOKS.tracer is not None:
        raise RuntimeError("graphtorch cannot trace or compile sparse COO tensors: call "
                           ".to_dense() before the traced region, or run it eagerly")


# Values of a sparse tensor built from a values tensor that requires grad: an aliasing op whose
# grad_fn carries PyTorch's name, so the sparse tensor is a non-leaf as in torch.
_WRAP_VALUES = OpDef(
    name="sparse_coo_tensor_values", kernel=lambda xp, v: v,
    meta=lambda v: TensorSpec(v.shape, v.dtype), vjp=lambda ctx, g: (g,),
    save_inputs=(), view=True, grad_name="SparseCooTensorWithDimsAndTensorsBackward0")


_NAMED: dict = {}


def named_grad(t: Tensor, grad_name: str) -> Tensor:
    """``t`` behind an identity node called ``grad_name`` (PyTorch's grad_fn name for the
    sparse op that produced it), when ``t`` is in the autograd graph."""
    if not t._requires_grad:
        return t
    op = _NAMED.get(grad_name)
    if op is None:
        op = _NAMED[grad_name] = OpDef(
            name="sparse_" + grad_name, kernel=lambda xp, v: v,
            meta=lambda v: TensorSpec(v.shape, v.dtype), vjp=lambda ctx, g: (g,),
            save_inputs=(), view=True, grad_name=grad_name)
    return dispatch.call(op, t)


# _methods.activate until the first sparse tensor exists (then the dense methods are wrapped)
ON_FIRST_SPARSE: list = [None]


def make_sparse(indices: Tensor, values: Tensor, shape, coalesced: bool,
                requires_grad: bool = False) -> Tensor:
    """A sparse Tensor from components (no validation: callers check)."""
    check_no_trace()
    if ON_FIRST_SPARSE[0] is not None:
        ON_FIRST_SPARSE[0]()
    if values._requires_grad and values.grad_fn is None:
        values = dispatch.call(_WRAP_VALUES, values)
    t = object.__new__(Tensor)
    _init(t, SparseData(indices, values, shape, coalesced))
    if values._requires_grad:
        t._requires_grad = True
        t.grad_fn = values.grad_fn
    elif requires_grad:
        set_leaf_requires_grad(t, True)
    return t


def set_leaf_requires_grad(t: Tensor, flag: bool) -> None:
    """Make sparse leaf ``t`` (not) require grad: its values become a fresh leaf whose
    gradient is delivered to ``t.grad`` as a sparse tensor on the same pattern (as torch)."""
    sd = t._data
    if flag and sd.values._dtype.category < D._FLOAT:
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    sd.values = sd.values.detach()
    if flag:
        sd.values.requires_grad_()
        sd.values.register_hook(_leaf_grad_hook(t))
    t._requires_grad = flag


def _leaf_grad_hook(t):
    ref = weakref.ref(t)

    def hook(g):
        s = ref()
        if s is not None and not HOOKS_OFF[0]:
            g = leaf_grad(s._data, g.detach())
            if s._grad is None:
                s._grad = g
            elif is_sparse(s._grad):
                from ._accumulate import add_sparse_
                add_sparse_(s._grad, g)
            else:
                s._grad = s._grad + to_dense(g)
        return None
    return hook


def leaf_grad(sd: SparseData, g: Tensor, flag: bool = False) -> Tensor:
    """The sparse ``.grad`` of a leaf from the gradient of its values: as torch, on the
    leaf's unique sorted pattern (every copy of a duplicated index carries the same gradient,
    the dense gradient at that index, so one copy is kept).  torch's ``.grad`` is a shallow
    copy flagged uncoalesced (``flag`` False); autograd.grad returns it coalesced."""
    lin = linear_index(sd)
    nnz = lin.size
    if not sd.coalesced and nnz > 1:
        uniq, first = np.unique(lin, return_index=True)
        nsd = sd.indices._data.shape[0]
        idx, vals = _long(_unravel(uniq, sd.shape[:nsd])), g[_long(first)]
    else:
        idx, vals = sd.indices, g
    return make_sparse(idx, vals, sd.shape, flag or idx._data.shape[1] < 2)


def dense_leaf(t: Tensor):
    """For a sparse leaf that requires grad (in grad mode): its dense value as a fresh leaf
    whose (dense) gradient is accumulated into ``t.grad``, as torch's dense-gradient ops on a
    sparse leaf (``torch.mm``, ``matmul``, ``addmm``, ``sum()``) do; else None."""
    from ..eager.grad_mode import STATE
    if not (t._requires_grad and t.grad_fn is None and STATE.enabled):
        return None
    from ..eager.grad_mode import no_grad
    with no_grad():
        d = to_dense(t)
    d.requires_grad_()
    ref = weakref.ref(t)

    def hook(g):
        s = ref()
        if s is not None and not HOOKS_OFF[0]:
            g = g.detach()
            if s._grad is None:
                s._grad = g.clone()
            else:
                s._grad = (to_dense(s._grad) if is_sparse(s._grad) else s._grad) + g
        return None
    d.register_hook(hook)
    refs = t.__dict__.setdefault("_dense_leaves", [])
    refs[:] = [r for r in refs if r() is not None] + [weakref.ref(d)]
    return d


def live_dense_leaves(t: Tensor) -> list:
    """The dense stand-ins of sparse leaf ``t`` still alive (autograd.grad asks for them)."""
    return [d for d in (r() for r in t.__dict__.get("_dense_leaves", ())) if d is not None]


# > 0 while autograd.grad runs: the leaf hooks must not write S.grad then
HOOKS_OFF = [0]


def detach_sparse(t: Tensor) -> Tensor:
    sd = t._data
    return make_sparse(sd.indices, sd.values.detach(), sd.shape, sd.coalesced)


def linear_index(sd: SparseData) -> np.ndarray:
    """Row-major position of each nonzero in the sparse dims (int64 numpy)."""
    idx = sd.indices._data
    nsd = idx.shape[0]
    lin = np.zeros(idx.shape[1], dtype=np.int64)
    for k in range(nsd):
        lin = lin * sd.shape[k] + idx[k]
    return lin


def _unravel(lin: np.ndarray, sparse_shape) -> np.ndarray:
    if len(sparse_shape) == 0:
        return np.zeros((0, lin.size), dtype=np.int64)
    return np.stack(np.unravel_index(lin, sparse_shape)).astype(np.int64).reshape(
        len(sparse_shape), lin.size)


def _long(a: np.ndarray) -> Tensor:
    return wrap(np.ascontiguousarray(a, dtype=np.int64))


def coalesce(t: Tensor) -> Tensor:
    """Sorted, duplicate-free indices; duplicates' values summed."""
    sd = t._data
    if sd.coalesced:
        return t
    nsd = sd.indices._data.shape[0]
    uniq, inv = np.unique(linear_index(sd), return_inverse=True)
    vals = sd.values
    new_vals = api.zeros((uniq.size,) + tuple(vals.shape[1:]), dtype=vals.dtype).index_add(
        0, _long(inv.reshape(-1)), vals)
    return make_sparse(_long(_unravel(uniq, sd.shape[:nsd])),
                       named_grad(new_vals, "CoalesceBackward0"), sd.shape, True)


def to_dense(t: Tensor) -> Tensor:
    """The dense tensor (duplicates summed); differentiable w.r.t. the values."""
    check_no_trace()
    sd = t._data
    nsd = sd.indices._data.shape[0]
    flat = int(np.prod(sd.shape[:nsd], dtype=np.int64))
    vals = sd.values
    dense_shape = tuple(vals.shape[1:])
    if vals._dtype is D.bool:  # index_add has no bool kernel: any nonzero sums to True
        return to_dense(make_sparse(sd.indices, vals.to(D.int64), sd.shape, sd.coalesced)) != 0
    out = api.zeros((flat,) + dense_shape, dtype=vals.dtype)
    out = out.index_add(0, _long(linear_index(sd)), vals)
    return named_grad(out.reshape(sd.shape), "ToDenseBackward0")


def from_dense(x: Tensor, sparse_dim: int | None = None) -> Tensor:
    """``x.to_sparse(sparse_dim)``: the nonzeros of the first ``sparse_dim`` dims."""
    check_no_trace()
    nd = x.dim()
    nsd = nd if sparse_dim is None else int(sparse_dim)
    if not 0 <= nsd <= nd:
        raise RuntimeError(f"sparse_dim argument must be in [0,{nd}] but got {nsd}")
    a = x._data
    sparse_shape, dense_shape = a.shape[:nsd], a.shape[nsd:]
    mask = a != 0
    if dense_shape:
        mask = mask.reshape(sparse_shape + (-1,)).any(-1) if a.size else \
            np.zeros(sparse_shape, dtype=bool)
    lin = np.flatnonzero(mask.reshape(-1))
    flat = int(np.prod(sparse_shape, dtype=np.int64))
    vals = x.reshape((flat,) + tuple(dense_shape)).index_select(0, _long(lin))
    return make_sparse(_long(_unravel(lin, sparse_shape)), named_grad(vals, "ToSparseBackward0"),
                       a.shape, True)


def add_sparse(a: Tensor, b: Tensor, alpha=1) -> Tensor:
    """``a + alpha * b`` for two sparse tensors of one shape (laid out as torch does)."""
    from ._accumulate import add_sparse as add
    return add(a, b, alpha)


def with_values(t: Tensor, values: Tensor) -> Tensor:
    """Same indices, new values (a zero-preserving elementwise op on the values)."""
    sd = t._data
    return make_sparse(sd.indices, values, sd.shape, sd.coalesced)


def mul_sparse(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise product of two sparse tensors: only common nonzeros survive."""
    if a._data.shape != b._data.shape:
        raise RuntimeError(f"mul: expected 'self' and 'other' to have same size, but "
                           f"{list(a._data.shape)} != {list(b._data.shape)}")
    a, b = coalesce(a), coalesce(b)
    common, ia, ib = np.intersect1d(linear_index(a._data), linear_index(b._data),
                                    return_indices=True)
    va = a._data.values.index_select(0, _long(ia))
    vb = b._data.values.index_select(0, _long(ib))
    nsd = a._data.indices._data.shape[0]
    return make_sparse(_long(_unravel(common, a._data.shape[:nsd])), va * vb, a._data.shape,
                       True)


def mul_dense(s: Tensor, d: Tensor) -> Tensor:
    """sparse * dense: the dense factor sampled at the nonzeros (sparse result, as torch)."""
    sd = s._data
    if tuple(d.shape) != sd.shape:
        d = d.expand(sd.shape)
    nsd = sd.indices._data.shape[0]
    flat = int(np.prod(sd.shape[:nsd], dtype=np.int64))
    picked = d.reshape((flat,) + tuple(sd.shape[nsd:])).index_select(0, _long(linear_index(sd)))
    return with_values(s, sd.values * picked)
