"""Size specializations while tracing: substituting the expressions symbols were fixed to
(``s2 -> s0``, ``s1 -> 784``) into types, attributes and guards, and dropping size guards that
hold at every size once substituted."""
from __future__ import annotations

from ..ir import symbolic as S
from ..ir.types import TensorType

__all__ = ["_substitute", "_retype", "_trivial"]


def _substitute(e, repl):
    for _ in range(len(repl) + 1):  # chains s2 -> s0 -> 784
        if not S.free_symbols(e) & repl.keys():
            return e
        e = S.substitute(e, repl)
    return e


def _retype(v, sub):
    t = v.type
    if isinstance(t, TensorType) and t.shape is not None:
        v.type = TensorType(t.dtype, tuple(sub(d) for d in t.shape), t.device)


_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def _trivial(attrs) -> bool:
    lhs, rhs = attrs["lhs"], attrs["rhs"]
    if type(lhs) is S.Expr or type(rhs) is S.Expr:
        return False
    return _CMP[attrs["cmp"]](lhs, rhs)
