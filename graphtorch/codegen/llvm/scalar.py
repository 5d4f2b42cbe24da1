"""Scalar code for one element: dtype conversions and the arithmetic every rule shares.

Values are LLVM values of the register type of their dtype (``fnctx.LTYPE``: bool is ``i1``).
Floating point uses no fast-math flags, so +, -, *, / and sqrt round exactly as numpy does;
transcendental functions call the C library (``tanhf``, ...) or, for the common float32 ones,
the inline versions of vecmath.py."""
from __future__ import annotations

import os

from llvmlite import ir

from .fnctx import F32, F64, I1, LTYPE, const
from .vecmath import F32_FUNCS as VEC_F32

FLOATS = ("f32", "f64")
_FORCE_LIBM = os.environ.get("GRAPHTORCH_LLVM_LIBM", "") == "1"  # for comparisons
UNSIGNED = ("u8", "b8")


def is_float(dt):
    return dt in FLOATS


def cast(b, v, src: str, dst: str):
    """Convert ``v`` of dtype ``src`` to ``dst`` with C/numpy semantics."""
    if src == dst:
        return v
    if dst == "b8":
        if is_float(src):
            return b.fcmp_unordered("!=", v, ir.Constant(v.type, 0.0))
        return b.icmp_unsigned("!=", v, ir.Constant(v.type, 0))
    t = LTYPE[dst]
    if is_float(src) and is_float(dst):
        return b.fpext(v, t) if dst == "f64" else b.fptrunc(v, t)
    if is_float(dst):
        return b.uitofp(v, t) if src in UNSIGNED else b.sitofp(v, t)
    if is_float(src):
        return b.fptoui(v, t) if dst == "u8" else b.fptosi(v, t)
    sw, dw = v.type.width, t.width
    if sw == dw:
        return v
    if sw > dw:
        return b.trunc(v, t)
    return b.zext(v, t) if src in UNSIGNED else b.sext(v, t)


def declare(module, name, ret, args):
    fn = module.globals.get(name)
    if fn is None:
        fn = ir.Function(module, ir.FunctionType(ret, args), name)
    return fn


def intrinsic(b, name, dt, *args):
    """Call LLVM intrinsic ``llvm.<name>.<f32|f64>`` (vectorisable: sqrt, fabs, floor, ...)."""
    t = LTYPE[dt]
    suffix = "f32" if dt == "f32" else "f64"
    fn = declare(b.module, f"llvm.{name}.{suffix}", t, [t] * len(args))
    return b.call(fn, list(args))


def libm(b, name, dt, *args):
    """The C library's ``name`` (``namef`` for float32); float32 exp, expm1, log, log1p, tanh
    and erf are inlined instead (vecmath: vectorisable, within a few ulp of the C library)
    unless GRAPHTORCH_LLVM_LIBM=1."""
    inline = vec_f32(name) if dt == "f32" else None
    if inline is not None:
        return inline(b, *args)
    t = LTYPE[dt]
    fn = declare(b.module, name + ("f" if dt == "f32" else ""), t, [t] * len(args))
    return b.call(fn, list(args))


def vec_f32(name):
    """The inline float32 version of ``name`` (exp, expm1, log, log1p, tanh, erf, sigmoid;
    vecmath.py), or None: no such version, or GRAPHTORCH_LLVM_LIBM=1 asked for the C library."""
    return None if _FORCE_LIBM else VEC_F32.get(name)


def fconst(dt, x):
    return ir.Constant(LTYPE[dt], float(x))


def isnan(b, v):
    return b.fcmp_unordered("uno", v, v)


def select(b, c, x, y):
    return b.select(c, x, y)


def fmax_nan(b, dt, x, y):
    """numpy.maximum: NaN in either operand propagates."""
    if is_float(dt):
        return b.select(b.or_(b.fcmp_ordered(">", x, y), isnan(b, x)), x, y)
    return b.select(_icmp(b, dt, ">", x, y), x, y)


def fmin_nan(b, dt, x, y):
    if is_float(dt):
        return b.select(b.or_(b.fcmp_ordered("<", x, y), isnan(b, x)), x, y)
    return b.select(_icmp(b, dt, "<", x, y), x, y)


def _icmp(b, dt, op, x, y):
    return b.icmp_unsigned(op, x, y) if dt in UNSIGNED else b.icmp_signed(op, x, y)


_FCMP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def compare(b, dt, op, x, y):
    """``x <op> y`` as i1 (NaN compares unequal, as in numpy)."""
    if is_float(dt):
        if op == "ne":
            return b.fcmp_unordered("!=", x, y)
        return b.fcmp_ordered(_FCMP[op], x, y)
    return _icmp(b, dt, _FCMP[op], x, y)


def add(b, dt, x, y):
    if is_float(dt):
        return b.fadd(x, y)
    return b.or_(x, y) if dt == "b8" else b.add(x, y)


def sub(b, dt, x, y):
    return b.fsub(x, y) if is_float(dt) else b.sub(x, y)


def mul(b, dt, x, y):
    if is_float(dt):
        return b.fmul(x, y)
    return b.and_(x, y) if dt == "b8" else b.mul(x, y)


def neg(b, dt, x):
    return b.fneg(x) if is_float(dt) else b.neg(x)


def floor_div(b, dt, x, y):
    """Python floor division; integers divide by a zero divisor as 0 (never trap)."""
    if is_float(dt):
        # numpy: floor of the true quotient, computed via fmod for exactness
        mod = libm(b, "fmod", dt, x, y)
        div = b.fdiv(b.fsub(x, mod), y)
        fix = b.and_(b.fcmp_ordered("!=", mod, fconst(dt, 0)),
                     b.xor(b.fcmp_ordered("<", y, fconst(dt, 0)),
                           b.fcmp_ordered("<", mod, fconst(dt, 0))))
        div = b.select(fix, b.fsub(div, fconst(dt, 1)), div)
        fl = intrinsic(b, "floor", dt, div)
        fl = b.select(b.fcmp_ordered(">", b.fsub(div, fl), fconst(dt, 0.5)),
                      b.fadd(fl, fconst(dt, 1)), fl)
        q = b.select(b.fcmp_ordered("==", div, fconst(dt, 0)),
                     intrinsic(b, "copysign", dt, fconst(dt, 0), b.fdiv(x, y)), fl)
        return b.select(b.fcmp_ordered("==", y, fconst(dt, 0)), b.fdiv(x, y), q)
    zero = ir.Constant(x.type, 0)
    safe = b.select(b.icmp_signed("==", y, zero), ir.Constant(x.type, 1), y)
    if dt in UNSIGNED:
        return b.select(b.icmp_signed("==", y, zero), zero, b.udiv(x, safe))
    from .fnctx import floordiv
    return b.select(b.icmp_signed("==", y, zero), zero, floordiv(b, x, safe))


def remainder(b, dt, x, y):
    """Python's ``x % y`` (result has the divisor's sign)."""
    if is_float(dt):
        m = libm(b, "fmod", dt, x, y)
        fix = b.and_(b.fcmp_ordered("!=", m, fconst(dt, 0)),
                     b.xor(b.fcmp_ordered("<", m, fconst(dt, 0)),
                           b.fcmp_ordered("<", y, fconst(dt, 0))))
        m = b.select(fix, b.fadd(m, y), m)
        return b.select(b.fcmp_ordered("==", m, fconst(dt, 0)),
                        intrinsic(b, "copysign", dt, fconst(dt, 0), y), m)
    zero = ir.Constant(x.type, 0)
    safe = b.select(b.icmp_signed("==", y, zero), ir.Constant(x.type, 1), y)
    if dt in UNSIGNED:
        return b.select(b.icmp_signed("==", y, zero), zero, b.urem(x, safe))
    from .fnctx import floormod
    return b.select(b.icmp_signed("==", y, zero), zero, floormod(b, x, safe))


__all__ = ["cast", "intrinsic", "libm", "vec_f32", "compare", "fmax_nan", "fmin_nan", "floor_div",
           "remainder", "isnan", "F32", "F64", "I1", "const"]
