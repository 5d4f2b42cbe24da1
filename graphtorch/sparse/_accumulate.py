"""PyTorch's sparse + sparse addition, and sparse gradients in the autograd engine.

``add_sparse`` follows torch's CPU kernel exactly, because the result's layout is visible
(``_indices()``, ``_nnz()``, ``is_coalesced()``) and real code (``weight.grad`` of an
``Embedding(sparse=True)`` accumulated over two backward calls) prints it:

* both value tensors contiguous: one merge walk over the two index lists (equal indices met at
  the same step are summed into one entry); coalesced iff both inputs are;
* otherwise the indices and values are concatenated (uncoalesced), and coalesced only when
  nnz would exceed the number of elements.

``install_engine`` makes the engine's few tensor helpers (graphtorch/eager/engine_ops.py)
accept sparse gradients.  It runs when the first sparse tensor is made, so dense programs keep
the original functions and pay nothing."""
from __future__ import annotations

import numpy as np

from .. import api
from ..eager import engine_ops
from ..eager.grad_mode import no_grad
from ..eager.sparse_tensor import SparseData
from ..eager.tensor import Tensor, wrap
from ..ops import dtypes as D
from . import _coo as C

__all__ = ["add_sparse", "add_sparse_", "install_engine"]


def _sp(x) -> bool:
    return isinstance(x, Tensor) and type(x._data) is SparseData


def _contiguous(v: Tensor) -> bool:
    a = v._data
    return a.size <= 1 or bool(a.flags.c_contiguous)


def _check_same(sa: SparseData, sb: SparseData) -> None:
    if sa.shape != sb.shape:
        raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has "
                           f"size {list(sa.shape)} while other has size {list(sb.shape)} (FYI: "
                           "dense-sparse addition does not currently support broadcasting)")
    if sa.indices._data.shape[0] != sb.indices._data.shape[0]:
        raise RuntimeError("add: expected 'self' and 'other' to have same sparse dimensions, "
                           f"but got {sa.indices._data.shape[0]} and "
                           f"{sb.indices._data.shape[0]}")


def _merge_positions(lt: np.ndarray, ls: np.ndarray):
    """Output slot of every entry of ``lt`` and ``ls`` under torch's merge walk, and the
    number of slots.  Equal keys met at the same step share a slot."""
    if (lt.size < 2 or bool((lt[1:] >= lt[:-1]).all())) and \
            (ls.size < 2 or bool((ls[1:] >= ls[:-1]).all())):
        return _merge_sorted(lt, ls)
    return _merge_walk(lt, ls)


def _merge_walk(lt: np.ndarray, ls: np.ndarray):
    """The merge walk itself, one step per output entry (any input order)."""
    pt = np.empty(lt.size, dtype=np.int64)
    ps = np.empty(ls.size, dtype=np.int64)
    a, b = lt.tolist(), ls.tolist()
    i = j = r = 0
    na, nb = len(a), len(b)
    while i < na or j < nb:
        if i >= na:
            ps[j] = r
            j += 1
        elif j >= nb or a[i] < b[j]:
            pt[i] = r
            i += 1
        elif a[i] > b[j]:
            ps[j] = r
            j += 1
        else:
            pt[i] = ps[j] = r
            i += 1
            j += 1
        r += 1
    return pt, ps, r


def _merge_sorted(lt, ls):
    """The merge walk on sorted inputs: the k-th copy of a key in one input meets the k-th
    copy in the other, so slots are the sorted union of (key, copy number) pairs."""
    def keyed(x):
        rank = np.arange(x.size, dtype=np.int64) - np.searchsorted(x, x, side="left")
        return np.stack([x, rank])
    kt, ks = keyed(lt), keyed(ls)
    both = np.concatenate([kt, ks], 1)
    order = np.lexsort((both[1], both[0]))
    sk = both[:, order]
    new = np.ones(sk.shape[1], dtype=bool)
    new[1:] = (sk[:, 1:] != sk[:, :-1]).any(0)
    slot_sorted = np.cumsum(new) - 1
    slot = np.empty(both.shape[1], dtype=np.int64)
    slot[order] = slot_sorted
    return slot[:lt.size], slot[lt.size:], int(new.sum())


def _components(a: Tensor, b: Tensor, alpha):
    """Indices, values and flags of ``a + alpha * b`` (values differentiable)."""
    sa, sb = a._data, b._data
    _check_same(sa, sb)
    dt = D.promote_types(sa.values.dtype, sb.values.dtype)
    va, vb = sa.values.to(dt), sb.values.to(dt)
    if alpha != 1:
        vb = vb * alpha
    na, nb = sa.indices._data.shape[1], sb.indices._data.shape[1]
    if nb == 0:
        return sa.indices, va, sa.coalesced
    if na == 0:
        return sb.indices, vb, sb.coalesced
    if _contiguous(sa.values) and _contiguous(sb.values):
        pt, ps, n = _merge_positions(C.linear_index(sa), C.linear_index(sb))
        idx = np.zeros((sa.indices._data.shape[0], n), dtype=np.int64)
        idx[:, pt] = sa.indices._data
        idx[:, ps] = sb.indices._data
        vals = api.zeros((n,) + tuple(va.shape[1:]), dtype=dt)
        vals = vals.index_add(0, C._long(pt), va).index_add(0, C._long(ps), vb)
        return C._long(idx), vals, sa.coalesced and sb.coalesced
    idx = api.cat([sa.indices, sb.indices], 1)
    return idx, api.cat([va, vb], 0), None  # None: concatenated (uncoalesced)


def add_sparse(a: Tensor, b: Tensor, alpha=1) -> Tensor:
    """``a + alpha * b`` for two sparse COO tensors of one shape, laid out as torch does."""
    idx, vals, coalesced = _components(a, b, alpha)
    out = C.make_sparse(idx, vals, a._data.shape, bool(coalesced))
    if coalesced is None and out._data.indices._data.shape[1] > _numel(a._data):
        # torch bounds the nnz growth of concatenation this way (keeping the flag False)
        cd = C.coalesce(out)._data
        out = C.make_sparse(cd.indices, cd.values, cd.shape, False)
    return out


def _numel(sd: SparseData) -> int:
    return int(np.prod(sd.shape, dtype=np.int64))


def add_sparse_(a: Tensor, b: Tensor, alpha=1) -> Tensor:
    """In-place ``a += alpha * b`` for sparse ``a`` and ``b`` (no autograd recording)."""
    with no_grad():
        r = add_sparse(a, b, alpha)
    sd, rd = a._data, r._data
    sd.indices, sd.values, sd.coalesced = rd.indices, rd.values.to(a.dtype), rd.coalesced
    a._vc[0] += 1
    return a


# ----------------------------------------------------------------------------- the engine
_ORIG: dict = {}


def _dense_of(t: Tensor) -> np.ndarray:
    with no_grad():
        return C.to_dense(t)._data


def _become_dense(t: Tensor, arr: np.ndarray) -> None:
    """Turn a sparse grad tensor into a dense one in place (torch swaps in a new tensor)."""
    t._data = np.ascontiguousarray(arr, dtype=arr.dtype)


def _add(a, b):
    if _sp(a) and _sp(b):
        return add_sparse(a, b)
    if _sp(a):
        a = C.to_dense(a)
    if _sp(b):
        b = C.to_dense(b)
    return _ORIG["add"](a, b)


def _add_inplace(a, b):
    """A leaf's ``.grad += new`` (AccumulateGrad): the old entries first."""
    if not (_sp(a) or _sp(b)):
        return _ORIG["add_inplace"](a, b)
    if _sp(a) and _sp(b):
        add_sparse_(a, b)
        return
    _add_into(a, b)
    a._vc[0] += 1


def _add_into(a, b):
    """Sum into an engine buffer.  The engine runs the newest node first, so ``b`` comes from
    an older part of the graph: torch lists its entries first (graph creation order)."""
    if not (_sp(a) or _sp(b)):
        return _ORIG["add_into"](a, b)
    if _sp(a) and _sp(b):
        with no_grad():
            r = add_sparse(b, a)
        sd, rd = a._data, r._data
        sd.indices, sd.values, sd.coalesced = rd.indices, rd.values, rd.coalesced
    elif _sp(a):
        _become_dense(a, _dense_of(a) + b._data)
    else:
        np.add(a._data, _dense_of(b), out=a._data, casting="unsafe")


def _fresh_sum(a, b):
    if not (_sp(a) or _sp(b)):
        return _ORIG["fresh_sum"](a, b)
    with no_grad():
        if _sp(a) and _sp(b):
            return add_sparse(b, a)  # older graph part first (see _add_into)
    t = wrap(np.asarray((_dense_of(a) if _sp(a) else a._data) +
                        (_dense_of(b) if _sp(b) else b._data)))
    t._dtype = a._dtype
    return t


def _detach_copy(g):
    if not _sp(g):
        return _ORIG["detach_copy"](g)
    sd = g._data
    return C.make_sparse(sd.indices.clone(), sd.values.detach().clone(), sd.shape, sd.coalesced)


def _owned(g):
    if _sp(g):
        return False  # _detach_copy then gives the leaf its own tensor (as torch's copy)
    return _ORIG["owned"](g)


def _clone(g):
    if _sp(g):
        sd = g._data
        return C.make_sparse(sd.indices, sd.values.clone(), sd.shape, sd.coalesced)
    return _ORIG["clone"](g)


def _check_nan(node, grads):
    return _ORIG["check_nan"](node, [g._data.values if _sp(g) else g for g in grads])


def install_engine() -> None:
    """Let the autograd engine carry sparse gradients (patched once, on first sparse use)."""
    if _ORIG:
        return
    for name, fn in (("add", _add), ("add_inplace", _add_inplace), ("add_into", _add_into),
                     ("fresh_sum", _fresh_sum), ("detach_copy", _detach_copy),
                     ("owned", _owned), ("clone", _clone), ("check_nan", _check_nan)):
        _ORIG[name] = getattr(engine_ops, name)
        setattr(engine_ops, name, fn)


# ----------------------------------------------------------------------------- optimizer help
def scale_(t: Tensor, factor) -> Tensor:
    """In-place ``t.mul_(factor)`` of a sparse tensor (its values; no autograd)."""
    sd = t._data
    with no_grad():
        sd.values = (sd.values * factor).to(t.dtype)
    t._vc[0] += 1
    return t


def add_to_dense_(a: np.ndarray, s: Tensor, alpha=1.0) -> None:
    """``a += alpha * s`` for a dense array ``a`` and a sparse ``s`` of its shape: every
    stored entry is added in turn (duplicates accumulate), as torch's dense.add_(sparse)."""
    sd = s._data
    vals = sd.values._data
    if vals.size == 0:
        return
    upd = vals if alpha == 1 else (vals * a.dtype.type(alpha))
    np.add.at(a, tuple(sd.indices._data), upd.astype(a.dtype, copy=False))


def clone_sparse(t: Tensor) -> Tensor:
    """A detached copy with its own indices and values."""
    sd = t._data
    return C.make_sparse(sd.indices.clone(), sd.values.detach().clone(), sd.shape, sd.coalesced)
