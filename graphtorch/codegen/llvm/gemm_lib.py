"""The generated float32 GEMM kernels (gemm_small.py, gemm_packed.py) as one library object,
compiled once per machine and linked into every graph.

The kernels do not depend on the graph (only on the host's vector width), but LLVM took
most of a graph's compile time on them when each module carried its own copy: 685 ms at O3
for the four entry kernels and their micro kernels (the packed one alone 451 ms), against
~150-250 ms for the rest of the MLP.  So a graph module only *declares* them; the library is
compiled from the same generators, stored in the disk cache (keyed by the backend's sources
and the host CPU, like every object) and its functions are bound as external symbols before
a graph's object is linked.

The first compile on a machine builds the library in a background thread (its own LLVM
context and target machine), started when lowering first needs a kernel.  llvmlite
serialises every LLVM call behind one process-wide lock, so this overlaps only the graph's
Python-side lowering, not its LLVM work: on an empty cache the first graph pays the 0.73 s
once.
``GRAPHTORCH_LLVM_GEMM_LIB=0`` puts the kernels back into each module (comparisons)."""
from __future__ import annotations

import hashlib
import os
import threading

import llvmlite.binding as llvm
from llvmlite import ir

from . import cache, engine

__all__ = ["ENABLED", "names", "start", "ensure", "declare"]

ENABLED = os.environ.get("GRAPHTORCH_LLVM_GEMM_LIB", "1") != "0"
_STATE: dict = {"thread": None, "obj": None, "error": None, "linked": False}
_LOCK = threading.Lock()


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


def _work():
    try:
        key = _key()
        obj = cache.get(key)
        if obj is None:
            obj = _compile(_build_text())
            cache.put(key, obj)
        _STATE["obj"] = obj
    except BaseException as e:  # noqa: BLE001 - reported by ensure() in the caller's thread
        _STATE["error"] = e


def start():
    """Begin loading (or building) the library in the background, once per process."""
    with _LOCK:
        if _STATE["thread"] is None and not _STATE["linked"]:
            engine.target_machine()  # LLVM's native target is initialised in this thread
            t = threading.Thread(target=_work, name="graphtorch-gemm-lib", daemon=True)
            _STATE["thread"] = t
            t.start()


def ensure():
    """Make the library's kernels resolvable by objects linked after this call."""
    if _STATE["linked"]:
        return
    start()
    _STATE["thread"].join()
    with _LOCK:
        if _STATE["linked"]:
            return
        if _STATE["error"] is not None:
            err, _STATE["error"], _STATE["thread"] = _STATE["error"], None, None
            raise RuntimeError(f"llvm backend: building the GEMM kernel library failed: "
                               f"{err}") from err
        entry = [n for n, _ in names(_vw())]
        addrs = engine.load_object(_STATE["obj"], entry, library=True)
        for n, a in zip(entry, addrs):
            llvm.add_symbol(n, a)
        _STATE["linked"] = True


def needed(obj: bytes) -> bool:
    """Whether a graph's object may call the library (also with the library switched off: an
    object from the disk cache may have been compiled with it; an unresolved kernel would be
    a null call)."""
    return b"gt_sgemm_small_" in obj


def declare(mod, tb, long_k=False, packed=False, tn=False):
    """The library kernel for (tb, long_k, packed, tn) declared in ``mod`` (a graph
    module)."""
    for name, spec in names(_vw()):
        if spec == (tb, long_k, packed, tn):
            f = mod.globals.get(name)
            if f is None:
                from .gemm_small import ARGS
                f = ir.Function(mod, ir.FunctionType(ir.VoidType(), ARGS), name)
            start()  # the graph's own compile overlaps the library's
            return f
    raise KeyError((tb, long_k, packed, tn))
