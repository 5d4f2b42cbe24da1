"""The ScriptFunction ``torch.jit.script(fn)`` returns."""
from __future__ import annotations

import inspect

from .._module import ScriptFunction, run_trace
from .._record import normalize_args
from ._calls import python_functions
from ._compiled import Variants
from ._lifted import compile_call
from ._ignore_log import first_run
from ._context import replaying, scripting, tracer
from ._numbers import inline_call
from ._types import check_call, signature_types

__all__ = ["ScriptedFunction", "not_compiled", "check_saveable"]


def not_compiled(what):
    return RuntimeError(
        f"{what} has not been compiled yet: torch.jit.script compiles on the first call "
        "for each input signature (dtype and rank of each tensor). Call it once, or pass "
        "example_inputs=[(args...)] to torch.jit.script, before reading .graph or .code or "
        "saving it")


def check_saveable(graphs, what):
    """Raise (as torch.jit.save does) if a graph calls back into Python
    (``@torch.jit.ignore``): a saved graph is loaded without the Python code."""
    for g in graphs:
        calls = python_functions(g)
        for sub in (getattr(g, "functions", None) or {}).values():
            calls += python_functions(sub)
        if calls:
            name, line = calls[0]
            short = name.rsplit(".", 1)[-1]
            raise RuntimeError(
                f"Could not export Python function call '{short}'. Remove calls to Python "
                f"functions before export (saving {what}: '{name}' is marked "
                f"@torch.jit.ignore and called at {line or '<unknown>'}); use "
                "@torch.jit.unused instead if the call is never taken")


class ScriptedFunction(ScriptFunction):
    """A scripted Python function: call it like the original; ``.graph`` (after the first
    call) holds the recorded IR with ``If``/``Loop`` nodes for data-dependent control flow."""

    def __init__(self, fn, converted):
        self._fn = fn
        self._conv = converted
        self._variants = Variants()
        self.__name__ = self.name = getattr(fn, "__name__", "forward")
        self.__qualname__ = getattr(fn, "__qualname__", self.name)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn
        self._types = signature_types(fn, getattr(converted, "_gt_type_comment", None))
        self._sig = inspect.signature(fn)

    @property
    def _comp(self):
        comp = self._variants.latest
        if comp is None:
            raise not_compiled(f"scripted function '{self.name}'")
        return comp

    def __call__(self, *args, **kwargs):
        if replaying():  # eager replay of a staged block: plain Python
            return self._fn(*args, **kwargs)
        if tracer() is not None:  # called while tracing or scripting: record inline
            with scripting():
                return inline_call(tracer(), self._conv, *args, **kwargs)
        if self._types:
            try:
                bound = self._sig.bind(*args, **kwargs)
            except TypeError as e:
                raise RuntimeError(f"{self.name}(): {e}") from None
            check_call(self._fn, self._types, bound)
        norm = normalize_args(self._fn, args, kwargs, RuntimeError)
        hit, out = self._variants.run(norm, lambda comp: ())
        if hit:
            return out
        comp = compile_call(self._variants, self._conv, args, kwargs, sig_fn=self._fn)
        self._variants.add(norm, comp)
        with first_run(comp):
            return run_trace(comp, norm, ())

    def graph_for(self, *args, **kwargs):
        """The graph compiled for these arguments (compiling it if needed)."""
        self(*args, **kwargs)
        return self._variants.latest.trace.graph

    def save(self, f, _extra_files=None):
        check_saveable([self.graph], f"scripted function '{self.name}'")
        super().save(f, _extra_files)

    def __repr__(self):
        return f"<graphtorch.jit.ScriptFunction {self.name} (scripted)>"
