"""Export rules: comparisons, logic and bitwise ops, isclose, nan_to_num, where, fill/copy."""
from __future__ import annotations

import numpy as np

from ...ops import dtypes as D
from .registry import rule
from .rules_pointwise import _two, _x, c, common, floor_div
from .types import is_float


# ------------------------------------------------------------------ comparisons & logic
def compare(onnx_op, negate=False):
    def fn(ctx):
        dt = common(ctx, (0, 1))
        a, b = ctx.tin(0, dt), ctx.tin(1, dt)
        if dt is D.bool and onnx_op != "Equal":  # ONNX orders numbers only
            a, b = ctx.cast(a, D.bool, D.uint8), ctx.cast(b, D.bool, D.uint8)
        r = ctx.emit(onnx_op, [a, b])
        return [ctx.emit("Not", [r]) if negate else r]
    return fn


rule("eq")(compare("Equal"))
rule("ne")(compare("Equal", negate=True))
rule("lt")(compare("Less"))
rule("le")(compare("LessOrEqual"))
rule("gt")(compare("Greater"))
rule("ge")(compare("GreaterOrEqual"))


def logical(onnx_op):
    def fn(ctx):
        ins = [ctx.tin(i, D.bool) for i in range(len(ctx.node.inputs))]
        return [ctx.cast(ctx.emit(onnx_op, ins), D.bool, ctx.out_dtype())]
    return fn


rule("logical_and")(logical("And"))
rule("logical_or")(logical("Or"))
rule("logical_xor")(logical("Xor"))
rule("logical_not")(logical("Not"))


def bitwise(onnx_op, bool_op):
    def fn(ctx):
        dt = ctx.out_dtype()
        ins = [ctx.tin(i, dt) for i in range(len(ctx.node.inputs))]
        return [ctx.emit(bool_op if dt is D.bool else onnx_op, ins)]
    return fn


for _n, _o, _b in (("bitwise_and", "BitwiseAnd", "And"), ("bitwise_or", "BitwiseOr", "Or"),
                   ("bitwise_xor", "BitwiseXor", "Xor"), ("bitwise_not", "BitwiseNot", "Not")):
    rule(_n, opset=18)(bitwise(_o, _b))


@rule("bitwise_left_shift", "bitwise_right_shift")
def _shift(ctx):
    a, b, dt = _two(ctx)
    # signed shifts as arithmetic: ONNX's BitShift takes unsigned types only
    p = ctx.emit("Pow", [c(ctx, 2, dt), b])
    if ctx.node.kind == "bitwise_left_shift":
        return [ctx.emit("Mul", [a, p])]
    return [floor_div(ctx, a, p, dt)]


@rule("isclose")
def _isclose(ctx):
    dt = common(ctx, (0, 1))
    a, b = ctx.tin(0, dt), ctx.tin(1, dt)
    rtol, atol = ctx.attr("rtol", 1e-5), ctx.attr("atol", 1e-8)
    cd = dt if is_float(dt) else D.float64
    fa, fb = ctx.cast(a, dt, cd), ctx.cast(b, dt, cd)
    diff = ctx.emit("Abs", [ctx.emit("Sub", [fa, fb])])
    tol = ctx.emit("Add", [c(ctx, atol, cd), ctx.emit("Mul", [c(ctx, rtol, cd),
                                                              ctx.emit("Abs", [fb])])])
    r = ctx.emit("Or", [ctx.emit("Equal", [fa, fb]), ctx.emit("LessOrEqual", [diff, tol])])
    if is_float(dt):
        inf = ctx.emit("Or", [ctx.emit("IsInf", [fa]), ctx.emit("IsInf", [fb])])
        r = ctx.emit("Or", [ctx.emit("And", [inf, ctx.emit("Equal", [fa, fb])]),
                            ctx.emit("And", [ctx.emit("Not", [inf]), r])])
        if ctx.attr("equal_nan", False):
            both = ctx.emit("And", [ctx.emit("IsNaN", [fa]), ctx.emit("IsNaN", [fb])])
            r = ctx.emit("Or", [r, both])
    return [r]


@rule("nan_to_num")
def _nan_to_num(ctx):
    dt = ctx.out_dtype()
    x = _x(ctx)
    if not is_float(dt):
        return [ctx.emit("Identity", [x])]
    fi = np.finfo(dt.np)
    nan = ctx.attr("nan") or 0.0
    pos = ctx.attr("posinf")
    neg = ctx.attr("neginf")
    pos = float(fi.max) if pos is None else pos
    neg = float(fi.min) if neg is None else neg
    x = ctx.emit("Where", [ctx.emit("IsNaN", [x]), c(ctx, nan, dt), x])
    x = ctx.emit("Where", [ctx.emit("IsInf", [x], detect_negative=0), c(ctx, pos, dt), x])
    return [ctx.emit("Where", [ctx.emit("IsInf", [x], detect_positive=0), c(ctx, neg, dt), x])]


@rule("_where_ew")
def _where(ctx):
    dt = ctx.out_dtype()
    return [ctx.emit("Where", [ctx.tin(0, D.bool), ctx.tin(1, dt), ctx.tin(2, dt)])]


@rule("fill")
def _fill(ctx):
    dt = ctx.out_dtype()
    return [ctx.emit("Expand", [ctx.tin(1, dt), ctx.emit("Shape", [ctx.inp(0)])])]


@rule("copy")
def _copy(ctx):
    dt = ctx.out_dtype()
    return [ctx.emit("Expand", [ctx.tin(1, dt), ctx.emit("Shape", [ctx.inp(0)])])]
