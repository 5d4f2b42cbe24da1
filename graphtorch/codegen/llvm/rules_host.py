"""The host fallback: a node without native code calls back into Python, which runs the op's
eager kernel on numpy views of the node's buffers and writes the result into its output buffer.

It keeps every registry op usable inside a compiled graph (at the cost of one Python call for
that node); ``CompiledGraph.host_ops`` lists the ops that took this path so a user can see what
is not native.  Ops whose output sizes depend on the data cannot be planned ahead and make the
whole graph fall back to the interpreter instead."""
from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir

from ...ir import symbolic as S
from .fnctx import I32, I64, PTR
from .lower import LoweringError, dt_of
from .tensors import Buf, Scalar, TensorH

_HOST_SIG = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p)
HOST_SYMBOL = "gt_host_call"


def host_rule(lw, node, ins):
    if node.kind.endswith("_") or node.blocks:
        raise LoweringError(f"llvm backend: {node.where()} (in place or with blocks) has no "
                            f"native lowering")
    for v in node.outputs:
        t = v.type
        if not hasattr(t, "shape") or t.shape is None:
            raise LoweringError(f"llvm backend: {node.where()} returns {t}")
        lw._check_type(t, f"output of {node.where()}")
    args = []
    for h in ins:
        args.append(lw.realize(h) if isinstance(h, TensorH) else h)
    outs = [lw.new_buf(v.type.shape, dt_of(v.type), v, v.name) for v in node.outputs]
    call_id = len(lw.host_calls)
    attrs = {k: _resolve(lw, v) for k, v in node.attrs.items()}
    lw.host_calls.append((node, args, outs, attrs))

    def emit(fc):
        fn = fc.fn.module.globals.get(HOST_SYMBOL) or ir.Function(
            fc.fn.module, ir.FunctionType(I32, [I64, PTR, PTR]), HOST_SYMBOL)
        r = fc.b.call(fn, [ir.Constant(I64, call_id), fc.bufs, fc.slots])
        with fc.b.if_then(fc.b.icmp_signed("!=", r, ir.Constant(I32, 0)), likely=False):
            fc.b.ret(r)
    lw.emit_in_entry(emit, [h for h in args + outs if isinstance(h, TensorH)])
    return outs


def _resolve(lw, v):
    if isinstance(v, (list, tuple)):
        return type(v)(_resolve(lw, x) for x in v)
    if hasattr(v, "type") and hasattr(v, "node"):  # a Value: its handle
        return lw.handle(v)
    return v


def run_host_call(state, call):
    """Run one recorded host call with the current call's arrays (``state``: runtime._Call)."""
    node, args, outs, attrs = call
    from ...ops import registry as R
    op = R.get(node.kind)
    arrays = [state.array_of(h) if isinstance(h, Buf) else _scalar(state, h) for h in args]
    attrs = {k: _attr(state, v) for k, v in attrs.items()}
    if op.prepare is not None:
        arrays, _ = op.prepare(arrays)
    res = op.kernel(np, *arrays, **attrs)
    res = res if isinstance(res, tuple) else (res,)
    for buf, r in zip(outs, res):
        dst = state.array_of(buf)
        dst[...] = np.asarray(r).astype(dst.dtype, copy=False)


def _scalar(state, h):
    if isinstance(h, Scalar):
        if h.is_const:
            v = h.value
            return S.evaluate(v, state.env) if type(v) is S.Expr else v
        return state.slot_value(h)
    return h


def _attr(state, v):
    if type(v) is S.Expr:
        return S.evaluate(v, state.env)
    if isinstance(v, (list, tuple)):
        return type(v)(_attr(state, x) for x in v)
    if isinstance(v, Scalar):
        return _scalar(state, v)
    if isinstance(v, Buf):
        return state.array_of(v)
    return v


def or_host(fn):
    """Wrap rule ``fn`` so that a case it has no native code for (it raises
    NotImplementedError before emitting anything) runs through the host fallback instead of
    failing the whole graph."""
    def wrapped(lw, node, ins):
        try:
            return fn(lw, node, ins)
        except LoweringError:
            raise
        except NotImplementedError:
            return host_rule(lw, node, ins)
    wrapped.__name__ = getattr(fn, "__name__", "rule")
    wrapped.__doc__ = fn.__doc__
    return wrapped
