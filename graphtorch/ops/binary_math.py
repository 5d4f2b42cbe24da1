"""Binary pointwise math: pow, fmod/remainder, atan2, hypot, copysign, nextafter, ldexp, xlogy,
logaddexp(2), maximum/minimum, fmax/fmin, heaviside, gcd/lcm, clamp family, and the private
select op the derivatives use (``_where_ew``), and the ternary lerp, addcmul, addcdiv."""
from __future__ import annotations

import cmath
import math

import numpy as np

from . import dtypes as D
from . import promote as P
from .arith import conj
from .meta import TensorSpec, broadcast_shapes
from .registry import OpDef, Sample, register
from . import samples as S
from .unary_helpers import (BOOL, COMPLEX, FLOATS, INTS, NUMBERS, REAL, bop, binary_samples,
                            not_implemented, make_meta)

_LN2 = math.log(2.0)


def _is_num(v) -> bool:
    return not hasattr(v, "dtype")


def scalar_suffix(base: str, zero_for_tensors=True):
    """grad_name fn: torch names Backward0 for (tensor, scalar) and Backward1 for two tensors
    (pow, fmod, remainder), Backward2 for (scalar, tensor)."""
    def name(attrs, args):
        if _is_num(args[0]):
            return base + "Backward2"
        return base + ("Backward0" if _is_num(args[1]) else "Backward1")
    return name


# ------------------------------------------------------------------ private select
def _where_prepare(args):
    c, a, b = args
    arrays, dt = P.same([a, b])
    return [c] + list(arrays), dt


def _where_meta(c, a, b):
    shapes = [x.shape for x in (c, a, b) if isinstance(x, TensorSpec)]
    return TensorSpec(broadcast_shapes(*shapes), P.promoted([a, b]))


def _where_vjp(ctx, g):
    c = ctx.inputs[0]
    need = ctx.needs_input_grad
    return (None, g._dispatch(where_ew, c, g, 0) if need[1] else None,
            g._dispatch(where_ew, c, 0, g) if need[2] else None)


where_ew = register(OpDef(
    name="_where_ew", kernel=lambda xp, c, a, b: xp.where(c, a, b), meta=_where_meta,
    prepare=_where_prepare, vjp=_where_vjp, save_inputs=(0,), grad_name="WhereBackward0",
    samples=lambda dt: [Sample((S.array((3, 4), D.bool), S.array((3, 4), dt, 1),
                                S.array((4,), dt, 2)), {})],
    dtypes=(D.float32, D.float64, D.int64), tags=frozenset({"pointwise"})))


def select(cond, a, b, like):
    """where(cond, a, b) from inside a derivative (``like`` is any Tensor)."""
    return like._dispatch(where_ew, cond, a, b)


# ------------------------------------------------------------------ pow
_NEG_INT_POW = "Integers to negative integer powers are not allowed."


def _pow_prepare(args):
    a, b = args
    if type(a) is np.ndarray and a.dtype.kind == "f" and type(b) in (int, float) \
            and a.dtype != D.bfloat16.np:
        return args, None  # float ** Python number keeps the float dtype (numpy agrees)
    dt = P.promoted(args)
    b = args[1]
    if dt is D.bool and type(b) is not bool:
        raise not_implemented("pow", dt)
    if dt.category == D._INT and type(b) is int and b < 0:
        raise RuntimeError(_NEG_INT_POW)
    return P.cast_all(args, dt), dt


def _pow_kernel(xp, a, b):
    if a.dtype == np.bool_:  # bool ** True is the base, bool ** False is all True
        return xp.logical_or(a, ~b)
    if a.dtype.kind not in "iu":
        return xp.power(a, b)
    neg = b < 0
    if not neg.any():
        return xp.power(a, b)
    # torch's integer semantics for negative exponents: 1 ** n = 1, (-1) ** n = +-1, else 0
    pos = xp.power(a, xp.where(neg, 0, b))
    odd = (b % 2) != 0
    small = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
    return xp.where(neg, small, pos).astype(a.dtype)


_pow_base_meta = make_meta("same", BOOL + NUMBERS + COMPLEX, "pow", "pow")


def _pow_meta(a, b):
    out = _pow_base_meta(a, b)
    if out.dtype is D.bool and type(b) is not bool:
        raise not_implemented("pow", out.dtype)
    if out.dtype.category == D._INT and type(b) is int and b < 0:
        raise RuntimeError(_NEG_INT_POW)
    return out


def _pow_da(a, b, y, g):
    if _is_num(b):
        if b == 0:
            return g.new_zeros(g.shape)
        return g * conj(b * a.pow(b - 1))
    return g * conj(select(b == 0, 0, b * a.pow(b - 1), g))


def _pow_db(a, b, y, g):
    if _is_num(a):
        if a == 0:
            return g.new_zeros(g.shape)
        lg = cmath.log(a) if isinstance(a, complex) or a < 0 else math.log(a)
        return g * conj(y * lg)
    return g * conj(select((a == 0) & (b >= 0), 0, y * a.log(), g))


pow_ = register(OpDef(
    name="pow", kernel=_pow_kernel, meta=_pow_meta, prepare=_pow_prepare,
    vjp=lambda ctx, g: (
        _pow_da(*ctx.inputs, ctx.output, g) if ctx.needs_input_grad[0] else None,
        _pow_db(*ctx.inputs, ctx.output, g) if ctx.needs_input_grad[1] else None),
    save_output=True, save_inputs=(0, 1), grad_name=scalar_suffix("Pow"),
    samples=lambda dt: list(binary_samples(0.5, 2.0, -1.5, 2.0, scalar=2)(dt)) + [
        Sample((S.array((3,), dt, 3, 0.5, 2.0), 3.0), {}), Sample((2.0, S.array((3,), dt, 4)), {}),
        Sample((S.array((2, 3), dt, 5, 0.5, 2.0), 0), {})],
    dtypes=(D.float32, D.float64, D.int64), tags=frozenset({"pointwise", "binary"})))


# ------------------------------------------------------------------ fmod, remainder
def _int_zero(b):
    if b.dtype.kind in "iu" and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")


def _fmod(xp, a, b):
    _int_zero(b)
    return xp.fmod(a, b)


def _remainder(xp, a, b):
    _int_zero(b)
    return xp.remainder(a, b)


def _quot(a, b, fn):
    q = a / b
    return q.trunc() if fn == "trunc" else q.floor()


_DIV_SAMPLES = binary_samples(-3.0, 3.0, 1.0, 3.0)
fmod = bop("fmod", _fmod, lambda a, b, y, g: g,
           lambda a, b, y, g: -g * _quot(a, b, "trunc"), kind="same", allow=NUMBERS,
           samples=_DIV_SAMPLES, grad_name=scalar_suffix("Fmod"), save_inputs=(0, 1))
def _remainder_db(a, b, y, g):
    if _is_num(a):
        # torch's remainder(Scalar, Tensor) has no derivative (a NotImplemented node)
        raise RuntimeError("derivative for aten::remainder is not implemented")
    return -g * _quot(a, b, "floor")


def _remainder_name(attrs, args):
    return "NotImplemented" if _is_num(args[0]) else scalar_suffix("Remainder")(attrs, args)


def _remainder_samples(dt):
    # the (scalar, tensor) form raises in backward, as torch's: not gradchecked
    return [s if not _is_num(s.args[0]) else Sample(s.args, s.kwargs, grad=False, name=s.name)
            for s in _DIV_SAMPLES(dt)]


remainder = bop("remainder", _remainder, lambda a, b, y, g: g, _remainder_db, kind="same",
                allow=NUMBERS, samples=_remainder_samples, grad_name=_remainder_name)

# ------------------------------------------------------------------ float-valued binaries
atan2 = bop("atan2", lambda xp, a, b: xp.arctan2(a, b),
            lambda a, b, y, g: g * b / (a * a + b * b),
            lambda a, b, y, g: -g * a / (a * a + b * b), kind="float", allow=REAL,
            samples=binary_samples(0.3, 2.0))
hypot = bop("hypot", lambda xp, a, b: xp.hypot(a, b), lambda a, b, y, g: g * a / y,
            lambda a, b, y, g: g * b / y, kind="same", allow=FLOATS, save_output=True,
            samples=binary_samples(0.3, 2.0, scalar=None))


def _copysign_da(a, b, y, g):
    return g * select(a == 0, 0, y / a, g)


copysign = bop("copysign", lambda xp, a, b: xp.copysign(a, b), _copysign_da,
               lambda a, b, y, g: g * 0, kind="float", allow=REAL, save_output=True,
               samples=binary_samples(0.3, 2.0, -2.0, 2.0),
               grad_name=lambda attrs, args: "CopysignBackward1" if _is_num(args[1])
               else "CopysignBackward0")
nextafter = bop("nextafter", lambda xp, a, b: xp.nextafter(a, b), kind="same", allow=FLOATS,
                samples=binary_samples(scalar=None))


def _ldexp(xp, a, b):
    return a * (xp.exp2(b) if b.dtype.kind != "c" else 2 ** b)


ldexp = bop("ldexp", _ldexp, lambda a, b, y, g: g * conj(b.exp2()),
            lambda a, b, y, g: g * conj(y) * _LN2, kind="float", allow=REAL + COMPLEX,
            save_output=True, samples=binary_samples(scalar=None))


def _xlogy(xp, a, b):
    r = a * xp.log(b)
    return xp.where((a == 0) & ~xp.isnan(b), 0, r).astype(r.dtype)


def _xlogy_name(attrs, args):
    if _is_num(args[0]):
        return "XlogyBackward1"
    return "XlogyBackward2" if _is_num(args[1]) else "XlogyBackward0"


xlogy = bop("xlogy", _xlogy, lambda a, b, y, g: g * (a != 0).xlogy(b),
            lambda a, b, y, g: g * a / b, kind="float", allow=REAL,
            samples=binary_samples(-2.0, 2.0, 0.3, 2.0), grad_name=_xlogy_name)


def _logaddexp(xp, a, b):
    if a.dtype.kind == "c":
        return xp.log(xp.exp(a) + xp.exp(b))
    return xp.logaddexp(a, b)


logaddexp = bop("logaddexp", _logaddexp, lambda a, b, y, g: g * conj((a - y).exp()),
                lambda a, b, y, g: g * conj((b - y).exp()), kind="same",
                allow=FLOATS + COMPLEX, save_output=True, samples=binary_samples(scalar=None))
logaddexp2 = bop("logaddexp2", lambda xp, a, b: xp.logaddexp2(a, b),
                 lambda a, b, y, g: g * (a - y).exp2(), lambda a, b, y, g: g * (b - y).exp2(),
                 kind="same", allow=FLOATS, save_output=True, samples=binary_samples(scalar=None))

# ------------------------------------------------------------------ max/min family
_TIE = binary_samples(scalar=None)
maximum = bop("maximum", lambda xp, a, b: xp.maximum(a, b),
              lambda a, b, y, g: g * ((a > b) + (a == b) * 0.5),
              lambda a, b, y, g: g * ((b > a) + (a == b) * 0.5), kind="same", allow=REAL,
              samples=_TIE)
minimum = bop("minimum", lambda xp, a, b: xp.minimum(a, b),
              lambda a, b, y, g: g * ((a < b) + (a == b) * 0.5),
              lambda a, b, y, g: g * ((b < a) + (a == b) * 0.5), kind="same", allow=REAL,
              samples=_TIE)


def _fpick(a, b, ge):
    return ((a >= b) if ge else (a <= b)) | b.isnan()


fmax = bop("fmax", lambda xp, a, b: xp.fmax(a, b), lambda a, b, y, g: g * _fpick(a, b, True),
           lambda a, b, y, g: g * ~_fpick(a, b, True), kind="same", allow=REAL, samples=_TIE)
fmin = bop("fmin", lambda xp, a, b: xp.fmin(a, b), lambda a, b, y, g: g * _fpick(a, b, False),
           lambda a, b, y, g: g * ~_fpick(a, b, False), kind="same", allow=REAL, samples=_TIE)
for _op in (maximum, minimum, fmax, fmin):
    _m = _op.meta

    def _no_complex(a, b, _m=_m, _n=_op.name):
        for x in (a, b):
            if getattr(x, "dtype", None) in COMPLEX:
                raise RuntimeError(f"{_n} not implemented for complex tensors.")
        return _m(a, b)
    _op.meta = _no_complex


def _heaviside_prepare(args):
    a, b = args
    if a.dtype != b.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    if a.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    return args, D._NP_TO_DTYPE[a.dtype]


heaviside = bop("heaviside", lambda xp, a, b: xp.where(a == 0, b, a > 0).astype(a.dtype),
                kind="same", allow=REAL, samples=binary_samples(-1, 1, scalar=None))
heaviside.prepare = _heaviside_prepare
_hm = heaviside.meta


def _heaviside_meta(a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _hm(a, b)


heaviside.meta = _heaviside_meta
gcd = bop("gcd", lambda xp, a, b: xp.gcd(a, b), kind="same", allow=INTS,
          samples=binary_samples(-6, 9), dtypes=(D.int64, D.int32))
lcm = bop("lcm", lambda xp, a, b: xp.lcm(a, b), kind="same", allow=INTS,
          samples=binary_samples(-6, 9), dtypes=(D.int64, D.int32))


# ------------------------------------------------------------------ clamp family
def _clamp_kernel(xp, x, lo=None, hi=None):
    r = x
    if lo is not None:
        r = xp.maximum(r, lo)
    if hi is not None:
        r = xp.minimum(r, hi)
    return r if r is not x else x.copy()


def _clamp_meta(x, lo=None, hi=None):
    if lo is None and hi is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    dt = P.promoted([x, lo, hi])
    if dt.category == D._COMPLEX:
        raise RuntimeError("clamp is not supported for complex types")
    shapes = [a.shape for a in (x, lo, hi) if isinstance(a, TensorSpec)]
    return TensorSpec(broadcast_shapes(*shapes, op="clamp"), dt, x.device)


def _clamp_prepare(args):
    dt = P.promoted(args)
    if dt.category == D._COMPLEX:
        raise RuntimeError("clamp is not supported for complex types")
    if args[1] is None and args[2] is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return P.cast_all(args, dt), dt


def _clamp_vjp(ctx, g):
    x, lo, hi = ctx.inputs
    need = ctx.needs_input_grad
    keep = None
    if lo is not None:
        keep = x >= lo
    if hi is not None:
        keep = (x <= hi) if keep is None else keep & (x <= hi)
    gx = g * keep if need[0] else None
    glo = g * (x < lo) if len(need) > 1 and need[1] else None
    ghi = g * (x > hi) if len(need) > 2 and need[2] else None
    return (gx, glo, ghi)


def _clamp_name(attrs, args):
    return "ClampBackward0" if any(hasattr(a, "dtype") for a in args[1:]) else "ClampBackward1"


def _clamp_samples(dt):
    lo, hi = (-1.0, 1.0) if dt.category >= D._FLOAT else (-1, 1)
    x = S.array((3, 4), dt, 0, -3, 3)
    return [Sample((x, lo, hi), {}), Sample((x, lo, None), {}), Sample((x, None, hi), {}),
            Sample((x, S.array((4,), dt, 1, -2, -0.5), S.array((3, 1), dt, 2, 0.5, 2)), {}),
            Sample((S.array((), dt, 3, -3, 3), None, S.array((2,), dt, 4)), {})]


clamp = register(OpDef(
    name="clamp", kernel=_clamp_kernel, meta=_clamp_meta, prepare=_clamp_prepare,
    vjp=_clamp_vjp, save_inputs=(0, 1, 2), grad_name=_clamp_name, samples=_clamp_samples,
    dtypes=(D.float32, D.float64, D.int64), tags=frozenset({"pointwise"})))


def _one_sided(name, fn, cmp):
    def vjp_x(a, b, y, g):
        return g * cmp(a, b)

    def vjp_b(a, b, y, g):
        return g * ~cmp(a, b)

    def gname(attrs, args):
        return f"{''.join(p.capitalize() for p in name.split('_'))}Backward" + \
            ("0" if _is_num(args[1]) else "1")
    return bop(name, fn, vjp_x, vjp_b, kind="same", allow=REAL, grad_name=gname,
               samples=binary_samples(-2, 2, scalar=0.5))


clamp_min = _one_sided("clamp_min", lambda xp, a, b: xp.maximum(a, b), lambda a, b: a >= b)
clamp_max = _one_sided("clamp_max", lambda xp, a, b: xp.minimum(a, b), lambda a, b: a <= b)


# ------------------------------------------------------------------ ternary: lerp, addcmul/div
def _ternary_shape(args, name):
    return broadcast_shapes(*[a.shape for a in args if isinstance(a, TensorSpec)], op=name)


def _lerp_check(start, end, weight):
    sd = start.dtype
    for nm, t in (("end", end), ("weight", weight)):
        if isinstance(t, TensorSpec) and t.dtype is not sd and (nm == "end" or t.ndim):
            raise RuntimeError(f"expected dtype {_cname(sd)} for `{nm}` but got dtype "
                               f"{_cname(t.dtype)}")
    if sd.category < D._FLOAT:
        raise not_implemented("lerp_kernel_scalar" if _is_num(weight) else "lerp_kernel_tensor",
                              sd)
    return sd


def _cname(dt):
    return {D.float32: "float", D.float64: "double", D.float16: "c10::Half",
            D.int64: "long int", D.int32: "int"}.get(dt, dt.name)


def _specs(args):
    return [TensorSpec(a.shape, D._NP_TO_DTYPE[a.dtype]) if isinstance(a, np.ndarray) else a
            for a in args]


def _lerp_prepare(args):
    sd = _lerp_check(*_specs(args))
    return P.cast_all(args, sd), sd


def _lerp_kernel(xp, start, end, weight):
    d = end - start
    # torch's two-sided formula keeps lerp(a, b, 1) == b exactly
    return xp.where(xp.abs(weight) < 0.5, start + weight * d, end - d * (1 - weight))


def _lerp_vjp(ctx, g):
    s, e, w = ctx.inputs
    need = ctx.needs_input_grad
    return (g * conj(1 - w) if need[0] else None, g * conj(w) if need[1] else None,
            g * conj(e - s) if need[2] else None)


lerp = register(OpDef(
    name="lerp", kernel=_lerp_kernel, prepare=_lerp_prepare,
    meta=lambda s, e, w: TensorSpec(_ternary_shape((s, e, w), "lerp"), _lerp_check(s, e, w),
                                    s.device),
    vjp=_lerp_vjp, grad_name=lambda attrs, args: "LerpBackward0" if _is_num(args[2])
    else "LerpBackward1",
    samples=lambda dt: [Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1), 0.3), {}),
                        Sample((S.array((3, 4), dt), S.array((4,), dt, 1), 0.8), {}),
                        Sample((S.array((3, 1), dt), S.array((4,), dt, 2),
                                S.array((3, 4), dt, 3, 0, 1)), {})],
    dtypes=FLOATS[2:], tags=frozenset({"pointwise"})))

_ADDCDIV_INT = ("Integer division with addcdiv is no longer supported, and in a future  release "
                "addcdiv will perform a true division of tensor1 and tensor2. The historic "
                "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
                "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
                "tensor2) for float inputs. The future addcdiv behavior is just the latter "
                "implementation: (input + value * tensor1 / tensor2), for all dtypes.")


def _addc_check(name, x, t1, t2):
    if name == "addcdiv" and t1.dtype.category <= D._INT and t2.dtype.category <= D._INT:
        raise RuntimeError(_ADDCDIV_INT)
    dt = P.promoted([x, t1, t2])
    if dt is D.bool:
        raise not_implemented(f"{name}_cpu_out", dt)
    return dt


def _addc_value(value, dt):
    if dt.category == D._INT:
        return int(value)  # torch casts value to the integral result type first
    return value


def _addc(name, combine, vjp):
    def prepare(args):
        dt = _addc_check(name, *_specs(args))
        return P.cast_all(args, dt), dt

    def kernel(xp, x, t1, t2, value=1):
        return (x + _addc_value(value, D._NP_TO_DTYPE[x.dtype]) * combine(t1, t2)).astype(x.dtype)

    def meta(x, t1, t2, value=1):
        return TensorSpec(_ternary_shape((x, t1, t2), name), _addc_check(name, x, t1, t2),
                          x.device)

    def samples(dt):
        lo = 0.5 if name == "addcdiv" else -2.0
        return [Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1), S.array((4,), dt, 2, lo)),
                       {"value": 2}),
                Sample((S.array((3, 1), dt), S.array((1, 4), dt, 3), S.array((3, 4), dt, 4, lo)),
                       {})]
    return register(OpDef(name=name, kernel=kernel, meta=meta, prepare=prepare, vjp=vjp,
                          samples=samples, dtypes=(D.float32, D.float64),
                          tags=frozenset({"pointwise"})))


def _addcmul_vjp(ctx, g):
    x, t1, t2 = ctx.inputs
    v = ctx.attrs.get("value", 1)
    need = ctx.needs_input_grad
    return (g if need[0] else None, g * conj(t2 * v) if need[1] else None,
            g * conj(t1 * v) if need[2] else None)


def _addcdiv_vjp(ctx, g):
    x, t1, t2 = ctx.inputs
    v = ctx.attrs.get("value", 1)
    need = ctx.needs_input_grad
    return (g if need[0] else None, g * conj(v / t2) if need[1] else None,
            -g * conj(v * t1 / (t2 * t2)) if need[2] else None)


addcmul = _addc("addcmul", lambda a, b: a * b, _addcmul_vjp)
addcdiv = _addc("addcdiv", lambda a, b: a / b, _addcdiv_vjp)
