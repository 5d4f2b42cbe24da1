"""Unary math for the pointwise table: LLVM intrinsics where they exist (vectorisable: sqrt,
fabs, floor, ...), inline float32 versions of exp, tanh, erf, log, ... (vecmath.py, through
``scalar.libm``) and the C library otherwise.  Float-only functions
raise NotImplementedError for other compute dtypes (the op's meta already promoted integer
inputs to float where PyTorch does, so that only happens for odd dtypes)."""
from __future__ import annotations

import math

from llvmlite import ir

from . import scalar as X
from .rules_pointwise import _need_float, pw


def _lib(name, libname=None):
    @pw(name)
    def fn(b, dt, x):
        _need_float(dt)
        return X.libm(b, libname or name, dt, x)
    return fn


for _n in ("exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sin", "cos", "tan",
           "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "erf",
           "erfc", "lgamma"):
    _lib(_n)


def _intr(name, intr):
    @pw(name)
    def fn(b, dt, x):
        _need_float(dt)
        return X.intrinsic(b, intr, dt, x)
    return fn


_intr("sqrt", "sqrt")
_intr("floor", "floor")
_intr("ceil", "ceil")
_intr("trunc", "trunc")


@pw("round")
def _round(b, dt, x, decimals=0):
    if not X.is_float(dt):
        if decimals:
            raise NotImplementedError("integer round with decimals")
        return x
    if decimals:
        raise NotImplementedError("round with decimals")
    return X.intrinsic(b, "roundeven", dt, x)  # numpy rounds half to even


@pw("abs")
def _abs(b, dt, x):
    if X.is_float(dt):
        return X.intrinsic(b, "fabs", dt, x)
    if dt in X.UNSIGNED:
        return x
    return b.select(b.icmp_signed("<", x, ir.Constant(x.type, 0)), b.neg(x), x)


@pw("relu")
def _relu(b, dt, x):
    if X.is_float(dt):  # NaN passes through, as eager's maximum(x, 0)
        return b.select(b.fcmp_ordered("<", x, X.fconst(dt, 0.0)), X.fconst(dt, 0.0), x)
    if dt in X.UNSIGNED:
        return x
    return b.select(b.icmp_signed("<", x, ir.Constant(x.type, 0)), ir.Constant(x.type, 0), x)


@pw("sigmoid")
def _sigmoid(b, dt, x):
    _need_float(dt)
    if dt == "f32" and X.vec_f32("sigmoid"):
        return X.vec_f32("sigmoid")(b, x)
    one = X.fconst(dt, 1.0)
    return b.fdiv(one, b.fadd(one, X.libm(b, "exp", dt, b.fneg(x))))


@pw("rsqrt")
def _rsqrt(b, dt, x):
    _need_float(dt)
    return b.fdiv(X.fconst(dt, 1.0), X.intrinsic(b, "sqrt", dt, x))


@pw("reciprocal")
def _reciprocal(b, dt, x):
    _need_float(dt)
    return b.fdiv(X.fconst(dt, 1.0), x)


@pw("sign", "sgn")
def _sign(b, dt, x):
    if X.is_float(dt):
        pos = b.uitofp(b.fcmp_ordered(">", x, X.fconst(dt, 0.0)), x.type)
        neg = b.uitofp(b.fcmp_ordered("<", x, X.fconst(dt, 0.0)), x.type)
        s = b.fsub(pos, neg)
        return b.select(X.isnan(b, x), x, s)
    if dt == "b8":
        return x
    zero = ir.Constant(x.type, 0)
    pos = b.zext(X.compare(b, dt, "gt", x, zero), x.type)
    neg = b.zext(X.compare(b, dt, "lt", x, zero), x.type)
    return b.sub(pos, neg)


@pw("frac")
def _frac(b, dt, x):
    _need_float(dt)
    return b.fsub(x, X.intrinsic(b, "trunc", dt, x))


@pw("deg2rad")
def _deg2rad(b, dt, x):
    _need_float(dt)
    return b.fmul(x, X.fconst(dt, math.pi / 180.0))


@pw("rad2deg")
def _rad2deg(b, dt, x):
    _need_float(dt)
    return b.fmul(x, X.fconst(dt, 180.0 / math.pi))


@pw("signbit", boolean=True)
def _signbit(b, dt, x):
    if X.is_float(dt):
        bits = b.bitcast(x, ir.IntType(x.type.width if hasattr(x.type, "width")
                                       else (32 if dt == "f32" else 64)))
        return b.icmp_signed("<", bits, ir.Constant(bits.type, 0))
    if dt in X.UNSIGNED:
        return ir.Constant(X.I1, 0)
    return b.icmp_signed("<", x, ir.Constant(x.type, 0))


@pw("gelu")
def _gelu(b, dt, x, approximate="none"):
    """GELU kept whole instead of decomposed: x / sqrt(2) becomes x * (1 / sqrt(2)) (as in
    PyTorch's CPU kernel; a vdivps per 16 lanes was ~10% of gelu_ln b64) and the input, read
    twice, is not materialised for that (it cost a pass over memory in gelu_ln)."""
    _need_float(dt)
    half_x = b.fmul(X.fconst(dt, 0.5), x)
    if approximate == "tanh":
        inner = b.fadd(x, b.fmul(X.fconst(dt, 0.044715), b.fmul(b.fmul(x, x), x)))
        t = X.libm(b, "tanh", dt, b.fmul(X.fconst(dt, math.sqrt(2.0 / math.pi)), inner))
    else:
        t = X.libm(b, "erf", dt, b.fmul(x, X.fconst(dt, math.sqrt(0.5))))
    return b.fmul(half_x, b.fadd(X.fconst(dt, 1.0), t))
