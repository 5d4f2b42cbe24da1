"""Python numbers read from traced tensors (``int(t)``, ``float(t)``, ``t.item()``) as
run-time values.

Tracing reads such a number with a guard (one graph variant per value).  Scripted code keeps
it in the graph instead, as TorchScript does: the number is a 0-dim int64 / float64 / bool
tensor marked as a Python number (``_numbers``), so ``range(int(n))`` is a Loop with a
run-time trip count, ``if int(n) > 2`` an If, ``x[:int(n)]`` a run-time slice and
``x * int(n)`` a tensor op; a graph output that is such a number is returned as a Python
number.  A use that needs a Python value (a list index, a shape argument, ``isinstance``)
reads it through ``__index__``/``__int__`` and gets today's guard.

Arithmetic on such numbers (``arith``) keeps Python's result types where torch's promotion of
a 0-dim tensor differs from its promotion of a Python number: ``int / int`` and ``int + 0.5``
are float64 (Python floats are doubles), ``True + True`` is 2, and a number meeting a tensor
promotes like a Python scalar (``int32_tensor_0d * int(n)`` stays int32)."""
from __future__ import annotations

import builtins
import operator

from ...eager.tensor import Tensor
from ...ir import symbolic as S
from ...ops import dtypes as D
from ._context import staged, tracer
from ._numbers import NUMBERS, is_number, mark

__all__ = ["runtime_number", "item_number", "arith", "ARITH_OPS", "number_isinstance"]

ARITH_OPS = {"Add": operator.add, "Sub": operator.sub, "Mult": operator.mul,
             "Div": operator.truediv, "FloorDiv": operator.floordiv, "Mod": operator.mod,
             "Pow": operator.pow}
_BITWISE = ("BitAnd", "BitOr", "BitXor")


def _readable(t) -> bool:
    """A traced tensor Python can read one number from (eager raises for the rest)."""
    return staged(t) and t._data.size == 1 and not t.dtype.is_complex


def _new_number(t, dtype) -> Tensor:
    """``t`` as a fresh 0-dim ``dtype`` tensor (a new Value, even when nothing changes, so
    marking it does not turn ``t`` itself into a number), marked as a Python number."""
    t = t.reshape(()) if t.ndim else t
    out = t.to(dtype) if t.dtype is not dtype else t.clone()
    mark(tracer().lookup(out))
    return out


def runtime_number(fn, t):
    """``int(t)`` / ``float(t)`` of a traced one-element tensor as a run-time number; None
    when Python must read it (not a traced tensor, or not one element)."""
    if not _readable(t):
        return None
    if fn is builtins.int:
        if t.dtype.is_floating_point:  # NaN / inf: eager's error while recording
            builtins.int(builtins.float(t._data.reshape(())))
        # int() truncates toward zero, as a float -> int64 cast does; bool -> 0/1
        return _new_number(t, D.int64)
    if fn is builtins.float:
        return _new_number(t, D.float64)
    return None


def item_number(t):
    """``t.item()``: bool, int or float as the tensor's kind (Python's bool/int/float)."""
    if not _readable(t):
        return None
    if t.dtype is D.bool:
        return _new_number(t, D.bool)
    return _new_number(t, D.int64 if t.dtype.category <= D._INT else D.float64)


def number_isinstance(x, types):
    """``isinstance(x, types)`` as eager sees it when ``x`` is a run-time Python number (a
    marked 0-dim tensor: its Python type follows its dtype), else None."""
    if not _num(x):
        return None
    sample = False if x.dtype is D.bool else 0 if x.dtype is D.int64 else 0.0
    return builtins.isinstance(sample, types)


def _num(x) -> bool:
    """A 0-dim tensor holding a Python number (marked while recording)."""
    if not (isinstance(x, Tensor) and x.ndim == 0 and NUMBERS):
        return False
    tr = tracer()
    v = tr.lookup(x) if tr is not None else None
    return v is not None and is_number(v, NUMBERS[-1])


def _py(x) -> bool:
    return type(x) in (bool, int, float) or type(x) is S.SymInt


def _floaty(x) -> bool:
    return isinstance(x, float) or (isinstance(x, Tensor) and x.dtype.is_floating_point)


def _cast_pair(op, a, b):
    """(a, b) with number tensors cast so that torch gives the dtype Python (or, against a
    real tensor, torch's Python-scalar promotion) gives."""
    an, bn = _num(a), _num(b)
    if an and a.dtype is D.bool and op not in _BITWISE:
        a = a.to(D.int64)  # True + True == 2, not a logical or
    if bn and b.dtype is D.bool and op not in _BITWISE:
        b = b.to(D.int64)
    pure = (an or _py(a)) and (bn or _py(b))
    if pure:  # number (op) number: Python's int/float arithmetic
        if op == "Div" or _floaty(a) or _floaty(b):
            a = a.to(D.float64) if an and not a.dtype.is_floating_point else a
            b = b.to(D.float64) if bn and not b.dtype.is_floating_point else b
        return a, b
    if an and isinstance(b, Tensor):
        a = _like_scalar(a, b)
    elif bn and isinstance(a, Tensor):
        b = _like_scalar(b, a)
    return a, b


def _like_scalar(num, other):
    """Number tensor ``num`` cast so that ``other (op) num`` has the dtype ``other (op)
    python_number`` has: a float number with an integer tensor gives the default dtype, and
    a number of the tensor's own kind never widens a 0-dim tensor."""
    o = other.dtype
    if num.dtype.is_floating_point and not (o.is_floating_point or o.is_complex):
        return num.to(D.get_default_dtype())
    same_kind = (num.dtype.is_floating_point == o.is_floating_point) and not o.is_complex \
        and o is not D.bool
    if same_kind and other.ndim == 0:
        return num.to(o)
    return num


def arith(op, a, b):
    """``a <op> b`` for a BinOp of scripted code (``op`` an ast operator name)."""
    if type(b) is S.SymInt and isinstance(a, float):
        b = b._concrete("float")  # float <op> int is computed without asking the size
    if not (isinstance(a, Tensor) or isinstance(b, Tensor)) or tracer() is None or \
            not (_num(a) or _num(b)):
        return ARITH_OPS[op](a, b)
    pure = (_num(a) or _py(a)) and (_num(b) or _py(b))
    a, b = _cast_pair(op, a, b)
    out = ARITH_OPS[op](a, b)
    if pure and isinstance(out, Tensor) and staged(out):
        mark(tracer().lookup(out))
    return out
