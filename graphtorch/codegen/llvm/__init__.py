"""The llvm CPU backend: an optimised graph becomes one LLVM module compiled in process by
llvmlite and called once per forward through ctypes (DESIGN.md "Backends: llvm")."""
from __future__ import annotations

from .compile import LoweringError, compile_graph, supported  # noqa: F401

__all__ = ["compile_graph", "supported", "LoweringError"]
