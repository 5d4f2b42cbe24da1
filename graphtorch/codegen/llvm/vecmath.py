"""Inline, vectorisable float32 transcendentals: exp, expm1, log, log1p, tanh, sigmoid, erf.

A call to the C library (``expf``, ``tanhf``, ...) costs ~2 ns per element and stops LLVM's
loop vectoriser, so a fused loop containing one runs one element at a time.  These versions
are straight-line code (range reduction, a polynomial, exponent arithmetic on the bits, and
selects for the special cases): no calls, no branches, no table lookups, so the vectoriser
widens them to the host's vector width like any other arithmetic.

Accuracy (measured over dense sweeps against float64 references rounded to float32, in
tests/codegen/test_llvm_vecmath.py): a few ulp at most; infinities, NaN, signed zeros,
denormal inputs and denormal results follow the C library.  float64 keeps the C library
(``scalar.libm`` only routes float32 here).

The polynomial coefficients are our own least-squares fits (Lawson-weighted, on Chebyshev
points, against mpmath) of the residual functions named in each comment, rounded to float32.
``llvm.fmuladd`` lets the backend fuse multiply-adds where the CPU has FMA.

The LSTM / GRU gates (3 sigmoid + 2 tanh per unit) are FMA-port bound, so every vector op
counts: exponent scaling by ``llvm.ldexp`` on AVX-512 hosts, no clamp where the argument is in
range, one division for sigmoid and one sign fix-up for tanh took, per 16 lanes in a loop
over 4096 floats (ns per element incl. call overhead, in-process A/B, Zen 4): sigmoid 0.44 ->
0.37, tanh 0.57 -> 0.49, exp 0.33 -> 0.29; the LSTM layer step (H 128, batch 8, 1 thread)
spent ~2.75 us of its ~12.7 us in the gate functions."""
from __future__ import annotations

import math

from llvmlite import ir

from .fnctx import F32, I32

# exp(r) = 1 + r + r^2 * P(r) on |r| <= ln2 / 2
_EXP = (0.5, 0.16666577756404877, 0.04166685417294502, 0.008363144472241402,
        0.0013901271158829331)
# expm1(r) = r + r^2 / 2 + r^3 * P(r) on |r| <= ln2 / 2
_EXPM1 = (0.1666666716337204, 0.041666556149721146, 0.008333345875144005,
          0.0013926159590482712, 0.00019861935288645327)
# log1p(f) = f - f^2 / 2 + f^3 * P(f) on sqrt(1/2) - 1 <= f < sqrt(2) - 1
_LOG = (0.3333333134651184, -0.24999994039535522, 0.20000715553760529, -0.16668052971363068,
        0.14249294996261597, -0.12420257925987244, 0.11677433550357819, -0.11513889580965042,
        0.0703543871641159)
# tanh(x) = x + x^3 * P(x^2) on |x| < 0.625
_TANH = (-0.3333333432674408, 0.13333304226398468, -0.05395926162600517,
         0.021768944337964058, -0.008344022557139397, 0.0022928237449377775)
_TANH_SMALL = 0.625
# erf(x) = x + x * P(x^2) on |x| < 1: the small correction added last (one rounding of a value
# below 0.13 x) keeps erf within ~1 ulp there; x * P'(x^2) in one product reached 2.4 ulp
_ERF_A = (0.12837916612625122, -0.3761262595653534, 0.1128358468413353, -0.026853784918785095,
          0.005188281647861004, -0.0008009820594452322, 7.852700946386904e-05)
# erfc(x) = P(x - 2.5) on [1, 4]: one polynomial of degree 14 (1.1 ulp on erf over a dense
# float32 sweep) instead of two of degree 10 picked per lane, whose 11 coefficient selects and
# the spills they caused made erf ~41 cycles per 16 lanes; erf rounds to 1 beyond 4
_ERFC_B = (0.0004069526621606201, -0.002178188879042864, 0.005445676390081644,
           -0.008351716212928295, 0.008622685447335243, -0.006109302397817373,
           0.0027973493561148643, -0.0005600647418759763, -0.00025848118821159005,
           0.0002703984791878611, -8.125632302835584e-05, -1.7681850295048207e-05,
           1.576790600665845e-05, -5.093170329928398e-07, -8.961245043792587e-07)

# ln 2 split so that n * _LN2_HI is exact for |n| < 2^15 (Cody and Waite)
_LN2_HI, _LN2_LO = 0.693359375, -2.12194440e-4
_LOG2E = 1.4426950408889634
_MAGIC = 12582912.0  # 1.5 * 2^23: adding it rounds to an integer kept in the low mantissa bits
_SQRT_HALF_BITS = 0x3F3504F3  # float32 bits of sqrt(1/2)


def c(v):
    """A float32 constant."""
    return ir.Constant(F32, float(v))


def i32(v):
    return ir.Constant(I32, int(v) & 0xFFFFFFFF)


def _intr(b, name, *args):
    mod = b.module
    full = f"llvm.{name}.f32"
    fn = mod.globals.get(full)
    if fn is None:
        fn = ir.Function(mod, ir.FunctionType(F32, [F32] * len(args)), full)
    return b.call(fn, list(args))


def fma(b, x, y, z):
    """x * y + z, fused where the CPU can (``llvm.fmuladd``)."""
    return _intr(b, "fmuladd", x, y, z)


def horner(b, x, coeffs):
    """sum(coeffs[k] * x**k) (``coeffs`` float constants or float32 values)."""
    cs = [k if isinstance(k, ir.Value) else c(k) for k in coeffs]
    acc = cs[-1]
    for k in reversed(cs[:-1]):
        acc = fma(b, acc, x, k)
    return acc


def _clamp(b, x, lo, hi):
    """min(max(x, lo), hi) letting NaN through."""
    x = b.select(b.fcmp_ordered("<", x, c(lo)), c(lo), x)
    return b.select(b.fcmp_ordered(">", x, c(hi)), c(hi), x)


def _pow2(b, n):
    """2.0**n as float32 for an i32 ``n`` in [-126, 127] (exponent bits)."""
    return b.bitcast(b.shl(b.add(n, i32(127)), i32(23)), F32)


def _reduce(b, x, split=True):
    """x = n * ln2 + r with |r| <= ln2 / 2: returns (n as i32, n as float, r).  ``split``
    False: one product with float32(ln2), off by n * 1.9e-9 (callers with small n only)."""
    t = fma(b, x, c(_LOG2E), c(_MAGIC))
    nf = b.fsub(t, c(_MAGIC))
    n = b.sub(b.bitcast(t, I32), i32(0x4B400000))  # bits of _MAGIC
    if not split:
        return n, nf, fma(b, nf, c(-math.log(2.0)), x)
    r = fma(b, nf, c(-_LN2_HI), x)
    r = fma(b, nf, c(-_LN2_LO), r)
    return n, nf, r


# None: decided from the host (AVX-512F); True / False force it (A/B measurements, tests)
USE_LDEXP = None
_HOST_LDEXP = []


def _ldexp_ok():
    """Whether ``llvm.ldexp`` is cheap here: with AVX-512F the x86 backend lowers the vector
    form to vcvtdq2ps + vscalefps (one rounding, denormals exact: the same results as the
    two-step product), elsewhere it may become a call to ldexpf per lane."""
    if USE_LDEXP is not None:
        return USE_LDEXP
    if not _HOST_LDEXP:
        from . import engine  # late: building IR text needs no target otherwise
        _HOST_LDEXP.append("+avx512f" in engine.host_key().split("|")[2].split(","))
    return _HOST_LDEXP[0]


def _scale(b, p, n):
    """p * 2**n for n in [-150, 128], in two steps so no factor over- or underflows; the first
    product is exact, so a denormal result is rounded once."""
    if _ldexp_ok():
        # 2 instructions instead of 8 (sigmoid: 30 -> 23 vector instructions per 16 lanes)
        fn = b.module.globals.get("llvm.ldexp.f32.i32")
        if fn is None:
            fn = ir.Function(b.module, ir.FunctionType(F32, [F32, I32]), "llvm.ldexp.f32.i32")
        return b.call(fn, [p, n])
    n1 = b.ashr(n, i32(1))
    return b.fmul(b.fmul(p, _pow2(b, n1)), _pow2(b, b.sub(n, n1)))


def exp(b, x, lo=-104.0, hi=88.8, split=True):
    """e**x.  ``lo`` / ``hi`` (None: skipped) clamp the argument; beyond -104 / 88.8 the
    result is 0 / inf anyway, and callers whose argument is known to be in range skip the
    clamp (one vector op each)."""
    # NaN passes through every step
    xc = x
    if lo is not None:
        xc = b.select(b.fcmp_ordered("<", xc, c(lo)), c(lo), xc)
    if hi is not None:
        xc = b.select(b.fcmp_ordered(">", xc, c(hi)), c(hi), xc)
    n, _, r = _reduce(b, xc, split)
    p = b.fadd(fma(b, b.fmul(r, r), horner(b, r, _EXP), r), c(1.0))
    return _scale(b, p, n)


def expm1(b, x):
    """e**x - 1, accurate near 0."""
    xc = _clamp(b, x, -20.0, 88.8)  # below -20 the result rounds to -1
    n, _, r = _reduce(b, xc)
    q = fma(b, r, horner(b, r, _EXPM1), c(0.5))
    p = fma(b, b.fmul(r, r), q, r)           # expm1(r)
    s = _pow2(b, b.select(b.icmp_signed(">", n, i32(24)), i32(0), n))
    small = fma(b, s, p, b.fsub(s, c(1.0)))  # 2^n * expm1(r) + (2^n - 1): both exact, n <= 24
    big = _scale(b, b.fadd(p, c(1.0)), n)     # the -1 is below half an ulp there
    res = b.select(b.icmp_signed(">", n, i32(24)), big, small)
    return b.select(b.fcmp_ordered("==", x, c(0.0)), x, res)  # keeps the sign of zero


def log(b, x):
    """Natural logarithm."""
    # denormal inputs: scale into the normal range first
    den = b.fcmp_ordered("<", x, c(2.0 ** -126))
    xs = b.select(den, b.fmul(x, c(2.0 ** 23)), x)
    k = b.sub(b.bitcast(xs, I32), i32(_SQRT_HALF_BITS))
    e = b.add(b.ashr(k, i32(23)), b.select(den, i32(-23), i32(0)))
    m = b.bitcast(b.add(b.and_(k, i32(0x7FFFFF)), i32(_SQRT_HALF_BITS)), F32)  # [0.707, 1.414)
    f = b.fsub(m, c(1.0))
    ef = b.sitofp(e, F32)
    f2 = b.fmul(f, f)
    y = b.fmul(b.fmul(f, f2), horner(b, f, _LOG))
    y = fma(b, ef, c(_LN2_LO), y)
    y = fma(b, f2, c(-0.5), y)
    r = fma(b, ef, c(_LN2_HI), b.fadd(f, y))
    r = b.select(b.fcmp_ordered("==", x, c(math.inf)), x, r)
    r = b.select(b.fcmp_ordered("==", x, c(0.0)), c(-math.inf), r)
    return b.select(b.fcmp_unordered("<", x, c(0.0)), c(math.nan), r)  # x < 0 or NaN


def log1p(b, x):
    """log(1 + x), accurate near 0."""
    u = b.fadd(x, c(1.0))
    # u = 1 + x + d with d the rounding error: log(1 + x) = log(u) - d / u to first order
    d = b.fsub(b.fsub(u, c(1.0)), x)
    r = b.fsub(log(b, u), b.fdiv(d, u))
    r = b.select(b.fcmp_ordered("==", u, c(1.0)), x, r)  # |x| below half an ulp of 1, +-0
    r = b.select(b.fcmp_ordered("==", x, c(math.inf)), x, r)
    return b.select(b.fcmp_ordered("==", u, c(0.0)), c(-math.inf), r)


def tanh(b, x):
    """Hyperbolic tangent."""
    # computed on |x| and given x's sign once at the end: that also makes tanh(-0) = -0
    # without a select of its own
    ax = _intr(b, "fabs", x)
    x2 = b.fmul(ax, ax)
    small = fma(b, b.fmul(ax, x2), horner(b, x2, _TANH), ax)
    # 1 - 2 / (e^2|x| + 1): tanh rounds to 1 from |x| = 9.01, so clamping |x| at 10 keeps
    # exp's argument in range (no clamps inside exp); NaN passes the ordered compare
    axc = b.select(b.fcmp_ordered(">", ax, c(10.0)), c(10.0), ax)
    # n <= 29: the one-product reduction's error n * 1.9e-9 reaches tanh damped by
    # 2 e / (e + 1)^2 (below 0.02 ulp); it saves an fma, the gate pass being FMA-port bound
    e = exp(b, b.fmul(axc, c(2.0)), lo=None, hi=None, split=False)
    big = b.fsub(c(1.0), b.fdiv(c(2.0), b.fadd(e, c(1.0))))
    res = b.select(b.fcmp_ordered("<", ax, c(_TANH_SMALL)), small, big)
    return _intr(b, "copysign", res, x)


def sigmoid(b, x):
    """1 / (1 + e**-x), as e**x / (1 + e**x) for x < 0 (no overflow, denormal results)."""
    # -|x| <= 0 needs no upper clamp; selecting the numerator (1 or e) and dividing once
    # rounds once (e * (1 / (1 + e)) rounded twice: 2.6 ulp, now 2.3) and saves the product.
    # The true divide stays: vrcp14ps + a Newton step (`fdiv arcp ninf contract`) measured
    # 4% slower for sigmoid and tanh on Zen 4 (16 lanes, in-process A/B): the divider is not
    # what limits these loops, the FMA ports are
    e = exp(b, b.fneg(_intr(b, "fabs", x)), hi=None)
    num = b.select(b.fcmp_unordered(">=", x, c(0.0)), c(1.0), e)
    return b.fdiv(num, b.fadd(c(1.0), e))


def erf(b, x):
    """The error function."""
    ax = _intr(b, "fabs", x)
    small = fma(b, x, horner(b, b.fmul(x, x), _ERF_A), x)
    big = b.fsub(c(1.0), horner(b, b.fsub(ax, c(2.5)), _ERFC_B))
    big = b.select(b.fcmp_ordered(">=", ax, c(4.0)), c(1.0), big)  # NaN stays NaN
    big = _intr(b, "copysign", big, x)
    return b.select(b.fcmp_ordered("<", ax, c(1.0)), small, big)


F32_FUNCS = {"exp": exp, "expm1": expm1, "log": log, "log1p": log1p, "tanh": tanh,
             "erf": erf, "sigmoid": sigmoid}

__all__ = ["F32_FUNCS", "exp", "expm1", "log", "log1p", "tanh", "sigmoid", "erf", "horner",
           "fma"]
