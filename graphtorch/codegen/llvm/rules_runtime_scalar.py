"""Run-time scalars and data-dependent sizes in native code.

A scripted graph keeps Python numbers read from tensors as Values (``scalar.int(%t)``) and a
slice whose bounds are such numbers gets a data-dependent size symbol (``u1``).  Here:

- ``scalar.int|float|bool`` of a 0-dim tensor and scalar arithmetic on run-time scalars are
  computed by the entry function into a word of ``slots`` (a ``Scalar`` with a slot), which
  kernels read in their prologue like any symbol.
- Every data-dependent symbol of the graph gets a slot (in ``lw.symbol_slot``, so a size
  expression using it is computed from the slot like an input symbol).  The node that
  introduces it (a run-time slice, an ``If`` whose branches return different sizes) writes
  the value in the entry, and records an upper bound (expressions over other symbols: the
  runtime takes their maximum), from which the memory plan sizes buffers and graph outputs;
  the runtime hands back outputs cut to their actual size (a view, no copy).
- In the entry function, expressions over those symbols are computed where they are used,
  never hoisted into the prologue (the slot changes while the entry runs)."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from ...ir.types import TensorType
from . import scalar as X
from .fnctx import I64, FnCtx
from .tensors import Scalar, TensorH

__all__ = ["EntryCtx", "setup", "check_outputs", "runtime_scalar", "runtime_slice",
           "is_runtime_slice", "if_bounds", "if_define"]

ZERO = ir.Constant(I64, 0)
ONE = ir.Constant(I64, 1)


class EntryCtx(FnCtx):
    """The entry function: size expressions over data-dependent symbols are computed at the
    current position (their slots change while the entry runs), the rest hoisted as usual."""

    dynamic: frozenset = frozenset()

    def size(self, e):
        if type(e) is S.Expr and self.dynamic and S.free_symbols(e) & self.dynamic:
            return self._expr(self.b, e)
        return super().size(e)


def setup(lw):
    """Give every data-dependent size symbol of ``lw.graph`` a slot the entry writes."""
    inputs = set(lw.symbol_slot)
    dyn = set()
    for node in lw.graph.walk():
        vals = list(node.outputs) + [p for blk in node.blocks for p in blk.params]
        for v in vals:
            t = v.type
            if isinstance(t, TensorType) and t.shape is not None:
                for d in t.shape:
                    dyn |= S.free_symbols(d) - inputs
    lw.dyn_bounds = {}   # symbol -> [upper bound expressions]: the plan uses their maximum
    lw.dyn_defined = set()
    for name in sorted(dyn):
        lw.symbol_slot[name] = lw.mutable_slot()
    lw.entry.dynamic = frozenset(dyn)
    lw.dyn_symbols = frozenset(dyn)


def _undefined(lw, shape):
    return [s for d in shape for s in S.free_symbols(d)
            if s in lw.dyn_symbols and s not in lw.dyn_defined]


def check_outputs(lw, node):
    """After ``node`` is lowered: its outputs' data-dependent sizes must have been computed
    (else the kernels would read an unset slot): raise LoweringError (interpreter fallback)."""
    for v in node.outputs:
        t = v.type
        if isinstance(t, TensorType) and t.shape is not None and _undefined(lw, t.shape):
            from .lower import LoweringError
            raise LoweringError(f"llvm backend: {node.where()} has data-dependent size "
                                f"{_undefined(lw, t.shape)[0]}, not computed natively")


def meta(lw):
    """The runtime's view: [(symbol, slot, bounds)] in definition order.  Raises
    LoweringError when a buffer or output size uses a data-dependent symbol without a bound
    (the memory plan could not size it)."""
    known = set(lw.symbols) | set(lw.dyn_bounds)
    sized = [nb for _, nb, _, _ in lw.arena_bufs] + [d for v in lw.outputs for d in v.type.shape]
    for e in sized:
        missing = S.free_symbols(e) - known
        if missing:
            from .lower import LoweringError
            raise LoweringError(f"llvm backend: data-dependent size {sorted(missing)[0]} "
                                f"cannot be planned natively")
    return [(s, lw.symbol_slot[s], tuple(b)) for s, b in lw.dyn_bounds.items()]


def _define(lw, e, value, bounds):
    """Store i64 ``value`` into the slot of bare symbol ``e`` (when it is data-dependent)."""
    name = S.bare_symbol(e)
    if name is None or name not in lw.dyn_symbols:
        return
    from .control_flow import store_slot
    store_slot(lw.entry, lw.symbol_slot[name], value, "int")
    if name not in lw.dyn_defined:
        lw.dyn_defined.add(name)
        lw.dyn_bounds[name] = list(bounds)
    else:
        lw.dyn_bounds[name] += [b for b in bounds if b not in lw.dyn_bounds[name]]


# ---------------------------------------------------------------------- scalars
_KIND_DT = {"int": "i64", "float": "f64", "bool": "b8"}


def _kind_of(h, v):
    """int / float / bool of operand ``h`` (Value ``v``)."""
    t = str(getattr(v, "type", ""))
    if t in _KIND_DT:
        return t
    if isinstance(h, TensorH):
        return "float" if X.is_float(h.dt) else ("bool" if h.dt == "b8" else "int")
    if h.is_const:
        return "bool" if isinstance(h.value, bool) else (
            "float" if isinstance(h.value, float) else "int")
    return h.kind


def _value(lw, h, kind):
    """Operand ``h`` at the entry's position as the LLVM type of ``kind``."""
    from .control_flow import scalar_value
    e = lw.entry
    if isinstance(h, TensorH):
        v = h.load(e, [ZERO] * h.ndim)
        if kind == "int" and h.dt == "b8":
            return e.b.zext(v, I64)
        return X.cast(e.b, v, h.dt, _KIND_DT[kind])  # float -> int truncates, as int() does
    return scalar_value(lw, e, h, _KIND_DT[kind])


def runtime_scalar(lw, node, ins, op):
    """``scalar.<op>`` with a tensor or run-time operand, computed by the entry."""
    if any(isinstance(h, Scalar) and h.is_const and h.value is None for h in ins):
        raise NotImplementedError("None operand")
    kinds = [_kind_of(h, v) for h, v in zip(ins, node.inputs)]
    out = str(node.outputs[0].type)
    b = lw.entry.b
    if op in ("int", "float", "bool"):
        src = kinds[0]
        v = _value(lw, ins[0], src if op != "int" or src != "bool" else "int")
        if op == "int":
            res = v if v.type == I64 else X.cast(b, v, _KIND_DT[src], "i64")
        else:
            res = X.cast(b, v, _KIND_DT[src] if v.type != I64 else "i64", _KIND_DT[op])
        kind = op
    elif op in ("and", "or", "not"):
        vals = [_value(lw, h, "bool") for h in ins]
        res = vals[0] if op != "not" else b.not_(vals[0])
        if op != "not":
            res = b.and_(vals[0], vals[1]) if op == "and" else b.or_(vals[0], vals[1])
        kind = "bool"
    else:
        common = "float" if "float" in kinds else "int"
        dt = _KIND_DT[common]
        vals = [_value(lw, h, common) for h in ins]
        res, kind = _arith(b, op, dt, vals), common
        if op in ("eq", "ne", "lt", "le", "gt", "ge"):
            kind = "bool"
    if out in _KIND_DT and out != kind:  # the graph's type wins (e.g. int -> float)
        res, kind = X.cast(b, res, _KIND_DT[kind], _KIND_DT[out]), out
    slot = lw.mutable_slot()
    from .control_flow import store_slot
    store_slot(lw.entry, slot, res, kind)
    return [Scalar(slot=slot, kind=kind)]


def _arith(b, op, dt, vals):
    x = vals[0]
    y = vals[1] if len(vals) > 1 else None
    if op == "add":
        return X.add(b, dt, x, y)
    if op == "sub":
        return X.sub(b, dt, x, y)
    if op == "mul":
        return X.mul(b, dt, x, y)
    if op == "floordiv":
        return X.floor_div(b, dt, x, y)
    if op == "mod":
        return X.remainder(b, dt, x, y)
    if op == "neg":
        return X.neg(b, dt, x)
    return X.compare(b, dt, op, x, y)


# ---------------------------------------------------------------------- slices
def is_runtime_slice(node) -> bool:
    """A slice whose start or end is a Value (a run-time Python int)."""
    a = node.attrs
    return any(hasattr(a.get(k), "type") for k in ("start", "end"))


def _bound(lw, attr, default, size):
    """A slice bound as i64 clamped into [0, size] with Python's wrapping of negatives."""
    e = lw.entry
    b = e.b
    if attr is None:
        return default
    if hasattr(attr, "type"):
        v = _value(lw, lw.handle(attr), "int")
    else:
        v = e.size(attr)
    wrapped = b.add(v, size)
    v = b.select(b.icmp_signed("<", v, ZERO), b.select(
        b.icmp_signed("<", wrapped, ZERO), ZERO, wrapped), v)
    return b.select(b.icmp_signed(">", v, size), size, v)


def runtime_slice(lw, node, ins, make_view):
    """``slice`` with run-time bounds: the entry computes the clamped start and the length
    (written to the output's size symbol); ``make_view(h, start_expr, dim, step)`` builds the
    lazy view reading from a start held in a slot (a pseudo-symbol of ``symbol_slot``)."""
    h = ins[0]
    a = node.attrs
    dim = a.get("dim", 0) % h.ndim
    step = a.get("step", 1) or 1
    if type(step) is not int or step <= 0:
        raise NotImplementedError("a run-time or non-positive slice step")
    e = lw.entry
    b = e.b
    n = h.shape[dim]
    size = e.size(n)
    start = _bound(lw, a.get("start"), ZERO, size)
    end = _bound(lw, a.get("end"), size, size)
    span = b.sub(end, start)
    length = b.sdiv(b.add(span, ir.Constant(I64, step - 1)), ir.Constant(I64, step))
    length = b.select(b.icmp_signed(">", span, ZERO), length, ZERO)
    _define(lw, node.outputs[0].type.shape[dim], length, [n])
    name = f"_slice_start{len(lw.symbol_slot)}"
    lw.symbol_slot[name] = lw.mutable_slot()
    lw.entry.dynamic = lw.entry.dynamic | {name}
    from .control_flow import store_slot
    store_slot(e, lw.symbol_slot[name], start, "int")
    return [make_view(h, S.sym(name), dim, step)]


# ---------------------------------------------------------------------- If
def if_bounds(lw, node):
    """Before an If's output buffers are made: the bounds of output sizes that are new
    data-dependent symbols (the branches' sizes)."""
    for k, v in enumerate(node.outputs):
        t = v.type
        if not isinstance(t, TensorType) or t.shape is None:
            continue
        for d, e in enumerate(t.shape):
            name = S.bare_symbol(e)
            if name in getattr(lw, "dyn_symbols", ()) and name not in lw.dyn_defined:
                bounds = []
                for blk in node.blocks:
                    rt = blk.returns[k].type
                    if isinstance(rt, TensorType) and rt.shape is not None:
                        bounds.append(rt.shape[d])
                lw.dyn_bounds.setdefault(name, bounds)


def if_define(lw, node, blk):
    """In a branch, after its nodes: write the sizes of the If's data-dependent outputs."""
    for k, v in enumerate(node.outputs):
        t = v.type
        if not isinstance(t, TensorType) or t.shape is None:
            continue
        rt = blk.returns[k].type
        for d, e in enumerate(t.shape):
            name = S.bare_symbol(e)
            if name in getattr(lw, "dyn_symbols", ()) and name in lw.dyn_bounds:
                from .control_flow import store_slot
                store_slot(lw.entry, lw.symbol_slot[name], lw.entry.size(rt.shape[d]), "int")
                lw.dyn_defined.add(name)



# ---------------------------------------------------------------------- runtime side
def with_bounds(env, dynamic):
    """``env`` plus every data-dependent symbol at its upper bound (the largest of its
    bounds; a bound may use another such symbol, resolved first)."""
    if not dynamic:
        return env
    env = dict(env)
    pending = list(dynamic)
    while pending:
        left = []
        for name, _, bounds in pending:
            try:
                env[name] = max([S.evaluate(b, env) for b in bounds] or [0])
            except KeyError:
                left.append((name, _, bounds))
        if len(left) == len(pending):
            raise RuntimeError(f"compiled graph: cannot bound data-dependent sizes "
                               f"{[n for n, _, _ in left]}")
        pending = left
    return env


def trim_outputs(outs, specs, order, key, dynamic, slots):
    """Cut outputs of data-dependent size (allocated at their bound) to the size the entry
    computed: a view of the fresh array's first elements, no copy."""
    env = dict(zip(order, key))
    env.update({name: int(slots[k]) for name, k, _ in dynamic})
    for j, (_, shape) in enumerate(specs):
        if any(type(d) is not int for d in shape):
            real = tuple(S.evaluate(d, env) for d in shape)
            if real != outs[j].shape:
                n = 1
                for d in real:
                    n *= d
                outs[j] = outs[j].reshape(-1)[:n].reshape(real)
