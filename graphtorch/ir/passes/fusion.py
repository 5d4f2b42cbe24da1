"""Elementwise fusion: maximal connected sets of pointwise ops in a block become one
``FusionGroup`` node, optionally ending in one trailing reduction.

A backend can compile a group into a single loop (one kernel, no intermediate tensors in
memory).  Members are registry ops tagged ``"pointwise"`` whose output shape broadcasts into the
group's output shape (so one loop over the group's shape computes every member); a ``sum`` /
``mean`` / ``amax`` / ``amin`` over trailing dims of a member's output may be appended as the
group's last node.  The ``FusionGroup`` has one block whose params mirror the group's inputs
(external Values read by members, in order of first use) and which returns the member outputs
used outside the group; the node's outputs take their place.

Why it is safe: only pure ops are fused (no random / in-place / guards, via ``prim.is_pure``),
never across blocks, and groups of a single node stay plain.  Two groups are merged (or a node
joins a group) only if no path leaves the group through a non-member and comes back, so the
group node can be scheduled without a cycle; the block is then re-ordered by a stable
topological sort (impure nodes keep their relative order), which only moves pure nodes.  The
members' nodes and Values move unchanged into the group's block, so the interpreter computes
exactly the same values."""
from __future__ import annotations

import heapq

from ...ops import registry as R
from ..graph import Block, Node, Value, map_attr_values
from ..types import TensorType

__all__ = ["run", "REDUCTIONS"]

REDUCTIONS = frozenset({"sum", "mean", "amax", "amin"})


def run(graph, reductions=True, min_size=2, **_options):
    """Fuse pointwise chains in every block of ``graph``; returns the graph.

    Args:
        reductions: also fuse one trailing sum/mean/amax/amin over trailing dims.
        min_size: smallest group worth a FusionGroup (a group of one stays a plain node).
    """
    for blk in list(graph.blocks()):
        if blk.owner is not None and blk.owner.kind == "FusionGroup":
            continue
        _fuse_block(graph, blk, reductions, max(2, min_size))
    return graph


# ------------------------------------------------------------------ eligibility
def _pure(node) -> bool:
    try:
        from ..prim import is_pure
        return is_pure(node)
    except ImportError:  # pragma: no cover - prim.py is part of the IR core
        return node.kind != "Guard" and not node.kind.endswith("_")


def _pointwise(node) -> bool:
    if not R.has(node.kind) or node.blocks or len(node.outputs) != 1:
        return False
    op = R.get(node.kind)
    t = node.outputs[0].type
    return "pointwise" in op.tags and "random" not in op.tags and _pure(node) and \
        isinstance(t, TensorType) and t.shape is not None


def _bcast_into(small, big) -> bool:
    """Whether shape ``small`` broadcasts to exactly ``big``."""
    if len(small) > len(big):
        return False
    return all(s == 1 or s == b for s, b in zip(small[::-1], big[::-1]))


def _join(a, b):
    """The group shape covering shapes ``a`` and ``b``, or None if neither covers the other."""
    if _bcast_into(a, b):
        return b
    if _bcast_into(b, a):
        return a
    return None


def _trailing_reduction(node, shape) -> bool:
    if node.kind not in REDUCTIONS or len(node.outputs) != 1 or not _pure(node):
        return False
    nd = len(shape)
    dim = node.attrs.get("dim", node.inputs[1] if len(node.inputs) > 1 else None)
    if dim is None:
        dims = list(range(nd))
    elif type(dim) is int:
        dims = [dim]
    elif type(dim) in (list, tuple) and all(type(d) is int for d in dim):
        dims = list(dim)
    else:
        return False
    if not dims and nd:
        return False
    norm = sorted({d % nd if nd else 0 for d in dims})
    return norm == list(range(nd - len(norm), nd))


# ------------------------------------------------------------------ grouping
def _reads(node) -> list:
    """Every Value ``node`` reads, including free Values read inside its blocks."""
    out = list(node.operands())
    for blk in _all_blocks(node):
        for n in blk.nodes:
            out.extend(n.operands())
        out.extend(blk.returns)
    return out


def _all_blocks(node):
    for b in node.blocks:
        yield b
        for n in b.walk():
            yield from n.blocks


def _fuse_block(graph, blk, reductions, min_size):
    nodes = blk.nodes
    index = {n: i for i, n in enumerate(nodes)}
    group = {}    # node -> group id
    members = {}  # group id -> list of nodes
    shapes = {}   # group id -> group shape
    reduced = set()
    prev_impure = {}
    last = None
    for n in nodes:
        if not _pure(n):
            prev_impure[n] = last
            last = n

    def producer(v):
        p = v.node if type(v) is Value else None
        return p if p is not None and p.owner is blk else None

    def reaches(start, gid, visited):
        """Whether ``start`` (a non-member) depends on group ``gid`` through the block."""
        stack = [start]
        while stack:
            n = stack.pop()
            if n in visited:
                continue
            visited.add(n)
            deps = [producer(v) for v in _reads(n)] + [prev_impure.get(n)]
            for p in deps:
                if p is None:
                    continue
                if group.get(p) == gid:
                    return True
                if index[p] >= index[members[gid][0]]:
                    stack.append(p)
        return False

    def can_join(n, gid) -> bool:
        """Adding ``n`` (or merging its group) to ``gid`` leaves no path gid -> outside -> n."""
        mine = group.get(n)
        srcs = members[mine] if mine is not None else [n]
        for m in srcs:
            for v in _reads(m):
                p = producer(v)
                if p is not None and group.get(p) not in (gid, mine) and \
                        reaches(p, gid, set()):
                    return False
        other = members[gid]
        if mine is not None:  # and symmetric: no path mine -> outside -> gid
            for m in other:
                for v in _reads(m):
                    p = producer(v)
                    if p is not None and group.get(p) not in (gid, mine) and \
                            reaches(p, mine, set()):
                        return False
        return True

    for n in nodes:
        if not _pointwise(n):
            continue
        gid = len(members) + 1000 * len(nodes)
        while gid in members:
            gid += 1
        group[n], members[gid], shapes[gid] = gid, [n], n.outputs[0].type.shape
        for v in n.inputs:
            p = producer(v)
            g2 = group.get(p) if p is not None else None
            if g2 is None or g2 == group[n] or g2 in reduced:
                continue
            cur = group[n]
            shape = _join(shapes[g2], shapes[cur])
            if shape is None or not can_join(n, g2):
                continue
            for m in members.pop(cur):
                group[m] = g2
                members[g2].append(m)
            members[g2].sort(key=index.__getitem__)
            shapes[g2] = shape
            shapes.pop(cur, None)
    if reductions:
        _add_reductions(nodes, group, members, shapes, reduced, producer)
    groups = [ms for ms in members.values() if len(ms) >= min_size]
    if not groups:
        return
    for ms in groups:
        _make_group(graph, blk, ms)
    _reorder(blk, index)


def _add_reductions(nodes, group, members, shapes, reduced, producer):
    for n in nodes:
        if n in group or not n.inputs or type(n.inputs[0]) is not Value:
            continue
        p = producer(n.inputs[0])
        gid = group.get(p) if p is not None else None
        if gid is None or gid in reduced:
            continue
        tensor_reads = [v for v in n.operands() if isinstance(v.type, TensorType)]
        if len(tensor_reads) != 1 or n.inputs[0].type.shape != shapes[gid] or \
                not _trailing_reduction(n, shapes[gid]):
            continue
        group[n] = gid
        members[gid].append(n)
        reduced.add(gid)


# ------------------------------------------------------------------ rewriting
def _make_group(graph, blk, ms):
    inside = set(ms)
    produced = {o for m in ms for o in m.outputs}
    ext_inputs = []
    for m in ms:
        for v in m.operands():
            if v not in produced and v not in ext_inputs:
                ext_inputs.append(v)
    uses = graph.uses()
    returns = [o for m in ms for o in m.outputs
               if any(u not in inside for u in uses.get(o, ()))]
    at = min(blk.nodes.index(m) for m in ms)
    for m in ms:
        blk.nodes.remove(m)
    fg = Node("FusionGroup", ext_inputs, {}, ms[-1].source, ms[-1].scope)
    for i, r in enumerate(returns):
        fg.outputs.append(Value(graph.fresh_name(), r.type, fg, i))
    graph.replace_uses(dict(zip(returns, fg.outputs)))  # members are out of the graph now
    body = Block(graph, fg)
    fg.blocks.append(body)
    pmap = {v: body.add_param(v.type) for v in ext_inputs}
    for m in ms:
        m.inputs = [pmap.get(v, v) for v in m.inputs]
        m.attrs = {k: map_attr_values(a, lambda v: pmap.get(v, v)) for k, a in m.attrs.items()}
        body.append(m)
    body.returns = list(returns)
    blk.nodes.insert(at, fg)
    fg.owner = blk


def _reorder(blk, old_index):
    """Stable topological sort of ``blk`` (group nodes sort by their last member's position)."""
    nodes = blk.nodes
    key = {}
    for i, n in enumerate(nodes):
        if n.kind == "FusionGroup" and n.blocks and n.blocks[0].nodes and \
                n.blocks[0].nodes[-1] in old_index:
            key[n] = old_index[n.blocks[0].nodes[-1]]
        else:
            key[n] = old_index.get(n, i)
    pos = {n: i for i, n in enumerate(nodes)}
    deps = {n: set() for n in nodes}
    last_impure = None
    for n in sorted(nodes, key=key.__getitem__):
        for v in _reads(n):
            p = v.node if type(v) is Value else None
            if p is not None and p in pos and p is not n:
                deps[n].add(p)
        if not _pure(n):
            if last_impure is not None:
                deps[n].add(last_impure)
            last_impure = n
    users = {n: [] for n in nodes}
    for n, ds in deps.items():
        for d in ds:
            users[d].append(n)
    waiting = {n: len(ds) for n, ds in deps.items()}
    heap = [(key[n], pos[n], n) for n in nodes if waiting[n] == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, _, n = heapq.heappop(heap)
        out.append(n)
        for u in users[n]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(heap, (key[u], pos[u], u))
    if len(out) != len(nodes):
        raise RuntimeError("fusion: the fused block has a dependency cycle (a fusion bug)")
    blk.nodes[:] = out
