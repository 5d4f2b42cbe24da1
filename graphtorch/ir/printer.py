"""The text form of a graph: deterministic, one node a line, the user's source as a comment.

```
graph(%x: f32[N, 784], %fc1.weight: f32[512, 784], %fc1.bias: f32[512]):
  %0: f32[N, 512] = linear(%x, %fc1.weight, %fc1.bias)  # model.py:12 [fc1]
  %1: f32[N, 512] = relu(%0)  # model.py:13
  return (%1)
```
Nested blocks (If, Loop) are indented under their node, each ``blockK(%params):`` ending with
``-> (%returned, ...)``.  ``ir.parser.parse`` reads this text back to an equal graph."""
from __future__ import annotations

import math

import numpy as np

from ..ops import dtypes as D
from . import symbolic as S
from .graph import Value
from .types import DTYPE_SHORT

__all__ = ["print_graph", "node_line", "format_attr", "size_lines", "CONST_INLINE_MAX"]

CONST_INLINE_MAX = 16  # tensor constants with more elements print as tensor('key')


def print_graph(graph, name: str = "graph") -> str:
    """The whole graph as text."""
    params = ", ".join(_decl(v) for v in graph.inputs)
    lines = [f"{name}({params}):"]
    lines.extend(size_lines(graph, "  "))
    for n in graph.nodes:
        lines.extend(_node_lines(n, "  ", graph))
    lines.append("  return (" + ", ".join(_ref(v) for v in graph.outputs) + ")")
    return "\n".join(lines) + "\n"


CMP_TEXT = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def size_lines(graph, indent: str) -> list:
    """The graph's size facts from tracing, so they survive the text form (and jit.save):
    ``hints N=8, u0=3`` (the sizes while tracing) and ``assume N*4 == 32, H >= 5`` (shape
    checks the ops' meta took, which the graph holds under; the verifier picks sizes that
    satisfy them).  Both are ``graph.meta`` entries: no backend executes them."""
    meta = getattr(graph, "meta", None) or {}
    out = []
    hints = meta.get("size_hints") or {}
    if hints:
        out.append(indent + "hints " + ", ".join(f"{k}={int(v)}" for k, v in hints.items()))
    cons = meta.get("size_constraints") or ()
    if cons:
        out.append(indent + "assume " + ", ".join(
            f"{S.expr_str(lhs)} {CMP_TEXT[cmp]} {S.expr_str(rhs)}" for lhs, cmp, rhs in cons))
    return out


def node_line(node, indent: str = "") -> str:
    g = node.owner.graph if node.owner is not None else None
    return "\n".join(_node_lines(node, indent, g))


def _decl(v: Value) -> str:
    return f"%{v.name}: {v.type}"


def _ref(v: Value) -> str:
    return f"%{v.name}"


def _node_lines(node, indent, graph) -> list:
    args = [_ref(v) for v in node.inputs]
    args += [f"{k}={format_attr(a, graph)}" for k, a in node.attrs.items()]
    lhs = ", ".join(_decl(v) for v in node.outputs)
    rhs = f"{node.kind}({', '.join(args)})"
    text = f"{indent}{lhs} = {rhs}" if lhs else f"{indent}{rhs}"
    comment = _comment(node)
    out = [text + (f"  # {comment}" if comment else "")]
    for i, b in enumerate(node.blocks):
        ps = ", ".join(_decl(p) for p in b.params)
        out.append(f"{indent}  block{i}({ps}):")
        for n in b.nodes:
            out.extend(_node_lines(n, indent + "    ", graph))
        out.append(f"{indent}    -> (" + ", ".join(_ref(v) for v in b.returns) + ")")
    return out


def _comment(node) -> str:
    parts = []
    if node.source:
        parts.append(node.source)
    if node.scope:
        parts.append(f"[{node.scope}]")
    return " ".join(parts)


# ------------------------------------------------------------------ attribute values
def format_attr(v, graph=None) -> str:
    """One attribute value as text the parser reads back."""
    t = type(v)
    if t is Value:
        return _ref(v)
    if t is S.Expr:
        return S.expr_str(v)
    if t is S.SymInt:
        return S.expr_str(v._expr)
    if v is None or t is bool or t is int or t is str:
        return repr(v)
    if t is float:
        return _float(v)
    if t is complex:
        return f"complex({_float(v.real)}, {_float(v.imag)})"
    if isinstance(v, D.dtype):
        return f"torch.{v.name}" if hasattr(v, "name") else repr(v)
    if t is list:
        return "[" + ", ".join(format_attr(x, graph) for x in v) + "]"
    if t is tuple:
        inner = ", ".join(format_attr(x, graph) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(v, np.ndarray):
        return _tensor(v, graph)
    if isinstance(v, np.generic):
        return format_attr(v.item(), graph)
    if type(v).__name__ == "device":
        return f"device({str(v)!r})"
    raise TypeError(f"attribute value {v!r} of type {t.__name__} has no IR text form")


def _float(x: float) -> str:
    if math.isnan(x):
        return "float('nan')"
    if math.isinf(x):
        return "float('inf')" if x > 0 else "float('-inf')"
    return repr(x)


def _tensor(arr: np.ndarray, graph) -> str:
    dt = DTYPE_SHORT[D.from_numpy_dtype(arr.dtype)]
    if arr.size <= CONST_INLINE_MAX:
        body = _nested(arr.tolist()) if arr.ndim else _scalar(arr.item())
        shape = f", shape=[{', '.join(map(str, arr.shape))}]" if arr.size == 0 else ""
        return f"tensor({body}, {dt}{shape})"
    if graph is None:
        return f"tensor(<{dt}{list(arr.shape)}>)"
    return f"tensor({constant_key(graph, arr)!r})"


def constant_key(graph, arr) -> str:
    """The key of ``arr`` in ``graph.constants`` (assigned on first use, in order)."""
    for k, a in graph.constants.items():
        if a is arr:
            return k
    k = f"c{len(graph.constants)}"
    while k in graph.constants:
        k += "_"
    graph.constants[k] = arr
    return k


def _nested(x) -> str:
    if type(x) is list:
        return "[" + ", ".join(_nested(e) for e in x) + "]"
    return _scalar(x)


def _scalar(x) -> str:
    if type(x) is float:
        return _float(x)
    if type(x) is complex:
        return f"complex({_float(x.real)}, {_float(x.imag)})"
    return repr(x)
