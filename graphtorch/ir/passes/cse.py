"""Common subexpression elimination: a pure node equal to an earlier one is replaced by it.

Two nodes are equal when they have the same kind, read the same Values, have structurally
equal attributes (numbers compare with their Python type, so ``1``, ``1.0`` and ``True`` differ;
``-0.0`` differs from ``0.0``; NaNs are equal to each other; numpy tensor constants compare by
dtype, shape and bytes) and declare the same output types.

Scoping: blocks are visited with a table stacked on their parent's, so a value defined in an
outer block may be reused inside a nested block, while a value defined inside a block is never
used to replace one in the outer block or in a sibling block (it is not defined there).

Why it is safe: only ``ir.prim.is_pure`` nodes without blocks take part (guards, random and
in-place ops, and control flow keep their identity); a pure node computes the same result from
the same inputs, and the earlier node dominates the later one (same block, earlier, or an
enclosing block), so its outputs are available wherever the later ones were read."""
from __future__ import annotations

import math
from collections import ChainMap

import numpy as np

from .. import symbolic as S
from ..graph import Value, map_attr_values
from ..prim import is_pure

__all__ = ["run", "attr_key"]


def run(graph, **_options):
    """Merge duplicate pure nodes of ``graph`` in place and return the graph."""
    repl: dict = {}
    _visit(graph.block, ChainMap(), repl)
    if repl:
        graph.replace_uses(repl)
    return graph


def _visit(block, table, repl):
    get = repl.get

    def sub(v):
        return get(v, v)

    keep = []
    for node in block.nodes:
        # read the surviving copies first so chains of duplicates merge in one pass
        node.inputs = [get(v, v) for v in node.inputs]
        if node.attrs:
            node.attrs = {k: map_attr_values(a, sub) for k, a in node.attrs.items()}
        if node.blocks:
            for b in node.blocks:
                _visit(b, table.new_child(), repl)
            keep.append(node)
            continue
        key = _node_key(node)
        if key is not None:
            prev = table.get(key)
            if prev is not None:
                for o, p in zip(node.outputs, prev.outputs):
                    repl[o] = p
                node.owner = None
                continue
            table[key] = node
        keep.append(node)
    block.nodes = keep
    block.returns = [get(v, v) for v in block.returns]


def _node_key(node):
    """A hashable description of what ``node`` computes, or None if it must not be merged."""
    if node.kind == "Guard" or not is_pure(node):
        return None
    try:
        attrs = tuple(sorted((k, attr_key(a)) for k, a in node.attrs.items()))
        key = (node.kind, tuple(id(v) for v in node.inputs), attrs,
               tuple(str(o.type) for o in node.outputs))
        hash(key)
    except TypeError:
        return None  # an attribute we cannot compare: leave the node alone
    return key


def attr_key(v):
    """A hashable key equal for structurally equal attribute values (type-tagged)."""
    t = type(v)
    if t is Value:
        return ("%", id(v))
    if v is None or t is bool or t is int or t is str:
        return (t.__name__, v)
    if t is float:
        return ("float", "nan" if math.isnan(v) else repr(v))
    if t is complex:
        return ("complex", attr_key(v.real), attr_key(v.imag))
    if t is S.Expr:
        return ("expr", v)
    if t is S.SymInt:
        return ("expr", v._expr)
    if t is list or t is tuple:
        return (t.__name__,) + tuple(attr_key(x) for x in v)
    if isinstance(v, np.ndarray):
        return ("ndarray", v.dtype.str, v.shape, np.ascontiguousarray(v).tobytes())
    if isinstance(v, np.generic):
        return ("npscalar", v.dtype.str, v.tobytes())
    if t is dict:
        return ("dict",) + tuple(sorted((k, attr_key(x)) for k, x in v.items()))
    return (t.__name__, repr(v))  # dtypes, devices: equal when they print the same
