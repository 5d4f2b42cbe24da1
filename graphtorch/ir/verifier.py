"""The graph verifier: SSA, known kinds, block structure and types.

``verify(graph)`` raises ``VerifyError`` for the first problem found, naming the offending
node's text and its source line.  Type checking re-runs each registry op's ``meta`` on
TensorSpecs built from the input types; symbolic dims become ``SymInt``s whose hints are
distinct primes (so meta code can do int arithmetic and a swapped pair of dims shows up), and
the output types meta computes are compared with the declared ones."""
from __future__ import annotations

from ..ops import registry as R
from ..ops.meta import TensorSpec
from . import prim
from . import symbolic as S
from .graph import Value
from .printer import node_line
from .types import ANY, BOOL, FLOAT, INT, NONE, TensorType

__all__ = ["VerifyError", "verify"]


class VerifyError(RuntimeError):
    """A graph breaks an IR invariant; the message names the node and its source line."""


def _node_text(node) -> str:
    try:
        return node_line(node).splitlines()[0].strip()
    except Exception:  # noqa: BLE001 - an unprintable node must still be reported
        return f"{node.kind}(...)"


def _fail(problem: str, node=None, text: str = ""):
    if node is not None:
        text = _node_text(node)
        src = node.source or "<unknown>"
        if node.scope:
            src += f" [{node.scope}]"
    else:
        src = "<unknown>"
    raise VerifyError(f"graph verification failed: {problem}\n  node: {text}\n  at {src}")


def verify(graph, *, _seen=None) -> None:
    """Check ``graph``'s invariants; raise ``VerifyError`` naming the first offending node.

    Checked: SSA (every Value defined once, before its uses, used only inside the block that
    defines it or blocks nested in it; back-pointers consistent), known kinds, the block
    structure of If / Loop / FusionGroup, structural type rules and registry ops' output types
    (via their meta)."""
    _Verifier(graph).run()
    seen = _seen if _seen is not None else {id(graph)}
    for fn in (getattr(graph, "functions", None) or {}).values():
        if id(fn) not in seen:  # functions may call each other (or themselves)
            seen.add(id(fn))
            verify(fn, _seen=seen)


class _Verifier:
    def __init__(self, graph):
        self.graph = graph
        self.names: dict = {}
        self.all_defined = _all_defined(graph)
        primes = _hints(graph, _primes())
        cons = _constraints(graph)
        self.hints = _satisfy(primes, cons, graph.meta.get("size_hints") or {})
        self.bound = set(graph.symbol_sources())  # symbols with a known size so far
        self.alt_hints = _satisfy({s: 840 * (i + 1) for i, s in enumerate(sorted(primes))},
                                  cons, graph.meta.get("size_hints") or {})

    def run(self):
        g = self.graph
        if g.block.graph is not g:
            _fail("the top-level block does not belong to this graph", text="graph")
        visible: set = set()
        self._params(g.block, visible, None)
        self._block(g.block, visible)

    # ----------------------------------------------------------------- SSA and structure
    def _define(self, v: Value, node, where):
        other = self.names.get(v.name)
        if other is not None and other is not v:
            _fail(f"value name %{v.name} is defined twice", node, where)
        self.names[v.name] = v

    def _params(self, blk, visible, node):
        for i, p in enumerate(blk.params):
            if p.node is not None or p.block is not blk or p.index != i:
                _fail(f"block parameter %{p.name} has inconsistent back-pointers "
                      f"(node/block/index)", node, "graph")
            self._define(p, node, "graph")
            visible.add(p)

    def _undefined(self, v) -> str:
        if not isinstance(v, Value):
            return f"operand {v!r} is not a Value"
        if v in self.all_defined:
            return f"%{v.name} is used before its definition or outside its scope"
        return f"%{v.name} is not defined in this graph"

    def _block(self, blk, visible):
        for node in blk.nodes:
            if node.owner is not blk:
                _fail("node's owner is not the block that holds it", node)
            for v in node.operands():
                if v not in visible:
                    _fail(self._undefined(v), node)
            if not (R.has(node.kind) or prim.is_structural(node.kind)):
                _fail(f"unknown node kind {node.kind!r} (neither a registry op nor a "
                      f"structural kind)", node)
            self._blocks(node, visible)
            for i, o in enumerate(node.outputs):
                if o.node is not node or o.index != i or o.block is not None:
                    _fail(f"output %{o.name} has inconsistent back-pointers "
                          f"(node/index/block)", node)
                self._define(o, node, "")
            self._types(node)
            visible.update(node.outputs)
        for r in blk.returns:
            if r not in visible:
                text = "return (" + ", ".join(f"%{getattr(x, 'name', x)}" for x in blk.returns)
                _fail(self._undefined(r) + " (returned)", blk.owner, text + ")")

    def _blocks(self, node, visible):
        nb, kind = len(node.blocks), node.kind
        want = {"If": 2, "Loop": 1, "FusionGroup": 1}.get(kind, 0)
        if nb != want:
            _fail(f"{kind} must have {want} block(s), has {nb}", node)
        for b in node.blocks:
            if b.owner is not node or b.graph is not self.graph:
                _fail("nested block's owner/graph back-pointers are inconsistent", node)
        if kind == "If":
            for i, b in enumerate(node.blocks):
                if b.params:
                    _fail(f"If block{i} must have no parameters", node)
                if len(b.returns) != len(node.outputs):
                    _fail(f"If block{i} returns {len(b.returns)} values, the node has "
                          f"{len(node.outputs)} outputs", node)
        elif kind == "Loop":
            b = node.blocks[0]
            nc = max(len(node.inputs) - 2, 0)
            k = prim.loop_scans(node)
            if type(k) is not int or k < 0:
                _fail(f"Loop n_scan must be an int >= 0, not {k!r}", node)
            if len(b.params) != 1 + nc:
                _fail(f"Loop body must have {1 + nc} parameters (i, *carried), has "
                      f"{len(b.params)}", node)
            if len(b.returns) != 1 + nc + k:
                _fail(f"Loop body must return {1 + nc + k} values (cond, {nc} carried, {k} "
                      f"scan values), returns {len(b.returns)}", node)
            if len(node.outputs) != nc + k:
                scans = f" and {k} scan values" if k else ""
                _fail(f"Loop has {nc} carried values{scans} but {len(node.outputs)} outputs",
                      node)
            if b.params[0].type not in (INT, ANY):
                _fail(f"Loop iteration parameter must be int, not {b.params[0].type}", node)
        elif kind == "FusionGroup":
            b = node.blocks[0]
            if len(b.params) != len(node.inputs):
                _fail(f"FusionGroup block has {len(b.params)} parameters for "
                      f"{len(node.inputs)} inputs", node)
            if len(b.returns) != len(node.outputs):
                _fail(f"FusionGroup block returns {len(b.returns)} values for "
                      f"{len(node.outputs)} outputs", node)
        for b in node.blocks:
            inner = set(visible)
            self._params(b, inner, node)
            self._block(b, inner)
        self._block_types(node)

    def _block_types(self, node):
        kind = node.kind
        if kind == "If":
            for b in node.blocks:
                for o, r in zip(node.outputs, b.returns):
                    _same_kind(node, o.type, r.type)
        elif kind == "Loop":
            b = node.blocks[0]
            for x, p, r, o in zip(node.inputs[2:], b.params[1:], b.returns[1:], node.outputs):
                for t in (p.type, r.type, o.type):
                    _same_kind(node, t, x.type)
        elif kind == "FusionGroup":
            b = node.blocks[0]
            for x, p in zip(node.inputs, b.params):
                _same_kind(node, p.type, x.type)
            for o, r in zip(node.outputs, b.returns):
                _same_kind(node, o.type, r.type)

    # ----------------------------------------------------------------- types
    def _types(self, node):
        if prim.is_structural(node.kind):
            self._structural_types(node)
        else:
            self._meta_types(node)
        for o in node.outputs:
            self.bound |= _type_syms(o.type)

    def _structural_types(self, node):
        try:
            expected = prim.output_types(node)
        except prim.TypeRuleError as e:
            _fail(str(e), node)
        if expected is None:
            return
        if len(expected) != len(node.outputs):
            _fail(f"{node.kind} gives {len(expected)} outputs, the node has "
                  f"{len(node.outputs)}", node)
        for o, t in zip(node.outputs, expected):
            if not prim.compatible(o.type, t):
                _fail(f"output %{o.name} is declared {o.type} but {node.kind} gives {t}", node)

    def _meta_types(self, node):
        op = R.get(node.kind)
        if any(True for _ in _attr_values(node.attrs)):
            return  # attributes known only at run time
        res, hints = self._run_meta(op, node)
        if res is None:
            return
        outs = list(res) if isinstance(res, (tuple, list)) else [res]
        if len(outs) != len(node.outputs):
            _fail(f"{node.kind} gives {len(outs)} outputs, the node has {len(node.outputs)}",
                  node)
        for o, spec in zip(node.outputs, outs):
            if isinstance(spec, TensorSpec) and isinstance(o.type, TensorType):
                self._compare(node, o, spec, hints)

    def _run_meta(self, op, node):
        """meta's result with SymInt hints (or, if meta cannot handle those, plain ints)."""
        symbolic = bool(self.hints)
        first = None
        for hints, as_sym in ((self.hints, True), (self.alt_hints, False)):
            args = _meta_args(node, hints, as_sym)
            if args is None:
                return None, None
            attrs = {k: _hint_attr(a, hints, as_sym) for k, a in node.attrs.items()}
            try:
                return op.meta(*args, **attrs), hints
            except Exception as e:  # noqa: BLE001 - reported below
                first = first or e
            if not symbolic:
                break
        _fail(f"{node.kind} rejects its input types: {type(first).__name__}: {first}", node)

    def _compare(self, node, o, spec, hints):
        t = o.type
        if t.dtype is not None and spec.dtype is not t.dtype:
            _fail(f"output %{o.name} is declared {t} but {node.kind}'s meta gives dtype "
                  f"{spec.dtype}", node)
        if t.shape is None:
            return
        got = tuple(spec.shape)
        if len(got) != len(t.shape):
            _fail(f"output %{o.name} is declared {t} (rank {len(t.shape)}) but "
                  f"{node.kind}'s meta gives rank {len(got)}", node)
        for i, (want, have) in enumerate(zip(t.shape, got)):
            if not isinstance(have, int):
                continue  # meta could not compute this dim
            if type(have) is S.SymInt and S.expr_of(have) == want:
                continue
            name = S.bare_symbol(want)
            if name is not None and name not in self.bound:
                # first seen here (a size the tracer could not express): at run time it is
                # bound from this output, so it takes meta's value for the nodes after
                hints[name] = int.__int__(have)
                self.bound.add(name)
                continue
            try:
                ok = S.evaluate(want, hints) == int.__int__(have)
            except KeyError:
                ok = True  # a symbol bound at run time (data-dependent size)
            if not ok:
                _fail(f"output %{o.name} is declared {t} but {node.kind}'s meta gives dim {i} "
                      f"= {S.expr_str(S.expr_of(have))}", node)


def _same_kind(node, a, b):
    """Block-carried types must be the same kind of value (and dtype, when both known)."""
    if a == ANY or b == ANY:
        return
    if isinstance(a, TensorType) != isinstance(b, TensorType):
        _fail(f"type {a} does not match {b}", node)
    if isinstance(a, TensorType):
        if a.dtype is not None and b.dtype is not None and a.dtype is not b.dtype:
            _fail(f"type {a} does not match {b}", node)
    elif type(a) is not type(b):
        _fail(f"type {a} does not match {b}", node)


# ------------------------------------------------------------------ helpers
def _all_defined(graph) -> set:
    out = set(graph.inputs)
    for blk in graph.blocks():
        out.update(blk.params)
        for n in blk.nodes:
            out.update(n.outputs)
    return out


def _primes():
    n = 5
    while True:
        if all(n % p for p in range(2, int(n ** 0.5) + 1)):
            yield n
        n += 1


def _hints(graph, primes) -> dict:
    syms: set = set()
    for blk in graph.blocks():
        for v in blk.params:
            syms |= _type_syms(v.type)
        for n in blk.nodes:
            for o in n.outputs:
                syms |= _type_syms(o.type)
            for a in n.attrs.values():
                syms |= _attr_syms(a)
    return dict(zip(sorted(syms), primes))


def _constraints(graph) -> list:
    """(lhs, cmp, rhs) size conditions the graph holds under: its size Guards and the shape
    checks meta took while tracing (``graph.meta["size_constraints"]``)."""
    out = [(n.attrs.get("lhs"), n.attrs.get("cmp"), n.attrs.get("rhs")) for n in graph.walk()
           if n.kind == "Guard" and not n.inputs]
    return out + list((getattr(graph, "meta", None) or {}).get("size_constraints", ()))


def _holds(c, hints):
    """Whether constraint ``c`` holds at ``hints`` (None: it reads an unbound symbol)."""
    lhs, cmp, rhs = c
    try:
        return prim.GUARD_CMPS.get(cmp, lambda a, b: True)(
            S.evaluate(lhs, hints) if type(lhs) is S.Expr else lhs,
            S.evaluate(rhs, hints) if type(rhs) is S.Expr else rhs)
    except (KeyError, ZeroDivisionError):
        return None


def _satisfy(hints, cons, trace_sizes) -> dict:
    """``hints`` changed where they break a constraint: the symbols of a broken constraint take
    their trace-time sizes (which satisfy every constraint), or, unknown, the smallest size
    satisfying a one-symbol constraint.  The generic sizes stay wherever they are valid, so
    swapped dims still show up."""
    hints = dict(hints)
    for _ in range(len(hints) + 1):
        bad = [c for c in cons if _holds(c, hints) is False]
        if not bad:
            break
        changed = False
        for c in bad:
            syms = _attr_syms(c[0]) | _attr_syms(c[2])
            if syms and syms <= trace_sizes.keys():
                new = {s: trace_sizes[s] for s in syms}
            elif len(syms) == 1:
                (s,), new = syms, {}
                for v in range(1, 4097):
                    if _holds(c, {**hints, s: v}):
                        new = {s: v}
                        break
            else:
                new = {}
            if any(hints.get(k) != v for k, v in new.items()):
                hints.update(new)
                changed = True
        if not changed:
            break
    return hints


def _type_syms(t) -> set:
    return t.symbols() if isinstance(t, TensorType) else set()


def _attr_syms(a) -> set:
    if type(a) is S.Expr:
        return S.free_symbols(a)
    if type(a) in (list, tuple):
        return set().union(*(_attr_syms(x) for x in a)) if a else set()
    return set()


def _attr_values(attrs):
    for a in attrs.values():
        yield from _values_in(a)


def _values_in(a):
    if type(a) is Value:
        yield a
    elif type(a) in (list, tuple):
        for x in a:
            yield from _values_in(x)


def _hint_dim(d, hints, as_sym):
    if type(d) is not S.Expr:
        return d
    h = S.evaluate(d, hints)
    return S.SymInt(h, d) if as_sym else h


def _hint_attr(a, hints, as_sym):
    if type(a) is S.Expr:
        return _hint_dim(a, hints, as_sym)
    if type(a) in (list, tuple):
        return type(a)(_hint_attr(x, hints, as_sym) for x in a)
    return a


_SCALAR_HINT = {INT: 2, FLOAT: 2.5, BOOL: True, NONE: None}


def _meta_args(node, hints, as_sym):
    """TensorSpecs / sample scalars for the node's inputs, or None when a type is unknown."""
    args = []
    for v in node.inputs:
        t = v.type
        if isinstance(t, TensorType):
            if t.dtype is None or t.shape is None:
                return None
            try:
                shape = tuple(_hint_dim(d, hints, as_sym) for d in t.shape)
            except KeyError:
                return None
            args.append(TensorSpec(shape, t.dtype, t.device))
        elif v.node is not None and v.node.kind == "Constant" and \
                not hasattr(v.node.attrs.get("value"), "shape"):
            try:  # a size expression constant is a size at the hints
                args.append(_hint_attr(v.node.attrs.get("value"), hints, as_sym))
            except KeyError:
                return None
        elif t in _SCALAR_HINT:
            args.append(_SCALAR_HINT[t])
        else:
            return None
    return args

