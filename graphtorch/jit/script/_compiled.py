"""Compiled variants of one scripted method: one graph per input signature.

A scripted function is recorded on the first call with each input structure and tensor
dtype/rank signature (Python int/float/bool arguments are run-time inputs, see ``_lifted``).  Sizes stay symbolic; a size or value decision the recording could not
keep in the graph is a guard, and a call that fails a guard (or a size the graph fixed)
records another variant instead of failing, so scripted code always behaves like Python."""
from __future__ import annotations

import contextlib
import io
import sys
import warnings

from ...amp._state import AMP
from ...eager.tensor import Tensor
from .. import _pytree as P
from .._module import _Compiled, run_trace
from .._record import record
from .._tracer import TracerWarning
from ._calls import PATHS
from ..frontend import NotSupportedError
from ._context import SCRIPTING, replay, tracer
from ._effects import pin_strings
from ._ignore_log import compiling
from .._numargs import lift
from ._numbers import NUMBERS, mark, restore_outputs
from ._state import RETRACE_OK, Retrace, Undefined

__all__ = ["Variants", "compile_trace", "MAX_VARIANTS"]

MAX_VARIANTS = 8

_RETRY = ("guard failed at", "the inputs' sizes disagree", "must have size",
          "traced graph: input")


def _retryable(e: Exception) -> bool:
    s = str(e)
    return any(m in s for m in _RETRY) or (s.startswith("input %") and " dim " in s)


def _buffered(comp) -> bool:
    """Whether ``comp`` prints (Print / PythonCall nodes) and may fail a guard after printing:
    its output is then held until the call succeeds, so a retried call prints once."""
    b = getattr(comp, "_gt_buffered", None)
    if b is None:
        kinds = {n.kind for n in comp.trace.graph.walk()}
        b = comp._gt_buffered = bool(kinds & {"Print", "PythonCall"}) and "Guard" in kinds
    return b


def _signature(flat):
    # the autocast state too: a graph recorded under autocast holds its casts (dispatch.call)
    return tuple((x._dtype, x._data.ndim) if isinstance(x, Tensor) else type(x)
                 for x in flat) + (AMP.dtype,)


class Variants:
    """The compiled graphs of one method, tried in order on each call."""

    def __init__(self):
        self.items: list = []  # (spec, signature, _Compiled)
        self.pinned: dict = {}  # number arguments compiled on their values -> line (_lifted)

    def run(self, norm, state_of):
        """(True, result) from the first variant that accepts ``norm``; (False, None) when
        none does."""
        seen = {}
        for s, g, comp in self.items:
            key = tuple(comp.trace.numbers.items())
            if key not in seen:  # the call as this variant's inputs (numbers lifted or not)
                lifted = lift(norm, comp.trace.numbers)
                seen[key] = None if lifted is None else (lifted, *P.flatten(lifted))
            if seen[key] is None:
                continue
            lifted, flat, spec = seen[key]
            if g != _signature(flat) or s != spec:
                continue
            try:
                comp.check(flat)
            except RuntimeError:
                continue
            try:
                if not _buffered(comp):
                    return True, run_trace(comp, lifted, state_of(comp), lifted=True)
                with contextlib.redirect_stdout(io.StringIO()) as buf:
                    out = run_trace(comp, lifted, state_of(comp), lifted=True)
                sys.stdout.write(buf.getvalue())
                return True, out
            except RuntimeError as e:
                if not _retryable(e):
                    raise
        return False, None

    def add(self, norm, comp):
        flat, spec = P.flatten(lift(norm, comp.trace.numbers))
        self.items.insert(0, (spec, _signature(flat), comp))
        del self.items[MAX_VARIANTS:]

    @property
    def latest(self):
        return self.items[0][2] if self.items else None


def compile_trace(fn, args, kwargs, module=None, sig_fn=None, paths=None, marks=(),
                  replay=True) -> _Compiled:
    """Record scripted ``fn`` on ``args``; returns the compiled graph.  An ``if`` that
    assigns a name in one branch only, read afterwards, is recorded again in Python.
    ``marks``: argument tensors that are Python numbers (``_numargs``); ``replay=False``
    raises a recording error without running the code again as Python."""
    seed = None
    RETRACE_OK[0] += 1
    try:
        for _ in range(_MAX_RETRACE):
            try:
                return _compile_trace(fn, args, kwargs, module, sig_fn, paths, seed, marks,
                                      replay)
            except Retrace as e:
                e.keys.add(e.key)
                seed = e.log
    finally:
        RETRACE_OK[0] -= 1
    return _compile_trace(fn, args, kwargs, module, sig_fn, paths, seed, marks, replay)


_MAX_RETRACE = 16


def _compile_trace(fn, args, kwargs, module, sig_fn, paths, seed, marks=(),
                   replay_errors=True) -> _Compiled:
    SCRIPTING[0] += 1
    PATHS.append(paths or {})
    NUMBERS.append(set())
    saved = _snapshot(args, kwargs, module)

    def run(*a, **k):
        for t in marks:  # Python number arguments: run-time numbers, as int(t) gives
            mark(tracer().lookup(t))
        # a returned f-string of traced values: guard what it shows
        return pin_strings(_defined(fn(*a, **k)))
    try:
        with warnings.catch_warnings(), compiling(seed) as log:
            warnings.simplefilter("ignore", TracerWarning)
            try:
                trace, _ = record(run, args, kwargs, module, strict=False, sig_fn=sig_fn or fn)
            except Retrace as e:
                e.log = log
                raise
        restore_outputs(trace.graph, trace.n_out, NUMBERS[-1])
    except Exception as e:
        _restore(saved)
        saved = ()
        if sig_fn is None or not replay_errors or isinstance(e, (NotSupportedError, Retrace)):
            raise
        # the code raises: run it as Python so the error (and what it printed or changed
        # before raising) is exactly Python's
        with replay():
            sig_fn(*args, **kwargs)
        raise
    finally:
        _restore(saved)
        NUMBERS.pop()
        PATHS.pop()
        SCRIPTING[0] -= 1
    comp = _Compiled(trace)
    comp._gt_ignored_calls = log.real  # the first run takes their results (_ignore_log)
    return comp


def _defined(out):
    """``out``, after reading every value in it: a returned name that is unassigned on this
    path raises UnboundLocalError (or records its ``if`` again, see ``UnstageIf``)."""
    if isinstance(out, Undefined):
        out._fail()
    elif isinstance(out, (tuple, list)):
        for x in out:
            _defined(x)
    elif isinstance(out, dict):
        for x in out.values():
            _defined(x)
    return out


def _snapshot(args, kwargs, module):
    """Copies of the data of every argument tensor and module parameter/buffer: recording
    runs the code once, and its in-place updates (``x += 1``, BatchNorm's running stats) must
    happen only once, when the compiled graph then runs on the call's arguments."""
    tensors = [t for t in P.flatten((args, kwargs))[0] if isinstance(t, Tensor)]
    if module is not None:
        tensors += [t for _, t in module.named_parameters()]
        tensors += [t for _, t in module.named_buffers()]
    seen, out = set(), []
    for t in tensors:
        if id(t) not in seen:
            seen.add(id(t))
            out.append((t, t._data, t._data.copy(), t._vc[0]))
    return out


def _restore(saved):
    for t, arr, copy, vc in saved:
        if t._data is arr and arr.shape == copy.shape:
            arr[...] = copy  # in place: views of the same memory see it too
        else:
            t._data = copy
        t._vc[0] = vc
