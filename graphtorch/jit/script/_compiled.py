"""Compiled variants of one scripted method: one graph per input signature.

A scripted function is recorded on the first call with each input structure and tensor
dtype/rank signature.  Sizes stay symbolic; a size or value decision the recording could not
keep in the graph is a guard, and a call that fails a guard (or a size the graph fixed)
records another variant instead of failing, so scripted code always behaves like Python."""
from __future__ import annotations

import warnings

from ...eager.tensor import Tensor
from .. import _pytree as P
from .._module import _Compiled, run_trace
from .._record import record
from .._tracer import TracerWarning
from ._calls import PATHS
from ._context import SCRIPTING

__all__ = ["Variants", "compile_trace", "MAX_VARIANTS"]

MAX_VARIANTS = 8

_RETRY = ("guard failed at", "the inputs' sizes disagree", "must have size",
          "traced graph: input")


def _retryable(e: Exception) -> bool:
    s = str(e)
    return any(m in s for m in _RETRY) or (s.startswith("input %") and " dim " in s)


def _signature(flat):
    return tuple((x._dtype, x._data.ndim) if isinstance(x, Tensor) else type(x)
                 for x in flat)


class Variants:
    """The compiled graphs of one method, tried in order on each call."""

    def __init__(self):
        self.items: list = []  # (spec, signature, _Compiled)

    def run(self, norm, state_of):
        """(True, result) from the first variant that accepts ``norm``; (False, None) when
        none does."""
        flat, spec = P.flatten(norm)
        sig = _signature(flat)
        for s, g, comp in self.items:
            if g != sig or s != spec:
                continue
            try:
                comp.check(flat)
            except RuntimeError:
                continue
            try:
                return True, run_trace(comp, norm, state_of(comp))
            except RuntimeError as e:
                if not _retryable(e):
                    raise
        return False, None

    def add(self, norm, comp):
        flat, spec = P.flatten(norm)
        self.items.insert(0, (spec, _signature(flat), comp))
        del self.items[MAX_VARIANTS:]

    @property
    def latest(self):
        return self.items[0][2] if self.items else None


def compile_trace(fn, args, kwargs, module=None, sig_fn=None, paths=None) -> _Compiled:
    """Record scripted ``fn`` on ``args``; returns the compiled graph."""
    SCRIPTING[0] += 1
    PATHS.append(paths or {})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TracerWarning)
            trace, _ = record(fn, args, kwargs, module, strict=False, sig_fn=sig_fn)
    finally:
        PATHS.pop()
        SCRIPTING[0] -= 1
    return _Compiled(trace)
