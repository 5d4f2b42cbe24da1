"""Autograd of in-place ops that write through a view (PyTorch's CopySlices).

When ``view.op_(...)`` runs under autograd, the view's base changes too.  ``rebase_view`` gives
the base a ``CopySlices`` node: its backward sends the base's previous history the incoming
gradient with the view's region zeroed, and the in-place result's graph the view's region.
The view itself then becomes "the view's region of the new base" (``AsStridedBackward0``).

The region is described by the base element (in row-major logical order) that each view element
sits on, computed once from the two arrays' strides and addresses; the backward is a ``take`` /
``put`` by those positions, both differentiable registry ops, so double backward works."""
from __future__ import annotations

import weakref

import numpy as np

from ..ops import dtypes as D
from ..ops import registry as R
from . import autograd as AG
from .dispatch import call, record
from .tensor import Tensor, _addr, wrap

__all__ = ["rebase_view", "refresh_view", "track_view", "view_positions", "CopySlices"]

_take, _put, _strided = (R.get(n) for n in ("take", "put", "_as_strided_take"))


def _offsets(a: np.ndarray, itemsize: int) -> np.ndarray:
    """Element offset (from ``a``'s first element) of every element of ``a``, as int64."""
    off = np.zeros(a.shape, np.int64)
    for d, (n, st) in enumerate(zip(a.shape, a.strides)):
        shape = [1] * a.ndim
        shape[d] = n
        off = off + (np.arange(n, dtype=np.int64) * (st // itemsize)).reshape(shape)
    return off


def view_positions(view: Tensor) -> np.ndarray:
    """For each element of ``view``, the row-major index of the base element it aliases."""
    base = view._base
    b, v = base._data, view._data
    if v.size == 0:
        return np.zeros(v.shape, np.int64)
    isz = b.itemsize
    boff = _offsets(b, isz)
    lo = int(boff.min()) if boff.size else 0
    table = np.full(int(boff.max()) - lo + 1 if boff.size else 1, -1, np.int64)
    table[(boff - lo).reshape(-1)] = np.arange(b.size, dtype=np.int64)
    voff = _offsets(v, isz) + (_addr(v) - _addr(b)) // isz - lo
    return table[voff]


class CopySlices(AG.Node):
    """Backward of an in-place write into a view: routes the base's gradient to the base's old
    history (view region zeroed) and to the written value's graph (view region)."""

    __slots__ = ("_idx",)

    def __init__(self, base_edge, base_meta, res_edge, res_meta, idx: Tensor):
        super().__init__((base_edge, res_edge), (base_meta, res_meta))
        self._idx = idx

    def apply(self, grads):
        g = grads[0]
        if g is None:
            return (None, None)
        idx = self._idx
        gb = gr = None
        if self.next_functions[0][0] is not None:
            gb = call(_put, g, idx, g.new_zeros(tuple(idx.shape)))
        if self.next_functions[1][0] is not None:
            gr = call(_take, g, idx)
        return (gb, gr)


def _set_region_fn(view: Tensor, base: Tensor, idx: Tensor) -> None:
    """Make ``view``'s grad_fn "the region ``idx`` of ``base``" (AsStridedBackward0)."""
    if view._dtype.category < D._FLOAT or not base._requires_grad:
        return
    record(_strided, (base, idx), {}, view)


def rebase_view(target: Tensor, result: Tensor) -> None:
    """Called after ``result`` (computed by an in-place op under autograd) was written into
    view ``target``: rewire the base's history through a CopySlices node."""
    base = target._base
    idx = wrap(view_positions(target))
    base_edge = AG.edge_of(base)
    res_edge = AG.edge_of(result) if result._requires_grad else (None, 0)
    node = CopySlices(base_edge, (tuple(base._data.shape), base._dtype), res_edge,
                      (tuple(result._data.shape), result._dtype), idx)
    base.grad_fn = node
    base._output_nr = 0
    base._requires_grad = True
    _set_region_fn(target, base, idx)
    _refresh_tracked(base, target)
    track_view(target)


def track_view(view: Tensor) -> None:
    """Remember ``view`` (weakly) on its base, so a later in-place write through another view
    of the same base re-derives its grad_fn (PyTorch regenerates stale views' grad_fns)."""
    base = view._base
    if base is None:
        return
    views = base.__dict__.get("_gt_views")
    if views is None:
        views = base.__dict__["_gt_views"] = {}
    elif len(views) > 64:  # drop views that died
        for k in [k for k, r in views.items() if r() is None]:
            del views[k]
    views[id(view)] = weakref.ref(view)


def _refresh_tracked(base: Tensor, target: Tensor) -> None:
    views = base.__dict__.get("_gt_views")
    if not views:
        return
    for ref in list(views.values()):
        v = ref()
        if v is not None and v is not target and v._requires_grad and v.grad_fn is not None:
            refresh_view(v)


def refresh_view(view: Tensor) -> None:
    """Re-derive ``view``'s grad_fn from its base's current history (after the base was changed
    in place through another view); a no-op for non-views and bases without grad."""
    base = view._base
    if base is None or not base._requires_grad or base.grad_fn is None:
        return
    _set_region_fn(view, base, wrap(view_positions(view)))
    track_view(view)
