"""Lists a staged loop appends to: Loop scan outputs instead of unrolling.

``outs = []; for t in range(n): ...; outs.append(h)`` is recorded as one Loop whose body
returns ``h`` as a *scan value* (``n_scan``): the interpreter and the backends stack the
per-iteration values, so the graph runs at any ``n``.  While the body is recorded the list
is a ``ScanList``: it accepts exactly the appends (reading it inside the loop would need the
previous iterations' values, so any read aborts the staging and the loop unrolls).  After the
loop the variable holds a ``StackedList``: ``torch.stack``/``torch.cat`` of it read the Loop's
stacked output directly; any other use materializes its items as ``select`` nodes, with a
guard on the length."""
from __future__ import annotations

import builtins

from ...eager.tensor import Tensor
from ._context import StagingAbort, fresh, replay, tracer

__all__ = ["ScanList", "StackedList", "is_scan_candidate", "stack_call"]


class ScanList(list):
    """The list a staged loop body appends to (its own storage stays empty)."""

    def __init__(self, prefix):
        super().__init__()
        self.prefix = prefix    # the list's items before the loop (not carried)
        self.items: list = []   # what the body appended
        self.active = False     # True while the body runs

    def append(self, x):
        if not self.active:
            raise StagingAbort("a scanned list is appended to outside its loop body")
        self.items.append(x)


for _m in ("__getitem__", "__setitem__", "__delitem__", "__len__", "__contains__",
           "__reversed__", "__add__", "__iadd__", "__mul__", "__imul__", "__eq__", "__ne__",
           "__lt__", "__le__", "__gt__", "__ge__", "copy", "count", "index", "extend", "insert",
           "pop", "remove", "clear", "sort", "reverse"):
    setattr(ScanList, _m, lambda self, *a, _n=_m, **k: _scan_read(self, _n, a, k))
ScanList.__hash__ = None


def _scan_read(self, name, a, k):
    if self.active:
        raise StagingAbort(f"a list the loop appends to is used ({name}) inside the loop")
    return getattr(list, name)(self, *a, **k)


def _scan_iter(self):
    if self.active:
        raise StagingAbort("a list the loop appends to is iterated inside the loop")
    return list.__iter__(self)


ScanList.__iter__ = _scan_iter


def is_scan_candidate(before, after) -> bool:
    """Whether list ``after`` is list ``before`` with one tensor appended (structure of the
    old items unchanged): the pattern a scan output records."""
    from .. import _pytree as P
    if type(before) is not list or type(after) is not list or len(after) != len(before) + 1:
        return False
    return isinstance(after[-1], Tensor) and \
        P.flatten(after[:-1])[1] == P.flatten(before)[1]


class StackedList(list):
    """A list a Loop appended to, after the loop: ``prefix + rows of stacked``.

    Holds the eager items, so plain Python (no tracer) sees an ordinary list.  While tracing,
    a read binds the rows to ``select`` nodes of the stacked output (guarding the length) in
    the block being recorded, again whenever they are no longer bound there (a block ended,
    a staging attempt was undone); ``torch.stack``/``torch.cat`` use the stacked output as it
    is until the list is changed."""

    def __init__(self, prefix, items, stacked, value):
        super().__init__(list(prefix) + list(items))
        self.prefix = list(prefix)
        self.stacked, self.value = stacked, value  # private eager tensor and its Loop output
        self.live = True  # unchanged since the loop: whole() is the stacked output

    def materialize(self):
        """Bind the rows to the stacked output (a copy made by copy/pickle is plain)."""
        tr = tracer()
        if tr is None or not getattr(self, "live", False):
            return
        rows = list.__getitem__(self, builtins.slice(len(self.prefix), None))
        if rows and all(tr.lookup(r) is not None for r in rows):
            return
        t = fresh(tr, self.stacked, self.value)
        n = int(t.shape[0])  # a guard when the length is symbolic
        list.__init__(self, self.prefix + [t[k] for k in range(n)])

    def whole(self):
        """A new tensor bound to the Loop's stacked output (None once the list changed)."""
        tr = tracer()
        if not getattr(self, "live", False) or tr is None:
            return None
        return fresh(tr, self.stacked, self.value)


def _stacked_method(name, changes):
    def method(self, *a, **k):
        self.materialize()
        if changes:
            self.live = False  # the rows are the list now
        return getattr(list, name)(self, *a, **k)
    method.__name__ = name
    return method


for _m in ("__getitem__", "__len__", "__contains__", "__iter__", "__reversed__", "__add__",
           "__mul__", "__eq__", "__ne__", "copy", "count", "index"):
    setattr(StackedList, _m, _stacked_method(_m, False))
for _m in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "extend", "insert", "pop",
           "remove", "clear", "sort", "reverse", "append"):
    setattr(StackedList, _m, _stacked_method(_m, True))
StackedList.__hash__ = None


def _whole_with_prefix(lst):
    """The stacked tensor with the prefix items stacked in front, or None."""
    whole = lst.whole()
    if whole is None:
        return None
    if lst.prefix:
        from ... import cat, stack
        whole = cat([stack(lst.prefix, 0), whole], 0)
    return whole


def stack_call(f, args, kwargs):
    """``torch.stack(lst, dim)`` / ``torch.cat(lst, dim)`` of a StackedList without reading
    its items; None when ``f(*args, **kwargs)`` is not such a call."""
    import graphtorch as G
    if not args or type(args[0]) is not StackedList or not args[0].live or \
            set(kwargs) - {"dim"} or len(args) > 2:
        return None
    lst = args[0]
    dim = kwargs.get("dim", args[1] if len(args) > 1 else 0)
    if type(dim) is not int or (not lst.prefix and list.__len__(lst) == 0):
        return None  # nothing appended now: the eager call raises torch's error
    if f is G.stack:
        whole = _whole_with_prefix(lst)
        if whole is None:
            return None
        _assert_nonempty(lst, whole, "RuntimeError", "stack expects a non-empty TensorList")
        return whole if dim == 0 else whole.movedim(0, dim)
    if f in (G.cat, G.concat, getattr(G, "concatenate", G.cat)):
        if lst.stacked.ndim < 2:
            return None  # cat of 0-dim items: the eager call raises torch's error
        d = dim + lst.stacked.ndim - 1 if dim < 0 else dim
        whole = _whole_with_prefix(lst)
        if whole is None or not 0 <= d < lst.stacked.ndim - 1:
            return None
        _assert_nonempty(lst, whole, "ValueError",
                         "torch.cat(): expected a non-empty list of Tensors")
        if d:
            whole = whole.movedim(0, d)
        sizes = list(whole.shape)  # symbolic sizes: no guard on the product
        return whole.reshape(sizes[:d] + [sizes[d] * sizes[d + 1]] + sizes[d + 2:])
    return None


def _assert_nonempty(lst, whole, error, msg):
    """Eager ``torch.stack([])`` / ``torch.cat([])`` raise: when the loop may run zero times
    (its count is a size expression), record an assertion Guard (``error=``: it raises eager's
    exception and message, never GuardError, so torch.compile does not capture again)."""
    from ...ir import symbolic as S
    tr = tracer()
    if lst.prefix or tr is None:
        return
    lead = tr.subst(S.expr_of(whole.shape[0]))
    if type(lead) is S.Expr:
        tr._node("Guard", [], {"lhs": lead, "cmp": "gt", "rhs": 0, "msg": msg,
                               "error": error}, [])


def empty_rows(like_shape, dtype):
    """The stacked value of a loop that appended nothing: shape (0, *like_shape)."""
    import numpy as np
    from ...eager.tensor import wrap
    with replay():
        out = wrap(np.zeros((0,) + tuple(like_shape), dtype=dtype.np))
    out._dtype = dtype
    return out
