"""Export rules: elementwise ops (arithmetic, comparisons, math functions, logic).

Inputs are cast to the op's computation dtype first (PyTorch's promotion, already in the IR's
types), so the ONNX graph computes in exactly the dtype the interpreter does."""
from __future__ import annotations

import math

import numpy as np

from ...ops import dtypes as D
from .registry import rule
from .types import is_float

# ------------------------------------------------------------------ helpers


def common(ctx, idxs):
    """PyTorch's promoted dtype of inputs ``idxs`` (tensors by rank, then Python scalars)."""
    dims, zeros, scalars = [], [], []
    for i in idxs:
        if not ctx.has(i):
            continue
        dt = ctx.dtype(i)
        if ctx.is_scalar(i):
            scalars.append(dt)
        elif ctx.rank(i) == 0:
            zeros.append(dt)
        else:
            dims.append(dt)
    return D.result_type_from(dims, zeros, scalars)


def c(ctx, v, dt):
    """A constant of dtype ``dt``."""
    return ctx.const(np.asarray(v), dt)


def unary(onnx_op, **attrs):
    def fn(ctx):
        dt = ctx.out_dtype()
        return [ctx.emit(onnx_op, [ctx.tin(0, dt)], **attrs)]
    return fn


for _name, _op in {"abs": "Abs", "acos": "Acos", "acosh": "Acosh", "asin": "Asin",
                   "asinh": "Asinh", "atan": "Atan", "atanh": "Atanh", "ceil": "Ceil",
                   "cos": "Cos", "cosh": "Cosh", "erf": "Erf", "exp": "Exp",
                   "floor": "Floor", "log": "Log", "neg": "Neg", "reciprocal": "Reciprocal",
                   "relu": "Relu", "sigmoid": "Sigmoid", "sign": "Sign", "sgn": "Sign",
                   "sin": "Sin", "sinh": "Sinh", "sqrt": "Sqrt", "tan": "Tan",
                   "tanh": "Tanh"}.items():
    rule(_name)(unary(_op))


@rule("clone", "_indexing_alias")
def _identity(ctx):
    return [ctx.emit("Identity", [ctx.inp(0)])]


@rule("_to_copy")
def _to_copy(ctx):
    return [ctx.cast(ctx.inp(0), ctx.dtype(0), ctx.out_dtype()) if ctx.dtype(0) is not
            ctx.out_dtype() else ctx.emit("Identity", [ctx.inp(0)])]


def _x(ctx):
    return ctx.tin(0, ctx.out_dtype())


@rule("exp2")
def _exp2(ctx):
    dt = ctx.out_dtype()
    return [ctx.emit("Pow", [c(ctx, 2, dt), _x(ctx)])]


@rule("expm1")
def _expm1(ctx):
    dt = ctx.out_dtype()
    return [ctx.emit("Sub", [ctx.emit("Exp", [_x(ctx)]), c(ctx, 1, dt)])]


def _log_base(base):
    def fn(ctx):
        dt = ctx.out_dtype()
        return [ctx.emit("Div", [ctx.emit("Log", [_x(ctx)]), c(ctx, math.log(base), dt)])]
    return fn


rule("log10")(_log_base(10))
rule("log2")(_log_base(2))


@rule("log1p")
def _log1p(ctx):
    dt = ctx.out_dtype()
    return [ctx.emit("Log", [ctx.emit("Add", [_x(ctx), c(ctx, 1, dt)])])]


@rule("rsqrt")
def _rsqrt(ctx):
    return [ctx.emit("Reciprocal", [ctx.emit("Sqrt", [_x(ctx)])])]


@rule("erfc")
def _erfc(ctx):
    dt = ctx.out_dtype()
    return [ctx.emit("Sub", [c(ctx, 1, dt), ctx.emit("Erf", [_x(ctx)])])]


@rule("deg2rad", "rad2deg")
def _angle_units(ctx):
    f = math.pi / 180 if ctx.node.kind == "deg2rad" else 180 / math.pi
    return [ctx.emit("Mul", [_x(ctx), c(ctx, f, ctx.out_dtype())])]


def trunc(ctx, x, dt):
    if not is_float(dt):
        return x
    # Floor of |x| with x's sign: ONNX has no Trunc
    fl = ctx.emit("Floor", [ctx.emit("Abs", [x])])
    return ctx.emit("Mul", [ctx.emit("Sign", [x]), fl])


@rule("trunc")
def _trunc(ctx):
    dt = ctx.out_dtype()
    x = _x(ctx)
    # keep -0.0 and inf: where |x| < 2**52 take the floor formula, else x itself
    t = trunc(ctx, x, dt)
    return [ctx.emit("Where", [ctx.emit("IsInf", [x]), x, t])]


@rule("frac")
def _frac(ctx):
    dt = ctx.out_dtype()
    x = _x(ctx)
    return [ctx.emit("Sub", [x, trunc(ctx, x, dt)])]


@rule("round")
def _round(ctx):
    dt = ctx.out_dtype()
    x = _x(ctx)
    k = ctx.attr("decimals", 0) or 0
    if k == 0:
        return [ctx.emit("Round", [x])]
    f = c(ctx, 10.0 ** k, dt)
    return [ctx.emit("Div", [ctx.emit("Round", [ctx.emit("Mul", [x, f])]), f])]


def isnan(ctx, x, dt):
    if is_float(dt):
        return ctx.emit("IsNaN", [x])
    return ctx.emit("Equal", [x, ctx.emit("Neg", [ctx.emit("Abs", [x])])]) if False else \
        _false_like(ctx, x)


def _false_like(ctx, x):
    shape = ctx.emit("Shape", [x])
    return ctx.emit("Cast", [ctx.emit("ConstantOfShape", [shape])], to=9)


@rule("isnan")
def _isnan(ctx):
    return [isnan(ctx, ctx.inp(0), ctx.dtype(0))]


@rule("isinf", "isposinf", "isneginf")
def _isinf(ctx):
    x, dt = ctx.inp(0), ctx.dtype(0)
    if not is_float(dt):
        return [_false_like(ctx, x)]
    k = ctx.node.kind
    return [ctx.emit("IsInf", [x], detect_positive=int(k != "isneginf"),
                     detect_negative=int(k != "isposinf"))]


@rule("isfinite")
def _isfinite(ctx):
    x, dt = ctx.inp(0), ctx.dtype(0)
    if not is_float(dt):
        return [ctx.emit("Not", [_false_like(ctx, x)])]
    bad = ctx.emit("Or", [ctx.emit("IsInf", [x]), ctx.emit("IsNaN", [x])])
    return [ctx.emit("Not", [bad])]


@rule("isreal")
def _isreal(ctx):
    return [ctx.emit("Not", [_false_like(ctx, ctx.inp(0))])]


@rule("signbit")
def _signbit(ctx):
    x, dt = ctx.inp(0), ctx.dtype(0)
    if dt is D.bool or not dt.is_signed:
        return [_false_like(ctx, x)]
    if not is_float(dt):
        return [ctx.emit("Less", [x, c(ctx, 0, dt)])]
    # -0.0 has its sign bit set: 1/x is -inf there
    inv = ctx.emit("Div", [c(ctx, 1, dt), x])
    return [ctx.emit("Or", [ctx.emit("Less", [x, c(ctx, 0, dt)]),
                            ctx.emit("Less", [inv, c(ctx, 0, dt)])])]


@rule("angle")
def _angle(ctx):
    dt = ctx.out_dtype()
    x = _x(ctx)
    neg = ctx.emit("Cast", [ctx.emit("Less", [x, c(ctx, 0, dt)])], to=_onnx(dt))
    pi = ctx.emit("Mul", [neg, c(ctx, math.pi, dt)])
    return [ctx.emit("Where", [ctx.emit("IsNaN", [x]), x, pi])]


def _onnx(dt):
    from .types import to_onnx_dtype
    return to_onnx_dtype(dt)


@rule("sinc")
def _sinc(ctx):
    dt = ctx.out_dtype()
    x = _x(ctx)
    px = ctx.emit("Mul", [x, c(ctx, math.pi, dt)])
    zero = ctx.emit("Equal", [x, c(ctx, 0, dt)])
    safe = ctx.emit("Where", [zero, c(ctx, 1, dt), px])
    q = ctx.emit("Div", [ctx.emit("Sin", [safe]), safe])
    return [ctx.emit("Where", [zero, c(ctx, 1, dt), q])]


@rule("logit")
def _logit(ctx):
    dt = ctx.out_dtype()
    x = _x(ctx)
    eps = ctx.attr("eps")
    if eps is not None:
        x = ctx.emit("Max", [ctx.emit("Min", [x, c(ctx, 1 - eps, dt)]), c(ctx, eps, dt)])
    return [ctx.emit("Log", [ctx.emit("Div", [x, ctx.emit("Sub", [c(ctx, 1, dt), x])])])]


@rule("special_ndtr")
def _ndtr(ctx):
    dt = ctx.out_dtype()
    x = ctx.emit("Mul", [_x(ctx), c(ctx, 1 / math.sqrt(2), dt)])
    return [ctx.emit("Mul", [ctx.emit("Add", [ctx.emit("Erf", [x]), c(ctx, 1, dt)]),
                             c(ctx, 0.5, dt)])]


@rule("special_entr")
def _entr(ctx):
    dt = ctx.out_dtype()
    x = _x(ctx)
    v = ctx.emit("Neg", [ctx.emit("Mul", [x, ctx.emit("Log", [x])])])
    v = ctx.emit("Where", [ctx.emit("Equal", [x, c(ctx, 0, dt)]), c(ctx, 0, dt), v])
    return [ctx.emit("Where", [ctx.emit("Less", [x, c(ctx, 0, dt)]),
                               c(ctx, -np.inf, dt), v])]


# ------------------------------------------------------------------ binary arithmetic
def _two(ctx, dt=None):
    dt = dt or ctx.out_dtype()
    return ctx.tin(0, dt), ctx.tin(1, dt), dt


def binary(onnx_op):
    def fn(ctx):
        a, b, dt = _two(ctx)
        if dt is D.bool and onnx_op in ("Add", "Mul"):
            return [ctx.emit("Or" if onnx_op == "Add" else "And", [a, b])]
        return [ctx.emit(onnx_op, [a, b])]
    return fn


rule("add")(binary("Add"))
rule("sub")(binary("Sub"))
rule("mul")(binary("Mul"))


@rule("div")
def _div(ctx):
    a, b, dt = _two(ctx)
    return [ctx.emit("Div", [a, b])]


@rule("div_trunc")
def _div_trunc(ctx):
    a, b, dt = _two(ctx)
    q = ctx.emit("Div", [a, b])
    return [trunc(ctx, q, dt) if is_float(dt) else q]


def floor_div(ctx, a, b, dt):
    if is_float(dt):
        return ctx.emit("Floor", [ctx.emit("Div", [a, b])])
    m = ctx.emit("Mod", [a, b], fmod=0)
    return ctx.emit("Div", [ctx.emit("Sub", [a, m]), b])


@rule("floor_divide")
def _floor_divide(ctx):
    a, b, dt = _two(ctx)
    return [floor_div(ctx, a, b, dt)]


@rule("fmod")
def _fmod(ctx):
    a, b, dt = _two(ctx)
    return [ctx.emit("Mod", [a, b], fmod=1)]


@rule("remainder")
def _remainder(ctx):
    a, b, dt = _two(ctx)
    if not is_float(dt):
        return [ctx.emit("Mod", [a, b], fmod=0)]
    r = ctx.emit("Mod", [a, b], fmod=1)
    # Python's sign convention: add b where r and b have opposite signs
    fix = ctx.emit("And", [ctx.emit("Not", [ctx.emit("Equal", [r, c(ctx, 0, dt)])]),
                           ctx.emit("Not", [ctx.emit("Equal", [
                               ctx.emit("Less", [r, c(ctx, 0, dt)]),
                               ctx.emit("Less", [b, c(ctx, 0, dt)])])])])
    return [ctx.emit("Where", [fix, ctx.emit("Add", [r, b]), r])]


@rule("pow")
def _pow(ctx):
    a, b, dt = _two(ctx)
    return [ctx.emit("Pow", [a, b])]


def _nan_aware(op):
    def fn(ctx):
        a, b, dt = _two(ctx)
        if dt is D.bool:  # ONNX Max/Min order numbers only
            u = [ctx.cast(x, D.bool, D.uint8) for x in (a, b)]
            return [ctx.cast(ctx.emit(op, u), D.uint8, D.bool)]
        r = ctx.emit(op, [a, b])
        if not is_float(dt):
            return [r]
        kind = ctx.node.kind
        if kind in ("fmax", "fmin"):  # NaN only where both are NaN
            r = ctx.emit("Where", [ctx.emit("IsNaN", [a]), b, r])
            return [ctx.emit("Where", [ctx.emit("IsNaN", [b]), a, r])]
        nan = ctx.emit("Or", [ctx.emit("IsNaN", [a]), ctx.emit("IsNaN", [b])])
        return [ctx.emit("Where", [nan, ctx.emit("Add", [a, b]), r])]
    return fn


rule("maximum", "fmax")(_nan_aware("Max"))
rule("minimum", "fmin")(_nan_aware("Min"))


@rule("atan2")
def _atan2(ctx):
    y, x, dt = _two(ctx)
    zero, pi = c(ctx, 0, dt), c(ctx, math.pi, dt)
    base = ctx.emit("Atan", [ctx.emit("Div", [y, x])])
    xneg = ctx.emit("Less", [x, zero])
    yneg = ctx.emit("Less", [y, zero])
    shift = ctx.emit("Where", [yneg, ctx.emit("Neg", [pi]), pi])
    r = ctx.emit("Where", [xneg, ctx.emit("Add", [base, shift]), base])
    half = ctx.emit("Mul", [ctx.emit("Sign", [y]), c(ctx, math.pi / 2, dt)])
    return [ctx.emit("Where", [ctx.emit("Equal", [x, zero]), half, r])]


@rule("hypot")
def _hypot(ctx):
    a, b, dt = _two(ctx)
    s = ctx.emit("Add", [ctx.emit("Mul", [a, a]), ctx.emit("Mul", [b, b])])
    return [ctx.emit("Sqrt", [s])]


@rule("copysign")
def _copysign(ctx):
    a, b, dt = _two(ctx)
    inv = ctx.emit("Div", [c(ctx, 1, dt), b])
    neg = ctx.emit("Or", [ctx.emit("Less", [b, c(ctx, 0, dt)]),
                          ctx.emit("Less", [inv, c(ctx, 0, dt)])])
    m = ctx.emit("Abs", [a])
    return [ctx.emit("Where", [neg, ctx.emit("Neg", [m]), m])]


@rule("xlogy", "special_xlog1py")
def _xlogy(ctx):
    x, y, dt = _two(ctx)
    if ctx.node.kind == "special_xlog1py":
        y = ctx.emit("Add", [y, c(ctx, 1, dt)])
    v = ctx.emit("Mul", [x, ctx.emit("Log", [y])])
    v = ctx.emit("Where", [ctx.emit("Equal", [x, c(ctx, 0, dt)]), c(ctx, 0, dt), v])
    return [ctx.emit("Where", [ctx.emit("IsNaN", [y]), y, v])]


@rule("logaddexp", "logaddexp2")
def _logaddexp(ctx):
    a, b, dt = _two(ctx)
    two = ctx.node.kind == "logaddexp2"
    m = ctx.emit("Max", [a, b])
    d = ctx.emit("Neg", [ctx.emit("Abs", [ctx.emit("Sub", [a, b])])])
    if two:
        e = ctx.emit("Pow", [c(ctx, 2, dt), d])
        r = ctx.emit("Div", [ctx.emit("Log", [ctx.emit("Add", [e, c(ctx, 1, dt)])]),
                             c(ctx, math.log(2), dt)])
    else:
        r = ctx.emit("Log", [ctx.emit("Add", [ctx.emit("Exp", [d]), c(ctx, 1, dt)])])
    out = ctx.emit("Add", [m, r])
    same_inf = ctx.emit("And", [ctx.emit("IsInf", [a]), ctx.emit("Equal", [a, b])])
    return [ctx.emit("Where", [same_inf, a, out])]


@rule("ldexp")
def _ldexp(ctx):
    a, b, dt = _two(ctx)
    return [ctx.emit("Mul", [a, ctx.emit("Pow", [c(ctx, 2, dt), b])])]


@rule("heaviside")
def _heaviside(ctx):
    x, v, dt = _two(ctx)
    if dt is D.bool:  # heaviside(b, v) = v where b is False, else True
        return [ctx.emit("Or", [x, ctx.emit("And", [ctx.emit("Not", [x]), v])])]
    zero = c(ctx, 0, dt)
    pos = ctx.emit("Cast", [ctx.emit("Greater", [x, zero])], to=_onnx(dt))
    return [ctx.emit("Where", [ctx.emit("Equal", [x, zero]), v, pos])]


@rule("lerp")
def _lerp(ctx):
    dt = ctx.out_dtype()
    a, b, w = ctx.tin(0, dt), ctx.tin(1, dt), ctx.tin(2, dt)
    return [ctx.emit("Add", [a, ctx.emit("Mul", [w, ctx.emit("Sub", [b, a])])])]


@rule("addcmul", "addcdiv")
def _addc(ctx):
    dt = ctx.out_dtype()
    a, b, d = ctx.tin(0, dt), ctx.tin(1, dt), ctx.tin(2, dt)
    op = "Mul" if ctx.node.kind == "addcmul" else "Div"
    t = ctx.emit(op, [b, d])
    value = ctx.attr("value", 1)
    if value != 1:
        t = ctx.emit("Mul", [t, c(ctx, value, dt)])
    return [ctx.emit("Add", [a, t])]


# ------------------------------------------------------------------ clamp
@rule("clamp", "clamp_min", "clamp_max")
def _clamp(ctx):
    dt = ctx.out_dtype()
    if dt is D.bool:
        dt = D.uint8
    x = ctx.tin(0, dt)
    kind = ctx.node.kind
    lo = ctx.tin(1, dt) if kind in ("clamp", "clamp_min") else None
    hi = ctx.tin(2 if kind == "clamp" else 1, dt) if kind in ("clamp", "clamp_max") else None
    if lo is not None:
        x = ctx.emit("Max", [x, lo])
    if hi is not None:
        x = ctx.emit("Min", [x, hi])
    return [ctx.cast(x, dt, ctx.out_dtype())]
