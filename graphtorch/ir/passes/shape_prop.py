"""Shape propagation and specialization.

``run(graph)`` recomputes every Value's type from the graph's input types by re-running each
registry op's ``meta`` on the input types.  Symbolic dims are handed to ``meta`` as
``SymInt``s (the symbol's expression plus a distinct large prime as its int value), so the
integer arithmetic meta does on sizes keeps the expression (``(N + 2*p - k)//s + 1``); results
are turned back into expressions with ``symbolic.expr_of``.  Structural kinds (If, Loop,
Tuple*, List*, Constant, FusionGroup, size, numel) have small rules here.

``run(graph, specialize={"N": 8})`` (or ``input_shapes=[(8, 784), ...]``) first substitutes
the symbols by constants everywhere: input types, node output types, attribute expressions and
size Guards.  A guard whose both sides become constants is decided: one that holds is removed,
one that fails raises RuntimeError naming the guard's source line.

Why it is safe: types are recomputed by the same ``meta`` functions eager dispatch uses, so a
type can only become more precise.  When ``meta`` cannot run on a node's symbolic inputs (an
attribute that is a run-time Value, an input of unknown type, a meta that needs a concrete
value), the node keeps the type it had; only a failure on fully static inputs is an error (the
graph is then really ill-typed for those shapes).  The pass never adds or reorders
computation: it only rewrites types, substitutes constants for symbols and drops guards that are
proven to hold."""
from __future__ import annotations

from ...ops import registry as R
from ...ops.meta import TensorSpec
from .. import symbolic as S
from ..graph import Value
from ..types import (ANY, INT, ListType, ScalarType, TensorType, TupleType, type_of_value)

__all__ = ["run", "substitute"]

_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def run(graph, specialize=None, input_shapes=None, **_options):
    """Recompute all types of ``graph`` in place and return it.

    Args:
        specialize: ``{symbol: int}`` substituted for the symbols everywhere first.
        input_shapes: one shape (or None) per graph input; binds the symbols of the input types
            (a dim that contradicts its type raises RuntimeError).
    """
    env = dict(specialize or {})
    if input_shapes is not None:
        env.update(_bind_shapes(graph, input_shapes))
    if env:
        _specialize(graph, env)
    hints = _hints(graph)
    _prop_block(graph, graph.block, {}, hints)
    return graph


# ------------------------------------------------------------------ specialization
substitute = S.substitute  # re-exported: passes import it from here


def _bind_shapes(graph, shapes) -> dict:
    env: dict = {}
    if len(shapes) != len(graph.inputs):
        raise ValueError(f"input_shapes has {len(shapes)} entries, the graph has "
                         f"{len(graph.inputs)} inputs")
    for i, (v, shape) in enumerate(zip(graph.inputs, shapes)):
        if shape is None or not isinstance(v.type, TensorType) or v.type.shape is None:
            continue
        if len(shape) != len(v.type.shape):
            raise RuntimeError(f"input {i} (%{v.name}): expected {len(v.type.shape)} dims, "
                               f"got shape {list(shape)}")
        for d, (e, n) in enumerate(zip(v.type.shape, shape)):
            syms = S.free_symbols(e)
            if type(e) is S.Expr and len(e.terms) == 1 and e.terms[0] == (((next(iter(syms)),),
                                                                          1)):
                name = next(iter(syms))
                if env.get(name, n) != n:
                    raise RuntimeError(f"input {i} (%{v.name}) dim {d}: symbol {name} is "
                                       f"{env[name]} from an earlier input but {n} here")
                env[name] = int(n)
    for i, (v, shape) in enumerate(zip(graph.inputs, shapes)):  # non-trivial dims must agree
        if shape is None or not isinstance(v.type, TensorType) or v.type.shape is None:
            continue
        for d, (e, n) in enumerate(zip(v.type.shape, shape)):
            got = substitute(e, env)
            if type(got) is int and got != n:
                raise RuntimeError(f"input {i} (%{v.name}) dim {d}: expected {S.expr_str(e)}"
                                   f" = {got}, got {n}")
    return env


def _subst_type(t, env):
    if isinstance(t, TensorType) and t.shape is not None:
        return TensorType(t.dtype, tuple(substitute(d, env) for d in t.shape), t.device)
    if isinstance(t, TupleType):
        return TupleType(_subst_type(e, env) for e in t.elems)
    if isinstance(t, ListType):
        return ListType(_subst_type(t.elem, env))
    return t


def _subst_attr(a, env):
    if type(a) in (S.Expr, S.SymInt):
        return substitute(a, env)
    if type(a) in (list, tuple):
        return type(a)(_subst_attr(x, env) for x in a)
    return a


def _specialize(graph, env):
    # decide every size guard first, so a failing one leaves the graph untouched
    holding = [n for blk in graph.blocks() for n in blk.nodes
               if n.kind == "Guard" and "lhs" in n.attrs and not n.inputs and _decide_guard(n, env)]
    for n in holding:
        graph.remove(n)
    for v in graph.inputs:
        v.type = _subst_type(v.type, env)
    for blk in list(graph.blocks()):
        for p in blk.params:
            p.type = _subst_type(p.type, env)
        for node in blk.nodes:
            node.attrs = {k: _subst_attr(a, env) for k, a in node.attrs.items()}
            for o in node.outputs:
                o.type = _subst_type(o.type, env)


def _decide_guard(node, env) -> bool:
    """True when the guard provably holds under ``env``; RuntimeError when it fails."""
    lhs, rhs, cmp = node.attrs["lhs"], node.attrs.get("rhs", 0), node.attrs.get("cmp", "eq")
    diff = simplify(S.sub(substitute(lhs, env), substitute(rhs, env)))
    if type(diff) is not int:
        return False
    if _CMP[cmp](diff, 0):
        return True
    where = f" at {node.source}" if node.source else ""
    msg = node.attrs.get("msg", "")
    vals = ", ".join(f"{k}={env[k]}" for k in sorted(S.free_symbols(S.sub(lhs, rhs)) & set(env)))
    raise RuntimeError(f"specialization ({vals}) violates the size guard {S.expr_str(lhs)} "
                       f"{cmp} {S.expr_str(rhs)}{where}, recorded while tracing"
                       f"{': ' + msg if msg else ''} ({S.expr_str(substitute(lhs, env))} {cmp} "
                       f"{S.expr_str(substitute(rhs, env))} is false)")


def simplify(e):
    """``e`` with exact divisions by a monomial carried out: ``(512*N)//(2*N)`` -> ``256``
    (``symbolic.floordiv`` only divides by integers)."""
    if type(e) is not S.Expr:
        return e
    total = 0
    for mono, coeff in e.terms:
        term = coeff
        for atom in mono:
            if type(atom) is str:
                f = S.sym(atom)
            else:
                a, b = simplify(atom[1]), simplify(atom[2])
                q = _exact_div(a, b) if atom[0] == "//" else None
                if q is not None:
                    f = q
                elif atom[0] == "//":
                    f = S.floordiv(a, b)
                else:
                    f = 0 if _exact_div(a, b) is not None else S.mod(a, b)
            term = S.mul(term, f)
        total = S.add(total, term)
    return total


def _exact_div(a, b):
    """``a / b`` when ``b`` is a single monomial dividing every term of ``a``, else None."""
    if type(b) is not S.Expr or len(b.terms) != 1:
        return None
    bmono, bc = b.terms[0]
    out = 0
    for mono, c in (a.terms if type(a) is S.Expr else (((), a),)):
        rest = list(mono)
        for atom in bmono:
            if atom not in rest:
                return None
            rest.remove(atom)
        if c % bc:
            return None
        term = c // bc
        for atom in rest:
            term = S.mul(term, S.sym(atom) if type(atom) is str else S.Expr(((( atom,), 1),)))
        out = S.add(out, term)
    return out


# ------------------------------------------------------------------ propagation
def _prim_types(node) -> bool:
    """Apply ir/prim.py's type rule for a block-less structural kind; False if unavailable."""
    try:
        from .. import prim
        ts = prim.output_types(node)
    except Exception:  # noqa: BLE001 - no rule (or prim.py absent): use the local rules
        return False
    if ts is None or len(ts) != len(node.outputs):
        return False
    for o, t in zip(node.outputs, ts):
        # keep a more precise tensor type the node already had (prim may only know "Tensor")
        if not (isinstance(t, TensorType) and t.shape is None and isinstance(o.type, TensorType)):
            o.type = t
    return True


def _primes(start=10007):
    n = start
    while True:
        if all(n % p for p in range(2, int(n ** 0.5) + 1)):
            yield n
        n += 2


def _hints(graph) -> dict:
    """A distinct large prime for every symbol, so equal hints mean equal expressions."""
    syms: set = set()
    for v in graph.inputs:
        syms |= _type_symbols(v.type)
    for blk in graph.blocks():
        for p in blk.params:
            syms |= _type_symbols(p.type)
        for n in blk.nodes:
            for o in n.outputs:
                syms |= _type_symbols(o.type)
            for a in n.attrs.values():
                syms |= _attr_symbols(a)
    gen = _primes()
    return {s: next(gen) for s in sorted(syms)}


def _type_symbols(t) -> set:
    if isinstance(t, TensorType):
        return t.symbols()
    if isinstance(t, TupleType):
        return set().union(*(_type_symbols(e) for e in t.elems)) if t.elems else set()
    if isinstance(t, ListType):
        return _type_symbols(t.elem)
    return set()


def _attr_symbols(a) -> set:
    if type(a) in (S.Expr, S.SymInt):
        return S.free_symbols(S.expr_of(a))
    if type(a) in (list, tuple):
        return set().union(*(_attr_symbols(x) for x in a)) if a else set()
    return set()


def _symint(e, hints):
    if type(e) is not S.Expr:
        return e
    return S.SymInt(S.evaluate(e, hints), e)


class _Unknown(Exception):
    """meta cannot run on this node (unknown input type, run-time Value attribute)."""


def _abstract(v, known: dict, hints):
    """What meta receives for Value ``v``: a TensorSpec with SymInt dims, or a Python value."""
    if v is None or type(v) is not Value:  # a raw Python value standing for itself
        return v
    t = v.type
    if isinstance(t, TensorType):
        if t.dtype is None or t.shape is None:
            raise _Unknown
        return TensorSpec(tuple(_symint(d, hints) for d in t.shape), t.dtype, t.device)
    if v.node is not None and v.node.kind == "Constant":
        val = v.node.attrs.get("value")
        return _symint(val, hints) if type(val) is S.Expr else val
    if isinstance(t, ScalarType) and t.name in ("int", "float", "bool", "complex", "None"):
        return {"int": 1, "float": 1.0, "bool": True, "complex": 1j, "None": None}[t.name]
    raise _Unknown


def _attr_value(a, hints):
    if type(a) is Value:
        raise _Unknown
    if type(a) in (S.Expr, S.SymInt):
        return _symint(S.expr_of(a), hints)
    if type(a) in (list, tuple):
        return type(a)(_attr_value(x, hints) for x in a)
    return a


def _prop_block(graph, block, known, hints):
    for node in block.nodes:
        if R.has(node.kind):
            _prop_op(node, known, hints)
        else:
            _prop_structural(graph, node, known, hints)


def _static(specs) -> bool:
    for s in specs:
        if isinstance(s, TensorSpec) and any(type(d) is not int for d in s.shape):
            return False
    return True


def _prop_op(node, known, hints):
    op = R.get(node.kind)
    try:
        args = [_abstract(v, known, hints) for v in node.inputs]
        attrs = {k: _attr_value(a, hints) for k, a in node.attrs.items()}
    except _Unknown:
        return
    try:
        res = op.meta(*args, **attrs)
    except Exception as e:  # noqa: BLE001 - symbolic inputs may defeat a meta; keep old type
        if _static(args):
            raise type(e)(f"shape_prop: {node.where()}: {e}") from None
        return
    outs = res if type(res) in (tuple, list) else (res,)
    for o, spec in zip(node.outputs, outs):
        if isinstance(spec, TensorSpec):
            o.type = _tensor_type(spec, o.type, hints)


def _tensor_type(spec, old, hints) -> TensorType:
    dims = []
    old_shape = old.shape if isinstance(old, TensorType) else None
    for i, d in enumerate(spec.shape):
        e = simplify(S.expr_of(d))
        # meta turned a SymInt into a plain int: if that int is exactly what the old symbolic
        # dim evaluates to under the hints, the meta specialized needlessly: keep the expression
        if type(e) is int and old_shape is not None and len(old_shape) == len(spec.shape) and \
                type(old_shape[i]) is S.Expr and S.evaluate(old_shape[i], hints) == e:
            e = old_shape[i]
        dims.append(e)
    return TensorType(spec.dtype, tuple(dims), spec.device)


def _prop_structural(graph, node, known, hints):
    k = node.kind
    if k not in ("If", "Loop", "FusionGroup") and _prim_types(node):
        return
    if k == "Constant":
        v = node.attrs.get("value")
        if hasattr(v, "dtype") and hasattr(v, "shape") and node.outputs:
            from ...ops import dtypes as D
            node.outputs[0].type = TensorType(D.from_numpy_dtype(v.dtype), v.shape,
                                              getattr(node.outputs[0].type, "device", "cpu"))
        elif node.outputs and not isinstance(node.outputs[0].type, TensorType):
            node.outputs[0].type = type_of_value(v)
    elif k == "If":
        for b in node.blocks:
            _prop_block(graph, b, known, hints)
        for i, o in enumerate(node.outputs):
            ts = [b.returns[i].type for b in node.blocks if i < len(b.returns)]
            if ts and all(t == ts[0] for t in ts):
                o.type = ts[0]
    elif k in ("Loop", "FusionGroup"):
        b = node.blocks[0]
        srcs = node.inputs[2:] if k == "Loop" else node.inputs
        params = b.params[1:] if k == "Loop" else b.params
        for p, v in zip(params, srcs):
            p.type = v.type
        _prop_block(graph, b, known, hints)
        rets = b.returns[1:] if k == "Loop" else b.returns
        for i, (o, r) in enumerate(zip(node.outputs, rets)):
            # a loop-carried value keeps its type only if the body preserves it
            if k == "FusionGroup" or (i < len(srcs) and r.type == srcs[i].type):
                o.type = r.type
            elif i >= len(srcs) and isinstance(r.type, TensorType) and r.type.shape is not None \
                    and isinstance(o.type, TensorType) and o.type.shape:
                # a scan output: the step's type under the iteration count
                o.type = TensorType(r.type.dtype, (o.type.shape[0],) + tuple(r.type.shape),
                                    r.type.device)
    elif k == "TupleConstruct":
        node.outputs[0].type = TupleType(v.type for v in node.inputs)
    elif k in ("TupleIndex", "TupleUnpack"):
        t = node.inputs[0].type
        if isinstance(t, TupleType):
            if k == "TupleIndex" and type(node.attrs.get("index")) is int:
                node.outputs[0].type = t.elems[node.attrs["index"]]
            elif k == "TupleUnpack" and len(t.elems) == len(node.outputs):
                for o, e in zip(node.outputs, t.elems):
                    o.type = e
    elif k == "ListConstruct":
        ts = [v.type for v in node.inputs]
        node.outputs[0].type = ListType(ts[0] if ts and all(t == ts[0] for t in ts) else ANY)
    elif k in ("ListUnpack", "ListIndex"):
        t = node.inputs[0].type
        if isinstance(t, ListType) and t.elem != ANY:
            for o in node.outputs:
                o.type = t.elem
    elif k in ("size", "numel"):
        node.outputs[0].type = INT
    else:  # Call, Guard, scalar.*: nothing to recompute from here
        for b in node.blocks:
            _prop_block(graph, b, known, hints)
