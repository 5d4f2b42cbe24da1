"""``@torch.jit.ignore`` functions run exactly as often as in eager, compilation included.

Compiling records the function by running it, so an ignored function is called while
compiling; the graph then runs on the same call's arguments and would call it again.  The
calls made while compiling are therefore logged with their arguments and results:

- a call made while a branch or loop body is recorded as a block is *speculative* (the
  recording of the branch not taken, or of a loop body that is then replayed); its result is
  kept, and the eager replay (or a re-recording, or the Python fallback) that makes the same
  call with equal arguments takes that result instead of calling again;
- the calls eager would make are logged in order; the first run of the new graph (right after
  compiling, on the same arguments) takes their results in order instead of calling again.

So a call counts once per eager call.  A block eager does not run now (the branch not taken,
a loop body that runs zero times) is still recorded, and the graph needs the types of the
results of its calls: they come from an earlier call of the same function on arguments of
the same types (a stand-in, its values are not used); only without one is the function
called there."""
from __future__ import annotations

import contextlib

import numpy as np

from ...eager.tensor import Tensor, wrap
from ...ir import symbolic as S
from .. import _pytree as P
from .. import _tracer as TR

__all__ = ["LOGS", "compiling", "logged_call", "first_run", "not_taken", "replayed"]

LOGS: list = []  # one _Log per compilation in progress
_NOT_TAKEN = [0]  # > 0 while recording a block eager does not run now
_PENDING: list = []  # the real calls of the compilation whose graph runs first


class _Log:
    def __init__(self):
        self.spec: list = []  # (f, key, result) of speculative calls not yet replayed
        self.real: list = []  # (f, key, result) of the calls eager makes, in order


def _snap(x):
    """A comparable, frozen copy of an argument leaf."""
    if isinstance(x, Tensor):
        return ("T", x._dtype, x._data.shape, x._data.tobytes())
    if type(x) is S.SymInt:
        return ("S", int.__int__(x))
    return ("C", x)


def _key(args, kwargs):
    leaves, spec = P.flatten((tuple(args), dict(kwargs)))
    try:
        return (spec, tuple(_snap(x) for x in leaves))
    except Exception:  # noqa: BLE001 - an argument that cannot be compared: never matched
        return object()


def _keep(result):
    """A copy of ``result`` (its tensors may be updated in place after the call)."""
    leaves, spec = P.flatten(result)
    return spec, [(x._dtype, np.array(x._data, copy=True)) if isinstance(x, Tensor) else x
                  for x in leaves]


def _give(kept):
    spec, leaves = kept
    out = []
    for x in leaves:
        if type(x) is tuple and len(x) == 2 and isinstance(x[1], np.ndarray):
            t = wrap(x[1].copy())
            t._dtype = x[0]
            out.append(t)
        else:
            out.append(x)
    return P.unflatten(spec, out)


def _take(entries, f, key):
    for i, (g, k, kept) in enumerate(entries):
        if g is f and k == key:
            del entries[i]
            return kept
    return None


def _speculative() -> bool:
    """Whether the code running now is the recording of a block (or the eager replay of a
    block inside such a recording), not what eager runs."""
    for tr in reversed(TR._CURRENT):
        if tr is not None:
            return tr.graph.insert_point is not tr.graph.block
    return False


def logged_call(f, args, kwargs, call):
    """``call()`` (which calls ignored ``f``) while compiling, logged (see the module)."""
    if not LOGS:
        return call()
    log = LOGS[-1]
    key = _key(args, kwargs)
    if _speculative():
        for g, k, kept in log.spec:  # the same call recorded again (another attempt)
            if g is f and k == key:
                return _give(kept)
        if _NOT_TAKEN[0]:
            kept = _stand_in(log, f, key)
            if kept is not None:
                return _give(kept)
        res = call()
        log.spec.append((f, key, _keep(res)))
        return res
    kept = _take(log.spec, f, key)
    res = call() if kept is None else _give(kept)
    log.real.append((f, key, _keep(res) if kept is None else kept))
    return res


@contextlib.contextmanager
def compiling(seed=None):
    """Log the ignored calls of one compilation; yields the log.  ``seed``: the log of an
    attempt that was abandoned to record the function again (see ``_state.Retrace``): its
    calls' results are taken by the same calls instead of calling again."""
    log = _Log()
    if seed is not None:
        log.spec = list(seed.spec) + list(seed.real)
    LOGS.append(log)
    try:
        yield log
    finally:
        LOGS.pop()


@contextlib.contextmanager
def first_run(comp):
    """The first run of ``comp`` after compiling it: its PythonCalls take the results of
    the calls compiling made (on the same arguments) instead of calling again."""
    real = getattr(comp, "_gt_ignored_calls", None)
    comp._gt_ignored_calls = None
    if not real:
        yield
        return
    _PENDING.append(list(real))
    try:
        yield
    finally:
        _PENDING.pop()


def replayed(f, args, kwargs):
    """(True, result) when the graph's first run takes a compile-time result for this
    call; (False, None) otherwise."""
    if not _PENDING or not _PENDING[-1]:
        return False, None
    kept = _take(_PENDING[-1], f, _key(args, kwargs))
    return (False, None) if kept is None else (True, _give(kept))


def _types(key):
    if type(key) is not tuple:
        return None
    spec, snaps = key
    return spec, tuple(x[:3] if x[0] == "T" else x for x in snaps)


def _stand_in(log, f, key):
    want = _types(key)
    for g, k, kept in log.real + log.spec:
        if g is f and want is not None and _types(k) == want:
            return kept
    return None


@contextlib.contextmanager
def not_taken(on=True):
    """Record a block that eager does not run now (see ``_stand_in``)."""
    _NOT_TAKEN[0] += bool(on)
    try:
        yield
    finally:
        _NOT_TAKEN[0] -= bool(on)
