"""Special functions (torch.special and their torch.* aliases): erf family, gamma family, Bessel
functions, normal distribution functions, entr, xlog1py, zeta.  Kernels use scipy.special, run
in float32 for half precision inputs (scipy has no bfloat16)."""
from __future__ import annotations

import math

import numpy as np
import scipy.special as sc

from . import dtypes as D
from . import samples as S
from .registry import Sample
from .unary_helpers import (BOOL, INTS, REAL, bop, binary_samples, safe, uop, unary_samples)

_2_SQRTPI = 2.0 / math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)
_NO_HALF = BOOL + INTS + (D.float32, D.float64)  # torch has no half kernels for these


def _sc(fn):
    return safe(lambda xp, x: fn(x))


erf = uop("erf", _sc(sc.erf), lambda x, y, g: g * _2_SQRTPI * (-(x * x)).exp(), allow=REAL)
erfc = uop("erfc", _sc(sc.erfc), lambda x, y, g: -g * _2_SQRTPI * (-(x * x)).exp(), allow=REAL)
erfinv = uop("erfinv", _sc(sc.erfinv),
             lambda x, y, g: g * (math.sqrt(math.pi) / 2) * (y * y).exp(), allow=REAL,
             lo=-0.9, hi=0.9, save_output=True, save_input=False)
lgamma = uop("lgamma", _sc(sc.gammaln), lambda x, y, g: g * x.digamma(), allow=REAL, lo=0.3,
             hi=3.0)
digamma = uop("digamma", _sc(sc.psi), lambda x, y, g: g * x.polygamma(1), allow=REAL, lo=0.3,
              hi=3.0)


def _polygamma_kernel(xp, x, n):
    if n == 0:
        return sc.psi(x)
    return sc.polygamma(n, x)


polygamma = uop("polygamma", safe(_polygamma_kernel),
                lambda x, y, g, a: g * x.polygamma(a["n"] + 1), allow=REAL,
                samples=lambda dt: [s for n in (0, 1, 2) for s in unary_samples(0.3, 3.0)(dt)
                                    if s.kwargs.setdefault("n", n) is not None])


def _mvlgamma_kernel(xp, x, p):
    j = xp.arange(p, dtype=x.dtype).reshape((p,) + (1,) * x.ndim) / 2
    return sc.gammaln(x[None] - j).sum(0) + p * (p - 1) / 4 * math.log(math.pi)


def _mvlgamma_dx(x, y, g, a):
    p = a["p"]
    d = x.digamma()
    for j in range(1, p):
        d = d + (x - j / 2).digamma()
    return g * d


mvlgamma = uop("mvlgamma", safe(_mvlgamma_kernel), _mvlgamma_dx, allow=REAL,
               samples=lambda dt: [s for p in (1, 3) for s in unary_samples(1.5, 3.5)(dt)
                                   if s.kwargs.setdefault("p", p) is not None])

i0 = uop("i0", _sc(sc.i0), lambda x, y, g: g * g._dispatch(special_i1, x), allow=REAL)
special_i0e = uop("special_i0e", _sc(sc.i0e),
                  lambda x, y, g: g * (g._dispatch(special_i1e, x) - x.sgn() * y), allow=REAL,
                  save_output=True, grad_name="SpecialI0EBackward0")


def _i1_dx(x, y, g):
    z = x == 0  # i1(x)/x -> 1/2 at 0
    return g * (x.i0() - y / (x + z) - 0.5 * z)


def _i1e_dx(x, y, g):
    z = x == 0
    return g * (g._dispatch(special_i0e, x) - y * x.sgn() - y / (x + z) - 0.5 * z)


special_i1 = uop("special_i1", _sc(sc.i1), _i1_dx, allow=REAL, save_output=True,
                 grad_name="SpecialI1Backward0")
special_i1e = uop("special_i1e", _sc(sc.i1e), _i1e_dx, allow=REAL, save_output=True,
                  grad_name="SpecialI1EBackward0")
special_erfcx = uop("special_erfcx", _sc(sc.erfcx),
                    lambda x, y, g: g * (2 * x * y - _2_SQRTPI), allow=_NO_HALF,
                    save_output=True, grad_name="SpecialErfcxBackward0")
special_ndtr = uop("special_ndtr", _sc(sc.ndtr),
                   lambda x, y, g: g * (-0.5 * x * x).exp() / _SQRT_2PI, allow=REAL,
                   grad_name="MulBackward1")  # torch builds ndtr from erfc and a product
special_ndtri = uop("special_ndtri", _sc(sc.ndtri),
                    lambda x, y, g: g * _SQRT_2PI * (0.5 * y * y).exp(), allow=_NO_HALF,
                    lo=0.05, hi=0.95, save_output=True, save_input=False,
                    grad_name="SpecialNdtriBackward0")
special_log_ndtr = uop("special_log_ndtr", _sc(sc.log_ndtr),
                       lambda x, y, g: g * (-0.5 * x * x - y).exp() / _SQRT_2PI,
                       allow=_NO_HALF, save_output=True, grad_name="SpecialLogNdtrBackward0")


def _entr_kernel(xp, x):
    with np.errstate(all="ignore"):
        return xp.where(x > 0, -x * xp.log(xp.where(x > 0, x, 1)),
                        xp.where(x == 0, 0.0, -np.inf)).astype(x.dtype) + x * 0
    # (x * 0 keeps NaN inputs NaN)


special_entr = uop("special_entr", _entr_kernel, lambda x, y, g: -g * (x.log() + 1), allow=REAL,
                   lo=0.2, hi=2.0, grad_name="SpecialEntrBackward0")


def _xlog1py_kernel(xp, a, b):
    r = a * xp.log1p(b)
    return xp.where((a == 0) & ~xp.isnan(b), 0, r).astype(r.dtype)


special_xlog1py = bop(
    "special_xlog1py", _xlog1py_kernel,
    lambda a, b, y, g: g * g._dispatch(special_xlog1py, a != 0, b),
    lambda a, b, y, g: g * a / (b + 1), allow=REAL,
    samples=binary_samples(-2.0, 2.0, -0.5, 2.0),
    grad_name=lambda attrs, args: _scalar_name("SpecialXlog1Py", args))


def _scalar_name(base, args):
    """torch's grad node suffix: 0 both tensors, 1 a scalar self, 2 a scalar other."""
    if not hasattr(args[0], "dtype"):
        return base + "Backward1"
    if not hasattr(args[1], "dtype"):
        return base + "Backward2"
    return base + "Backward0"


def _zeta_kernel(xp, x, q):
    return sc.zeta(x, q).astype(x.dtype)


def _zeta_samples(dt):
    # torch has no derivative in x: gradcheck only the samples whose x is a number
    out = [Sample(s.args, s.kwargs, grad=False, name=s.name)
           for s in binary_samples(1.5, 4.0, 0.5, 3.0, scalar=2.0)(dt)]
    out.append(Sample((2.5, S.array((3, 4), dt, 1, 0.5, 3.0)), {}, name="scalar_x"))
    return out


def _zeta_dq(x, q, y, g):
    return -g * x * g._dispatch(special_zeta, x + 1, q)


special_zeta = bop(
    "special_zeta", safe(_zeta_kernel), None, _zeta_dq, allow=_NO_HALF,
    samples=_zeta_samples,
    grad_name=lambda attrs, args: _scalar_name("SpecialZeta", args))
