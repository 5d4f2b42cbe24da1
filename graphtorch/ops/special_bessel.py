"""Bessel / Airy functions and regularized incomplete gamma of torch.special (scipy kernels).

torch defines no derivative for the Bessel family (their outputs never require grad) and
only the ``other`` derivative of gammainc/gammaincc."""
from __future__ import annotations

import math

import scipy.special as sc

from . import dtypes as D
from . import samples as S
from .registry import Sample
from .unary_helpers import BOOL, INTS, binary_samples, bop, safe, uop

_NO_HALF = BOOL + INTS + (D.float32, D.float64)  # torch has no half kernels for these
_FLOATS = (D.float32, D.float64)


def _sc(fn):
    return safe(lambda xp, x: fn(x))


def _spherical_j0(x):
    return sc.spherical_jn(0, x)


def _airy_ai(x):
    return sc.airy(x)[0]


_BESSEL = {
    "bessel_j0": sc.j0, "bessel_j1": sc.j1, "bessel_y0": sc.y0, "bessel_y1": sc.y1,
    "modified_bessel_i0": sc.i0, "modified_bessel_i1": sc.i1,
    "modified_bessel_k0": sc.k0, "modified_bessel_k1": sc.k1,
    "scaled_modified_bessel_k0": sc.k0e, "scaled_modified_bessel_k1": sc.k1e,
    "spherical_bessel_j0": _spherical_j0, "airy_ai": _airy_ai,
}

BESSEL_OPS = {name: uop("special_" + name, _sc(fn), None, allow=_NO_HALF,
                        kname=f"{name}_cpu", lo=0.2, hi=3.0)
              for name, fn in _BESSEL.items()}


def _gammainc_dother(a, x, y, g, sign=1.0):
    # d/dx P(a, x) = x^(a-1) e^-x / Gamma(a)
    lg = math.lgamma(a) if isinstance(a, (int, float)) else a.lgamma()
    return sign * g * ((a - 1) * x.log() - x - lg).exp()


def _no_input_grad(name):
    # torch defines no derivative w.r.t. ``input`` (a): backward raises instead of skipping it
    def dx(a, x, y, g):
        raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
    return dx


def _gammainc_samples(dt):
    # only ``other`` is differentiable: gradcheck runs on the scalar-``input`` sample
    out = [Sample(s.args, s.kwargs, grad=False, name=s.name)
           for s in binary_samples(0.5, 3.0, 0.5, 3.0, scalar=1.5)(dt)]
    out.append(Sample((1.5, S.array((3, 4), dt, 1, 0.5, 3.0)), {}, name="scalar_a"))
    return out


special_gammainc = bop("special_gammainc", safe(lambda xp, a, x: sc.gammainc(a, x)),
                       _no_input_grad("igamma"),
                       _gammainc_dother, allow=_FLOATS, kname="igamma_cpu",
                       samples=_gammainc_samples,
                       grad_name="IgammaBackward0")
special_gammaincc = bop("special_gammaincc", safe(lambda xp, a, x: sc.gammaincc(a, x)),
                        _no_input_grad("igammac"),
                        lambda a, x, y, g: _gammainc_dother(a, x, y, g, -1.0),
                        allow=_FLOATS, kname="igammac_cpu",
                        samples=_gammainc_samples,
                        grad_name="IgammacBackward0")
