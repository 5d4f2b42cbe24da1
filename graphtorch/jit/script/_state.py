"""The variables a branch or loop body hands back ("state"): copying, flattening, merging.

State is a tuple of the values of the names a block assigns.  Each value is flattened with
the jit pytree: tensor leaves become block returns / loop-carried values, everything else is
structure that must agree between branches (or iterations).  Python numbers that differ are
materialized as 0-dim tensors so they can be carried too."""
from __future__ import annotations

import numpy as np

from ...eager.tensor import Tensor, wrap
from ...ir.graph import Value
from ...ir.types import TensorType
from ...ops import dtypes as D
from .. import _pytree as P
from ._context import StagingAbort, fresh

__all__ = ["Undefined", "Retrace", "UnstageIf", "StageWhile", "NO_STAGE", "WHOLE_LOOP", "RETRACE_OK", "undefined", "copy_state", "flat_state", "is_number", "number_tensor",
           "number_dtype", "merge_type", "alias", "describe", "output"]


class Undefined:
    """The value of a local before its first assignment (or after a data-dependent ``if``
    that assigns it in one branch only): any use raises UnboundLocalError."""

    __slots__ = ("name", "why", "key")

    def __init__(self, name, why="", key=None):
        self.name, self.why, self.key = name, why, key

    def _fail(self, *a, **k):
        from ._context import tracer
        if self.key is not None and self.key not in NO_STAGE and RETRACE_OK[0] and \
                tracer() is not None:
            raise UnstageIf(self.key)  # eager reads it on the path that assigned it
        why = f" ({self.why})" if self.why else ""
        raise UnboundLocalError(f"cannot access local variable '{self.name}' where it is not "
                                f"associated with a value{why}")

    def __repr__(self):
        return f"<undefined {self.name}>"


class Retrace(Exception):
    """Recording must start again with ``key`` (a code object) added to ``self.keys`` (a set
    read by the runtime); ``log`` is the abandoned attempt's log of ignored calls."""
    keys: set = set()

    def __init__(self, key, why):
        super().__init__(why)
        self.key, self.log = key, None


class UnstageIf(Retrace):
    """A name one branch of a recorded If assigns is read after it: eager reads it on the
    path that assigned it, so the function is recorded again with that ``if`` run in Python
    (a guard on its condition).  ``key``: the then-branch's code object."""

    def __init__(self, key):
        super().__init__(key, "an if that assigns a name in one branch only runs in Python")
        self.keys = NO_STAGE


class StageWhile(Retrace):
    """A ``while`` whose first test was a Python bool turned data-dependent after some
    iterations run in Python: the function is recorded again with the whole loop one Loop
    (its first condition a constant).  ``key``: the loop body's code object."""

    def __init__(self, key):
        super().__init__(key, "a while loop becomes data-dependent after its first test")
        self.keys = WHOLE_LOOP


NO_STAGE: set = set()  # then-branch code objects of ifs that run in Python (see UnstageIf)
# > 0 while compile_trace records (it can start again); a scripted function recorded inline
# into another trace (torch.compile, jit.trace) cannot, and keeps its first recording
RETRACE_OK = [0]
WHOLE_LOOP: set = set()  # body code objects of whiles staged from their first test


for _m in ("__bool__", "__call__", "__iter__", "__len__", "__getitem__", "__setitem__",
           "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
           "__rtruediv__", "__floordiv__", "__mod__", "__pow__", "__neg__", "__lt__", "__le__",
           "__gt__", "__ge__", "__matmul__", "__index__", "__int__", "__float__"):
    setattr(Undefined, _m, Undefined._fail)


def _undef_getattr(self, name):
    if name.startswith("_"):  # protocol probes (hasattr(x, "_expr"), copy, pickle)
        raise AttributeError(name)
    self._fail()


Undefined.__getattr__ = _undef_getattr


def undefined(name):
    """The marker a converted function binds every local to on entry."""
    return Undefined(name)


def is_number(x) -> bool:
    return type(x) in (bool, int, float)


def number_dtype(x):
    t = type(x)
    return D.bool if t is bool else (D.int64 if t is int else D.float64)


def number_tensor(x, dtype=None) -> Tensor:
    """A 0-dim tensor holding the Python number ``x`` (an untraced constant)."""
    dtype = dtype or number_dtype(x)
    out = wrap(np.array(x, dtype=dtype.np))
    out._dtype = dtype
    return out


def copy_state(tr, values):
    """``values`` with every tensor replaced by a fresh copy bound to the same Value and
    every list/tuple/dict rebuilt (a staged body may mutate them)."""
    def cp(v):
        if isinstance(v, Tensor):
            return fresh(tr, v)
        if isinstance(v, tuple) and hasattr(v, "_fields"):
            return type(v)(*[cp(x) for x in v])
        if isinstance(v, (tuple, list)):  # (a StackedList becomes a plain list of its rows)
            return (tuple if isinstance(v, tuple) else list)(cp(x) for x in v)
        if isinstance(v, dict):
            return {k: cp(x) for k, x in v.items()}
        return v
    return tuple(cp(v) for v in values)


def flat_state(values):
    """[(leaves, spec)] per state variable."""
    return [P.flatten(v) for v in values]


def describe(v) -> str:
    if isinstance(v, Tensor):
        return f"a Tensor ({v._dtype}, {v.ndim} dims)"
    if isinstance(v, Undefined):
        return "not assigned"
    return f"a {type(v).__name__} ({v!r})" if is_number(v) or v is None else \
        f"a {type(v).__name__}"


def merge_type(tr, ta, tb, hint_shape, what):
    """The type of a value that is ``ta`` on one path and ``tb`` on the other: dtypes and
    ranks must agree; sizes that differ become fresh symbols (bound when the graph runs)."""
    if not isinstance(ta, TensorType) or not isinstance(tb, TensorType):
        raise StagingAbort(f"{what}: not a tensor on both paths")
    if ta.dtype is not tb.dtype:
        raise StagingAbort(f"{what} is {ta.dtype} on one path and {tb.dtype} on the other")
    if ta.shape is None or tb.shape is None or len(ta.shape) != len(tb.shape):
        raise StagingAbort(f"{what} has {ta.ndim} dims on one path and {tb.ndim} on the other")
    dims = tuple(a if a == b else tr.new_symbol(int(h), "u")
                 for a, b, h in zip(ta.shape, tb.shape, hint_shape))
    return TensorType(ta.dtype, dims, ta.device)


def alias(t: Tensor) -> Tensor:
    """A new tensor object sharing ``t``'s data (so binding it does not rebind ``t``)."""
    out = wrap(t._data)
    out._dtype = t._dtype
    return out


def output(tr, node, typ, obj):
    """Append an output of ``typ`` to ``node`` and bind tensor ``obj`` to it."""
    v = Value(tr.graph.fresh_name(), typ, node, len(node.outputs))
    node.outputs.append(v)
    tr.bind(obj, v)
    return v
