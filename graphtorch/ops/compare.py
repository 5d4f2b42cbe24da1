"""Comparisons, predicates, bitwise and logical ops, isclose, and complex parts (real/imag as
views, conj_physical)."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec, broadcast_shapes
from .registry import OpDef, Sample, register
from .unary_helpers import ALL, BOOL, INTS, REAL, binary_samples, bop, uop

_BITS = BOOL + INTS


# ------------------------------------------------------------------ comparisons
def _cmp(name, fn, allow=REAL):
    return bop(name, fn, kind="bool", allow=allow, samples=binary_samples(-2, 2),
               dtypes=(D.float32, D.float64, D.int64, D.bool))


eq = _cmp("eq", lambda xp, a, b: xp.equal(a, b), ALL)
ne = _cmp("ne", lambda xp, a, b: xp.not_equal(a, b), ALL)
lt = _cmp("lt", lambda xp, a, b: xp.less(a, b))
le = _cmp("le", lambda xp, a, b: xp.less_equal(a, b))
gt = _cmp("gt", lambda xp, a, b: xp.greater(a, b))
ge = _cmp("ge", lambda xp, a, b: xp.greater_equal(a, b))


def _isclose_check(a, b, rtol, atol):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"{D.SCALAR_NAMES[a.dtype]} did not match {D.SCALAR_NAMES[b.dtype]}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")


def _isclose_kernel(xp, a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    _isclose_check(TensorSpec(a.shape, D._NP_TO_DTYPE[a.dtype]),
                   TensorSpec(b.shape, D._NP_TO_DTYPE[b.dtype]), rtol, atol)
    if a.dtype.kind in "biu":
        a, b = a.astype(np.float64), b.astype(np.float64)
    close = a == b
    if a.dtype.kind in "fcV":
        with np.errstate(invalid="ignore"):
            d = xp.abs(a - b)
            close = close | (xp.isfinite(d) & (d <= atol + rtol * xp.abs(b)))
        if equal_nan:
            close = close | (xp.isnan(a) & xp.isnan(b))
    return xp.asarray(close)


def _isclose_meta(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    _isclose_check(a, b, rtol, atol)
    return TensorSpec(broadcast_shapes(a.shape, b.shape), D.bool, a.device)


isclose = register(OpDef(
    name="isclose", kernel=_isclose_kernel, meta=_isclose_meta, differentiable=False,
    prepare=lambda args: (args, D.bool),
    samples=lambda dt: [Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1)), {}),
                        Sample((S.array((3, 4), dt), S.array((4,), dt, 1)),
                               {"rtol": 0.5, "atol": 0.5, "equal_nan": True})],
    dtypes=(D.float32, D.float64, D.int64, D.bool), tags=frozenset({"pointwise"})))

# ------------------------------------------------------------------ predicates
_PRED = dict(kind="bool", dtypes=(D.float32, D.float64, D.int64, D.bool))


def _floaty(fn, default):
    """A predicate that is constant ``default`` for integer and bool inputs."""
    def k(xp, x):
        if x.dtype.kind in "biu":
            return xp.full(x.shape, default, dtype=bool)
        return fn(xp, x)
    return k


def _pred_samples(dt):
    out = list(S.unary(dt))
    if dt.category >= D._FLOAT:
        out.append(Sample((np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=dt.np),), {}))
    return out


_PRED["samples"] = _pred_samples
isfinite = uop("isfinite", _floaty(lambda xp, x: xp.isfinite(x), True), **_PRED)
isnan = uop("isnan", _floaty(lambda xp, x: xp.isnan(x), False), **_PRED)
isinf = uop("isinf", _floaty(lambda xp, x: xp.isinf(x), False), **_PRED)
isposinf = uop("isposinf", _floaty(lambda xp, x: x == np.inf, False), allow=REAL, **_PRED)
isneginf = uop("isneginf", _floaty(lambda xp, x: x == -np.inf, False), allow=REAL, **_PRED)
isreal = uop("isreal", lambda xp, x: (x.imag == 0) if x.dtype.kind == "c"
             else xp.ones(x.shape, dtype=bool), **_PRED)
signbit = uop("signbit", lambda xp, x: xp.signbit(x) if x.dtype.kind in "fV"
              else (x < 0), allow=REAL, **_PRED)
for _op, _n in ((isposinf, "isposinf"), (isneginf, "isneginf")):
    _m = _op.meta

    def _real_only(x, _m=_m, _n=_n):
        if x.dtype.category == D._COMPLEX:
            raise RuntimeError(f"{_n} does not support complex inputs.")
        return _m(x)
    _op.meta = _real_only
    _p = _op.prepare

    def _real_prepare(args, _p=_p, _n=_n):
        if args[0].dtype.kind == "c":
            raise RuntimeError(f"{_n} does not support complex inputs.")
        return _p(args)
    _op.prepare = _real_prepare

# ------------------------------------------------------------------ bitwise and logical
_INT_DT = (D.int64, D.int32, D.bool)
bitwise_and = bop("bitwise_and", lambda xp, a, b: xp.bitwise_and(a, b), kind="same",
                  allow=_BITS, dtypes=_INT_DT, samples=binary_samples(-5, 9, scalar=3))
bitwise_or = bop("bitwise_or", lambda xp, a, b: xp.bitwise_or(a, b), kind="same",
                 allow=_BITS, dtypes=_INT_DT, samples=binary_samples(-5, 9, scalar=3))
bitwise_xor = bop("bitwise_xor", lambda xp, a, b: xp.bitwise_xor(a, b), kind="same",
                  allow=_BITS, dtypes=_INT_DT, samples=binary_samples(-5, 9, scalar=3))
bitwise_not = uop("bitwise_not", lambda xp, x: xp.invert(x), kind="same", allow=_BITS,
                  dtypes=_INT_DT, lo=-5, hi=9)


def _shift(left):
    def k(xp, a, b):
        bits = a.dtype.itemsize * 8
        big = (b < 0) | (b >= bits)  # torch: shifting by >= the width gives 0 (or -1)
        s = xp.where(big, 0, b).astype(a.dtype)
        r = xp.left_shift(a, s) if left else xp.right_shift(a, s)
        if not big.any():
            return r
        fill = 0 if left else xp.where(a < 0, -1, 0)
        return xp.where(big, fill, r).astype(a.dtype)
    return k


_SHIFT = dict(kind="same", allow=INTS, dtypes=(D.int64, D.int32),
              samples=binary_samples(-5, 9, 0, 5, scalar=2))
bitwise_left_shift = bop("bitwise_left_shift", _shift(True), kname="lshift_cpu", **_SHIFT)
bitwise_right_shift = bop("bitwise_right_shift", _shift(False), kname="rshift_cpu", **_SHIFT)

_LOG = dict(kind="bool", allow=ALL, dtypes=(D.float32, D.int64, D.bool),
            samples=binary_samples(-1, 1))
logical_and = bop("logical_and", lambda xp, a, b: xp.logical_and(a != 0, b != 0), **_LOG)
logical_or = bop("logical_or", lambda xp, a, b: xp.logical_or(a != 0, b != 0), **_LOG)
logical_xor = bop("logical_xor", lambda xp, a, b: xp.logical_xor(a != 0, b != 0), **_LOG)
logical_not = uop("logical_not", lambda xp, x: x == 0, kind="bool", allow=ALL,
                  dtypes=(D.float32, D.int64, D.bool))


# ------------------------------------------------------------------ complex parts
def _part_meta(x, which="real"):
    if which == "imag" and x.dtype.category != D._COMPLEX:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return x.with_(dtype=x.dtype.to_real())


def _complex_samples(dt):
    r = S.array((3, 4), dt)
    return [Sample((r,), {}), Sample((S.array((2, 3), dt, 1),), {})]


real = register(OpDef(
    name="real", kernel=lambda xp, x: x.real, meta=_part_meta, view=True,
    vjp=lambda ctx, g: (g,), save_inputs=(), grad_name="RealBackward0",
    samples=_complex_samples, dtypes=(D.complex64, D.complex128, D.float64)))
def _imag_kernel(xp, x):
    if x.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return x.imag


imag = register(OpDef(
    name="imag", kernel=_imag_kernel, meta=lambda x: _part_meta(x, "imag"), view=True,
    vjp=lambda ctx, g: (g * 1j,), save_inputs=(), grad_name="ImagBackward0",
    samples=_complex_samples, dtypes=(D.complex64, D.complex128)))
conj_physical = uop("conj_physical", lambda xp, x: xp.conjugate(x), lambda x, y, g: g.conj(),
                    kind="same", allow=ALL, save_input=False,
                    dtypes=(D.complex64, D.complex128, D.float64), grad_name="ConjPhysicalBackward0")
