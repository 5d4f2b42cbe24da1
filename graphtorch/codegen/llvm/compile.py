"""The llvm backend's driver: pass pipeline, lowering, LLVM optimisation and codegen (or the
disk cache), linking, and the runtime object.

``compile_graph(graph)`` returns a ``CompiledGraph`` or raises ``LoweringError`` for a graph
the backend cannot lower (data-dependent sizes, unsupported control flow); callers fall back
to the interpreter then."""
from __future__ import annotations

import hashlib
import importlib
import threading

import llvmlite.binding as llvm
import numpy as np

from ...ir.parser import parse
from ...ir.passes import run_pipeline
from ...ir.printer import print_graph
from ...ops import registry as R
from . import cache, callshim, engine, runtime
from .lower import RULES, Lowering, LoweringError
from .runtime import CompiledGraph, host_address, input_meta

__all__ = ["compile_graph", "supported", "LoweringError", "VERSION"]

VERSION = "1"
_LOADED: dict = {}  # entry name -> function addresses (linked in this process)
_META: dict = {}    # metadata key -> what lowering produced (see _store_meta)
_LOCK = threading.Lock()
_HOST_BOUND = []


def _rules():
    # importing a rules module registers its rules
    from . import (creation_rules, rnn_cells, rules_addmm, rules_gemm, rules_index,  # noqa: F401
                   rules_math, rules_pointwise, rules_pool, rules_reduce, rules_scan,
                   rules_shuffle, rules_views)
    return RULES


def supported(name: str) -> bool:
    """Whether op ``name`` is kept for the llvm backend (a native rule, or no decomposition:
    then the host fallback runs it); everything else is decomposed first."""
    return name in _rules() or R.get(name).decomp is None


def compile_graph(graph, *, opt_level: int = 2, use_cache: bool = True, optimize_graph=True):
    """Compile ``graph`` to native code.

    Args:
        graph: an ``ir.Graph`` (copied; the argument is not modified).
        opt_level: LLVM optimisation level (0-3).  2 is the default: on the benchmark models
            it runs as fast as 3 (within noise) and compiles 1.3-3x faster (LeNet-5: 0.5 s vs
            1.5 s cold); ``torch.compile(mode="max-autotune")`` asks for 3.
        use_cache: read and write the on-disk cache (object code, and what lowering made of
            this graph: a hit skips the pass pipeline and lowering as well as LLVM).
        optimize_graph: run the pass pipeline (decomposing ops without a native rule) first.
    """
    _rules()
    _bind_host()
    key = None
    if use_cache and not graph.functions:
        text = print_graph(graph)  # (names large constants in graph.constants, as str() does)
        key = _graph_key(graph, text, opt_level, optimize_graph)
        cg = _from_meta(key, graph, text, opt_level, optimize_graph)
        if cg is not None:
            return cg
        g = _copy(graph, text)
    else:
        g = graph.copy()
    g_opt, lw, text, digest, names = _lower(g, opt_level, optimize_graph)
    with _LOCK:
        addrs = _LOADED.get(names[0])
        if addrs is None:
            obj = cache.get(digest) if use_cache else None
            if obj is None:
                obj, _ = engine.compile_ir(text, opt_level)
                if use_cache:
                    cache.put(digest, obj)
            addrs = _LOADED[names[0]] = engine.load_object(obj, names)
    meta = input_meta(lw)
    cg = _graph_object(g_opt, meta, addrs, text, digest, opt_level)
    if key is not None:
        _store_meta(key, meta, g_opt, digest, names)
    return cg


def _lower(g, opt_level, optimize_graph):
    """Pass pipeline and lowering of ``g`` (modified): (optimised graph, Lowering, LLVM IR text
    with the entry named after its hash, the hash, entry function names)."""
    if optimize_graph:
        g = run_pipeline(g, [n for n in _PASSES], backend="llvm", supported=supported)
    lw = Lowering(g).run()
    shim_ir = callshim.ir_text("gt_entry")  # the native front door, compiled with the graph
    text = str(lw.module) + shim_ir
    digest = hashlib.sha256((text + engine.host_key() + VERSION + str(opt_level))
                            .encode()).hexdigest()[:24]
    name = f"gt_entry_{digest}"
    text = text.replace("@gt_entry_shim(", f"@{name}_shim(")
    text = text.replace('@"gt_entry"', f"@{name}").replace("@gt_entry(", f"@{name}(")
    names = [name, name + "_shim"] if shim_ir else [name]
    return g, lw, text, digest, names


def _graph_object(graph, meta, addrs, llvm_ir, digest, opt_level):
    cg = CompiledGraph(graph, meta, addrs[0], llvm_ir=llvm_ir,
                       shim=addrs[1] if len(addrs) > 1 else None)
    cg.cache_key = digest
    cg.opt_level = opt_level
    return cg


# ------------------------------------------------------------------ the metadata cache
def _graph_key(g, text, opt_level, optimize_graph):
    """Hash of everything lowering reads: the captured graph's text (``text``: with its size
    hints), its constants' bytes, the options, the host, the backend's sources and tunables,
    and the call shim's layout."""
    h = hashlib.sha256(text.encode())
    for k in sorted(g.constants):
        a = np.ascontiguousarray(g.constants[k])
        h.update(f"|{k}:{a.dtype.str}:{a.shape}:".encode())
        h.update(a.tobytes())
    hints = (getattr(g, "meta", None) or {}).get("size_hints") or {}
    h.update(repr(sorted((str(k), str(v)) for k, v in hints.items())).encode())
    h.update(f"|{VERSION}|{opt_level}|{optimize_graph}|{engine.host_key()}|"
             f"{cache.source_stamp()}|{_tunables()}|{callshim.ir_text('gt_entry')}".encode())
    return "m" + h.hexdigest()[:31]


def _copy(graph, text):
    """``graph.copy()`` from its printed ``text`` (printing is most of a copy's cost)."""
    g = parse(text, constants=graph.constants)
    g.meta = {**graph.meta, **g.meta}
    return g


def _tunables() -> str:
    """Module-level settings of the backend (thresholds and switches tests may change).  A
    fixed module list: which modules happen to be imported must not change the key."""
    out = []
    for short in _TUNABLE_MODULES:
        mod = importlib.import_module(f"{__package__}.{short}")
        for k, v in sorted(vars(mod).items()):
            if k.lstrip("_").isupper() and type(v) in (int, float, bool, str, tuple):
                out.append(f"{short}.{k}={v!r}")
    return ";".join(out)


_TUNABLE_MODULES = ("creation_rules", "gemm_packed", "gemm_small", "gemm_tn", "rnn_pack",
                    "rnn_slices", "rnn_team", "rules_conv", "rules_gemm", "rules_norm",
                    "rules_softmax", "scalar", "threads", "vecmath")


def _store_meta(key, meta, g_opt, digest, names):
    portable = runtime.portable_meta(meta)
    if portable is None or getattr(g_opt, "functions", None):
        return
    consts = dict(g_opt.constants)
    entry = {"meta": portable, "graph": print_graph(g_opt), "graph_constants": consts,
             "digest": digest, "names": names}
    with _LOCK:
        _META[key] = entry
    data = cache.dumps(entry)
    cache.put(key, data, ext=".meta")


def _from_meta(key, graph, graph_text, opt_level, optimize_graph):
    """The compiled graph for metadata key ``key`` from this process or the disk cache (the
    object code must be there too), or None."""
    with _LOCK:
        entry = _META.get(key)
        if entry is None:
            data = cache.get(key, ext=".meta")
            entry = cache.loads(data) if data is not None else None
            if not _valid(entry):
                return None
        names, digest = entry["names"], entry["digest"]
        addrs = _LOADED.get(names[0])
        if addrs is None:
            obj = cache.get(digest)
            if obj is None:
                return None
            addrs = _LOADED[names[0]] = engine.load_object(obj, names)
        _META[key] = entry
    text, consts = entry["graph"], entry["graph_constants"]

    def optimized():
        return parse(text, constants=dict(consts))

    meta = dict(graph.meta)
    captured = dict(graph.constants)

    def llvm_ir():  # lowered again (from the captured graph's text), only for readers
        g = parse(graph_text, constants=captured)
        g.meta = {**meta, **g.meta}
        return _lower(g, opt_level, optimize_graph)[2]
    return _graph_object(optimized, entry["meta"], addrs, llvm_ir, digest, opt_level)


def _valid(entry) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("meta"), dict) and \
        isinstance(entry.get("names"), list) and isinstance(entry.get("digest"), str) and \
        isinstance(entry.get("graph"), str) and isinstance(entry.get("graph_constants"), dict)


_PASSES = ("inline", "simplify", "constant_fold", "cse", "dce", "bn_fold", "decompose",
           "simplify", "cse", "dce", "fusion")


def _bind_host():
    if not _HOST_BOUND:
        engine.target_machine()
        llvm.add_symbol("gt_host_call", host_address())
        _HOST_BOUND.append(True)


def assembly(cg) -> str:
    """The host assembly of a compiled graph (compiled again from its LLVM IR, for reading)."""
    mod = llvm.parse_assembly(cg.llvm_ir)
    engine.optimize(mod, cg.opt_level)
    return engine.target_machine().emit_assembly(mod)


def optimized_ir(cg) -> str:
    """The LLVM IR after LLVM's optimisation pipeline."""
    mod = llvm.parse_assembly(cg.llvm_ir)
    engine.optimize(mod, cg.opt_level)
    return str(mod)


