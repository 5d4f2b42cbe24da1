"""Seeing what ``torch.compile`` generated: the compiled graphs of a compiled callable, and an
environment switch that writes every compiled graph's IR, LLVM IR and assembly to a folder."""
from __future__ import annotations

import os

__all__ = ["compiled_graphs", "dump"]

DUMP_ENV = "GRAPHTORCH_DUMP_DIR"


def compiled_graphs(compiled) -> list:
    """The native ``CompiledGraph`` objects behind ``compiled`` (the result of
    ``torch.compile``), one per captured input signature, in capture order.

    Each has ``.graph`` (the optimized graphtorch IR), ``.llvm_ir``, ``.kernels`` and
    ``.host_ops``; ``graphtorch.codegen.llvm.compile.optimized_ir(cg)`` and ``.assembly(cg)``
    give LLVM's optimized IR and the host assembly.  Captures that run on the interpreter
    (gradients, ``backend="interpreter"``, graphs the backend cannot lower) have none.
    """
    cache = getattr(compiled, "_gt_cache", None)
    if cache is None:
        raise TypeError(f"compiled_graphs expects the result of torch.compile, got "
                        f"{type(compiled).__name__}")
    out = []
    for entry in cache.entries.values():
        d = getattr(entry, "__dict__", {})
        comps = list(d.get("_compiled", {}).values()) or [d.get("_comp")]
        for comp in comps:
            native = getattr(getattr(comp, "interp", None), "native", None)
            if native is not None:
                out.append(native)
    return out


def dump(cg, name: str) -> str | None:
    """Write ``cg``'s optimized IR, LLVM IR (as generated and as optimized) and assembly to
    ``$GRAPHTORCH_DUMP_DIR`` (when set) as ``<name>_<key>.{graph.txt,ll,opt.ll,s}``; returns
    the common path prefix, or None when the switch is off."""
    folder = os.environ.get(DUMP_ENV)
    if not folder:
        return None
    from ..codegen.llvm.compile import assembly, optimized_ir
    os.makedirs(folder, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in name)[:60] or "graph"
    prefix = os.path.join(folder, f"{safe}_{cg.cache_key}")
    for ext, text in (("graph.txt", str(cg.graph)), ("ll", cg.llvm_ir),
                      ("opt.ll", optimized_ir(cg)), ("s", assembly(cg))):
        with open(f"{prefix}.{ext}", "w") as f:
            f.write(text)
    return prefix
