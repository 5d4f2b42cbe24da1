"""Memory planning: liveness-based buffer reuse for the tensors of the top-level block.

``run(graph, env=None)`` walks the top-level block in order and gives every intermediate tensor
(a tensor output of a top-level node) a buffer id; a buffer freed by a dead value is reused by
a later value of the same byte size (sizes compare as symbolic expressions, or as ints when
``env`` binds the symbols).  The plan is stored in ``graph.meta["memory_plan"]`` (a
``MemoryPlan``); the graph itself is not rewritten.

Liveness: a value is live from its node to its last reader; a read anywhere inside a nested
block (If / Loop / FusionGroup bodies) counts as a read by the top-level node owning the block,
so the value lives until that node ends.  Graph outputs are never freed and graph inputs and
constants are never planned (the caller and the graph own them).  Values produced inside
nested blocks are not planned here (the owning node allocates them).

Views: an op with ``OpDef.view is True`` returns an alias of input 0: it takes no buffer and its
reads extend its base's lifetime.  ``view == "maybe"`` (reshape: aliases only when the layout
allows) takes its own buffer, in case it copies, and also extends the base's lifetime, in case
it aliases.

Why it is safe: a buffer is handed to a new value only after the last read of every value (and
alias) it held, by a node strictly earlier than the one writing the new value, so no node
reads and writes the same buffer and no live value is overwritten."""
from __future__ import annotations

from ...ops import registry as R
from .. import symbolic as S
from ..types import TensorType

__all__ = ["run", "MemoryPlan", "nbytes"]


class MemoryPlan:
    """Buffer assignment of one graph.

    Attributes:
        assignment: Value name -> buffer id (aliasing views map to their base's buffer).
        aliases: view Value name -> name of the Value owning the memory.
        maybe_aliases: name of a ``view="maybe"`` result (own buffer) -> the base it may alias.
        buffer_bytes: byte size of each buffer (int or symbolic expression).
        value_bytes: Value name -> byte size, for every planned (non-alias) value.
        intervals: Value name -> (first node index, last node index) in the top-level block.
    """

    def __init__(self):
        self.assignment: dict = {}
        self.aliases: dict = {}
        self.maybe_aliases: dict = {}
        self.buffer_bytes: list = []
        self.value_bytes: dict = {}
        self.intervals: dict = {}

    @property
    def num_buffers(self) -> int:
        return len(self.buffer_bytes)

    def peak_bytes(self, env=None):
        """Bytes the plan allocates (the sum of its buffers): the memory needed with reuse."""
        return _sum(self.buffer_bytes, env)

    def total_bytes(self, env=None):
        """Bytes without reuse: one buffer per planned value."""
        return _sum(self.value_bytes.values(), env)

    def saving(self, env=None) -> float:
        """Fraction of ``total_bytes`` the reuse saves (needs concrete sizes)."""
        total = self.total_bytes(env)
        return 0.0 if not total else 1.0 - self.peak_bytes(env) / total

    def live_peak_bytes(self, env=None) -> int:
        """The largest number of bytes live at once (a lower bound for any plan)."""
        events: dict = {}
        for name, (a, b) in self.intervals.items():
            if name in self.value_bytes:
                n = _concrete(self.value_bytes[name], env)
                events.setdefault(a, []).append(n)
                events.setdefault(b + 0.5, []).append(-n)
        cur = peak = 0
        for t in sorted(events):
            for d in sorted(events[t], reverse=True):
                cur += d
                peak = max(peak, cur)
        return peak

    def __repr__(self):
        return (f"MemoryPlan({len(self.value_bytes)} values in {self.num_buffers} buffers, "
                f"{S.expr_str(self.peak_bytes())} of {S.expr_str(self.total_bytes())} bytes)")


def _concrete(e, env):
    if type(e) is S.Expr:
        if env is None:
            raise ValueError(f"size {S.expr_str(e)} is symbolic: pass env={{symbol: int}}")
        return S.evaluate(e, env)
    return e


def _sum(sizes, env):
    total = 0
    for s in sizes:
        total = S.add(total, s if env is None else _concrete(s, env))
    return total


def nbytes(t, env=None):
    """Byte size of tensor type ``t`` (an expression for symbolic shapes), or None."""
    if not isinstance(t, TensorType) or t.dtype is None or t.shape is None:
        return None
    n = t.dtype.itemsize
    for d in t.shape:
        n = S.mul(n, d)
    if env is not None and type(n) is S.Expr:
        from .shape_prop import substitute
        n = substitute(n, env)
    return n


def run(graph, env=None, **_options):
    """Plan buffers for ``graph``; stores and returns the graph (plan in ``graph.meta``)."""
    plan = plan_memory(graph, env)
    if not hasattr(graph, "meta"):
        graph.meta = {}
    graph.meta["memory_plan"] = plan
    return graph


def _view_kind(node):
    return R.get(node.kind).view if R.has(node.kind) else False


def plan_memory(graph, env=None) -> MemoryPlan:
    """Compute the MemoryPlan of ``graph`` (see the module docstring)."""
    plan = MemoryPlan()
    nodes = graph.nodes
    root = {}   # Value -> Value owning its memory (itself for planned values)
    end = {}    # owner Value -> last node index reading it or an alias
    start = {}
    never_free = set()
    links = []
    for i, n in enumerate(nodes):
        view = _view_kind(n)
        for o in n.outputs:
            if not isinstance(o.type, TensorType) or n.kind == "Constant":
                continue
            base = n.inputs[0] if view and n.inputs else None
            if view is True and base in root:
                root[o] = root[base]
                plan.aliases[o.name] = root[base].name
                continue
            size = nbytes(o.type, env)
            if size is None:
                continue
            root[o] = o
            start[o], end[o] = i, i
            plan.value_bytes[o.name] = size
            if view and base in root:  # "maybe": may alias: keep the base alive with it
                plan.maybe_aliases[o.name] = root[base].name
                links.append((o, root[base]))
        for v in _reads(n):
            if v in root:
                r = root[v]
                end[r] = max(end[r], i)
    changed = True
    while changed:  # a base lives as long as anything that may alias it
        changed = False
        for v, b in links:
            if end[v] > end[b]:
                end[b], changed = end[v], True
    for v in graph.outputs:
        if v in root:
            never_free.add(root[v])
            for w, b in links:
                if w is root[v]:
                    never_free.add(b)
    _assign(plan, nodes, root, start, end, never_free)
    return plan


def _reads(node):
    out = list(node.operands())
    stack = list(node.blocks)
    while stack:
        b = stack.pop()
        out.extend(b.returns)
        for n in b.nodes:
            out.extend(n.operands())
            stack.extend(n.blocks)
    return out


def _assign(plan, nodes, root, start, end, never_free):
    free: dict = {}  # byte size -> list of free buffer ids
    by_end: dict = {}
    for v in start:
        if v not in never_free:
            by_end.setdefault(end[v], []).append(v)
    for i, n in enumerate(nodes):
        for o in n.outputs:
            if root.get(o) is not o:
                continue
            size = plan.value_bytes[o.name]
            pool = free.get(size)
            if pool:
                buf = pool.pop()
            else:
                buf = len(plan.buffer_bytes)
                plan.buffer_bytes.append(size)
            plan.assignment[o.name] = buf
            plan.intervals[o.name] = (start[o], end[o] if o not in never_free else len(nodes))
        for v in by_end.get(i, ()):  # freed after node i: reusable from node i + 1 on
            free.setdefault(plan.value_bytes[v.name], []).append(plan.assignment[v.name])
    for alias, owner in plan.aliases.items():
        if owner in plan.assignment:
            plan.assignment[alias] = plan.assignment[owner]
