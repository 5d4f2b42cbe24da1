"""More pointwise functions for the fused element table: logit, nan_to_num, sinc, xlogy /
xlog1py, entr, heaviside, logaddexp(2), fmax / fmin, truncating division, ldexp, nextafter,
bit shifts, integer fmod, masked_fill, fill, copy.

Each mirrors the eager (numpy) kernel's formula step by step, so the rounding is the same up to
the C library's last bit.  Integer division by zero, which the eager kernels reject with an
error, gives 0 in native code (no error can be raised from inside a fused loop)."""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir

from ...ops import registry as R
from . import scalar as X
from .fnctx import const
from .lower import rule
from .rules_pointwise import FN, _need_float, _with_host_fallback, pw

F = X.fconst
NEW = []


def new(*names, boolean=False):
    """``pw`` for names registered after rules_pointwise.register_all() ran."""
    NEW.extend(names)
    return pw(*names, boolean=boolean)


@new("logit")
def _logit(b, dt, x, eps=None):
    _need_float(dt)
    if eps is not None:  # numpy.clip: NaN passes through
        x = X.fmin_nan(b, dt, X.fmax_nan(b, dt, x, F(dt, eps)), F(dt, 1 - eps))
    return X.libm(b, "log", dt, b.fdiv(x, b.fsub(F(dt, 1.0), x)))


@new("nan_to_num")
def _nan_to_num(b, dt, x, nan=0.0, posinf=None, neginf=None):
    if not X.is_float(dt):
        return x
    info = np.finfo(np.float32 if dt == "f32" else np.float64)
    hi = float(info.max) if posinf is None else posinf
    lo = float(info.min) if neginf is None else neginf
    x = b.select(X.isnan(b, x), F(dt, nan), x)
    x = b.select(b.fcmp_ordered("==", x, F(dt, math.inf)), F(dt, hi), x)
    return b.select(b.fcmp_ordered("==", x, F(dt, -math.inf)), F(dt, lo), x)


@new("sinc")
def _sinc(b, dt, x):
    _need_float(dt)
    # numpy: y = pi * where(x == 0, 1e-20, x); sin(y) / y
    y = b.fmul(b.select(b.fcmp_ordered("==", x, F(dt, 0.0)), F(dt, 1e-20), x), F(dt, math.pi))
    return b.fdiv(X.libm(b, "sin", dt, y), y)


def _xlog(fname):
    def fn(b, dt, a, y):
        _need_float(dt)
        r = b.fmul(a, X.libm(b, fname, dt, y))
        zero = b.and_(b.fcmp_ordered("==", a, F(dt, 0.0)), b.not_(X.isnan(b, y)))
        return b.select(zero, F(dt, 0.0), r)
    return fn


new("xlogy")(_xlog("log"))
new("special_xlog1py")(_xlog("log1p"))


@new("special_entr")
def _entr(b, dt, x):
    _need_float(dt)
    pos = b.fcmp_ordered(">", x, F(dt, 0.0))
    safe = b.select(pos, x, F(dt, 1.0))
    v = b.fmul(b.fneg(x), X.libm(b, "log", dt, safe))
    v = b.select(pos, v, b.select(b.fcmp_ordered("==", x, F(dt, 0.0)), F(dt, 0.0),
                                  F(dt, -math.inf)))
    return b.select(X.isnan(b, x), x, v)


@new("heaviside")
def _heaviside(b, dt, a, y):
    zero = const(dt, 0)
    step = X.cast(b, X.compare(b, dt, "gt", a, zero), "b8", dt)
    return b.select(X.compare(b, dt, "eq", a, zero), y, step)


@new("logaddexp")
def _logaddexp(b, dt, x, y):
    """numpy's npy_logaddexp: log(2) added when equal (infinities included), else the larger
    plus log1p(exp(-|x - y|)); NaN propagates."""
    _need_float(dt)
    d = b.fsub(x, y)
    pos = b.fadd(x, X.libm(b, "log1p", dt, X.libm(b, "exp", dt, b.fneg(d))))
    neg = b.fadd(y, X.libm(b, "log1p", dt, X.libm(b, "exp", dt, d)))
    r = b.select(b.fcmp_ordered(">", d, F(dt, 0.0)), pos,
                 b.select(b.fcmp_ordered("<=", d, F(dt, 0.0)), neg, d))
    return b.select(b.fcmp_ordered("==", x, y), b.fadd(x, F(dt, math.log(2.0))), r)


@new("logaddexp2")
def _logaddexp2(b, dt, x, y):
    _need_float(dt)
    log2e = F(dt, 1.0 / math.log(2.0))

    def log2_1p(v):
        return b.fmul(log2e, X.libm(b, "log1p", dt, v))
    d = b.fsub(x, y)
    pos = b.fadd(x, log2_1p(X.libm(b, "exp2", dt, b.fneg(d))))
    neg = b.fadd(y, log2_1p(X.libm(b, "exp2", dt, d)))
    r = b.select(b.fcmp_ordered(">", d, F(dt, 0.0)), pos,
                 b.select(b.fcmp_ordered("<=", d, F(dt, 0.0)), neg, d))
    return b.select(b.fcmp_ordered("==", x, y), b.fadd(x, F(dt, 1.0)), r)


@new("fmax")
def _fmax(b, dt, x, y):
    if not X.is_float(dt):
        return X.fmax_nan(b, dt, x, y)
    return b.select(b.or_(b.fcmp_ordered(">=", x, y), X.isnan(b, y)), x, y)


@new("fmin")
def _fmin(b, dt, x, y):
    if not X.is_float(dt):
        return X.fmin_nan(b, dt, x, y)
    return b.select(b.or_(b.fcmp_ordered("<=", x, y), X.isnan(b, y)), x, y)


@new("div_trunc")
def _div_trunc(b, dt, x, y):
    if X.is_float(dt):
        return X.intrinsic(b, "trunc", dt, b.fdiv(x, y))
    if dt == "b8":
        raise NotImplementedError("bool division")
    zero = ir.Constant(x.type, 0)
    is0 = b.icmp_signed("==", y, zero)
    safe = b.select(is0, ir.Constant(x.type, 1), y)
    q = b.udiv(x, safe) if dt in X.UNSIGNED else b.sdiv(x, safe)  # C division truncates
    return b.select(is0, zero, q)


@new("ldexp")
def _ldexp(b, dt, x, e):
    _need_float(dt)
    return b.fmul(x, X.libm(b, "exp2", dt, e))


@new("nextafter")
def _nextafter(b, dt, x, y):
    _need_float(dt)
    return X.libm(b, "nextafter", dt, x, y)


def _shift(left):
    def fn(b, dt, x, s):
        if X.is_float(dt) or dt == "b8":
            raise NotImplementedError("shift of a non-integer")
        width = ir.Constant(x.type, x.type.width)
        big = b.icmp_unsigned(">=", s, width)  # negative or >= the width (as unsigned)
        safe = b.select(big, ir.Constant(x.type, 0), s)
        if left:
            return b.select(big, ir.Constant(x.type, 0), b.shl(x, safe))
        r = b.lshr(x, safe) if dt in X.UNSIGNED else b.ashr(x, safe)
        fill = ir.Constant(x.type, 0) if dt in X.UNSIGNED else \
            b.ashr(x, ir.Constant(x.type, x.type.width - 1))  # -1 for negatives, else 0
        return b.select(big, fill, r)
    return fn


new("bitwise_left_shift")(_shift(True))
new("bitwise_right_shift")(_shift(False))


_float_fmod = FN["fmod"]


@pw("fmod")  # already a rule: extends the table entry to integers
def _fmod(b, dt, x, y):
    if X.is_float(dt):
        return _float_fmod(b, dt, x, y)
    if dt == "b8":
        raise NotImplementedError("bool fmod")
    zero = ir.Constant(x.type, 0)
    is0 = b.icmp_signed("==", y, zero)
    safe = b.select(is0, ir.Constant(x.type, 1), y)
    r = b.urem(x, safe) if dt in X.UNSIGNED else b.srem(x, safe)  # C: sign of the dividend
    return b.select(is0, zero, r)


@new("masked_fill")
def _masked_fill(b, dt, x, mask, value):
    # inputs arrive converted to x's dtype: the mask as 0 / 1, the value as astype would
    return b.select(X.cast(b, mask, dt, "b8"), value, x)


@new("fill")
def _fill(b, dt, x, value):
    return value


@new("copy")
def _copy(b, dt, dst, src, non_blocking=False):
    return src


for _n in NEW:
    if R.has(_n):
        rule(_n)(_with_host_fallback)

