"""``torch.compile`` and the ``torch.compiler`` namespace."""
from __future__ import annotations

from ._compile import BACKENDS, GuardFailure, OptimizedModule, compile  # noqa: F401
from ._inspect import compiled_graphs  # noqa: F401

__all__ = ["compile", "OptimizedModule", "GuardFailure", "reset", "is_compiling",
           "list_backends", "compiled_graphs"]


def reset():
    """Forget every in-process compiled graph (the disk cache is kept)."""
    from ..codegen.llvm import compile as c
    c._LOADED.clear()
    c._META.clear()


def is_compiling() -> bool:
    """True while graphtorch captures a graph for ``torch.compile`` (tracing)."""
    from ..jit import is_tracing
    return is_tracing()


def list_backends(exclude_tags=()):
    """Names of the backends ``torch.compile`` accepts."""
    return list(BACKENDS)
