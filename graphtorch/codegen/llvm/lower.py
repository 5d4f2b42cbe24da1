"""Lowering an optimised graph to one LLVM module: an entry function that runs every step in
order, and one kernel function per materialised tensor.

The walk keeps a handle per Value (``tensors.Buf`` / ``Lazy`` / ``Scalar``).  Pointwise ops and
views produce ``Lazy`` handles, so chains of them fuse into the loop of whichever consumer
materialises them; a Value is materialised when it is a graph output, read more than once (and
costs something to recompute), read inside another block, or handed to an op that needs memory
(GEMM, a host call).  Intermediates live in one arena; their offsets (and every symbol value)
are 64-bit words in ``slots``, computed by the runtime per set of input sizes, so one compiled
function serves every batch size.

ABI: ``i32 gt_entry(ptr bufs, ptr slots)``; ``bufs`` = [tensor inputs, outputs, arena,
constants]; returns 0, or k > 0 when the k-th run-time check (a data guard) failed."""
from __future__ import annotations

import numpy as np
from llvmlite import ir

from ...ir import symbolic as S
from ...ops.dtypes import from_numpy_dtype
from ...ir.types import DTYPE_SHORT, TensorType
from . import engine, threads
from .fnctx import I32, I64, ITEMSIZE, NATIVE_DTYPES, FnCtx, numel
from .rules_runtime_scalar import EntryCtx, check_outputs, meta as dyn_meta, setup as dyn_setup
from .scalar import cast
from .tensors import EPILOGUE, Buf, Lazy, Scalar, TensorH, cost, deps_of

__all__ = ["Lowering", "LoweringError", "RULES", "rule"]

RULES: dict = {}


def rule(*names):
    """Register a lowering rule ``fn(lw, node, ins) -> list of handles`` for op ``names``."""
    def deco(fn):
        for n in names:
            RULES[n] = fn
        return fn
    return deco


class LoweringError(NotImplementedError):
    """A node the llvm backend cannot lower (the caller falls back to the interpreter)."""


def dt_of(t) -> str:
    return DTYPE_SHORT[t.dtype]


class Lowering:
    """Build the LLVM module for ``graph`` (already through the pass pipeline)."""

    def __init__(self, graph, name="gt"):
        self.graph = graph
        self.module = ir.Module(name=name)
        tm = engine.target_machine()
        self.module.triple = tm.triple
        self.module.data_layout = str(tm.target_data)
        self.symbols = sorted(graph.symbol_sources())
        self.symbol_slot = {s: i for i, s in enumerate(self.symbols)}
        self.n_slots = len(self.symbols)
        self.inputs = [v for v in graph.inputs]
        self.outputs = list(graph.outputs)
        self.n_in, self.n_out = len(self.inputs), len(self.outputs)
        self.arena = self.n_in + self.n_out
        self.consts: list = []           # numpy arrays passed as bufs[arena + 1 + k]
        self.arena_bufs: list = []       # [slot, nbytes expr, first step, last step]
        self.size_guards: list = []      # (lhs, cmp, rhs, message): checked by the runtime
        self.data_guards: list = []      # messages of run-time checks, code k -> [k - 1]
        self.host_calls: list = []       # (node, input handles, output handles)
        self.step = 0
        self.loop_stack: list = []
        self.kernels = 0
        self.env: dict = {}
        self.uses = _use_counts(graph)
        self.out_dest: dict = {}
        self.entry = EntryCtx(self.module, "gt_entry", self.symbol_slot, ret=I32)
        self.entry.mutable = self.mutable_slots = set()
        dyn_setup(self)  # slots for data-dependent sizes (rules_runtime_scalar.py)

    # ------------------------------------------------------------------ driver
    def run(self):
        for i, v in enumerate(self.inputs):
            t = v.type
            if isinstance(t, TensorType):
                self._check_type(t, f"input %{v.name}")
                self.env[v] = Buf(t.shape, dt_of(t), "buf", i, name=v.name)
            else:
                self.env[v] = Scalar(slot=self._new_slot(), kind=_scalar_kind(t))
        claimed = set()
        for j, v in enumerate(self.outputs):
            t = v.type
            if not isinstance(t, TensorType):
                raise LoweringError(f"graph output %{v.name} is {t}, not a tensor")
            self._check_type(t, f"output %{v.name}")
            if v not in claimed and v.node is not None and v not in self.inputs:
                self.out_dest[v] = Buf(t.shape, dt_of(t), "buf", self.n_in + j, name=v.name)
                claimed.add(v)
        self.lower_block(self.graph.block)
        for j, v in enumerate(self.outputs):
            dest = Buf(v.type.shape, dt_of(v.type), "buf", self.n_in + j)
            h = self.env[v]
            if not (isinstance(h, Buf) and h.kind == "buf" and h.index == dest.index):
                self.emit_copy(dest, h)
        self.dyn_meta = dyn_meta(self)
        self.entry.finish()
        return self

    def lower_block(self, block):
        for node in block.nodes:
            self.lower_node(node)

    def lower_node(self, node):
        from . import control  # If / Loop / Guard / containers
        fn = control.STRUCTURAL.get(node.kind) or RULES.get(node.kind)
        if fn is None:
            from ...ops import registry as R
            from .rules_host import host_rule
            if not R.has(node.kind):  # PythonCall / Print from jit.script: Python, not a kernel
                raise LoweringError(f"llvm backend: cannot lower {node.where()}: {node.kind} "
                                    "runs Python code")
            fn = host_rule
        ins = [self.handle(v) for v in node.inputs]
        if any(getattr(h, "pending", False) for h in ins):
            # a convolution waiting for its consumer: fused into its epilogue, or emitted now
            from .rules_conv import lower_consumer
            outs = lower_consumer(self, node, ins)
            if outs is not None:
                for v, h in zip(node.outputs, outs):
                    self.bind(v, h)
                return
            ins = [self.handle(v) for v in node.inputs]
        try:
            outs = fn(self, node, ins)
        except LoweringError:
            raise
        except (NotImplementedError, KeyError, TypeError, ValueError, AttributeError) as e:
            raise LoweringError(f"llvm backend: cannot lower {node.where()}: "
                                f"{type(e).__name__}: {e}") from e
        if self.dyn_symbols:
            check_outputs(self, node)
        deps = frozenset().union(*[deps_of(h) for h in ins]) if ins else frozenset()
        for v, h in zip(node.outputs, outs):
            if isinstance(h, Lazy) and h.deps is None:
                h.deps = deps
            self.bind(v, h)

    def bind(self, v, h):
        """Record Value ``v``'s handle, materialising it where the policy says so."""
        if isinstance(h, TensorH):
            dest = self.out_dest.get(v)
            if dest is not None and h is not dest:
                self.emit_copy(dest, h)
                h = dest
            elif isinstance(h, Lazy) and cost(h) > 0 and self.uses.get(v, 0) > 1 \
                    and EPILOGUE not in (h.deps or ()):
                h = self.realize(h, name=v.name)
        self.env[v] = h

    def handle(self, v):
        if v is None or not hasattr(v, "type"):
            return Scalar(value=v)
        h = self.env.get(v)
        if h is None:
            raise LoweringError(f"llvm backend: %{v.name} used before it is defined")
        return h

    def _check_type(self, t, what):
        if t.shape is None or t.dtype is None:
            raise LoweringError(f"llvm backend: {what} has unknown type {t}")
        if DTYPE_SHORT.get(t.dtype) not in NATIVE_DTYPES:
            raise LoweringError(f"llvm backend: {what} has dtype {t.dtype}, which it does not "
                                f"support natively")
        for d in t.shape:
            for s in S.free_symbols(d):
                if s not in self.symbol_slot:
                    raise LoweringError(f"llvm backend: {what} has data-dependent size {d}")

    # ------------------------------------------------------------------ memory
    def _new_slot(self) -> int:
        self.n_slots += 1
        return self.n_slots - 1

    def mutable_slot(self) -> int:
        """A slot the entry function writes while it runs (never hoisted in the entry)."""
        k = self._new_slot()
        self.mutable_slots.add(k)
        return k

    def new_buf(self, shape, dt, value=None, name="") -> Buf:
        """A fresh buffer: the graph output's own array when ``value`` is one, else arena."""
        if value is not None and value in self.out_dest:
            dest = self.out_dest[value]
            if dest.shape == tuple(shape) and dest.dt == dt:
                return dest
        slot = self._new_slot()
        nbytes = S.mul(numel(shape), ITEMSIZE[dt])
        first = self.loop_stack[0] if self.loop_stack else self.step
        self.arena_bufs.append([slot, nbytes, first, self.step])
        return Buf(shape, dt, "arena", slot, arena=self.arena, name=name)

    def touch(self, h):
        """Extend the lifetime of the arena buffers ``h`` reads or is to the current step
        (to the end, inside a loop: a later iteration reads them again)."""
        slots = deps_of(h)
        if not slots:
            return
        last = self.loop_end_marker() if self.loop_stack else self.step
        for rec in self.arena_bufs:
            if rec[0] in slots:
                rec[3] = max(rec[3], last)

    def loop_end_marker(self):
        return 1 << 62  # fixed up when the loop closes

    def const_buf(self, array) -> Buf:
        arr = np.ascontiguousarray(array)
        dt = DTYPE_SHORT[from_numpy_dtype(arr.dtype)]
        self.consts.append(arr)
        return Buf(arr.shape, dt, "buf", self.arena + len(self.consts))

    # ------------------------------------------------------------------ kernels
    def realize(self, h, value=None, name="") -> Buf:
        """``h`` in memory (a Buf), emitting a copy kernel if it is lazy."""
        if isinstance(h, Buf):
            return h
        if h.base is not None:
            return h.base.reshaped(h.shape)
        dest = self.new_buf(h.shape, h.dt, value, name)
        self.emit_copy(dest, h)
        return dest

    def emit_copy(self, dest: Buf, src):
        """dest[idx] = src[idx] for every index: one fused loop nest."""
        def body(fc, idx):
            v = src.load(fc, idx)
            dest.store_flat(fc, dest.offset(fc, idx), cast(fc.b, v, src.dt, dest.dt))
        self.emit_kernel(dest.shape, body, reads=[src], writes=[dest])

    def emit_kernel(self, shape, body, reads=(), writes=(), name="k", parallel=True,
                    work_per_elem=1):
        """A kernel looping over ``shape`` calling ``body(fc, idx)``; called from the entry.

        ``body`` must write only at ``idx`` (so the outer range can be split across threads);
        ``parallel=False`` keeps it on one thread.  A kernel writing a graph input (an alias
        of memory it may also read elsewhere) always stays on one thread.
        ``work_per_elem`` scales the element count the thread split compares with its
        threshold (row kernels making several passes, or computing a costly fused input)."""
        self.step += 1
        for h in list(reads) + list(writes):
            self.touch(h)
        self.kernels += 1
        fc = FnCtx(self.module, f"gt_{name}{self.kernels}", self.symbol_slot,
                   extra_args=(I64, I64))
        fc.fn.linkage = "internal"
        lo, hi = fc.fn.args[2], fc.fn.args[3]
        extents = [fc.size(d) for d in shape]
        if extents:
            fc.nest(extents, lambda idx: body(fc, idx), lo0=lo, hi0=hi)
        else:
            body(fc, [])
        fc.finish()
        e = self.entry
        n0 = e.size(shape[0]) if shape else ir.Constant(I64, 1)
        safe = parallel and len(shape) > 0 and not any(
            isinstance(h, Buf) and h.kind == "buf" and h.index < self.n_in for h in writes)
        if safe:
            total = S.mul(numel(shape), work_per_elem)
            work = total if isinstance(total, int) else e.size(total)
            threads.parallel_call(e, fc.fn, ir.Constant(I64, 0), n0, work)
        else:
            e.b.call(fc.fn, [e.bufs, e.slots, ir.Constant(I64, 0), n0])
        return fc

    def emit_in_entry(self, emit, uses=()):
        """Run ``emit(fc)`` with the entry function (extern calls: GEMM, host callbacks);
        ``uses`` are the handles it reads or writes (kept alive until this step)."""
        self.step += 1
        for h in uses:
            self.touch(h)
        emit(self.entry)


def _use_counts(graph) -> dict:
    counts: dict = {}
    for node in graph.walk():
        for v in node.operands():
            counts[v] = counts.get(v, 0) + 1
        for blk in node.blocks:
            for v in blk.returns:
                # crossing an If/Loop block boundary: materialise; a fusion group's returns
                # are its outputs, materialised (or not) by their own uses outside
                counts[v] = counts.get(v, 0) + (1 if node.kind == "FusionGroup" else 2)
    for v in graph.outputs:
        counts[v] = counts.get(v, 0) + 1
    return counts


def _scalar_kind(t) -> str:
    s = str(t)
    return {"int": "int", "float": "float", "bool": "bool"}.get(s, "int")

