"""An LSTM / GRU time loop on the whole thread team: one parallel region for the sequence.

A recurrent layer's loop (``select`` of the input projections at the step, then the cell)
runs one step after another; on one thread each step is the recurrent product (M = batch,
K = H, N = G * H) and the gate pass.  Here every thread of the team owns a block of hidden
units [j0, j1) for the whole sequence: per step it computes the G gate column slices of the
product for its units (columns k * H + j0 ... of the preactivation), then the gate pass for
those units, writing h_t into the scan output's row t and c in place (c is per unit: no
thread reads another's).  A spin barrier on an atomic counter (generated here: libgomp's
barrier sleeps in passive mode) separates the steps, because step t + 1's product reads
all of h_t.  h_t lives in the scan output, so h_{t-1} is still intact while h_t is written:
one barrier per step.

The region is taken at run time only when the team has at least two threads (the free-core
gate: spinning is acceptable only while the team holds free cores) and a step is large
enough (``MIN_STEP_WORK``); otherwise the loop runs exactly as before (control_flow.py), so
the one-thread code and speed are unchanged.  Loops whose body is anything else than the
cell keep today's path.

Measured (2-layer nn.LSTM(64, 128), seq 16 / nn.GRU(64, 128), seq 32, 2 cores, the free-core
gate forced open, one process per variant, medians of 7): LSTM b1 146 -> 98-121 us, b8
729 -> 487-557 us, b64 5.6 -> 3.2 ms; GRU b8 1034 -> 703 us, b64 8.3 -> 4.9-5.4 ms (T1 ->
T2).  The same loops split per step instead (a region per step, the recurrent GEMM alone)
took 1155 us at LSTM b8.

From 4 batch rows each thread's product runs on its own transposed copy of its G weight
slices (rnn_slices.py: packed once per call), one axpy-kernel call per step into its own
block of the preactivations, instead of G dot-kernel calls on the weight in place.
Interleaved A/B in one process, 2 threads: one layer loop (H = 128) per step b8 7.9 -> 6.6
us; the bench LSTM b8 420-440 -> 396-400 us, b64 3.06-3.10 -> 2.78-2.83 ms (mins of 11, two
runs).  (A/B through torch.compile must clear compile._META between the variants: this
module's settings are not part of its key, so the second compile returns the first code.)"""
from __future__ import annotations

import platform
import sys

import llvmlite.binding as llvm
from llvmlite import ir

from ...ir import symbolic as S
from . import gemm_small, rnn_slices, threads
from . import scalar as X
from .control_flow import scalar_value, store_slot
from .fnctx import I32, I64, FnCtx, numel
from .lower import dt_of
from .rnn_cells import _sig
from .rules_gemm import _BLAS, _blas_call
from .tensors import Scalar

__all__ = ["team_loop", "MIN_STEP_WORK"]

# multiply-adds of one step's recurrent product (batch * G * H * H) from which the team
# region is taken.  Measured on 2 idle cores, H = 128: batch 1 LSTM (65536) 131 -> 96 us,
# batch 1 GRU (49152) 192 -> 220-290 us (a step of ~1.5 us does not pay the barrier)
MIN_STEP_WORK = 1 << 16
_BLOCK = 16        # units per thread rounded to a multiple of this: whole cache lines of f32
_SMALL_M = 64      # batch rows up to which the generated dot kernel beats BLAS (gemm_small)
_GATES = {"lstm_cell": 4, "gru_cell": 3}
# the barrier's pause and raw sched_yield system call are x86-64 Linux
_X86_LINUX = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
_SPINS = 256       # pause rounds (~10 us) before a waiting thread also yields its core


def _c(v):
    return ir.Constant(I64, v)


# ------------------------------------------------------------------ pattern
def _match(lw, node, ins):
    """The cell loop's parts, or None when the body is anything else than
    ``select(X, dim=0, index=i)`` feeding one lstm_cell / gru_cell whose new h is carried
    (and scanned) and whose new c is carried."""
    blk = node.blocks[0]
    # a layer without bias passes a body-local Constant(None)
    nones = {n.outputs[0] for n in blk.nodes
             if n.kind == "Constant" and n.attrs.get("value") is None and len(n.outputs) == 1}
    work = [n for n in blk.nodes if not (n.kind == "Constant" and n.outputs[0] in nones)]
    if len(work) != 2 or int(node.attrs.get("n_scan", 0) or 0) != 1:
        return None
    sel, cell = work
    g = _GATES.get(cell.kind)
    params = blk.params
    lstm = cell.kind == "lstm_cell"
    n_state = 2 if lstm else 1
    if g is None or sel.kind != "select" or len(params) != 1 + n_state:
        return None
    if sel.inputs[0] is None or sel.attrs.get("dim") not in (0,) or \
            sel.attrs.get("index") is not params[0] or len(sel.inputs) != 1:
        return None
    ci = list(cell.inputs)
    if ci[0] is not sel.outputs[0] or ci[1:1 + n_state] != list(params[1:]):
        return None
    outer = [None if v in nones else v for v in ci[1 + n_state:]]
    local = set(params) | set(sel.outputs) | set(cell.outputs)
    if not outer or outer[0] is None or any(v in local for v in outer if v is not None):
        return None
    rets = list(blk.returns)
    want = [cell.outputs[0]] + ([cell.outputs[1]] if lstm else []) + [cell.outputs[0]]
    if rets[1:] != want or not _const_true(lw, rets[0]) or not _const_true(lw, node.inputs[1]):
        return None
    dt = dt_of(cell.outputs[0].type)
    if dt not in _BLAS:
        return None
    return {"x": sel.inputs[0], "cell": cell, "g": g, "lstm": lstm, "dt": dt,
            "w": outer[0], "bias": outer[1] if len(outer) > 1 else None}


def _const_true(lw, v):
    try:
        h = lw.handle(v)
    except Exception:  # noqa: BLE001 - a body-local value: not the pattern
        return False
    return isinstance(h, Scalar) and h.is_const and h.value is True


def team_loop(lw, node, ins, plain_loop):
    """Lower a cell loop with a run-time choice between the team region and ``plain_loop``
    (control_flow's Loop lowering); None when ``node`` is not a cell loop."""
    if not threads.available() or getattr(lw, "_team_busy", False) or not _X86_LINUX:
        return None
    llvm.initialize_native_asmparser()  # the barrier's inline ``syscall``
    m = _match(lw, node, ins)
    if m is None:
        return None
    dt = m["dt"]
    hand = {k: lw.handle(m[k]) for k in ("x", "w")}
    bias = lw.handle(m["bias"]) if m["bias"] is not None else None
    if bias is not None and not hasattr(bias, "shape"):
        bias = None
    init = [lw.handle(v) for v in node.inputs[2:]]
    hs = [hand["x"], hand["w"], bias] + init
    if any(h is not None and getattr(h, "dt", dt) != dt for h in hs):
        return None
    # memory the threads read through pointers (copies only where a value is lazy)
    x, w = lw.realize(hand["x"]), lw.realize(hand["w"])
    bias = lw.realize(bias) if bias is not None else None
    init = [lw.realize(h) for h in init]
    hshape = m["cell"].outputs[0].type.shape
    batch, hid = numel(hshape[:-1]), hshape[-1]
    e = lw.entry
    b = e.b
    trip = scalar_value(lw, e, ins[0], "i64")
    work = e.size(S.mul(S.mul(batch, m["g"] * hid), hid))
    go = b.and_(b.icmp_signed(">", threads.team_size(e), _c(1)),
                b.and_(b.icmp_signed(">=", work, _c(MIN_STEP_WORK)),
                       b.icmp_signed(">", trip, _c(0))))
    lw._team_busy = True
    try:
        with b.if_else(go) as (par, seq):
            with seq:
                outs = plain_loop(lw, node, ins)
            with par:
                _region(lw, m, x, w, bias, init, outs, trip, batch, hid)
    finally:
        lw._team_busy = False
    return outs


# ------------------------------------------------------------------ the region
def _region(lw, m, x, w, bias, init, outs, trip, batch, hid):
    dt, g = m["dt"], m["g"]
    scan = outs[-1]
    states = outs[:-1]
    pre = lw.new_buf((batch, g * hid), dt, name="rnn_team_pre")
    # every thread's transposed weight slices (rnn_slices.py), float32 only
    wt = (lw.new_buf((hid, g * hid), dt, name="rnn_team_wt")
          if dt == "f32" and rnn_slices.ENABLED and gemm_small.ENABLED else None)
    slots = {k: lw.mutable_slot() for k in ("parts", "trip", "count", "gen")}
    kfn = _kernel(lw, m, x, w, bias, init, states, scan, pre, wt, slots, batch, hid)

    def emit(e):
        parts = threads.team_size(e)
        store_slot(e, slots["parts"], parts, "int")
        store_slot(e, slots["trip"], trip, "int")
        store_slot(e, slots["count"], _c(0), "int")
        store_slot(e, slots["gen"], _c(0), "int")
        # one part per thread: the trampoline hands thread t the range [t, t + 1)
        threads.parallel_call(e, kfn, _c(0), parts, parts, min_work=2)
    uses = [x, w, pre, scan] + list(states) + list(init) + ([bias] if bias is not None else [])
    uses += [wt] if wt is not None else []
    lw.emit_in_entry(emit, uses)


def _kernel(lw, m, x, w, bias, init, states, scan, pre, wt, slots, batch, hid):
    """``kernel(bufs, slots, lo, hi)``: parts [lo, hi) of the hidden units, every step."""
    lw.kernels += 1
    fc = FnCtx(lw.module, f"gt_rnn_team{lw.kernels}", lw.symbol_slot, extra_args=(I64, I64))
    fc.fn.linkage = "internal"
    b = fc.b
    lo, hi = fc.fn.args[2], fc.fn.args[3]
    parts, trip = fc.slot_i64(slots["parts"]), fc.slot_i64(slots["trip"])
    H, B = fc.size(hid), fc.size(batch)
    upp = b.sdiv(b.add(H, b.sub(parts, _c(1))), parts)  # ceil(H / parts) ...
    upp = b.mul(b.sdiv(b.add(upp, _c(_BLOCK - 1)), _c(_BLOCK)), _c(_BLOCK))  # ... to blocks
    j0 = _min(b, b.mul(lo, upp), H)
    j1 = _min(b, b.mul(hi, upp), H)
    crowd = _participants(fc, parts)
    dt, g, lstm = m["dt"], m["g"], m["lstm"]
    et = X.LTYPE[dt]
    bh = b.mul(B, H)
    gh = b.mul(_c(g), H)
    h0 = init[0].ptr(fc)
    if lstm:  # c starts as c0 (each thread its own units)
        _units(fc, B, j0, j1, lambda bi, j: _st(b, et, states[1].ptr(fc), _ix(b, bi, H, j),
                                                _ld(b, et, init[1].ptr(fc), _ix(b, bi, H, j))))
    cnt = _slot_ptr(fc, slots["count"])
    gen = _slot_ptr(fc, slots["gen"])
    sliced = ir.Constant(ir.IntType(1), 0)
    own = None
    if wt is not None:  # this thread's weight slices, packed once per call (rnn_slices.py)
        sliced = b.and_(b.icmp_signed("<", j0, j1),
                        b.icmp_signed(">=", B, _c(rnn_slices.MIN_ROWS)))
        own = rnn_slices.prepare(fc, dt, sliced, w.ptr(fc), wt.ptr(fc), pre.ptr(fc), B, H, g,
                                 j0, j1)
    lay = rnn_slices.pre_layout(fc, dt, sliced, pre.ptr(fc), B, H, g, j0, j1)

    def step(t):
        bb = fc.b
        first = bb.icmp_signed("==", t, _c(0))
        prev_row = bb.gep(scan.ptr(fc), [bb.mul(bb.sub(t, _c(1)), bh)], source_etype=et)
        hprev = bb.select(first, h0, prev_row)
        hnew = bb.gep(scan.ptr(fc), [bb.mul(t, bh)], source_etype=et)
        xg = bb.gep(x.ptr(fc), [bb.mul(t, bb.mul(B, gh))], source_etype=et)
        with bb.if_then(bb.icmp_signed("<", j0, j1)):
            def per_gate():
                for k in range(g):
                    col = fc.b.add(fc.b.mul(_c(k), H), j0)
                    _product(fc, dt, B, fc.b.sub(j1, j0), H, hprev,
                             fc.b.gep(w.ptr(fc), [fc.b.mul(col, H)], source_etype=et),
                             fc.b.gep(pre.ptr(fc), [col], source_etype=et), gh)
            if own is None:
                per_gate()
            else:
                with bb.if_else(sliced) as (one, other):
                    with one:
                        rnn_slices.product(fc, dt, own, B, bb.mul(_c(g), bb.sub(j1, j0)), H,
                                           hprev)
                    with other:
                        per_gate()
            gate = _lstm_gate if lstm else _gru_gate
            _units(fc, B, j0, j1, lambda bi, j: gate(fc, dt, bi, j, H, gh, lay, xg, bias,
                                                     hprev, hnew, states))
        _barrier(fc, cnt, gen, crowd)
    fc.loop(_c(0), trip, step, name="t")
    # the carried h: the last scan row (trip > 0 here: the entry checked)
    last = b.gep(scan.ptr(fc), [b.mul(b.sub(trip, _c(1)), bh)], source_etype=et)
    _units(fc, B, j0, j1, lambda bi, j: _st(b, et, states[0].ptr(fc), _ix(b, bi, H, j),
                                            _ld(b, et, last, _ix(b, bi, H, j))))
    fc.finish()
    return fc.fn


def _participants(fc, parts):
    """Threads that run the kernel (each calls the barrier once per step): the trampoline
    hands every thread ceil(parts / nt) parts, so ceil(parts / chunk) threads get some."""
    b = fc.b
    mod = fc.fn.module
    fn = mod.globals.get("omp_get_num_threads") or ir.Function(
        mod, ir.FunctionType(I32, []), "omp_get_num_threads")
    nt = b.sext(b.call(fn, []), I64)
    chunk = b.sdiv(b.add(parts, b.sub(nt, _c(1))), nt)
    return b.sdiv(b.add(parts, b.sub(chunk, _c(1))), chunk)


def _product(fc, dt, m, n, k, a, bw, c, ldc):
    """c[m, n] (ldc) = a[m, k] @ bw[n, k].T: the generated dot kernel for few rows (this
    thread's slice of the weight, read in place), else BLAS (one thread here: the
    trampoline set OpenBLAS's thread count for this thread to 1)."""
    b = fc.b
    if dt != "f32" or not gemm_small.ENABLED:
        _blas_call(fc, dt, False, True, m, n, k, a, k, bw, k, c, ldc, 0.0)
        return
    with b.if_else(b.icmp_signed("<=", m, _c(_SMALL_M))) as (small, big):
        with small:
            gemm_small.emit_call(fc, True, m, n, k, a, k, bw, k, c, ldc, 0.0)
        with big:
            _blas_call(fc, dt, False, True, m, n, k, a, k, bw, k, c, ldc, 0.0)


def _pre(b, et, lay, bi, k, j):
    """The preactivation of unit j, gate k, batch row bi (rnn_slices.pre_layout)."""
    base, rs, gs = lay
    return _ld(b, et, base, b.add(b.add(b.mul(bi, rs), b.mul(_c(k), gs)), j))


def _lstm_gate(fc, dt, bi, j, H, gh, lay, xg, bias, hprev, hnew, states):
    b = fc.b
    et = X.LTYPE[dt]
    row = b.mul(bi, gh)

    def gate(k):  # (pre + x) + bias: the order of rnn_cells' pass (same rounding)
        col = b.add(b.mul(_c(k), H), j)
        off = b.add(row, col)
        v = b.fadd(_pre(b, et, lay, bi, k, j), _ld(b, et, xg, off))
        if bias is not None:
            v = b.fadd(v, _ld(b, et, bias.ptr(fc), col))
        return v
    i = _sig(b, dt, gate(0))
    f = _sig(b, dt, gate(1))
    gg = X.libm(b, "tanh", dt, gate(2))
    o = _sig(b, dt, gate(3))
    at = _ix(b, bi, H, j)
    cp = states[1].ptr(fc)
    cn = b.fadd(b.fmul(f, _ld(b, et, cp, at)), b.fmul(i, gg))
    _st(b, et, cp, at, cn)
    _st(b, et, hnew, at, b.fmul(X.libm(b, "tanh", dt, cn), o))


def _gru_gate(fc, dt, bi, j, H, gh, lay, xg, bias, hprev, hnew, states):
    b = fc.b
    et = X.LTYPE[dt]
    row = b.mul(bi, gh)

    def part(k, with_x=True):  # (hh + bias) + x: rnn_cells' order
        col = b.add(b.mul(_c(k), H), j)
        off = b.add(row, col)
        v = _pre(b, et, lay, bi, k, j)
        if bias is not None:
            v = b.fadd(v, _ld(b, et, bias.ptr(fc), col))
        if with_x:
            v = b.fadd(v, _ld(b, et, xg, off))
        return v
    r = _sig(b, dt, part(0))
    z = _sig(b, dt, part(1))
    xn = _ld(b, et, xg, b.add(row, b.add(b.mul(_c(2), H), j)))
    n = X.libm(b, "tanh", dt, b.fadd(xn, b.fmul(r, part(2, False))))
    at = _ix(b, bi, H, j)
    hv = _ld(b, et, hprev, at)
    _st(b, et, hnew, at, b.fadd(b.fmul(b.fsub(hv, n), z), n))


# ------------------------------------------------------------------ helpers
def _units(fc, B, j0, j1, body):
    """for bi < B: for j in [j0, j1): body(bi, j) (the inner loop vectorises)."""
    fc.loop(_c(0), B, lambda bi: fc.loop(j0, j1, lambda j: body(bi, j), name="u"), name="r")


def _ix(b, bi, H, j):
    return b.add(b.mul(bi, H), j)


def _ld(b, et, p, off):
    return b.load(b.gep(p, [off], source_etype=et), typ=et)


def _st(b, et, p, off, v):
    b.store(v, b.gep(p, [off], source_etype=et))


def _min(b, x, y):
    return b.select(b.icmp_signed("<", x, y), x, y)


def _slot_ptr(fc, k):
    return fc.hoisted(("slotptr", k), lambda p: p.gep(fc.slots, [_c(k)], source_etype=I64))


def _barrier(fc, cnt, gen, crowd):
    """Wait until ``crowd`` threads arrived (a generation count: the last to arrive resets
    the counter, then publishes the next generation; the others spin on it)."""
    b = fc.b
    with b.if_then(b.icmp_signed(">", crowd, _c(1))):
        seen = b.load_atomic(gen, "acquire", 8, typ=I64)
        arrived = b.atomic_rmw("add", cnt, _c(1), "acq_rel")
        with b.if_else(b.icmp_signed("==", arrived, b.sub(crowd, _c(1)))) as (last, other):
            with last:
                _store_atomic(b, _c(0), cnt, "monotonic")
                _store_atomic(b, b.add(seen, _c(1)), gen, "release")
            with other:
                head = b.append_basic_block("spin.head")
                body = b.append_basic_block("spin.body")
                done = b.append_basic_block("spin.done")
                b.branch(head)
                pre = b.block
                b.position_at_end(head)
                spins = b.phi(I64, name="spins")
                spins.add_incoming(_c(0), pre)
                now = b.load_atomic(gen, "acquire", 8, typ=I64)
                b.cbranch(b.icmp_signed("==", now, seen), body, done)
                b.position_at_end(body)
                _relax(fc, spins)
                spins.add_incoming(b.add(spins, _c(1)), b.block)
                b.branch(head)
                b.position_at_end(done)


def _relax(fc, spins):
    """One wait of the spin loop: ``pause``; past ``_SPINS`` rounds also ``sched_yield``
    (a raw system call: no libc symbol to bind), so a partner that shares this core (the
    other cores taken by other processes) gets it.  Measured: without the yield a busy
    machine turned GRU b64 at 2 threads from 8 ms into 257 ms."""
    b = fc.b
    mod = fc.fn.module
    pause = mod.globals.get("llvm.x86.sse2.pause") or ir.Function(
        mod, ir.FunctionType(ir.VoidType(), []), "llvm.x86.sse2.pause")
    b.call(pause, [])
    with b.if_then(b.icmp_signed(">=", spins, _c(_SPINS))):
        b.asm(ir.FunctionType(I64, [I64]), "syscall", "={rax},{rax},~{rcx},~{r11},~{memory}",
              [_c(24)], True, name="sched_yield")


def _store_atomic(b, value, ptr, ordering):
    # llvmlite's store_atomic compares against a typed pointee (opaque pointers have none)
    b._insert(ir.instructions.StoreAtomicInstr(b.block, value, ptr, ordering, 8))

