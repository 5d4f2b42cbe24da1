"""torch.jit: tracing (and, later, scripting) Python into graphtorch's IR.

``trace`` records a module or function into a graph with symbolic sizes and guards;
``save``/``load`` write and read compiled modules without Python code; ``freeze`` and
``optimize_for_inference`` turn parameters into constants and run the pass pipeline."""
from __future__ import annotations

from ._api import (Final, annotate, export, ignore, is_scripting, is_tracing,  # noqa: F401
                   script_if_tracing, unused)
from ._module import ScriptFunction, ScriptModule, TracedModule  # noqa: F401
from ._trace import TracingCheckError, trace, trace_module  # noqa: F401
from ._tracer import TracerWarning  # noqa: F401
from . import frontend  # noqa: F401,E402
from .script import script  # noqa: F401,E402

__all__ = ["trace", "trace_module", "ScriptModule", "ScriptFunction", "TracedModule",
           "TracingCheckError", "TracerWarning", "is_tracing", "is_scripting", "annotate",
           "ignore", "unused", "export", "Final", "script_if_tracing", "save", "load",
           "freeze", "optimize_for_inference", "script", "frontend"]


def __getattr__(name):
    # save/load/freeze live in modules that import the pass pipeline: load them on first use
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    if name in ("freeze", "optimize_for_inference"):
        from . import _freeze
        return getattr(_freeze, name)
    raise AttributeError(f"module 'graphtorch.jit' has no attribute '{name}'")
