"""Unary pointwise math: abs, trig and hyperbolic functions, exp/log family, rounding, sign,
sqrt/rsqrt, sigmoid/logit, relu, reciprocal and friends.  Special functions (erf, gamma
family, Bessel) live in special.py, predicates (isnan, ...) and complex parts in compare.py."""
from __future__ import annotations

import math

import numpy as np
from scipy.special import expit as _expit

from . import dtypes as D
from .unary_helpers import (ALL, FLOATS, NUMBERS, REAL, COMPLEX, hol, not_implemented, uop,
                            unary_samples, make_meta)

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_ROUNDING = NUMBERS  # torch rounds integers (identity) but not bool or complex


def _zero(x, y, g):
    return g.new_zeros(g.shape)


# ------------------------------------------------------------------ abs, sign, rounding
abs_ = uop("abs", lambda xp, x: xp.abs(x), lambda x, y, g: g * x.sgn(), kind="same_real",
           allow=NUMBERS + COMPLEX)
def _angle_dx(x, y, g):
    """d angle(z): g * z / |z|^2 * 1j for complex z (0 at z = 0); none for real inputs."""
    if not x.is_complex():
        return g.new_zeros(g.shape)
    d = x.abs() ** 2
    d = d + (d == 0).to(d.dtype)  # z = 0: numerator 0, so the gradient is 0 (as torch)
    return g * (x / d) * 1j


angle = uop("angle", lambda xp, x: xp.angle(x) if x.dtype.kind == "c" else
            xp.where(x < 0, math.pi, 0.0).astype(x.dtype) + x * 0,
            _angle_dx, kind="float_real", allow=REAL + COMPLEX)
ceil = uop("ceil", lambda xp, x: xp.ceil(x) if x.dtype.kind == "f" else x.copy(), _zero,
           kind="same", allow=_ROUNDING, save_input=False)
floor = uop("floor", lambda xp, x: xp.floor(x) if x.dtype.kind == "f" else x.copy(), _zero,
            kind="same", allow=_ROUNDING, kname="floor_vml_cpu", save_input=False)
trunc = uop("trunc", lambda xp, x: xp.trunc(x) if x.dtype.kind == "f" else x.copy(), _zero,
            kind="same", allow=_ROUNDING, save_input=False)
frac = uop("frac", lambda xp, x: x - xp.trunc(x), lambda x, y, g: g, kind="same",
           allow=FLOATS, save_input=False)


def _round_kernel(xp, x, decimals=0):
    if x.dtype.kind != "f" and x.dtype != D.bfloat16.np:
        if decimals:
            raise not_implemented("round_cpu", D.from_numpy_dtype(x.dtype))
        return x.copy()
    if decimals == 0:
        return xp.rint(x)
    if decimals > 0:
        p = 10.0 ** decimals
        return xp.rint(x * p) / p
    p = 10.0 ** -decimals
    return xp.rint(x / p) * p


_round_base_meta = make_meta("same", _ROUNDING, "round_cpu", "round")


def _round_meta(x, decimals=0):
    if decimals and x.dtype.category != D._FLOAT:
        raise not_implemented("round_cpu", x.dtype)
    return _round_base_meta(x)


round_ = uop("round", _round_kernel, _zero, kind="same", allow=_ROUNDING, save_input=False,
             samples=unary_samples(-3, 3, extra=[(([0.5, 1.5, 2.5, -0.5, 1.25],), {}),
                                                 (([0.15, 1.25, 123.4],), {"decimals": 1}),
                                                 (([1234.5, -55.0],), {"decimals": -2})]),
             grad_name=lambda attrs: "RoundBackward1" if "decimals" in attrs
             else "RoundBackward0")
round_.meta = _round_meta


def _sign_kernel(xp, x):
    if x.dtype == np.bool_:
        return x.copy()
    # (x > 0) - (x < 0): NaN and -0.0 give 0 as in torch (numpy's sign gives nan for nan)
    return xp.subtract(x > 0, x < 0, dtype=x.dtype)


sign = uop("sign", _sign_kernel, _zero, kind="same", allow=REAL, save_input=False)


def _sgn_kernel(xp, x):
    if x.dtype.kind != "c":
        return _sign_kernel(xp, x)
    a = xp.abs(x)
    return xp.where(a == 0, 0, x / xp.where(a == 0, 1, a)).astype(x.dtype)


def _sgn_dx(x, y, g):
    if not x.is_complex():
        return g.new_zeros(g.shape)
    a = x.abs()
    safe = a + (a == 0)
    return (g - (g * y.conj()).real * y) / safe * (a != 0)


sgn = uop("sgn", _sgn_kernel, _sgn_dx, kind="same", allow=REAL + COMPLEX, save_output=True)

# ------------------------------------------------------------------ powers, exp, log
sqrt = uop("sqrt", lambda xp, x: xp.sqrt(x), lambda x, y, g: g / (2 * y.conj()), lo=0.2,
           save_output=True, save_input=False)
rsqrt = uop("rsqrt", lambda xp, x: 1 / xp.sqrt(x),
            hol(lambda x, y: -0.5 * y * y * y), lo=0.2, save_output=True, save_input=False)
exp = uop("exp", lambda xp, x: xp.exp(x), hol(lambda x, y: y), save_output=True,
          save_input=False)
exp2 = uop("exp2", lambda xp, x: xp.exp2(x) if x.dtype.kind != "c" else 2 ** x,
           hol(lambda x, y: y * _LN2), save_output=True, save_input=False)
expm1 = uop("expm1", lambda xp, x: xp.expm1(x), hol(lambda x, y: y + 1), save_output=True,
            save_input=False)
log = uop("log", lambda xp, x: xp.log(x), lambda x, y, g: g / x.conj(), lo=0.2)
log2 = uop("log2", lambda xp, x: xp.log2(x), lambda x, y, g: g / (x.conj() * _LN2), lo=0.2)
log10 = uop("log10", lambda xp, x: xp.log10(x), lambda x, y, g: g / (x.conj() * _LN10), lo=0.2)
log1p = uop("log1p", lambda xp, x: xp.log1p(x), lambda x, y, g: g / (x.conj() + 1), lo=-0.8,
            grad_name="Log1PBackward0")
reciprocal = uop("reciprocal", lambda xp, x: 1 / x, hol(lambda x, y: -(y * y)), lo=0.3,
                 save_output=True, save_input=False)

# ------------------------------------------------------------------ trig and hyperbolic
sin = uop("sin", lambda xp, x: xp.sin(x), hol(lambda x, y: x.cos()))
cos = uop("cos", lambda xp, x: xp.cos(x), hol(lambda x, y: -x.sin()))
tan = uop("tan", lambda xp, x: xp.tan(x), hol(lambda x, y: 1 + y * y), lo=-1.2, hi=1.2,
          save_output=True, save_input=False)
asin = uop("asin", lambda xp, x: xp.arcsin(x), hol(lambda x, y: (1 - x * x).rsqrt()),
           lo=-0.9, hi=0.9)
acos = uop("acos", lambda xp, x: xp.arccos(x), hol(lambda x, y: -(1 - x * x).rsqrt()),
           lo=-0.9, hi=0.9)
atan = uop("atan", lambda xp, x: xp.arctan(x), hol(lambda x, y: 1 / (1 + x * x)))
sinh = uop("sinh", lambda xp, x: xp.sinh(x), hol(lambda x, y: x.cosh()))
cosh = uop("cosh", lambda xp, x: xp.cosh(x), hol(lambda x, y: x.sinh()))
tanh = uop("tanh", lambda xp, x: xp.tanh(x), hol(lambda x, y: 1 - y * y), save_output=True,
           save_input=False)
asinh = uop("asinh", lambda xp, x: xp.arcsinh(x), hol(lambda x, y: (x * x + 1).rsqrt()))
acosh = uop("acosh", lambda xp, x: xp.arccosh(x), hol(lambda x, y: (x * x - 1).rsqrt()),
            lo=1.2, hi=3.0)
atanh = uop("atanh", lambda xp, x: xp.arctanh(x), hol(lambda x, y: 1 / (1 - x * x)),
            lo=-0.9, hi=0.9)


def _sigmoid_kernel(xp, x):
    if xp is np and (x.dtype == np.float32 or x.dtype == np.float64):
        return _expit(x)  # one stable ufunc call
    if x.dtype.kind == "c":
        return 1 / (1 + xp.exp(-x))
    e = xp.exp(-xp.abs(x))  # never overflows: the two branches of a stable logistic
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = uop("sigmoid", _sigmoid_kernel, hol(lambda x, y: y * (1 - y)), save_output=True,
              save_input=False, lo=-4, hi=4)


def _logit_kernel(xp, x, eps=None):
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps)
    return xp.log(x / (1 - x))


def _logit_dx(x, y, g, attrs):
    eps = attrs.get("eps")
    d = g / (x * (1 - x))
    if eps is None:
        return d
    return d * ((x >= eps) & (x <= 1 - eps))


logit = uop("logit", _logit_kernel, _logit_dx, allow=REAL, lo=0.1, hi=0.9,
            samples=unary_samples(0.1, 0.9, extra=[(([0.0, 0.05, 0.5, 1.0],), {"eps": 0.1})]))


def _relu_kernel(xp, x):
    if x.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return xp.maximum(x, 0).astype(x.dtype, copy=False)


relu = uop("relu", _relu_kernel, lambda x, y, g: g * (y > 0), kind="same", allow=REAL,
           save_output=True, save_input=False, lo=-2.0, hi=2.0)
_relu_meta = relu.meta


def _relu_meta_checked(x):
    if x.dtype is D.bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    if x.dtype.category == D._COMPLEX:
        raise not_implemented("clamp_min_scalar_cpu", x.dtype)
    return _relu_meta(x)


relu.meta = _relu_meta_checked


def _sinc_kernel(xp, x):
    return xp.sinc(x)


def _sinc_dx(x, y, g):
    z = x == 0  # at 0 the slope is 0: (cos(0) - 1) / 1
    return g * (((math.pi * x).cos() - y) / (x + z)).conj()


sinc = uop("sinc", _sinc_kernel, _sinc_dx, save_output=True, lo=0.1, hi=2.0)

deg2rad = uop("deg2rad", lambda xp, x: x * (math.pi / 180), lambda x, y, g: g * (math.pi / 180),
              allow=REAL, save_input=False, grad_name="Deg2RadBackward0")
rad2deg = uop("rad2deg", lambda xp, x: x * (180 / math.pi), lambda x, y, g: g * (180 / math.pi),
              allow=REAL, save_input=False, grad_name="Rad2DegBackward0")
for _op, _n in ((deg2rad, "deg2rad"), (rad2deg, "rad2deg")):
    _m = _op.meta

    def _no_complex(x, _m=_m, _n=_n):
        if x.dtype.category == D._COMPLEX:
            raise RuntimeError(f"{_n} is not supported for complex tensors.")
        return _m(x)
    _op.meta = _no_complex


def _nan_to_num_kernel(xp, x, nan=0.0, posinf=None, neginf=None):
    if x.dtype.kind not in "fcV":
        return x.copy()
    if x.dtype.kind == "c":
        return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    info = D.finfo(D.from_numpy_dtype(x.dtype))
    out = xp.where(xp.isnan(x), nan, x)
    out = xp.where(out == np.inf, info.max if posinf is None else posinf, out)
    out = xp.where(out == -np.inf, info.min if neginf is None else neginf, out)
    return out.astype(x.dtype)


nan_to_num = uop("nan_to_num", _nan_to_num_kernel, lambda x, y, g: g * x.isfinite(),
                 kind="same", allow=ALL,
                 samples=unary_samples(-2, 2, extra=[(([np.nan, np.inf, -np.inf, 1.0],), {}),
                                                     (([np.nan, np.inf, -np.inf],),
                                                      {"nan": 1.0, "posinf": 2.0})]))
