"""Decomposition of ops a backend does not implement.

``run(graph, supported=..., backend="name")`` replaces every registry-op node whose op is not
supported but has a decomposition (``OpDef.decomp``: a Python function over graphtorch Tensors,
see ops/decomp_*.py) by the nodes recorded while tracing that function on the node's inputs
(``jit._tracer_into.trace_into``), and repeats until nothing changes, since a decomposition may
itself use unsupported ops.  An unsupported op without a decomposition raises
NotImplementedError naming the op, the backend and the node's source line.

``supported`` is a set of op names or a callable ``name -> bool``; without it the pass does
nothing (no backend to lower for); ``supported="primitives"`` keeps exactly the ops that have no
decomposition (lowering all the way down).

Why it is safe: a decomposition computes the same function as the op (the registry's tests
check them against the kernels); the recorded nodes take the decomposed node's place in its
block (its source line and scope are kept), its outputs' uses are redirected to the recorded
results, and the results keep the precise types the node had.  Structural nodes are never
touched."""
from __future__ import annotations

from ...ops import registry as R
from .. import symbolic as S
from ..graph import Block, Value
from ..types import TensorType

__all__ = ["run"]

MAX_ROUNDS = 64  # a decomposition chain longer than this is a cycle between decompositions


def run(graph, supported=None, backend="backend", **_options):
    """Decompose the nodes of ``graph`` that ``supported`` rejects; returns the graph.

    Args:
        supported: a set of op names the backend implements, or a callable name -> bool
            (default None: no backend, the graph is returned unchanged; ``"primitives"``:
            lower everything that has a decomposition).
        backend: the backend's name, for error messages.
    """
    if supported is None:  # no backend named: nothing to lower (the pipeline's default)
        return graph
    ok = _predicate(supported)
    for _ in range(MAX_ROUNDS):
        todo = [n for blk in list(graph.blocks()) for n in blk.nodes
                if R.has(n.kind) and not ok(n.kind)]
        if not todo:
            return graph
        for node in todo:
            _check_decomposable(node, backend)
            _replace(graph, node)
    raise RuntimeError(f"decompose: no fixpoint after {MAX_ROUNDS} rounds for backend "
                       f"{backend!r}: the decompositions of "
                       f"{sorted({n.kind for n in todo})} keep producing unsupported ops")


def _predicate(supported):
    if supported == "primitives":
        return lambda name: R.get(name).decomp is None
    if callable(supported):
        return supported
    names = frozenset(supported)
    return names.__contains__


def _check_decomposable(node, backend):
    if R.get(node.kind).decomp is None:
        where = f" (at {node.source})" if node.source else ""
        raise NotImplementedError(f"op '{node.kind}' is not supported by backend {backend!r} "
                                  f"and has no decomposition{where}")


# ------------------------------------------------------------------ one replacement
def _replace(graph, node):
    op = R.get(node.kind)
    tensors, fn = _bind_inputs(node, op)
    hints = _hints(graph, tensors, node.attrs)
    attrs = {k: _symints(a, hints) for k, a in node.attrs.items()}
    tmp = Block(graph, None)
    saved = graph.insert_point
    graph.insert_point = tmp
    try:
        with _DetachIsIdentity():
            outs = _trace_into()(graph, lambda *ts: fn(*ts, **attrs), tensors, None, hints)
    finally:
        graph.insert_point = saved
    outs = list(outs)
    if len(outs) < len(node.outputs):
        raise RuntimeError(f"decompose: the decomposition of {node.where()} returned "
                           f"{len(outs)} values for {len(node.outputs)} outputs")
    block = node.owner
    at = block.nodes.index(node)
    new_nodes = set()
    for n in tmp.nodes:
        n.source, n.scope = node.source, node.scope  # the user's line, not the decomp's
        n.owner = block
        new_nodes.add(n)
    block.nodes[at:at] = tmp.nodes
    mapping = {}
    for old, new in zip(node.outputs, outs):
        if new is None:
            raise RuntimeError(f"decompose: the decomposition of {node.where()} returned a "
                               f"non-tensor for output %{old.name}")
        if new.node in new_nodes and _same_kind(old.type, new.type):
            new.type = old.type  # keep the node's (symbolic) type: same function, same type
        mapping[old] = new
    graph.remove(node)
    graph.replace_uses(mapping)


def _same_kind(a, b) -> bool:
    return isinstance(a, TensorType) and isinstance(b, TensorType) and a.dtype is b.dtype and \
        a.shape is not None and b.shape is not None and len(a.shape) == len(b.shape)


def _bind_inputs(node, op):
    """Tensor inputs become traced tensors; constant scalars / None are passed as themselves."""
    tensors, slots = [], []
    for v in node.inputs:
        if v is None or type(v) is not Value:
            slots.append(("py", v))
        elif isinstance(v.type, TensorType):
            if v.type.dtype is None or v.type.shape is None:
                raise NotImplementedError(f"decompose: input %{v.name} of {node.where()} has "
                                          f"no known dtype/shape (run shape_prop first)")
            slots.append(("t", len(tensors)))
            tensors.append(v)
        elif v.node is not None and v.node.kind == "Constant":
            slots.append(("py", v.node.attrs.get("value")))
        else:
            raise NotImplementedError(f"decompose: {node.where()} reads the run-time scalar "
                                      f"%{v.name}; its decomposition cannot be traced")
    for k, a in node.attrs.items():
        if any(type(x) is Value for x in _flat(a)):
            raise NotImplementedError(f"decompose: attribute {k} of {node.where()} is a "
                                      f"run-time Value; its decomposition cannot be traced")

    def fn(*ts, **attrs):
        args = [ts[x] if kind == "t" else _symint_value(x) for kind, x in slots]
        return op.decomp(*args, **attrs)

    return tensors, fn


def _flat(a):
    if type(a) in (list, tuple):
        for x in a:
            yield from _flat(x)
    else:
        yield a


_HINTS: list = [{}]


def _symint_value(x):
    return S.SymInt(S.evaluate(x, _HINTS[0]), x) if type(x) is S.Expr else x


def _hints(graph, values, attrs) -> dict:
    """Sizes for the symbols of the inputs and attributes to trace the decomposition at: the
    sizes the graph was traced at (``graph.meta["size_hints"]``), which satisfy every shape
    check of the graph; symbols without one get distinct primes, changed where they break
    the graph's size constraints.  (Primes alone break decompositions that reshape by a size
    or compute bins from it: group_norm, col2im, adaptive pooling, upsample...)"""
    syms: set = set()
    for v in values:
        syms |= v.type.symbols()
    for a in attrs.values():
        for x in _flat(a):
            if type(x) in (S.Expr, S.SymInt):
                syms |= S.free_symbols(S.expr_of(x))
    primes = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83]
    if len(syms) > len(primes):
        raise NotImplementedError("decompose: too many size symbols in one node")
    known = (getattr(graph, "meta", None) or {}).get("size_hints") or {}
    hints = dict(zip(sorted(syms - known.keys()), primes))
    if hints:
        from ..verifier import _constraints, _satisfy
        hints = _satisfy({**known, **hints}, _constraints(graph), known)
    hints = {s: known[s] if s in known else hints[s] for s in syms}
    _HINTS[0] = hints
    return hints


def _symints(a, hints):
    if type(a) is S.Expr:
        return S.SymInt(S.evaluate(a, hints), a)
    if type(a) in (list, tuple):
        return type(a)(_symints(x, hints) for x in a)
    return a


class _DetachIsIdentity:
    """While tracing a decomposition, ``t.detach()`` stands for the same Value as ``t``.

    detach only cuts autograd history, which a graph for a backend does not have; the tracer
    would otherwise see an unknown tensor and bake its trace-time data in as a constant (and
    specialize the sizes to it).  softmax's decomposition detaches its max shift."""

    def __enter__(self):
        from ...eager.tensor import Tensor
        from ...jit import _tracer
        self.cls, self.orig = Tensor, Tensor.detach
        orig = self.orig

        def detach(t):
            out = orig(t)
            tr = _tracer.current()
            v = tr.lookup(t) if tr is not None else None
            if v is not None:
                tr.bind(out, v)
            return out

        Tensor.detach = detach
        return self

    def __exit__(self, *exc):
        self.cls.detach = self.orig
        return False


def _trace_into():
    from ...jit._tracer_into import trace_into
    return trace_into
