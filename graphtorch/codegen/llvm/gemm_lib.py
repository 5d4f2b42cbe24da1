"""The generated float32 GEMM kernels (gemm_small.py, gemm_packed.py, gemm_tn.py) as one
library object, compiled once per machine and called by every graph.

The kernels do not depend on the graph (only on the host's vector width), but LLVM took
most of a graph's compile time on them when each module carried its own copy: 685 ms at O3
for the four entry kernels and their micro kernels (the packed one alone 451 ms), against
~150-250 ms for the rest of the MLP.  So the library is compiled from the same generators,
stored in the disk cache (keyed by the backend's sources and the host CPU, like every object)
and a graph calls each kernel through a word of a process-wide table (``<kernel>_ptr``,
bound as an external symbol; the graph's inlined trampoline loads it per call).

Why a table rather than linking the kernels' addresses: on a machine whose cache is empty the
library takes 0.8-0.9 s to build (llvmlite serialises LLVM behind one lock, so a build in the
background cannot overlap the graph's own compile), which made the first compile ever on a
machine take 1.1-1.4 s.  Now the first graph does not wait: the table first points at small
stand-ins that call scipy's ``sgemm`` with the same arguments (compiled in a few ms), the
library is built by a child process (on another core, not behind this process's LLVM lock)
while the program runs, and its addresses replace the stand-ins when it is ready.  Until then products of few rows run at BLAS's speed (results
rounding-close to the kernels', as every BLAS path is).  With the library in the disk cache
(every later process) the table holds the kernels from the first call.
``GRAPHTORCH_LLVM_GEMM_LIB=0`` puts the kernels back into each module (comparisons)."""
from __future__ import annotations

import hashlib
import ctypes
import os
import threading

import llvmlite.binding as llvm
from llvmlite import ir

from . import cache, engine

__all__ = ["ENABLED", "names", "start", "ensure", "declare", "wait", "state"]

ENABLED = os.environ.get("GRAPHTORCH_LLVM_GEMM_LIB", "1") != "0"
# started: loading/building begun; obj: the library's object code; addrs: its kernels'
# addresses once linked; linked: the table is filled (stand-ins or kernels); real: it holds
# the kernels
_STATE: dict = {"started": False, "thread": None, "obj": None, "addrs": None, "error": None,
                "linked": False, "real": False, "table": None}
_LOCK = threading.RLock()


def names(vw):
    """The library's entry kernels: (name, (tb, long_k, packed, tn)) for vector width
    ``vw``."""
    return ((f"gt_sgemm_small_dot_v{vw}", (True, False, False, False)),
            (f"gt_sgemm_small_dot_v{vw}_4x4", (True, True, False, False)),
            (f"gt_sgemm_small_axpy_v{vw}", (False, False, False, False)),
            (f"gt_sgemm_small_packed_v{vw}", (True, False, True, False)),
            (f"gt_sgemm_small_tn_v{vw}", (True, False, False, True)))


def _vw():
    from .gemm_small import vector_width
    return vector_width()


def _key():
    text = f"gemmlib|{cache.source_stamp()}|{engine.host_key()}"
    return hashlib.sha256(text.encode()).hexdigest()


def _build_text():
    from . import gemm_small
    tm = engine.target_machine()
    mod = ir.Module(name="gt_gemm_lib")
    mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
    for name, (tb, long_k, packed, tn) in names(_vw()):
        f = gemm_small.define(mod, tb, long_k=long_k, packed=packed, tn=tn)
        if f.name != name:
            raise RuntimeError(f"llvm backend: GEMM library kernel {f.name} != {name}")
        f.linkage = ""  # exported: graphs call it
    return str(mod)


def _compile(text):
    """Object code for ``text`` in a private LLVM context and target machine (safe beside
    the main thread's compiles, which use the global context under engine's lock)."""
    ctx = llvm.create_context()
    mod = llvm.parse_assembly(text, context=ctx)
    mod.verify()
    s = engine._init()
    tm = engine._new_tm(s["cpu"], s["features"])
    engine.optimize(mod, 3, tm=tm)
    return tm.emit_object(mod)


def _table():
    """The kernel address table (one word per kernel of :func:`names`), its words bound as
    the external symbols ``<kernel>_ptr`` on first use."""
    with _LOCK:
        if _STATE["table"] is None:
            engine.target_machine()  # LLVM initialised before add_symbol
            entry = names(_vw())
            # cache lines of their own (64-byte aligned, nothing else on them): threads
            # read these words on every kernel call
            buf = (ctypes.c_uint64 * (len(entry) + 24))()
            first = (-ctypes.addressof(buf) % 64) // 8 + 8
            table = (ctypes.c_uint64 * len(entry)).from_buffer(buf, 8 * first)
            for i, (name, _) in enumerate(entry):
                llvm.add_symbol(name + "_ptr", ctypes.addressof(table) + 8 * i)
            _STATE["table"], _STATE["table_buf"] = table, buf
        return _STATE["table"]


def _fill(addrs):
    table = _table()
    for i, a in enumerate(addrs):
        table[i] = a


def _work():
    """Background thread: build the library (in a child process, else here), cache it, link
    it, and switch the table to it if graphs already run on the stand-ins.  It never holds
    this module's lock while it waits for the engine's (the main thread may take them in the
    other order)."""
    try:
        entry = [n for n, _ in names(_vw())]
        obj = _build_in_child()
        try:
            addrs = engine.load_object(obj, entry, library=True) if obj else None
        except RuntimeError:  # the child's output did not link: build it here
            addrs = None
        if addrs is None:
            obj = _compile(_build_text())
            addrs = engine.load_object(obj, entry, library=True)
        cache.put(_key(), obj)
    except BaseException as e:  # noqa: BLE001 - the stand-ins stay; reported by wait()
        _STATE["error"] = e
        return
    with _LOCK:
        _STATE["obj"], _STATE["addrs"] = obj, addrs
        if _STATE["linked"]:
            _fill(addrs)
            _STATE["real"] = True


def _build_in_child():
    """The library's object code built by a fresh Python process (None if that fails).

    Why a process: llvmlite runs every LLVM call of a process behind one lock, so a build
    in a thread held up the graph compiling meanwhile (the MLP's first compile on an empty
    cache took 1.08 s instead of 0.25 s); a child process builds on another core."""
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    try:
        out = subprocess.run([sys.executable, "-c", "from graphtorch.codegen.llvm import "
                              "gemm_lib; gemm_lib._child()"], env=env, capture_output=True,
                             timeout=600, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 and out.stdout else None


def _child():
    """Entry of the builder process: the library's object code on stdout."""
    import sys
    sys.stdout.buffer.write(_compile(_build_text()))
    sys.stdout.flush()


def start():
    """Begin loading the library, once per process: a disk-cache hit is read now, a miss
    starts the build in the background."""
    with _LOCK:
        if _STATE["started"]:
            return
        _STATE["started"] = True
        engine.target_machine()  # LLVM's native target is initialised in this thread
        obj = cache.get(_key())
        if obj is not None:
            _STATE["obj"] = obj
            return
        t = threading.Thread(target=_work, name="graphtorch-gemm-lib", daemon=True)
        _STATE["thread"] = t
        t.start()


def ensure():
    """Make the kernels callable by objects linked after this call: the library's when it
    is loaded or in the disk cache, else the BLAS stand-ins until the build finishes."""
    if _STATE["linked"]:
        return
    start()
    with _LOCK:
        if _STATE["linked"]:
            return
        if _STATE["addrs"] is None and _STATE["obj"] is not None:
            _STATE["addrs"] = engine.load_object(_STATE["obj"], [n for n, _ in names(_vw())],
                                                 library=True)
        if _STATE["addrs"] is not None:
            _fill(_STATE["addrs"])
            _STATE["real"] = True
        else:
            _fill(_standins())
        _STATE["linked"] = True


def wait(timeout=None) -> bool:
    """Wait for a background build to finish; True when graphs now call the library's
    kernels (raises RuntimeError naming the cause if the build failed)."""
    t = _STATE["thread"]
    if t is not None:
        t.join(timeout)
    if _STATE["error"] is not None:
        raise RuntimeError(f"llvm backend: building the GEMM kernel library failed: "
                           f"{_STATE['error']}") from _STATE["error"]
    ensure()
    return _STATE["real"]


def state() -> str:
    """'kernels' (graphs call the library), 'standins' (BLAS until the build finishes) or
    'unlinked'."""
    return "kernels" if _STATE["real"] else "standins" if _STATE["linked"] else "unlinked"


# ------------------------------------------------------------------ BLAS stand-ins
def _standins():
    """Addresses of functions with the kernels' signature that call scipy's sgemm (row-major
    C (+)= A op(B) as the column-major C^T = op(B)^T A^T), one per kernel."""
    from .fnctx import F32, I8, I32, I64, PTR
    from .gemm_small import ARGS
    tm = engine.target_machine()
    mod = ir.Module(name="gt_gemm_standins")
    mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
    sgemm = ir.Function(mod, ir.FunctionType(ir.VoidType(), [PTR] * 13), "gt_blas_sgemm")
    entry = []
    for name, (tb, *_rest) in names(_vw()):
        f = ir.Function(mod, ir.FunctionType(ir.VoidType(), ARGS), name + "_blas")
        entry.append(f.name)
        a, bm, c, m, n, k, lda, ldb, ldc, acc = f.args
        b = ir.IRBuilder(f.append_basic_block())

        def cell(t, v):
            p = b.alloca(t)
            b.store(v, p)
            return p

        def ld32(v):  # BLAS wants a leading dimension >= 1 even for empty operands
            one = ir.Constant(I64, 1)
            return cell(I32, b.trunc(b.select(b.icmp_signed("<", v, one), one, v), I32))
        cells = [cell(I8, ir.Constant(I8, ord("T" if tb else "N"))),
                 cell(I8, ir.Constant(I8, ord("N"))),
                 cell(I32, b.trunc(n, I32)), cell(I32, b.trunc(m, I32)),
                 cell(I32, b.trunc(k, I32)), cell(F32, ir.Constant(F32, 1.0)), bm, ld32(ldb),
                 a, ld32(lda), cell(F32, b.select(acc, ir.Constant(F32, 1.0),
                                                  ir.Constant(F32, 0.0))), c, ld32(ldc)]
        empty = b.or_(b.icmp_signed("<=", m, ir.Constant(I64, 0)),
                      b.icmp_signed("<=", n, ir.Constant(I64, 0)))
        with b.if_then(b.not_(empty)):
            b.call(sgemm, cells)
        b.ret_void()
    with engine._LOCK:  # the global context and target machine
        mod_ref = llvm.parse_assembly(str(mod))
        engine.optimize(mod_ref, 1)
        obj = tm.emit_object(mod_ref)
    return engine.load_object(obj, entry, library=True)


def needed(obj: bytes) -> bool:
    """Whether a graph's object may call the library (also with the library switched off: an
    object from the disk cache may have been compiled with it; an unresolved kernel would be
    a null call)."""
    return b"gt_sgemm_small_" in obj


class _Callee:
    """A loaded kernel address called indirectly: llvmlite's ``call`` reads the callee's
    ``function_type``, which a plain pointer value does not carry."""

    def __init__(self, ptr, fnty):
        self._ptr, self.function_type = ptr, fnty

    def __getattr__(self, name):
        return getattr(self._ptr, name)


def declare(mod, tb, long_k=False, packed=False, tn=False):
    """The library kernel for (tb, long_k, packed, tn) as called from ``mod`` (a graph
    module): an inlined trampoline through the kernel's word of the address table."""
    from .fnctx import PTR
    from .gemm_small import ARGS
    for name, spec in names(_vw()):
        if spec == (tb, long_k, packed, tn):
            f = mod.globals.get(name)
            if f is None:
                _table()
                fnty = ir.FunctionType(ir.VoidType(), ARGS)
                slot = ir.GlobalVariable(mod, PTR, name + "_ptr")  # external: the table
                f = ir.Function(mod, fnty, name)
                f.linkage = "internal"
                f.attributes.add("alwaysinline")
                b = ir.IRBuilder(f.append_basic_block())
                b.call(_Callee(b.load(slot, typ=PTR), fnty), list(f.args))
                b.ret_void()
            start()  # a cache hit is read now; a miss starts the build
            return f
    raise KeyError((tb, long_k, packed, tn))
