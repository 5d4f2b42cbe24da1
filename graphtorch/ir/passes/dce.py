"""Dead code elimination: remove pure nodes whose outputs nobody reads.

Nodes are visited last to first in every block (nested blocks included), counting the reads of
each Value, so a whole chain of dead nodes goes in one sweep.  Unused outputs of control flow
are dropped too: an ``If`` or ``FusionGroup`` output nobody reads loses that output and the
matching block return; a ``Loop`` carried value that is read neither after the loop nor inside
the body loses its input, output, block parameter and block return, and a scan output nobody
reads loses its output and block return.  Block parameters are
otherwise kept (they are the block's signature).

Why it is safe: only nodes that ``ir.prim.is_pure`` accepts are removed (guards, random and
in-place ops, and control flow or calls containing them stay), and a pure node's only effect is
its outputs; a value nobody reads cannot change any graph output."""
from __future__ import annotations

from collections import Counter

from ..prim import is_pure, loop_scans

__all__ = ["run"]


def run(graph, **_options):
    """Remove dead nodes and dead control-flow outputs from ``graph`` in place; return it."""
    counts = Counter()
    for blk in graph.blocks():
        for n in blk.nodes:
            counts.update(n.operands())
        counts.update(blk.returns)
    changed = True
    while changed:  # a dead loop-carried value can make earlier nodes dead: sweep again
        changed = _sweep(graph.block, counts)
    return graph


def _forget(node, counts):
    """Drop the reads made by ``node`` and everything inside its blocks."""
    counts.subtract(node.operands())
    for b in node.blocks:
        counts.subtract(b.returns)
        for n in b.nodes:
            _forget(n, counts)


def _sweep(block, counts) -> bool:
    changed = False
    keep = []
    for node in reversed(block.nodes):
        if all(counts[o] <= 0 for o in node.outputs) and is_pure(node):
            _forget(node, counts)
            node.owner = None
            changed = True
            continue
        if node.kind in ("If", "FusionGroup"):
            changed |= _trim_returns(node, counts)
        elif node.kind == "Loop":
            changed |= _trim_loop(node, counts)
        for b in node.blocks:
            changed |= _sweep(b, counts)
        keep.append(node)
    keep.reverse()
    block.nodes = keep
    return changed


def _trim_returns(node, counts) -> bool:
    """Drop outputs of an If / FusionGroup that nobody reads (and the blocks' returns)."""
    dead = [i for i, o in enumerate(node.outputs) if counts[o] <= 0]
    if not dead:
        return False
    for b in node.blocks:
        if len(b.returns) != len(node.outputs):
            return False  # malformed; leave it to the verifier
    for b in node.blocks:
        counts.subtract(b.returns[i] for i in dead)
        b.returns = [v for i, v in enumerate(b.returns) if i not in dead]
    node.outputs = [o for i, o in enumerate(node.outputs) if i not in dead]
    for i, o in enumerate(node.outputs):
        o.index = i
    return True


def _trim_loop(node, counts) -> bool:
    """Drop scan outputs nobody reads, and carried values read neither after the Loop nor by
    the live part of its body."""
    body = node.blocks[0] if node.blocks else None
    nc = len(node.inputs) - 2
    k = loop_scans(node)
    if body is None or nc < 0 or len(body.params) != nc + 1 or \
            len(body.returns) != nc + k + 1 or len(node.outputs) != nc + k:
        return False  # malformed; leave it to the verifier
    changed = _trim_scans(node, body, nc, counts)
    dead = _dead_carried(node, body, nc, counts)
    if not dead:
        return changed
    counts.subtract(node.inputs[2 + j] for j in dead)
    counts.subtract(body.returns[1 + j] for j in dead)
    node.inputs = node.inputs[:2] + [v for j, v in enumerate(node.inputs[2:]) if j not in dead]
    node.outputs = [o for j, o in enumerate(node.outputs) if j not in dead]
    body.params = body.params[:1] + [p for j, p in enumerate(body.params[1:]) if j not in dead]
    body.returns = body.returns[:1] + [v for j, v in enumerate(body.returns[1:])
                                       if j not in dead]
    _renumber(node, body)
    return True


def _trim_scans(node, body, nc, counts) -> bool:
    dead = {j for j, o in enumerate(node.outputs[nc:]) if counts[o] <= 0}
    if not dead:
        return False
    counts.subtract(body.returns[1 + nc + j] for j in dead)
    body.returns = body.returns[:1 + nc] + [v for j, v in enumerate(body.returns[1 + nc:])
                                            if j not in dead]
    node.outputs = node.outputs[:nc] + [o for j, o in enumerate(node.outputs[nc:])
                                        if j not in dead]
    k = len(node.outputs) - nc
    if k:
        node.attrs["n_scan"] = k
    else:
        node.attrs.pop("n_scan", None)
    _renumber(node, body)
    return True


def _renumber(node, body):
    for i, o in enumerate(node.outputs):
        o.index = i
    for i, p in enumerate(body.params):
        p.index = i


def _dead_carried(node, body, nc, counts) -> list:
    """Carried positions whose value is unused after the loop and only feeds itself (and other
    dead carried values) inside the body: a fixed point over the body's backward slice (the
    condition and the scan values are always needed)."""
    live = {j for j, o in enumerate(node.outputs[:nc]) if counts[o] > 0}
    while True:
        need = {body.returns[0]} | {body.returns[1 + j] for j in live} | \
            set(body.returns[1 + nc:])
        for n in reversed(body.nodes):
            if not is_pure(n) or any(o in need for o in n.outputs):
                need.update(_reads(n))
        more = {j for j in range(nc) if body.params[1 + j] in need} - live
        if not more:
            return [j for j in range(nc) if j not in live]
        live |= more


def _reads(node):
    """Every Value ``node`` reads, including reads inside its blocks."""
    yield from node.operands()
    for b in node.blocks:
        yield from b.returns
        for n in b.nodes:
            yield from _reads(n)
