"""The ONNX rule table: registry op name -> export rules, each with the minimum opset it needs.

A rule is ``fn(ctx) -> list of ONNX names`` (one per output of ``ctx.node``).  Several rules may
exist for one op at different opsets (``ReduceMax`` takes its axes as an input from opset 18,
``Gelu`` exists from 20...); ``lookup`` picks the newest rule the requested opset allows."""
from __future__ import annotations

__all__ = ["rule", "lookup", "min_opset", "RULES", "MIN_OPSET"]

MIN_OPSET = 17
RULES: dict = {}  # op name -> sorted list of (min opset, fn)


def rule(*names, opset: int = MIN_OPSET):
    """Register the decorated function as the export rule of ``names`` from ``opset`` on."""
    def deco(fn):
        for n in names:
            lst = RULES.setdefault(n, [])
            lst.append((opset, fn))
            lst.sort(key=lambda t: t[0])
        return fn
    return deco


def lookup(name: str, opset: int):
    """The rule for op ``name`` at ``opset``, or None."""
    best = None
    for lo, fn in RULES.get(name, ()):
        if lo <= opset:
            best = fn
    return best


def min_opset(name: str):
    """The lowest opset at which ``name`` has a rule, or None when it has none."""
    lst = RULES.get(name)
    return lst[0][0] if lst else None


def load_all():
    """Import every rules module (each registers its family's rules)."""
    from . import (rules_compare, rules_exact, rules_index, rules_linalg,  # noqa: F401
                   rules_misc, rules_nn, rules_pointwise, rules_reduce, rules_shape)
