"""Algebraic simplification: local rewrites that remove work without changing any value.

Identities (the node is dropped and its readers read the operand):
- ``x*1``, ``1*x``, ``x+0``, ``0+x``, ``x-0``, ``x/1``, ``x**1`` where the constant is a Python
  number or a tensor constant of ones / zeros, and only when the result type equals ``x``'s
  type (so no dtype promotion or broadcasting is lost);
- ``neg(neg(x))``; ``relu(relu(x))`` -> ``relu(x)``;
- transposes / permutes whose composition is the identity (``t(t(x))``,
  ``permute(permute(x, p), inverse(p))``, ``permute(x, identity)``); other pairs compose into
  one ``permute``;
- order-preserving reshapes (``view``, ``reshape``, ``squeeze``, ``unsqueeze``) whose result
  type equals the type of the start of their reshape chain (``view`` to the same shape,
  ``squeeze(unsqueeze(x, d), d)``...); ``view``/``reshape`` of ``view``/``reshape`` reads the
  first input directly (``reshape`` unless both are ``view``);
- ``expand`` to the same shape, ``clone`` and ``_to_copy`` that change neither dtype nor device.

Why it is safe: every rule returns exactly the same values (same dtype, shape, device and
elements: ``x + 0`` may turn ``-0.0`` into ``0.0`` in eager mode; the simplified graph keeps
``-0.0``).  The graph is SSA and functional, so dropping a copy (``clone``) or a view cannot
be observed; a graph that still contains in-place nodes is left untouched, because there a
copy may protect a value from a later write.  Nodes whose outputs became unused (the inner
``neg`` of ``neg(neg(x))``) are left for ``dce``."""
from __future__ import annotations

import numpy as np

from ...ops import registry as R
from ..graph import map_attr_values
from ..prim import is_pure
from ..types import TensorType

__all__ = ["run"]

_RESHAPES = frozenset({"view", "reshape", "squeeze", "unsqueeze"})
_PERMUTES = frozenset({"permute", "transpose", "t"})


def run(graph, max_iterations: int = 8, **_options):
    """Simplify ``graph`` in place (to a fixed point) and return it."""
    if _has_inplace(graph):
        return graph
    for _ in range(max_iterations):
        repl: dict = {}
        changed = _block(graph.block, repl)
        if repl:
            graph.replace_uses(repl)
        if not changed:
            break
    return graph


def _has_inplace(graph) -> bool:
    for n in graph.walk():
        if n.kind.endswith("_") or n.attrs.get("inplace") is True:
            return True
        if R.has(n.kind) and "inplace" in R.get(n.kind).tags:
            return True
    return False


def _block(block, repl) -> bool:
    def sub(v):
        while v in repl:
            v = repl[v]
        return v

    changed = False
    keep = []
    for node in block.nodes:
        node.inputs = [sub(v) for v in node.inputs]
        if node.attrs:
            node.attrs = {k: map_attr_values(a, sub) for k, a in node.attrs.items()}
        for b in node.blocks:
            changed |= _block(b, repl)
        rule = _RULES.get(node.kind)
        res = rule(node) if rule is not None and len(node.outputs) == 1 and is_pure(node) \
            else None
        if res is True:  # rewritten in place
            changed = True
        elif res is not None:
            repl[node.outputs[0]] = res
            node.owner = None
            changed = True
            continue
        keep.append(node)
    block.nodes = keep
    block.returns = [sub(v) for v in block.returns]
    return changed


# ------------------------------------------------------------------ helpers
def _known(t) -> bool:
    return isinstance(t, TensorType) and t.dtype is not None and t.shape is not None


def _same(a, b) -> bool:
    """Whether Values ``a`` and ``b`` have the same fully known tensor type."""
    return _known(a.type) and _known(b.type) and a.type == b.type


def _const(v):
    n = v.node
    if n is None or n.kind != "Constant":
        return None
    return n.attrs.get("value")


def _is(v, target) -> bool:
    """Whether Value ``v`` is a Constant number / tensor with every element equal ``target``."""
    c = _const(v)
    if type(c) in (int, float):
        return c == target
    if isinstance(c, np.ndarray) and c.size > 0 and c.dtype.kind in "iuf":
        return bool(np.all(c == target))
    return False


def _producer(v, kinds):
    n = v.node
    if n is not None and n.kind in kinds and is_pure(n) and n.inputs:
        return n
    return None


# ------------------------------------------------------------------ arithmetic identities
def _mul(node):
    if len(node.inputs) != 2:
        return None
    a, b = node.inputs
    if _is(b, 1) and _same(node.outputs[0], a):
        return a
    if _is(a, 1) and _same(node.outputs[0], b):
        return b
    return None


def _add(node):
    if set(node.attrs) - {"alpha"} or len(node.inputs) != 2:
        return None
    a, b = node.inputs
    out = node.outputs[0]
    if _is(b, 0) and _same(out, a):
        return a
    if node.attrs.get("alpha", 1) == 1 and _is(a, 0) and _same(out, b):
        return b
    return None


def _right_identity(target):
    def rule(node):
        if set(node.attrs) - {"alpha"} or len(node.inputs) != 2:
            return None
        a, b = node.inputs
        return a if _is(b, target) and _same(node.outputs[0], a) else None
    return rule


def _neg(node):
    inner = _producer(node.inputs[0], ("neg",))
    return inner.inputs[0] if inner is not None and _same(node.outputs[0], inner.inputs[0]) \
        else None


def _relu(node):
    inner = _producer(node.inputs[0], ("relu",))
    return node.inputs[0] if inner is not None else None


# ------------------------------------------------------------------ permutations
def _perm(node, ndim):
    """The permutation ``node`` (permute / transpose / t) applies, or None."""
    try:
        if node.kind == "permute":
            dims = node.attrs.get("dims")
            if type(dims) not in (list, tuple) or len(dims) != ndim or \
                    not all(type(d) is int for d in dims):
                return None
            p = [d % ndim for d in dims] if ndim else []
            return p if sorted(p) == list(range(ndim)) else None
        p = list(range(ndim))
        if node.kind == "t":
            if ndim == 2:
                p = [1, 0]
            return p if ndim <= 2 else None
        d0, d1 = node.attrs.get("dim0"), node.attrs.get("dim1")
        if type(d0) is not int or type(d1) is not int or set(node.attrs) != {"dim0", "dim1"}:
            return None
        n = max(ndim, 1)
        if not (-n <= d0 < n and -n <= d1 < n):
            return None
        if ndim:
            p[d0 % n], p[d1 % n] = p[d1 % n], p[d0 % n]
        return p
    except (TypeError, ZeroDivisionError):
        return None


def _permute(node):
    x = node.inputs[0]
    if not _known(x.type):
        return None
    nd = len(x.type.shape)
    p2 = _perm(node, nd)
    if p2 is None:
        return None
    if p2 == list(range(nd)) and _same(node.outputs[0], x):
        return x
    inner = _producer(x, _PERMUTES)
    if inner is None or not _known(inner.inputs[0].type):
        return None
    p1 = _perm(inner, nd)
    if p1 is None:
        return None
    q = [p1[i] for i in p2]
    base = inner.inputs[0]
    if q == list(range(nd)) and _same(node.outputs[0], base):
        return base
    node.kind, node.inputs, node.attrs = "permute", [base] + node.inputs[1:], {"dims": q}
    return True


# ------------------------------------------------------------------ reshapes and copies
def _reshape(node):
    out, x = node.outputs[0], node.inputs[0]
    # the longest chain of order-preserving reshapes ending at a value of the same type
    v, best = x, (x if _same(out, x) else None)
    seen = 0
    while seen < 64:
        inner = _producer(v, _RESHAPES)
        if inner is None:
            break
        v = inner.inputs[0]
        if _same(out, v):
            best = v
        seen += 1
    if best is not None:
        return best
    if node.kind in ("view", "reshape"):
        inner = _producer(x, ("view", "reshape"))
        if inner is not None:
            kind = "view" if node.kind == inner.kind == "view" else "reshape"
            node.kind, node.inputs = kind, [inner.inputs[0]] + node.inputs[1:]
            return True
    return None


def _same_as_input(node):
    x = node.inputs[0]
    return x if _same(node.outputs[0], x) else None


_RULES = {
    "mul": _mul, "add": _add, "sub": _right_identity(0), "div": _right_identity(1),
    "pow": _right_identity(1), "neg": _neg, "relu": _relu,
    "permute": _permute, "transpose": _permute, "t": _permute,
    "view": _reshape, "reshape": _reshape, "squeeze": _reshape, "unsqueeze": _reshape,
    "expand": _same_as_input, "clone": _same_as_input, "_to_copy": _same_as_input,
}
