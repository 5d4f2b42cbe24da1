"""``If`` and ``Loop`` in native code: branches and loops of the entry function around the
kernel calls of their blocks.

Loop-carried tensors live in state buffers: each iteration materialises the next values into
temporaries first (they may read the current state; a next value already in its own buffer
needs none), then copies them over the state.  Scan
outputs (``n_scan``) are written row by row into a buffer whose leading dim is the trip count.
Run-time scalars (the loop counter, carried ints, branch conditions) are words in ``slots``:
kernels read them in their prologue, the entry re-reads them where they change."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from ...ir.types import TensorType
from . import scalar as X
from .fnctx import F64, I1, I64
from .lower import LoweringError, dt_of
from .rules_runtime_scalar import if_bounds, if_define
from .tensors import Buf, Lazy, Scalar, TensorH

ZERO = ir.Constant(I64, 0)


def scalar_value(lw, fc, h, want="i64"):
    """A Scalar or one-element tensor as an LLVM value (``want``: i64, f64 or b8) at the
    current position of ``fc``."""
    b = fc.b
    if isinstance(h, TensorH):
        v = h.load(fc, [ZERO] * h.ndim)
        return X.cast(b, v, h.dt, want)
    if h.is_const:
        v = h.value
        if type(v) is S.Expr:
            return X.cast(b, fc.size(v), "i64", want)
        if isinstance(v, float):
            return X.cast(b, ir.Constant(F64, v), "f64", want)
        if v is None:
            raise LoweringError("llvm backend: None used as a scalar")
        return X.cast(b, ir.Constant(I64, int(v)), "i64", want)
    raw = load_slot(fc, h.slot)
    if h.kind == "float":
        return X.cast(b, b.bitcast(raw, F64), "f64", want)
    if h.kind == "bool":
        return X.cast(b, b.trunc(raw, I1), "b8", want)
    return X.cast(b, raw, "i64", want)


def load_slot(fc, k):
    """``slots[k]`` loaded here (not hoisted: the entry changes these words as it runs)."""
    b = fc.b
    return b.load(b.gep(fc.slots, [ir.Constant(I64, k)], source_etype=I64), typ=I64)


def store_slot(fc, k, v, kind):
    b = fc.b
    if kind == "float":
        v = b.bitcast(X.cast(b, v, "f64", "f64"), I64)
    elif v.type == I1:
        v = b.zext(v, I64)
    b.store(v, b.gep(fc.slots, [ir.Constant(I64, k)], source_etype=I64))


def _kind(t):
    s = str(t)
    return "float" if s == "float" else ("bool" if s == "bool" else "int")


def _want(kind):
    return {"float": "f64", "bool": "b8"}.get(kind, "i64")


def _new_state(lw, value_type, name):
    if isinstance(value_type, TensorType):
        lw._check_type(value_type, f"loop-carried %{name}")
        return lw.new_buf(value_type.shape, dt_of(value_type), name=name)
    if str(value_type) not in ("int", "float", "bool"):
        raise LoweringError(f"llvm backend: loop-carried %{name} of type {value_type}")
    return Scalar(slot=lw.mutable_slot(), kind=_kind(value_type))


def _assign(lw, fc, dest, h):
    """dest (state Buf or slot Scalar) := h."""
    if isinstance(dest, Buf):
        if not isinstance(h, TensorH):
            raise LoweringError("llvm backend: a scalar flows into a tensor state")
        lw.emit_copy(dest, h)
    else:
        store_slot(fc, dest.slot, scalar_value(lw, fc, h, _want(dest.kind)), dest.kind)


def _loop(lw, node, ins):
    from .rnn_team import team_loop  # an LSTM / GRU layer's loop may run on the thread team
    outs = team_loop(lw, node, ins, _loop)
    if outs is not None:
        return outs
    fc = lw.entry
    blk = node.blocks[0]
    n_scan = int(node.attrs.get("n_scan", 0) or 0)
    carried_in = ins[2:]
    params = blk.params
    states = [_new_state(lw, p.type, p.name) for p in params[1:]]
    for st, h in zip(states, carried_in):
        _assign(lw, fc, st, h)
    scans = []
    for v in node.outputs[len(states):]:
        lw._check_type(v.type, f"scan output %{v.name}")
        scans.append(lw.new_buf(v.type.shape, dt_of(v.type), v, v.name))
    counter = lw.mutable_slot()
    b = fc.b
    store_slot(fc, counter, ZERO, "int")
    cond_cell = fc.hoisted(("loopcond", counter), lambda p: p.alloca(I1))
    b.store(scalar_value(lw, fc, ins[1], "b8"), cond_cell)
    trip = scalar_value(lw, fc, ins[0], "i64")
    head = b.append_basic_block("loop.head")
    body = b.append_basic_block("loop.body")
    done = b.append_basic_block("loop.done")
    b.branch(head)
    b.position_at_end(head)
    i = load_slot(fc, counter)
    go = b.and_(b.icmp_signed("<", i, trip), b.load(cond_cell))
    b.cbranch(go, body, done)
    b.position_at_end(body)
    lw.loop_stack.append(lw.step)
    lw.env[params[0]] = Scalar(slot=counter, kind="int")
    for p, st in zip(params[1:], states):
        lw.env[p] = st
    lw.lower_block(blk)
    rets = [lw.handle(v) for v in blk.returns]
    nxt, scan_vals = rets[1:1 + len(states)], rets[1 + len(states):]
    temps = []
    state_mem = {(st.kind, st.index) for st in states if isinstance(st, Buf)}
    for st, h in zip(states, nxt):
        # a next value in memory other than a state's needs no temporary: nothing writes it
        # before it is copied over its state (a lazy one may read the states: materialise)
        if isinstance(st, Buf) and (not isinstance(h, Buf) or (h.kind, h.index) in state_mem) \
                and h is not st:
            tmp = lw.new_buf(st.shape, st.dt, name="loop_next")
            lw.emit_copy(tmp, h)
            temps.append(tmp)
        else:
            temps.append(h)
    for out, h in zip(scans, scan_vals):
        _write_row(lw, out, h, counter)
    cond_next = scalar_value(lw, fc, rets[0], "b8")
    scalar_next = [(st, scalar_value(lw, fc, h, _want(st.kind)))
                   for st, h in zip(states, temps) if isinstance(st, Scalar)]
    for st, h in zip(states, temps):
        if isinstance(st, Buf) and h is not st:
            lw.emit_copy(st, h)
    for st, v in scalar_next:
        store_slot(fc, st.slot, v, st.kind)
    fc.b.store(cond_next, cond_cell)
    i2 = fc.b.add(load_slot(fc, counter), ir.Constant(I64, 1))
    store_slot(fc, counter, i2, "int")
    fc.b.branch(head)
    fc.b.position_at_end(done)
    _close_loop(lw)
    return states + scans


def _write_row(lw, out, h, counter):
    """out[i, ...] = h for the current iteration i (read from the counter slot)."""
    row_shape = out.shape[1:]

    def body(fc, idx):
        i = fc.slot_i64(counter)  # constant within the kernel call
        v = h.load(fc, idx) if isinstance(h, TensorH) else None
        out.store_flat(fc, out.offset(fc, [i] + list(idx)), X.cast(fc.b, v, h.dt, out.dt))
    lw.emit_kernel(row_shape, body, reads=[h], writes=[out], name="scan")


def _close_loop(lw):
    lw.loop_stack.pop()
    if lw.loop_stack:
        return  # an outer loop still runs: keep everything it touched alive to its end
    marker = lw.loop_end_marker()
    for rec in lw.arena_bufs:
        if rec[3] == marker:
            rec[3] = lw.step


def _if(lw, node, ins):
    fc = lw.entry
    outs = []
    if_bounds(lw, node)  # outputs sized by the branch taken: planned at their largest
    for v in node.outputs:
        if isinstance(v.type, TensorType):
            lw._check_type(v.type, f"output %{v.name} of If")
            outs.append(lw.new_buf(v.type.shape, dt_of(v.type), v, v.name))
        else:
            outs.append(_new_state(lw, v.type, v.name))
    c = scalar_value(lw, fc, ins[0], "b8")
    b = fc.b
    then_bb = b.append_basic_block("if.then")
    else_bb = b.append_basic_block("if.else")
    merge = b.append_basic_block("if.end")
    b.cbranch(c, then_bb, else_bb)
    for blk, bb in zip(node.blocks, (then_bb, else_bb)):
        fc.b.position_at_end(bb)
        lw.lower_block(blk)
        if_define(lw, node, blk)
        for dest, v in zip(outs, blk.returns):
            _assign(lw, fc, dest, lw.handle(v))
        fc.b.branch(merge)
    fc.b.position_at_end(merge)
    return outs


STRUCTURAL = {"Loop": _loop, "If": _if}
__all__ = ["STRUCTURAL", "scalar_value", "Lazy"]
