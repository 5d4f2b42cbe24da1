"""Giving two values of a variable one carried structure (a return value, a tuple of numbers).

A value handed out of a data-dependent ``if`` or loop must have the same structure on every
path.  ``return total, i`` inside a loop leaves the return value ``None`` on the paths that do
not return, and ``(total, -1)`` after the loop differs from ``(total, i)`` only in a Python
number: ``unify`` finds the structure both fit, where tensors *and* the numbers that differ
are leaves (carried as 0-dim tensors, as TorchScript carries ``did_return`` and the return
values), and ``conform`` rewrites one path's value into it (a missing return value becomes
zero placeholders that the returned flag keeps from ever being read)."""
from __future__ import annotations

import numpy as np

from ...eager.tensor import Tensor, wrap
from .. import _pytree as P
from ._context import StagingAbort
from ._numbers import NUMBERS, is_number as number_value
from ._state import is_number, number_dtype, number_tensor

__all__ = ["Leaf", "unify", "conform", "conform_like", "leaf_items", "placeholder"]


class Leaf:
    """One carried leaf of a unified structure: dtype, trace-time shape, and whether it holds
    a Python number (its graph output is converted back to one)."""

    __slots__ = ("dtype", "shape", "number")

    def __init__(self, dtype, shape, number):
        self.dtype, self.shape, self.number = dtype, tuple(shape), number

    def __repr__(self):
        return f"Leaf({self.dtype}, {self.shape}, number={self.number})"


def _is_num_tensor(tr, x) -> bool:
    v = tr.lookup(x) if tr is not None else None
    return bool(NUMBERS) and v is not None and number_value(v, NUMBERS[-1])


def _leaf(tr, x, leaves):
    if isinstance(x, Tensor):
        leaves.append(Leaf(x._dtype, x._data.shape, x.ndim == 0 and _is_num_tensor(tr, x)))
    else:
        leaves.append(Leaf(number_dtype(x), (), True))
    return P.LEAF


def _alone(tr, v, leaves):
    """The structure of ``v`` with every tensor and number a leaf (the other path is None)."""
    if isinstance(v, Tensor) or is_number(v):
        return _leaf(tr, v, leaves)
    if hasattr(v, "_expr"):
        raise StagingAbort("a symbolic size in a return value")
    if isinstance(v, (tuple, list)):
        kind = "namedtuple" if hasattr(v, "_fields") else type(v).__name__
        if kind not in ("tuple", "list", "namedtuple"):
            raise StagingAbort(f"a {type(v).__name__} return value")
        extra = type(v) if kind == "namedtuple" else None
        return (kind, extra, tuple(_alone(tr, x, leaves) for x in v))
    if isinstance(v, dict):
        keys = tuple(v.keys())
        return ("dict", keys, tuple(_alone(tr, v[k], leaves) for k in keys))
    return ("const", v, ())


def _pair(tr, a, b, leaves):
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta or tb:
        t, other = (a, b) if ta else (b, a)
        if ta and tb:
            if a._dtype is not b._dtype or a.ndim != b.ndim:
                raise StagingAbort("a tensor changes dtype or rank between the paths")
            return _leaf(tr, a, leaves)
        if is_number(other) and t.ndim == 0:
            leaves.append(Leaf(t._dtype, (), _is_num_tensor(tr, t)))
            return P.LEAF
        raise StagingAbort(f"a tensor on one path is a {type(other).__name__} on the other")
    if hasattr(a, "_expr") or hasattr(b, "_expr"):
        raise StagingAbort("a symbolic size differs between the paths")
    if is_number(a) and is_number(b):
        if type(a) is not type(b):
            raise StagingAbort(f"a {type(a).__name__} on one path is a {type(b).__name__} "
                               "on the other")
        if a == b:
            return ("const", a, ())
        return _leaf(tr, a, leaves)
    for kind in (tuple, list):
        if isinstance(a, kind) and isinstance(b, kind) and type(a) is type(b) and \
                len(a) == len(b):
            named = hasattr(a, "_fields")
            kids = tuple(_pair(tr, x, y, leaves) for x, y in zip(a, b))
            return ("namedtuple", type(a), kids) if named else (kind.__name__, None, kids)
    if isinstance(a, dict) and isinstance(b, dict) and tuple(a) == tuple(b):
        return ("dict", tuple(a), tuple(_pair(tr, a[k], b[k], leaves) for k in a))
    if type(a) is type(b) and a == b:
        return ("const", a, ())
    raise StagingAbort(f"a {type(a).__name__} on one path is a {type(b).__name__} on the other")


def unify(tr, a, b, none_ok=False):
    """(spec, [Leaf]) of the structure both ``a`` and ``b`` fit; ``none_ok``: one of them
    may be None (a return value not set on that path).  Raises StagingAbort if none."""
    leaves: list = []
    if none_ok and (a is None) != (b is None):
        spec = _alone(tr, a if b is None else b, leaves)
    else:
        spec = _pair(tr, a, b, leaves)
    return spec, leaves


def placeholder(leaf: Leaf) -> Tensor:
    """Zeros standing for a leaf a path does not set (never read: a flag says so)."""
    out = wrap(np.zeros(leaf.shape, dtype=leaf.dtype.np))
    out._dtype = leaf.dtype
    return out


def conform(v, spec, leaves, make=None):
    """``v`` rebuilt with the structure ``spec``: each leaf is a tensor (a number becomes a
    0-dim tensor, a missing value a placeholder).  ``make(x, leaf)`` (optional) builds the
    tensor for a Python number or None ``x`` instead."""
    it = iter(leaves)

    def build(x, s):
        if s == P.LEAF:
            leaf = next(it)
            if isinstance(x, Tensor) or hasattr(x, "_expr"):
                return x
            if make is not None:
                return make(x, leaf)
            if x is None:
                return placeholder(leaf)
            if is_number(x):
                return number_tensor(x, leaf.dtype)
            raise StagingAbort(f"a {type(x).__name__} where a tensor is carried")
        kind, extra, kids = s
        if kind == "const":
            return extra
        if x is None:
            vals = [build(None, k) for k in kids]
        elif kind == "dict":
            vals = [build(x[k], sk) for k, sk in zip(extra, kids)]
        else:
            if len(x) != len(kids):
                raise StagingAbort("a carried sequence changes length")
            vals = [build(y, sk) for y, sk in zip(x, kids)]
        return P.assemble(kind, extra, vals)
    return build(v, spec)


def leaf_items(v, spec) -> list:
    """What ``v`` holds at each leaf of ``spec`` (a tensor, a Python number, or None where
    ``v`` has no value), in leaf order (the order of ``_pytree.flatten``)."""
    out: list = []

    def walk(x, s):
        if s == P.LEAF:
            out.append(x)
            return
        kind, extra, kids = s
        if kind == "const":
            return
        if x is None:
            subs = [None] * len(kids)
        elif kind == "dict":
            subs = [x[k] for k in extra]
        else:
            subs = list(x)
        for y, sk in zip(subs, kids):
            walk(y, sk)
    walk(v, spec)
    return out


def conform_like(value, spec, ref):
    """``value`` with the structure ``spec`` that was recorded with the leaves ``ref``: an
    eager replay runs nested branches in Python, so a leaf the recording carried as a tensor
    may be a Python number there; it becomes a tensor of the recorded dtype."""
    if P.flatten(value)[1] == spec:
        return value
    leaves = [Leaf(x._dtype, x._data.shape, False) if isinstance(x, Tensor) else
              Leaf(None, (), False) for x in ref]
    return conform(value, spec, leaves)
