"""Run-time checks of ``Guard`` nodes: a size guard compares its evaluated ``lhs``/``rhs``; a data
guard converts its tensor input as the traced code did (``bool(t)``, ``t.item()``,
``t.tolist()``, ``t.numpy()`` ...) and compares with the value recorded while tracing.  A
failing guard raises ``GuardError`` naming the source line, what was expected and what was got.
"""
from __future__ import annotations

import math

import numpy as np

from . import symbolic as S
from .errors import GuardError
from .prim import _CMP_TEXT, GUARD_CMPS

__all__ = ["guard_checker"]


def guard_checker(node):
    """fn(args, attrs, vals, env) checking Guard ``node`` at run time (size guards get their
    lhs/rhs evaluated into ``attrs``; data guards convert the tensor in ``args[0]``); a failing
    guard raises RuntimeError naming the source line, what was expected and what was got."""
    a = node.attrs
    src = node.source or "<unknown>"
    note = (" (" + a["msg"] + ")") if a.get("msg") else ""
    hint = ("The graph was specialized while tracing; use torch.jit.script or torch.cond "
            "for data-dependent control flow.")
    if node.inputs:
        kind, expected = a.get("kind"), a.get("expected")

        def data_guard(args, attrs, vals, env):
            got = _convert(args[0], kind)
            if not _same(got, expected):
                raise GuardError(
                    f"guard failed at {src}: converting a tensor with {kind}() gave "
                    f"{_show(expected)} while tracing, but gives {_show(got)} now{note}. "
                    f"{hint}")
        return data_guard
    cmp = GUARD_CMPS[a.get("cmp", "eq")]
    text = f"{S.expr_str(S.expr_of(a.get('lhs')))} {_CMP_TEXT.get(a.get('cmp'), '?')} " \
           f"{S.expr_str(S.expr_of(a.get('rhs')))}"

    def size_guard(args, attrs, vals, env):
        lv, rv = attrs["lhs"], attrs["rhs"]
        if not cmp(lv, rv):
            raise GuardError(
                f"guard failed at {src}: expected the sizes to satisfy {text} (as while "
                f"tracing), got {lv} vs {rv}{note}. {hint}")
    return size_guard


def _convert(t, kind):
    if kind == "bool":
        return bool(t)
    if kind == "int":
        return int(t)
    if kind == "float":
        return float(t)
    if kind == "item":
        return t.item()
    if kind == "numpy":  # x.numpy() / np.asarray(x): the whole array was read by Python code
        return np.asarray(getattr(t, "_data", t))
    return t.tolist()


def _show(v) -> str:
    """A short text of a guard value (a numpy array: its first elements, shape and dtype)."""
    if isinstance(v, np.ndarray):
        flat = np.ravel(v)
        body = ", ".join(repr(x) for x in flat[:6].tolist()) + (", ..." if flat.size > 6 else "")
        return f"array([{body}], shape={list(v.shape)}, dtype={v.dtype})"
    return repr(v)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b  # True must not pass for 1
    return a == b
