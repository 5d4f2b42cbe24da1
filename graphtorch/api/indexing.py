"""Indexing: ``Tensor.__getitem__`` / ``__setitem__`` with PyTorch's semantics, and the
indexing functions (index_select, gather, scatter*, index_*, masked_*, take, put, where,
nonzero, argwhere) with their in-place variants.

Basic indexing (ints, slices, None, Ellipsis) builds views (select / slice / unsqueeze);
tensors, lists, numpy arrays and bools are advanced indices, applied by one ``index`` op after
the views (masks become integer indices first).  Assignment writes through ``index_put`` with
``call_inplace``, so writes into views are differentiable (CopySlices)."""
from __future__ import annotations

import operator

import numpy as np

from ..eager import dispatch as DP
from ..eager.dispatch import call, call_inplace
from ..eager.grad_mode import STATE
from ..eager.tensor import Tensor, wrap
from ..eager.view_inplace import refresh_view, track_view
from ..ops import dtypes as D
from ..ops import promote as P
from ..ops import registry as R
from ..ir.symbolic import SymInt
from ..ops.meta import fmt_shape
from ._bind import METHODS, both, tensor_method, torch_function
from ._util import write_out

(_select, _slice, _alias, _index, _index_put, _take, _put, _index_select, _gather, _scatter,
 _scatter_add, _scatter_reduce, _index_add, _index_copy, _index_fill, _masked_fill,
 _masked_select, _masked_scatter, _nonzero, _reshape, _copy) = (R.get(n) for n in (
     "select", "slice", "_indexing_alias", "index", "index_put", "take", "put", "index_select",
     "gather", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
     "index_fill", "masked_fill", "masked_select", "masked_scatter", "nonzero", "reshape",
     "copy"))

_BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
              "are valid indices (got {})")


# ------------------------------------------------------------------------------ key parsing
def _unsqueeze(t, dim):
    fn = METHODS.get("unsqueeze")
    if fn is not None:
        return fn(t, dim)
    shape = tuple(t.shape)
    return call(_reshape, t, shape=shape[:dim] + (1,) + shape[dim:])


def _as_index_tensor(item):
    """A Tensor for an advanced index (Tensor, list/tuple of ints, numpy array)."""
    if isinstance(item, Tensor):
        return item
    if isinstance(item, np.ndarray):
        return wrap(item)
    arr = np.asarray(item)
    if arr.dtype == object or arr.dtype.kind not in "biu":
        if arr.size == 0:
            return wrap(np.zeros(arr.shape, np.int64))
        kind = type(np.ravel(arr)[0].item()).__name__ if arr.dtype != object else "object"
        raise IndexError(_BAD_INDEX.format(kind))
    return wrap(arr.astype(np.int64) if arr.dtype.kind in "iu" else arr)


def _is_int(item) -> bool:
    return (isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))) or (
        isinstance(item, Tensor) and item.ndim == 0 and item.dtype.category == D._INT)


def _consumed(item) -> int:
    """How many dims of the indexed tensor ``item`` uses."""
    if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
        return 0
    if isinstance(item, Tensor):
        return item.ndim if item.dtype in (D.bool, D.uint8) else 1
    if isinstance(item, (np.ndarray, list, tuple)):
        arr = np.asarray(item) if not isinstance(item, np.ndarray) else item
        return arr.ndim if arr.dtype in (np.bool_, np.uint8) else 1
    return 1


def _mask_indices(mask, t, dim):
    """The integer index tensors equivalent to boolean ``mask`` applied at ``dim`` of ``t``.

    A tensor mask goes through the ``nonzero`` op (then one column per mask dim), so a trace
    records it with a data-dependent row count instead of freezing the indices."""
    shape = tuple(mask.shape) if isinstance(mask, Tensor) else np.shape(mask)
    have = tuple(t.shape[dim:dim + len(shape)])
    if have != shape:
        for k, (a, b) in enumerate(zip(shape, have + (None,) * len(shape))):
            if a != b:
                raise IndexError(f"The shape of the mask {fmt_shape(shape)} at index {k} does "
                                 f"not match the shape of the indexed tensor "
                                 f"{fmt_shape(t.shape)} at index {dim + k}")
    if not isinstance(mask, Tensor):
        return [wrap(c.astype(np.int64)) for c in np.nonzero(np.asarray(mask).astype(bool))]
    if mask.dtype is not D.bool:
        mask = mask.to(D.bool)
    nz = call(_nonzero, mask)
    return [call(_select, nz, dim=1, index=j) for j in range(len(shape))]


def _as_index(v):
    """``operator.index`` that keeps a symbolic size (a SymInt while tracing): CPython's
    returns a plain int copy, which would freeze ``x[: x.size(0) // 2]`` at the trace size."""
    return v if type(v) is SymInt else operator.index(v)


def _check_int(t, dim, i):
    n = t.shape[dim]
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n}")


def _slice_args(s):
    step = 1 if s.step is None else _as_index(s.step)
    if step <= 0:
        raise ValueError("step must be greater than zero")
    start = None if s.start is None else _as_index(s.start)
    stop = None if s.stop is None else _as_index(s.stop)
    return start, stop, step


def _apply_key(self, key):
    """Apply the basic part of ``key`` as views; returns (view, advanced index list)."""
    items = key if isinstance(key, tuple) else (key,)
    # a range is an integer sequence index in PyTorch, like a list
    items = tuple(list(i) if isinstance(i, range) else i for i in items)
    used = sum(_consumed(i) for i in items)
    # with advanced indices PyTorch applies full slices as no views (index takes None there)
    skip_full = any(isinstance(i, (Tensor, np.ndarray, list)) and not _is_int(i)
                    for i in items)
    if used > self.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self.ndim}")
    t, dim, adv = self, 0, {}
    for item in items:
        if item is None:
            t = _unsqueeze(t, dim)
            dim += 1
        elif item is Ellipsis:
            dim += self.ndim - used
        elif isinstance(item, slice):
            start, stop, step = _slice_args(item)
            if not (skip_full and start in (None, 0) and step == 1 and
                    (stop is None or stop >= t.shape[dim])):
                t = call(_slice, t, dim=dim, start=start, end=stop, step=step)
            dim += 1
        elif _is_int(item):
            i = _as_index(item)
            _check_int(t, dim, i)
            t = call(_select, t, dim=dim, index=i)
        elif isinstance(item, (bool, np.bool_)) or (
                isinstance(item, Tensor) and item.ndim == 0 and item.dtype is D.bool):
            t = _unsqueeze(t, dim)
            adv[dim] = wrap(np.zeros((1 if bool(item) else 0,), np.int64))
            dim += 1
        elif isinstance(item, (Tensor, np.ndarray, list, tuple)):
            idx = _as_index_tensor(item)
            if idx.dtype in (D.bool, D.uint8):
                for j, c in enumerate(_mask_indices(idx, t, dim)):
                    adv[dim + j] = c
                dim += idx.ndim
            elif idx.dtype.category != D._INT:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            else:
                adv[dim] = idx
                dim += 1
        else:
            raise IndexError(_BAD_INDEX.format(type(item).__name__))
    indices = [adv.get(d) for d in range(max(adv) + 1)] if adv else []
    return t, indices


@tensor_method(name="__getitem__")
def getitem(self, key):
    """``self[key]`` with PyTorch's basic (view) and advanced (copy) indexing."""
    t, indices = _apply_key(self, key)
    if indices:
        return call(_index, t, *indices)
    t = call(_alias, t) if t is self else t
    if t._requires_grad and STATE.enabled:
        track_view(t)  # its grad_fn must follow later in-place writes into the base
    return t


# ------------------------------------------------------------------------------ assignment
def _value_tensor(value, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value if value.dtype is like.dtype else value.to(like.dtype)
    if isinstance(value, (np.ndarray, list, tuple)):
        return wrap(np.asarray(value).astype(like.dtype.np))
    return wrap(P.scalar_array(value, like.dtype))


def _strip_ones(v: Tensor, ndim: int) -> Tensor:
    """PyTorch drops leading size-1 dims of an assigned value that has more dims than needed."""
    shape = tuple(v.shape)
    k = 0
    while len(shape) - k > ndim and shape[k] == 1:
        k += 1
    return v if k == 0 else v.reshape(shape[k:])


def _needs_grad(target, value) -> bool:
    return STATE.enabled and (target._requires_grad or target._base is not None and
                              target._base._requires_grad or
                              (isinstance(value, Tensor) and value._requires_grad))


@tensor_method(name="__setitem__")
def setitem(self, key, value):
    """``self[key] = value``: broadcast ``value`` (cast to self's dtype) into the indexed
    elements, in place and recorded by autograd."""
    t, indices = _apply_key(self, key)
    v = _value_tensor(value, self)
    if not indices:
        v = _strip_ones(v, t.ndim)
    if not _needs_grad(t, v) and DP.HOOKS.tracer is None:
        _write_direct(t, v, indices)
        return
    if indices:
        call_inplace(_index_put, t, v, *indices)
    else:  # PyTorch copies into the (view of the) target: CopyBackwards / CopySlices
        call_inplace(_copy, t, v)
    if self._base is not None and t is not self:
        refresh_view(self)


def _write_direct(t, v, indices):
    """The no-autograd fast path: write into ``t``'s memory without copying ``t``."""
    op = _index_put if indices else _copy
    op.meta(DP.spec(t), DP.spec(v), *[DP.spec(i) for i in indices])
    if not t._data.flags.writeable:
        raise RuntimeError("unsupported operation: the tensor's memory is read-only")
    from ..ops.indexing import index_key
    key = index_key(np, t._data.shape, [None if i is None else i._data for i in indices])
    t._data[key] = v._data
    t._vc[0] += 1


# ------------------------------------------------------------------------------ functions
def _out(r, out):
    return r if out is None else write_out(r, out)


def _num_or_tensor(v):
    return v if isinstance(v, Tensor) or not hasattr(v, "__index__") or isinstance(v, bool) \
        else _as_index(v)


@both
def select(input, dim, index):
    """The slice of ``input`` at ``index`` along ``dim`` (a view without that dim)."""
    return call(_select, input, dim=dim, index=_as_index(index))


@both
def index_select(input, dim, index, *, out=None):
    """Entries of ``input`` along ``dim`` at the positions of the 1-D ``index`` (a copy)."""
    return _out(call(_index_select, input, index, dim=dim), out)


@both
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j] = input[index[i][j]][j] (dim 0), and so on for other dims."""
    return _out(call(_gather, input, index, dim=dim), out)


def _scatter_src(src, value):
    s = src if src is not None else value
    if s is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    return _num_or_tensor(s)


def _reduce_kw(reduce):
    return {} if reduce is None else {"reduce": reduce}


@both
def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """A copy of ``input`` with ``src`` (tensor or number) written at ``index`` along ``dim``;
    ``reduce`` 'add' or 'multiply' combines instead of overwriting."""
    s = _scatter_src(src, value)
    return _out(call(_scatter, input, index, s, dim=dim, **_reduce_kw(reduce)), out)


@tensor_method
def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    return call_inplace(_scatter, self, index, _scatter_src(src, value), dim=dim,
                        **_reduce_kw(reduce))


@both
def scatter_add(input, dim, index, src, *, out=None):
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``."""
    return _out(call(_scatter_add, input, index, src, dim=dim), out)


@tensor_method
def scatter_add_(self, dim, index, src):
    return call_inplace(_scatter_add, self, index, src, dim=dim)


@both
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with 'sum', 'prod', 'mean',
    'amax' or 'amin' (``include_self``: whether input's values take part)."""
    return _out(call(_scatter_reduce, input, index, src, dim=dim, reduce=reduce,
                     include_self=include_self), out)


@tensor_method
def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    return call_inplace(_scatter_reduce, self, index, src, dim=dim, reduce=reduce,
                        include_self=include_self)


@both
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    kw = {} if alpha == 1 else {"alpha": alpha}
    return _out(call(_index_add, input, index, source, dim=dim, **kw), out)


@tensor_method
def index_add_(self, dim, index, source, *, alpha=1):
    kw = {} if alpha == 1 else {"alpha": alpha}
    return call_inplace(_index_add, self, index, source, dim=dim, **kw)


@both
def index_copy(input, dim, index, source, *, out=None):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` replaced by ``source``."""
    return _out(call(_index_copy, input, index, source, dim=dim), out)


@tensor_method
def index_copy_(self, dim, index, source):
    return call_inplace(_index_copy, self, index, source, dim=dim)


@both
def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value``."""
    return call(_index_fill, input, index, _num_or_tensor(value), dim=dim)


@tensor_method
def index_fill_(self, dim, index, value):
    return call_inplace(_index_fill, self, index, _num_or_tensor(value), dim=dim)


def _put_indices(t, indices):
    """index_put's index tuple (tensors, masks or None) as the ``index`` op's list."""
    out, dim = [], 0
    for idx in indices:
        if idx is None:
            out.append(None)
            dim += 1
            continue
        idx = _as_index_tensor(idx)
        if idx.dtype in (D.bool, D.uint8):
            out.extend(_mask_indices(idx, t, dim))
            dim += idx.ndim
        else:
            out.append(idx)
            dim += 1
    return out


def _put_values(values, t):
    return values if isinstance(values, Tensor) else _value_tensor(values, t)


def _tensor_indices(indices):
    # unlike t[...] = v, index_put takes tensors only (no None, lists or slices), as torch's
    for i, idx in enumerate(indices):
        if not isinstance(idx, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(idx).__name__}")


@both
def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``values`` written (or added, ``accumulate``) at ``indices``."""
    _tensor_indices(indices)
    return call(_index_put, input, _put_values(values, input), *_put_indices(input, indices),
                accumulate=accumulate)


@tensor_method
def index_put_(self, indices, values, accumulate=False):
    _tensor_indices(indices)
    return call_inplace(_index_put, self, _put_values(values, self),
                        *_put_indices(self, indices), accumulate=accumulate)


@both
def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where ``mask`` is True (mask broadcasts)."""
    return call(_masked_fill, input, mask, _num_or_tensor(value))


@tensor_method
def masked_fill_(self, mask, value):
    return call_inplace(_masked_fill, self, mask, _num_or_tensor(value))


@both
def masked_select(input, mask, *, out=None):
    """The 1-D tensor of ``input``'s entries where ``mask`` is True (both broadcast)."""
    return _out(call(_masked_select, input, mask), out)


@both
def masked_scatter(input, mask, source):
    """A copy of ``input`` with consecutive ``source`` entries written where ``mask`` is True."""
    return call(_masked_scatter, input, mask, source)


@tensor_method
def masked_scatter_(self, mask, source):
    return call_inplace(_masked_scatter, self, mask, source)


@both
def take(input, index):
    """``input`` treated as 1-D, read at ``index`` (result has ``index``'s shape)."""
    return call(_take, input, index)


@both
def put(input, index, source, accumulate=False):
    """A copy of ``input`` (treated as 1-D) with ``source`` written at ``index``."""
    return call(_put, input, index, source, accumulate=accumulate)


@tensor_method
def put_(self, index, source, accumulate=False):
    return call_inplace(_put, self, index, source, accumulate=accumulate)


@both
def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of ``input`` at ``indices`` along ``dim`` (broadcasting the other dims);
    ``dim=None`` indexes the flattened input."""
    if dim is None:
        return _out(call(_gather, input.reshape(-1), indices.reshape(-1), dim=0), out)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, "
                           f"and {indices.ndim} dimensions for indices")
    if indices.dtype is not D.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{D.SCALAR_NAMES[indices.dtype]}")
    d = dim % max(input.ndim, 1)
    ishape, xshape = list(indices.shape), list(input.shape)
    for k in range(input.ndim):
        if k != d:
            n = np.broadcast_shapes((ishape[k],), (xshape[k],))[0]
            ishape[k] = xshape[k] = n
    return _out(call(_gather, input.expand(*xshape), indices.expand(*ishape), dim=d), out)


# ------------------------------------------------------------------------------ where/nonzero
@torch_function
def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other`` (numbers allowed, dtypes promote);
    ``where(condition)`` is ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = wrap(np.asarray(condition))
    if condition.dtype is D.uint8:
        condition = condition.to(D.bool)
    if condition.dtype is not D.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {D.SCALAR_NAMES[condition.dtype]}")
    return _out(call(R.get("_where_ew"), condition, input, other), out)


@tensor_method(name="where")
def where_method(self, condition, y):
    return where(condition, self, y)


@both
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero entries: an (n, ndim) int64 tensor, or one 1-D tensor per dim
    with ``as_tuple=True``."""
    if as_tuple:  # through ops, so a trace records them (not constant index arrays)
        x = input if input.ndim else input.reshape(1)
        nz = call(_nonzero, x)
        return tuple(call(_select, nz, dim=1, index=j).contiguous() for j in range(x.ndim))
    return _out(call(_nonzero, input), out)


@both
def argwhere(input):
    """The (n, ndim) indices of the non-zero entries of ``input``."""
    return call(_nonzero, input)
