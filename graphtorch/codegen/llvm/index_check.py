"""Native bounds checks of data-dependent indices (``select`` at a run-time index,
``index_select``, ``gather``, ``embedding``).

The element functions clamp an index into range so a bad one can never read outside memory;
this check runs first, in the entry, and makes the call fail with the error eager raises
(the runtime turns the status into IndexError / RuntimeError), so native code never returns
values where eager raises."""
from __future__ import annotations

from llvmlite import ir

from . import scalar as X
from .fnctx import I32, I64

ZERO = ir.Constant(I64, 0)


def status(lw, node, exc: str, msg: str) -> int:
    """A new failure status of the entry: the runtime raises ``exc(msg)`` naming the line."""
    from .runtime import GuardInfo
    lw.data_guards.append((GuardInfo({"kind": "index", "expected": (exc, msg)}, node.source),
                           None))
    return len(lw.data_guards)


def fail_unless(fc, ok, code: int) -> None:
    """Return ``code`` from the entry unless ``ok`` (i1) holds."""
    b = fc.b
    fail, cont = b.append_basic_block("index.fail"), b.append_basic_block("index.ok")
    b.cbranch(ok, cont, fail)
    b.position_at_end(fail)
    b.ret(ir.Constant(I32, code))
    b.position_at_end(cont)


def in_range(b, k, n, wrap: bool):
    """``0 <= k' < n`` with ``k' = k + n`` for a negative ``k`` when ``wrap``."""
    if wrap:
        k = b.select(b.icmp_signed("<", k, ZERO), b.add(k, n), k)
    return b.and_(b.icmp_signed(">=", k, ZERO), b.icmp_signed("<", k, n))


def check_tensor(lw, node, index, size, *, wrap: bool, exc: str, msg: str) -> None:
    """Every element of the integer tensor handle ``index`` must lie in [0, size) (after
    wrapping negatives when ``wrap``); checked in the entry before the consumer runs."""
    code = status(lw, node, exc, msg)

    def emit(fc):
        n = fc.size(size)

        def body(idx):
            k = X.cast(fc.b, index.load(fc, idx), index.dt, "i64")
            fail_unless(fc, in_range(fc.b, k, n, wrap), code)
        fc.nest([fc.size(d) for d in index.shape], body)
    lw.emit_in_entry(emit, [index])
