"""Inlining: replace every ``Call(*args, fn=name)`` by a copy of ``graph.functions[name]``'s body.

The callee's nodes are copied in front of the call with fresh value names (its parameters
become the call's arguments), recursively for nested blocks and for calls inside the callee;
the call's outputs are then read from the copied return values.  Each copied node keeps its
source line, and its scope is prefixed with the call's scope (``block1.conv`` inside a call made
from ``layer1`` becomes ``layer1.block1.conv``).

Why it is safe: a function body is pure SSA data flow over its parameters, so evaluating a
renamed copy at the call site computes exactly what the call computes; nothing is reordered
relative to the other nodes of the caller.  Recursive functions cannot be inlined and raise
RuntimeError (after ``max_depth`` nested expansions)."""
from __future__ import annotations

from ..graph import Block, Node, Value, map_attr_values

__all__ = ["run"]


def run(graph, max_depth: int = 64, **_options):
    """Inline every ``Call`` node of ``graph`` in place and return the graph.

    Args:
        max_depth: the deepest chain of nested calls expanded before giving up (recursion).
    """
    fns = getattr(graph, "functions", None) or {}
    if not fns:
        return graph
    mapping: dict = {}
    _inline_block(graph, graph.block, fns, mapping, max_depth)
    if mapping:
        graph.replace_uses(mapping)
    return graph


def _inline_block(graph, block: Block, fns, mapping, depth):
    out = []
    for node in block.nodes:
        if node.kind == "Call" and node.attrs.get("fn") in fns:
            out.extend(_expand(graph, node, fns, mapping, depth))
            continue
        for b in node.blocks:
            _inline_block(graph, b, fns, mapping, depth)
        out.append(node)
    block.nodes = out
    for n in out:
        n.owner = block


def _expand(graph, call: Node, fns, mapping, depth):
    """The nodes replacing ``call`` (already owned by nothing; the caller sets owners)."""
    name = call.attrs["fn"]
    if depth <= 0:
        raise RuntimeError(f"inline: calls of {name!r} nest too deeply (recursive function?) "
                           f"at {call.source or '<unknown>'}")
    fn = fns[name]
    if len(fn.inputs) != len(call.inputs):
        raise RuntimeError(f"inline: {name!r} takes {len(fn.inputs)} arguments, the call at "
                           f"{call.source or '<unknown>'} passes {len(call.inputs)}")
    env = {p: _resolve(a, mapping) for p, a in zip(fn.inputs, call.inputs)}
    tmp = Block(graph, None)
    for n in fn.nodes:
        tmp.nodes.append(_clone(graph, n, env, call.scope))
    # calls inside the callee are expanded too (their own callees may be other functions)
    _inline_block(graph, tmp, fns, mapping, depth - 1)
    for o, r in zip(call.outputs, fn.outputs):
        mapping[o] = _resolve(env.get(r, r), mapping)
    return tmp.nodes


def _resolve(v, mapping):
    while v in mapping:
        v = mapping[v]
    return v


def _scope(outer: str, inner: str) -> str:
    if outer and inner:
        return f"{outer}.{inner}"
    return outer or inner


def _clone(graph, node: Node, env: dict, scope: str) -> Node:
    """A copy of ``node`` reading ``env[v]`` for every callee value ``v``; new outputs and
    block params are added to ``env``."""
    def sub(v):
        return env.get(v, v)

    new = Node(node.kind, [sub(v) for v in node.inputs],
               {k: map_attr_values(a, sub) for k, a in node.attrs.items()},
               node.source, _scope(scope, node.scope))
    for i, o in enumerate(node.outputs):
        v = Value(graph.fresh_name(), o.type, new, i)
        new.outputs.append(v)
        env[o] = v
    for b in node.blocks:
        nb = graph.add_block(new)
        for p in b.params:
            env[p] = nb.add_param(p.type)
        for n in b.nodes:
            nb.append(_clone(graph, n, env, scope))
        nb.returns = [sub(v) for v in b.returns]
    return new
