"""``for`` loops: what they iterate over, and whether that becomes a Loop node.

- a Python ``range`` of at most ``UNROLL_MAX`` steps, lists, tuples, ModuleLists, dict items,
  ``enumerate``/``zip`` of those: unrolled in Python (as PyTorch does for module lists);
- ``range`` with a symbolic size bound (``range(x.size(0))``) or a traced tensor bound, a
  longer Python ``range``, and a traced tensor with a symbolic (or long) first dimension, also
  under ``enumerate``/``zip``: a Loop whose item is computed from the loop counter.

A loop whose break/return flag becomes a traced tensor part-way through an unrolled loop turns
the rest into a Loop (ranges) or into one If per remaining item."""
from __future__ import annotations

import builtins

from ...eager.tensor import Tensor
from ...ir import symbolic as S
from ._context import staged, tracer
from ._stage_loop import Plan, stage_loop

__all__ = ["for_stmt", "iterate", "UNROLL_MAX"]

UNROLL_MAX = 64


def _sym(x) -> bool:
    return type(x) is S.SymInt or staged(x)


class SymRange:
    """``range(start, stop, step)`` whose bounds are symbolic sizes or traced tensors."""

    def __init__(self, *args):
        r = builtins.slice(*args) if len(args) > 1 else builtins.slice(0, args[0])
        self.start = 0 if r.start is None else r.start
        self.stop = r.stop
        self.step = 1 if r.step is None else r.step
        if isinstance(self.step, int) and not _sym(self.step) and self.step == 0:
            raise ValueError("range() arg 3 must not be zero")

    def concrete(self):
        return range(int(self.start), int(self.stop), int(self.step))

    def trip(self):
        a, b, s = self.start, self.stop, self.step
        if _sym(s):
            return None
        return (b - a + s - 1) // s if s > 0 else (a - b - s - 1) // (-s)

    def item(self, k):
        if isinstance(self.start, int) and not _sym(self.start) and self.start == 0 and \
                self.step == 1:
            return k
        return k * self.step + self.start

    def reversed(self):
        n = self.trip()
        return SymRange(self.start + (n - 1) * self.step, self.start - self.step, -self.step)


class SymEnumerate:
    def __init__(self, inner, start=0):
        self.inner, self.start = inner, start

    def concrete(self):
        return enumerate(_concrete(self.inner), self.start)


class SymZip:
    def __init__(self, parts):
        self.parts = parts

    def concrete(self):
        return zip(*[_concrete(p) for p in self.parts])


def _concrete(it):
    return it.concrete() if isinstance(it, (SymRange, SymEnumerate, SymZip)) else it


def _long_tensor(x) -> bool:
    if not (isinstance(x, Tensor) and staged(x) and x.ndim >= 1):
        return False
    n = x.shape[0]
    return type(n) is S.SymInt or int(n) > UNROLL_MAX


def iterate(fn, *args):
    """``fn(*args)`` for the iterable of a ``for`` (``range``/``enumerate``/``zip``/
    ``reversed``), kept symbolic when a bound is a size or traced data."""
    if tracer() is None:
        return fn(*args)
    if fn is builtins.range and any(_sym(a) for a in args):
        return SymRange(*args)
    if fn is builtins.enumerate and args and (
            isinstance(args[0], (SymRange, SymEnumerate, SymZip)) or _long_tensor(args[0])):
        return SymEnumerate(*args)
    if fn is builtins.zip and any(isinstance(a, (SymRange, SymEnumerate, SymZip)) or
                                  _long_tensor(a) for a in args):
        return SymZip(list(args))
    if fn is builtins.reversed and len(args) == 1 and isinstance(args[0], SymRange) and \
            args[0].trip() is not None:
        return args[0].reversed()
    return fn(*args)


# ------------------------------------------------------------------ staged plans
def _parts(it):
    """(trip, item(k)) of a stageable iterable, or None."""
    if isinstance(it, builtins.range) and len(it) > UNROLL_MAX:
        it = SymRange(it.start, it.stop, it.step)
    if isinstance(it, SymRange):
        n = it.trip()
        return None if n is None else (n, it.item)
    if _long_tensor(it):
        from ._runtime import getitem
        return it.shape[0], lambda k, x=it: getitem(x, k)
    if isinstance(it, SymEnumerate):
        p = _parts(it.inner)
        if p is None:
            return None
        return p[0], lambda k, f=p[1], s=it.start: (k + s if s else k, f(k))
    if isinstance(it, SymZip):
        ps = [_parts(x) for x in it.parts]
        if any(p is None for p in ps):
            return None
        n = ps[0][0]
        for p in ps[1:]:  # zip stops at the shortest: only equal lengths are staged
            if isinstance(n, Tensor) or isinstance(p[0], Tensor) or \
                    S.expr_of(p[0]) != S.expr_of(n):
                return None
        return n, lambda k: tuple(f(k) for _, f in ps)
    return None


def for_stmt(it, body, get, set_, names, extra):
    """``for item in it: body(item)`` (``extra()`` is the break/return flag test)."""
    tr = tracer()
    if tr is not None:
        parts = _parts(it)
        if parts is not None:
            go = extra() if extra is not None else True
            if not staged(go) and not go:
                return
            if _stage(tr, parts, go, body, get, set_, names, extra, it):
                return
    _py_for(_concrete(it), body, get, set_, names, extra, tr)


def _stage(tr, parts, go, body, get, set_, names, extra, it):
    trip, item = parts
    plan = Plan(trip, item, go, extra,
                lambda: _py_for(_concrete(it), body, get, set_, names, extra, None))
    return stage_loop(tr, plan, body, get, set_, names)


def _py_for(it, body, get, set_, names, extra, tr):
    """The Python loop; a flag that becomes a traced tensor stages the rest."""
    if extra is None:
        for item in it:
            body(item)
        return
    is_range = isinstance(it, builtins.range)
    iterator = iter(it)
    tried = False
    for idx, item in enumerate(iterator):
        go = extra()
        if tr is not None and staged(go) and not tried:
            tried = True
            if is_range:
                rest = SymRange(it.start + idx * it.step, it.stop, it.step)
                if _stage(tr, (len(range(rest.start, rest.stop, rest.step)), rest.item), go,
                          body, get, set_, names, extra, rest):
                    return
            else:
                from ._runtime import if_stmt
                for x in [item] + list(iterator):
                    if_stmt(extra(), lambda x=x: body(x), lambda: None, get, set_, names)
                return
        if not go:
            return
        body(item)
