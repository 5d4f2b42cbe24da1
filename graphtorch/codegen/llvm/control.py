"""Lowering of the structural node kinds: constants, sizes and scalar arithmetic, containers,
guards and fusion groups (If / Loop live in ``control_flow.py``).

Sizes are size expressions, not run-time values: ``size(%x, dim=0)`` of an ``f32[N, 3]`` is
the expression ``N``, and scalar arithmetic on such constants folds into new expressions, which
kernels then compute from the symbol slots."""
from __future__ import annotations

import operator

import numpy as np
from llvmlite import ir

from ...ir import symbolic as S
from .fnctx import I1, I32, I64, F64, const
from .rules_runtime_scalar import runtime_scalar
from .scalar import cast, compare
from .tensors import Scalar, TensorH


def _constant(lw, node, ins):
    v = node.attrs.get("value")
    if isinstance(v, np.ndarray):
        return [lw.const_buf(v)]
    if hasattr(v, "_data") and isinstance(getattr(v, "_data"), np.ndarray):  # a Tensor
        return [lw.const_buf(v._data)]
    return [Scalar(value=v)]


def _size(lw, node, ins):
    t = node.inputs[0].type
    dim = node.attrs.get("dim")
    shape = t.shape
    if dim is None:
        return [Scalar(value=tuple(shape))]
    return [Scalar(value=shape[dim % len(shape)])]


def _numel(lw, node, ins):
    n = 1
    for d in node.inputs[0].type.shape:
        n = S.mul(n, d)
    return [Scalar(value=n)]


_SYM_OPS = {"add": S.add, "sub": S.sub, "mul": S.mul, "floordiv": S.floordiv, "mod": S.mod}
_PY_OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
           "floordiv": operator.floordiv, "mod": operator.mod, "neg": operator.neg,
           "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
           "gt": operator.gt, "ge": operator.ge, "and": lambda a, b: a and b,
           "or": lambda a, b: a or b, "not": operator.not_, "float": float, "int": int,
           "bool": bool}


def _scalar(lw, node, ins):
    op = node.kind.split(".", 1)[1]
    if not all(isinstance(h, Scalar) and h.is_const for h in ins):
        # a tensor's number (int(t)) or arithmetic on run-time numbers: computed by the entry
        return runtime_scalar(lw, node, ins, op)
    vals = [h.value for h in ins]
    if any(S.is_symbolic(v) or type(v) is S.Expr for v in vals):
        if op in _SYM_OPS and all(type(v) in (int, S.Expr) for v in vals):
            return [Scalar(value=_SYM_OPS[op](*vals))]
        if op == "neg":
            return [Scalar(value=S.neg(vals[0]))]
        if op == "int":
            return [Scalar(value=vals[0])]
        return runtime_scalar(lw, node, ins, op)  # comparisons of sizes, float(size), ...
    return [Scalar(value=_PY_OPS[op](*vals))]


def _not_native(node, what):
    from .lower import LoweringError
    return LoweringError(f"llvm backend: {what} in {node.where()} is not supported natively")


def _tuple(lw, node, ins):
    return [tuple(ins)]


def _tuple_index(lw, node, ins):
    return [ins[0][node.attrs["index"]]]


def _unpack(lw, node, ins):
    return list(ins[0])


def _list_index(lw, node, ins):
    i = ins[1]
    if not (isinstance(i, Scalar) and i.is_const and type(i.value) is int):
        raise _not_native(node, "a run-time list index")
    return [ins[0][i.value]]


def _guard(lw, node, ins):
    a = node.attrs
    if not node.inputs:  # a size decision: checked by the runtime before any memory is touched
        lw.size_guards.append((a["lhs"], a["cmp"], a["rhs"], a.get("msg", ""), node.source)
                              + ((a["error"],) if a.get("error") else ()))  # an assertion
        return []
    return _data_guard(lw, node, ins[0])


def _data_guard(lw, node, h):
    """Check in native code that the traced tensor still converts to the recorded value."""
    kind, expected = node.attrs.get("kind"), node.attrs.get("expected")
    if not isinstance(h, TensorH) or kind not in ("bool", "int", "float", "item") \
            or isinstance(expected, (list, tuple)):
        from .lower import LoweringError
        raise LoweringError(f"llvm backend: cannot check {node.where()} natively")
    buf = lw.realize(h)
    lw.data_guards.append((node, buf))
    code = len(lw.data_guards)

    def emit(fc):
        b = fc.b
        v = buf.load_flat(fc, ir.Constant(I64, 0))
        if kind == "bool" or isinstance(expected, bool):
            ok = b.icmp_unsigned("==", cast(b, v, buf.dt, "b8"), ir.Constant(I1, int(bool(expected))))
        elif isinstance(expected, float) or kind == "float":
            ok = compare(b, "f64", "eq", cast(b, v, buf.dt, "f64"), ir.Constant(F64, float(expected)))
            if expected != expected:  # NaN recorded: NaN still passes
                ok = b.fcmp_unordered("uno", cast(b, v, buf.dt, "f64"), ir.Constant(F64, 0.0))
        else:
            ok = b.icmp_signed("==", cast(b, v, buf.dt, "i64"), const("i64", int(expected)))
        fail = b.append_basic_block("guard.fail")
        cont = b.append_basic_block("guard.ok")
        b.cbranch(ok, cont, fail)
        b.position_at_end(fail)
        b.ret(ir.Constant(I32, code))
        b.position_at_end(cont)
    lw.emit_in_entry(emit, [buf])
    return []


def _fusion(lw, node, ins):
    blk = node.blocks[0]
    for p, h in zip(blk.params, ins):
        lw.env[p] = h
    lw.lower_block(blk)
    return [lw.env[v] for v in blk.returns]


STRUCTURAL = {"Constant": _constant, "size": _size, "numel": _numel,
              "TupleConstruct": _tuple, "ListConstruct": _tuple, "TupleIndex": _tuple_index,
              "TupleUnpack": _unpack, "ListUnpack": _unpack, "ListIndex": _list_index,
              "Guard": _guard, "FusionGroup": _fusion}
for _k in _PY_OPS:
    STRUCTURAL[f"scalar.{_k}"] = _scalar


def _lazy_control():
    from . import control_flow
    STRUCTURAL.update(control_flow.STRUCTURAL)


try:
    _lazy_control()
except ImportError:  # If/Loop lowering not available: those graphs use the interpreter
    pass
