"""Calling a compiled graph: entry checks, symbol binding, the arena plan, one ctypes call.

Per call the Python side checks every input's dtype, rank and sizes (and the size guards)
before native code touches memory, looks up the plan for these sizes (output shapes, arena
offsets: computed once per distinct set of symbol values), allocates the outputs, and calls
``gt_entry(bufs, slots)``.  Outputs are fresh numpy arrays written in place by the kernels and
handed back without a copy."""
from __future__ import annotations

import ctypes
import threading
import time

import numpy as np

from ...ir import symbolic as S
from ...ir.errors import GuardError
from ...ir.types import TensorType
from ...eager import threads as _ET
from . import callshim
from . import threads as _TH
from .callshim import BUSY, REJECT
from .rules_host import _HOST_SIG, run_host_call
from .rules_runtime_scalar import trim_outputs, with_bounds
from .threads import sync as _sync_threads

__all__ = ["CompiledGraph", "GuardInfo", "portable_meta"]

_NP = {"f32": np.float32, "f64": np.float64, "i8": np.int8, "u8": np.uint8, "i16": np.int16,
       "i32": np.int32, "i64": np.int64, "b8": np.bool_}
_ENTRY = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p)
_TLS = threading.local()
_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


@_HOST_SIG
def _host_dispatch(call_id, bufs, slots):
    state = _TLS.stack[-1]
    try:
        run_host_call(state, state.graph.host_calls[call_id])
        return 0
    except BaseException as e:  # noqa: BLE001 - re-raised by the runtime after the call
        state.error = e
        return -1


def host_address() -> int:
    return ctypes.cast(_host_dispatch, ctypes.c_void_p).value


class _Plan:
    __slots__ = ("out_shapes", "arena_size", "slots", "offsets", "arena", "lock", "out_specs",
                 "ptrs", "slots_addr", "ctl", "ctl_words", "table")


class _Call:
    """What a host callback sees of the call in progress."""

    __slots__ = ("graph", "arrays", "arena", "plan", "env", "slots", "error")

    def array_of(self, buf):
        env = self.env
        if self.graph._dynamic:  # data-dependent sizes as the entry has computed them
            env = {**env, **{s: int(self.slots[k]) for s, k, _ in self.graph._dynamic}}
        shape = tuple(S.evaluate(d, env) for d in buf.shape)
        dt = _NP[buf.dt]
        if buf.kind == "buf":
            k = buf.index - len(self.arrays)  # pointer layout: inputs, outputs, arena, constants
            if k > 0:
                return self.graph._consts[k - 1].reshape(shape)
            return self.arrays[buf.index].reshape(shape)
        off = self.plan.offsets[buf.index]
        n = int(np.prod(shape, dtype=np.int64)) * np.dtype(dt).itemsize
        return self.arena[off:off + n].view(dt).reshape(shape)

    def slot_value(self, h):
        w = int(self.slots[h.slot])
        if h.kind == "float":
            return float(np.array([w], dtype=np.int64).view(np.float64)[0])
        return bool(w) if h.kind == "bool" else w


class CompiledGraph:
    """A graph compiled by the llvm backend; call it with numpy arrays, get numpy arrays.

    Attributes:
        graph: the optimised graph that was lowered.
        llvm_ir, asm: the generated LLVM IR and the host assembly (text), for debugging.
        host_ops: names of ops that run through the host fallback (not native code).
    """

    def __init__(self, graph, meta, addr, llvm_ir="", asm="", shim=None):
        # graph and llvm_ir may be zero-argument callables: made on first use (a graph loaded
        # from the disk cache parses its stored text, and lowers again only for its LLVM IR)
        self._graph, self._llvm_ir = graph, llvm_ir
        self.asm = asm
        self._fn = _ENTRY(addr)
        self._inputs = meta["inputs"]          # (name, dt, shape) or (name, "scalar", kind)
        self._symbols = meta["symbols"]        # [(name, input index, dim)]
        self._outs = meta["outputs"]           # [(dt, shape)]
        self._arena_bufs = meta["arena"]       # [(slot, nbytes expr, first, last)]
        self._n_slots = meta["n_slots"]
        self._consts = meta["consts"]
        self._guards = meta["size_guards"]
        self._data_guards = meta["data_guards"]
        self.host_calls = meta["host_calls"]
        self.host_ops = sorted({c[0].kind for c in self.host_calls})
        self.kernels = meta.get("kernels", 0)
        self._scalar_slots = meta["scalar_inputs"]  # input index -> slot
        self._dynamic = meta.get("dynamic") or []  # [(symbol, slot, bounds)]
        self._order = sorted({name for name, _, _ in self._symbols})  # slot order of symbols
        self._plans: dict = {}
        self._arena_at = len(self._inputs) + len(self._outs)
        self._const_addrs = [c.__array_interface__["data"][0] for c in self._consts]
        self._addr = addr
        self._checks = self._build_checks()
        self._mutable = bool(meta.get("mutable")) or bool(self._scalar_slots)
        # the native front door serves graphs whose inputs are all tensors and whose outputs
        # have their planned sizes; the rest keep the Python path (pointer array, lock).
        # Slots the entry writes (loop counters, carried and run-time scalars) are always
        # written before they are read within a call, and the shim's busy word keeps the
        # plan's slots to one caller, so the plan's own slots serve every call.
        usable = shim is not None and not self.host_calls and not self._scalar_slots \
            and not self._dynamic
        self._shim = callshim.bind(shim) if usable else None
        self._fast = self._gen_fast() if self._shim is not None else self._slow

    @property
    def graph(self):
        """The optimised graph that was lowered."""
        if callable(self._graph):
            self._graph = self._graph()
        return self._graph

    @graph.setter
    def graph(self, g):
        self._graph = g

    @property
    def llvm_ir(self) -> str:
        """The generated LLVM IR (text)."""
        if callable(self._llvm_ir):
            self._llvm_ir = self._llvm_ir()
        return self._llvm_ir

    @llvm_ir.setter
    def llvm_ir(self, text):
        self._llvm_ir = text

    # ------------------------------------------------------------------ entry checks
    def _build_checks(self):
        sym_first = {}
        for name, i, d in self._symbols:
            sym_first.setdefault(name, (i, d))
        checks = []
        for i, spec in enumerate(self._inputs):
            name, dt = spec[0], spec[1]
            if dt == "scalar":
                checks.append(None)
                continue
            dims = []
            for d, e in enumerate(spec[2]):
                if type(e) is int:
                    dims.append((d, e, None))
                elif sym_first.get(S.bare_symbol(e)) == (i, d):
                    dims.append((d, None, S.bare_symbol(e)))
                else:
                    dims.append((d, e, None))
            checks.append((name, np.dtype(_NP[dt]), len(spec[2]), dims))
        return checks

    def _bind(self, arrays):
        env = {}
        late = []
        for i, (a, chk) in enumerate(zip(arrays, self._checks)):
            if chk is None:
                continue
            name, npd, rank, dims = chk
            if not isinstance(a, np.ndarray):
                raise RuntimeError(f"compiled graph: input {i} (%{name}) expected a tensor, got "
                                   f"{type(a).__name__}")
            if a.dtype != npd:
                raise RuntimeError(f"compiled graph: input {i} (%{name}) expected dtype "
                                   f"{_dtname(npd)}, got {_dtname(a.dtype)}")
            if a.ndim != rank:
                raise RuntimeError(f"compiled graph: input {i} (%{name}) expected {rank} "
                                   f"dimensions, got shape {list(a.shape)}")
            shape = a.shape
            for d, want, sym in dims:
                if sym is not None:
                    env[sym] = shape[d]
                elif type(want) is int:
                    if shape[d] != want:
                        raise RuntimeError(f"compiled graph: input {i} (%{name}) expected size "
                                           f"{want} at dim {d}, got shape {list(shape)}")
                else:
                    late.append((i, name, d, want, shape))
        for i, name, d, want, shape in late:
            exp = S.evaluate(want, env)
            if shape[d] != exp:
                raise RuntimeError(f"compiled graph: input {i} (%{name}) expected size "
                                   f"{S.expr_str(want)} = {exp} at dim {d}, got shape "
                                   f"{list(shape)}")
        for lhs, cmp, rhs, msg, src, *err in self._guards:
            a, b = S.evaluate(lhs, env), S.evaluate(rhs, env)
            if not _CMP[cmp](a, b) and err:  # an assertion (Guard error=): eager's error
                from ...ir.prim import GUARD_ERRORS
                raise GUARD_ERRORS.get(err[0], RuntimeError)(msg)
            if not _CMP[cmp](a, b):
                raise GuardError(f"compiled graph: size guard {S.expr_str(lhs)} {cmp} "
                                   f"{S.expr_str(rhs)} failed ({a} vs {b})"
                                   + (f", recorded at {src}" if src else "")
                                   + (f": {msg}" if msg else ""))
        return env

    # ------------------------------------------------------------------ plans
    def _plan(self, env, key):
        p = _Plan()
        env = with_bounds(env, self._dynamic)  # data-dependent sizes at their largest
        p.out_shapes = [tuple(S.evaluate(d, env) for d in shape) for _, shape in self._outs]
        sizes = [(slot, _align(S.evaluate(nb, env)), first, last)
                 for slot, nb, first, last in self._arena_bufs]
        p.offsets, p.arena_size = _assign(sizes)
        slots = np.zeros(max(self._n_slots, 1), dtype=np.int64)
        for k, name in enumerate(self._order):
            slots[k] = env[name]
        for slot, off in p.offsets.items():
            slots[slot] = off
        p.slots = slots
        p.slots_addr = slots.ctypes.data
        p.arena = np.empty(max(p.arena_size, 64), dtype=np.uint8)
        p.lock = threading.Lock()
        p.out_specs = [(shape, _NP[dt]) for shape, (dt, _) in zip(p.out_shapes, self._outs)]
        n = len(self._inputs) + len(self._outs)
        p.ptrs = (ctypes.c_void_p * (n + 1 + len(self._consts)))()
        p.ptrs[n] = p.arena.__array_interface__["data"][0]
        for k, addr in enumerate(self._const_addrs):
            p.ptrs[n + 1 + k] = addr
        if self._shim is not None:
            self._shim_ctl(p, env)
        if len(self._plans) > 64:
            self._plans.clear()
        self._plans[key] = p
        return p


    # ------------------------------------------------------------------ call
    def __call__(self, *arrays):
        return self._fast(arrays)

    _plain_call = __call__  # torch.compile's fast path calls _fast directly while unchanged

    def _gen_fast(self):
        """Straight-line Python for the common call: the plan key from the symbols' first
        sizes, fresh outputs, one native call through the shim (which checks every input's
        type, dtype, contiguity, rank and sizes against the plan).  Anything unusual (a new
        plan, a rejected input, a busy plan, a data guard) goes to ``_slow``/``_after``."""
        first = {}
        for name, i, d in self._symbols:
            first.setdefault(name, (i, d))
        key = "".join(f"arrays[{first[s][0]}].shape[{first[s][1]}], " for s in self._order)
        n_out = len(self._outs)
        outs = ", ".join(f"o{j}" for j in range(n_out))
        ns = {"ETS": _ET._state, "THS": _TH._STATE, "sync": _sync_threads, "E": np.empty,
              "MONO": time.monotonic,
              "plans": self._plans, "slow": self._slow, "after": self._after,
              "shim": self._shim}
        lines = ["def fast(arrays):",
                 "  if ETS['n'] != THS['applied'] or MONO() >= THS['gate_at']: sync()",
                 "  try:",
                 f"    p = plans[({key})]",
                 "  except Exception:",
                 "    return slow(arrays)",
                 "  sh = p.out_shapes"]
        for j, (dt, _) in enumerate(self._outs):
            ns[f"D{j}"] = np.dtype(_NP[dt])
            lines.append(f"  o{j} = E(sh[{j}], D{j})")
        lines += [f"  rc = shim((*arrays, {outs}{',' if n_out == 1 else ''}), p.ctl)",
                  "  if rc: return after(rc, arrays)",
                  f"  return [{outs}]"]
        exec("\n".join(lines), ns)  # noqa: S102 - generated from the graph's own types
        return ns["fast"]

    def _after(self, rc, arrays):
        if rc > 0:
            self._raise(rc)
        return self._slow(arrays)  # rejected or busy: check, normalise, run privately

    def _slow(self, arrays):
        """The general call: full checks with errors naming the input, strided or subclassed
        inputs normalised, the plan made on first use of these sizes."""
        if len(arrays) != len(self._inputs):
            raise TypeError(f"compiled graph takes {len(self._inputs)} inputs, got {len(arrays)}")
        _sync_threads()  # torch.set_num_threads may have changed since the last call
        env = self._bind(arrays)
        key = tuple(env[s] for s in self._order)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(env, key)
        arrays = tuple(_normal(a, chk) for a, chk in zip(arrays, self._checks))
        outs = [np.empty(shape, dt) for shape, dt in plan.out_specs]
        if self._shim is not None:
            rc = self._shim((*arrays, *outs), plan.ctl)
            if rc in (REJECT, BUSY):  # another thread runs this plan: a private arena
                rc = self._direct(plan, arrays, outs, key, shared=False)
        else:
            rc = self._direct(plan, arrays, outs, key, shared=True)
        if rc:
            self._raise(rc)
        return outs

    def _direct(self, plan, arrays, outs, key, shared):
        """Call the entry with a pointer array filled from Python (host calls, run-time
        scalars, or a plan in use by another thread)."""
        own = shared and plan.lock.acquire(blocking=False)
        try:
            if own:
                ptrs, arena = plan.ptrs, plan.arena
            else:
                arena = np.empty(max(plan.arena_size, 64), dtype=np.uint8)
                ptrs = (ctypes.c_void_p * len(plan.ptrs))(*plan.ptrs)
                ptrs[self._arena_at] = arena.__array_interface__["data"][0]
            for i, a in enumerate(arrays):
                if isinstance(a, np.ndarray):
                    ptrs[i] = a.__array_interface__["data"][0]
            n = len(arrays)
            for j, o in enumerate(outs):
                ptrs[n + j] = o.__array_interface__["data"][0]
            slots = plan.slots
            if self._mutable:
                slots = slots.copy()
                for i, slot in self._scalar_slots.items():
                    slots[slot] = _word(arrays[i])
            rc = self._run(ptrs, slots, arrays, outs, arena, plan, key)
            if self._dynamic and not rc:
                trim_outputs(outs, self._outs, self._order, key, self._dynamic, slots)
            return rc
        finally:
            if own:
                plan.lock.release()

    def _shim_ctl(self, p, env):
        """The shim's control words for plan ``p``: entry, slots, counts, the check table
        (every input's dtype, rank and sizes for these symbol values) and the pointers."""
        shapes = [tuple(S.evaluate(d, env) for d in spec[2]) for spec in self._inputs]
        p.table = callshim.check_table([_NP[spec[1]] for spec in self._inputs], shapes)
        head = [self._addr, p.slots_addr, len(self._inputs), len(self._outs), 0,
                id(np.ndarray), p.table.ctypes.data]
        p.ctl_words = np.array(head + [w or 0 for w in p.ptrs], dtype=np.int64)
        p.ctl = p.ctl_words.ctypes.data

    def _run(self, ptrs, slots, arrays, outs, arena, plan, key):
        if not self.host_calls:
            return self._fn(ptrs, plan.slots_addr if slots is plan.slots else slots.ctypes.data)
        env = dict(zip(self._order, key))
        st = _Call()
        st.graph, st.arrays, st.arena, st.plan, st.env, st.slots, st.error = \
            self, list(arrays) + outs, arena, plan, env, slots, None
        stack = getattr(_TLS, "stack", None)
        if stack is None:
            stack = _TLS.stack = []
        stack.append(st)
        try:
            rc = self._fn(ptrs, slots.ctypes.data)
        finally:
            stack.pop()
        if st.error is not None:
            raise st.error
        return rc

    def _raise(self, rc):
        if 0 < rc <= len(self._data_guards):
            node = self._data_guards[rc - 1]
            a = node.attrs
            if a.get("kind") == "index":  # an index out of range (codegen/llvm/index_check.py)
                exc, msg = a.get("expected")
                raise {"RuntimeError": RuntimeError}.get(exc, IndexError)(
                    f"{msg} (at {node.source or 'an unknown line'})")
            raise GuardError(
                f"compiled graph: data guard failed: the traced value of {a.get('kind')}() at "
                f"{node.source or 'an unknown line'} was {a.get('expected')!r} when the model "
                f"was traced and differs now; the trace took that branch only. Use "
                f"torch.jit.script or torch.cond for data-dependent control flow")
        raise RuntimeError(f"compiled graph: native code failed with status {rc}")


def _normal(a, chk):
    """An input as the kernels read it: a C-contiguous base-class ndarray whose dtype object
    is numpy's own (``_bind`` has checked it already)."""
    if chk is None or not isinstance(a, np.ndarray):
        return a
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    if type(a) is not np.ndarray:
        a = a.view(np.ndarray)
    if a.dtype is not chk[1]:
        a = a.view(chk[1])
    return a


def _word(v) -> int:
    if isinstance(v, float):
        return int(np.array([v], dtype=np.float64).view(np.int64)[0])
    return int(v)


def _align(n: int) -> int:
    return (n + 63) // 64 * 64


def _assign(sizes):
    """First-fit offsets for buffers with lifetimes [first, last]: buffers whose lifetimes
    overlap never share bytes."""
    placed = []  # (offset, size, first, last)
    offsets = {}
    top = 0
    for slot, size, first, last in sorted(sizes, key=lambda r: (r[2], -r[1])):
        live = sorted((o, s) for o, s, f, l in placed if not (l < first or f > last))
        off = 0
        for o, s in live:
            if off + size <= o:
                break
            off = max(off, o + s)
        placed.append((off, size, first, last))
        offsets[slot] = off
        top = max(top, off + size)
    return offsets, top


def _dtname(npd) -> str:
    """``torch.float32`` for a numpy dtype torch has, else numpy's name."""
    from ...ops import dtypes as D
    try:
        return str(D.from_numpy_dtype(npd))
    except TypeError:
        return str(npd)


def input_meta(lw):
    """The runtime's description of inputs, symbols and outputs from a Lowering."""
    ins, scalar_slots = [], {}
    for i, v in enumerate(lw.inputs):
        if isinstance(v.type, TensorType):
            ins.append((v.name, _dt(v.type), tuple(v.type.shape)))
        else:
            ins.append((v.name, "scalar", str(v.type)))
            scalar_slots[i] = lw.env[v].slot
    syms = [(name, i, d) for name, (i, d) in lw.graph.symbol_sources().items()]
    outs = [(_dt(v.type), tuple(v.type.shape)) for v in lw.outputs]
    return {"inputs": ins, "symbols": syms, "outputs": outs, "arena": lw.arena_bufs,
            "n_slots": lw.n_slots, "consts": lw.consts, "size_guards": lw.size_guards,
            "data_guards": [n for n, _ in lw.data_guards], "host_calls": lw.host_calls,
            "kernels": lw.kernels, "scalar_inputs": scalar_slots,
            "mutable": sorted(lw.mutable_slots), "dynamic": getattr(lw, "dyn_meta", [])}


class GuardInfo:
    """What the runtime reports of a failed data guard (a Node's ``attrs`` and ``source``),
    without the graph the node belongs to: stored in the disk cache."""

    __slots__ = ("attrs", "source")

    def __init__(self, attrs, source):
        self.attrs, self.source = attrs, source

    def __reduce__(self):
        return (GuardInfo, (self.attrs, self.source))


def portable_meta(meta):
    """``meta`` with plain data only (for the disk cache), or None when it refers to graph
    nodes that cannot be stored (host calls run the node's op from Python)."""
    if meta["host_calls"]:
        return None
    out = dict(meta)
    out["data_guards"] = [GuardInfo({k: n.attrs.get(k) for k in ("kind", "expected")},
                                    n.source) for n in meta["data_guards"]]
    return out


def _dt(t):
    from ...ir.types import DTYPE_SHORT
    return DTYPE_SHORT[t.dtype]
