"""Elementwise ops against numpy/scipy references: values, dtype rules, 0-dim/empty/
broadcast/non-contiguous inputs, in-place variants, out=, operators and error types."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as sc

import graphtorch as gt
from tests.helpers import T, assert_close

R = np.random.RandomState(0)
X = R.uniform(0.1, 0.9, size=(3, 4))
NC = np.asfortranarray(R.uniform(0.1, 0.9, size=(4, 6)))[:, ::2]  # non-contiguous

UNARY_REFS = {
    "abs": np.abs, "acos": np.arccos, "asin": np.arcsin, "atan": np.arctan, "asinh": np.arcsinh,
    "atanh": np.arctanh, "ceil": np.ceil, "floor": np.floor, "trunc": np.trunc,
    "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x), "exp": np.exp, "exp2": np.exp2,
    "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "sigmoid": sc.expit, "logit": sc.logit, "erf": sc.erf, "erfc": sc.erfc,
    "erfinv": sc.erfinv, "lgamma": sc.gammaln, "digamma": sc.psi, "i0": sc.i0,
    "sinc": np.sinc, "reciprocal": lambda x: 1 / x, "frac": lambda x: x - np.trunc(x),
    "square": np.square, "deg2rad": np.deg2rad, "rad2deg": np.rad2deg,
    "relu": lambda x: np.maximum(x, 0), "sign": np.sign,
}


@pytest.mark.parametrize("name", sorted(UNARY_REFS))
@pytest.mark.parametrize("arr", [X, NC, np.array(0.5), np.zeros((0, 3))], ids=["2d", "nc",
                                                                              "0d", "empty"])
def test_unary_matches_numpy(name, arr):
    ref = UNARY_REFS[name](arr)
    out = getattr(gt, name)(T(arr))
    assert out.dtype is gt.float64
    assert_close(out, ref)
    assert_close(getattr(T(arr), name)(), ref)
    t = T(arr)
    r = getattr(t, name + "_")()
    assert r is t and t._version == 1
    assert_close(t, ref)


@pytest.mark.parametrize("name", ["sqrt", "exp", "sin", "log1p", "sigmoid", "erf", "atan"])
def test_integer_inputs_give_default_float(name):
    x = T(np.array([1, 2, 3]))
    assert getattr(gt, name)(x).dtype is gt.float32
    assert getattr(gt, name)(T(np.array([True, False]))).dtype is gt.float32
    gt.set_default_dtype(gt.float64)
    try:
        assert getattr(gt, name)(x).dtype is gt.float64
    finally:
        gt.set_default_dtype(gt.float32)
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(x, name + "_")()


def test_keep_dtype_ops():
    i = T(np.array([-3, 0, 4]))
    for name in ("abs", "ceil", "floor", "trunc", "sign", "relu", "square"):
        assert getattr(gt, name)(i).dtype is gt.int64, name
    assert gt.abs(i).tolist() == [3, 0, 4]
    assert gt.relu(i).tolist() == [0, 0, 4]
    assert gt.sign(T(np.array([np.nan, -0.0, -2.0]))).tolist() == [0.0, 0.0, -1.0]
    assert gt.square(T(np.array([True, False]))).dtype is gt.int64
    assert gt.round(T(np.array([0.5, 1.5, 2.5, -0.5]))).tolist() == [0.0, 2.0, 2.0, -0.0]
    assert_close(gt.round(T(np.array([1.2345, 123.45])), decimals=2), np.array([1.23, 123.45]))
    assert gt.round(T(np.array([1234.0])), decimals=-2).tolist() == [1200.0]


@pytest.mark.parametrize("name,exc", [("abs", NotImplementedError), ("floor", NotImplementedError),
                                      ("relu", RuntimeError), ("frac", NotImplementedError),
                                      ("positive", RuntimeError)])
def test_bool_rejections(name, exc):
    with pytest.raises(exc):
        getattr(gt, name)(T(np.array([True])))


def test_out_argument():
    out = gt.empty(3)
    r = gt.exp(T(np.array([0.0, 1.0, 2.0], np.float32)), out=out)
    assert r is out
    assert_close(out, np.exp(np.array([0.0, 1.0, 2.0], np.float32)))
    out = gt.empty(0, dtype=gt.float64)
    gt.atan2(T(X), T(X[0]), out=out)
    assert_close(out, np.arctan2(X, X[0]))


BINARY_REFS = {
    "atan2": np.arctan2, "hypot": np.hypot, "copysign": np.copysign, "fmod": np.fmod,
    "remainder": np.remainder, "maximum": np.maximum, "minimum": np.minimum, "fmax": np.fmax,
    "fmin": np.fmin, "logaddexp": np.logaddexp, "logaddexp2": np.logaddexp2,
    "pow": np.power, "xlogy": sc.xlogy, "nextafter": np.nextafter,
    "ldexp": lambda a, b: a * 2.0 ** b,
}


@pytest.mark.parametrize("name", sorted(BINARY_REFS))
def test_binary_broadcast_matches_numpy(name):
    a, b = R.uniform(0.2, 2, size=(2, 1, 4)), R.uniform(0.2, 2, size=(3, 1))
    assert_close(getattr(gt, name)(T(a), T(b)), BINARY_REFS[name](a, b))
    assert_close(getattr(T(NC), name)(T(NC[0])), BINARY_REFS[name](NC, NC[0]))


def test_pow_semantics():
    i = T(np.array([1, -2, 3]))
    assert (i ** 2).tolist() == [1, 4, 9] and (i ** 2).dtype is gt.int64
    assert (i ** 2.0).dtype is gt.float32
    assert (2 ** i).tolist() == [2, 0, 8]
    assert gt.pow(T(np.array([-1, 1, 2, 0])), T(np.array([-1, -3, -1, -1]))).tolist() == \
        [-1, 1, 0, 0]
    with pytest.raises(RuntimeError, match="negative integer powers"):
        i ** -1
    with pytest.raises(NotImplementedError):
        gt.pow(T(np.array([True])), T(np.array([True])))
    assert gt.float_power(i, 2).dtype is gt.float64
    assert gt.pow(T(np.array([2], np.uint8)), 9).tolist() == [0]


def test_integer_division_errors_and_modes():
    a, b = T(np.array([5, -5])), T(np.array([3, 3]))
    assert gt.remainder(a, b).tolist() == [2, 1]
    assert gt.fmod(a, b).tolist() == [2, -2]
    assert (a % 3).tolist() == [2, 1] and (-7 % T(np.array([3]))).tolist() == [2]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        gt.fmod(a, 0)
    with pytest.raises(TypeError):
        gt.fmod(2, a)


def test_bitwise_and_shifts():
    a, b = T(np.array([12, -7, 0])), T(np.array([10, 3, 5]))
    assert (a & b).tolist() == [8, 1, 0] and (a | b).tolist() == [14, -5, 5]
    assert (a ^ b).tolist() == [6, -6, 5] and (~a).tolist() == [-13, 6, -1]
    assert (a << 2).tolist() == [48, -28, 0] and (a >> 1).tolist() == [6, -4, 0]
    assert gt.bitwise_left_shift(a, 70).tolist() == [0, 0, 0]
    assert gt.bitwise_right_shift(a, 70).tolist() == [0, -1, 0]
    m = T(np.array([True, False]))
    assert (m & True).tolist() == [True, False] and (~m).tolist() == [False, True]
    f = T(np.array([1.0]))
    for fn in (lambda: f & f, lambda: gt.bitwise_xor(f, 1), lambda: gt.gcd(f, f),
               lambda: gt.bitwise_not(f)):
        with pytest.raises(NotImplementedError, match="not implemented for 'Double'"):
            fn()
    with pytest.raises(TypeError):
        ~f
    c = a.clone()
    c &= 3
    assert c.tolist() == [0, 1, 0]


def test_comparisons_and_predicates():
    x = T(np.array([1.0, np.nan, np.inf, -np.inf]))
    assert (x == 1).tolist() == [True, False, False, False]
    assert gt.isnan(x).tolist() == [False, True, False, False]
    assert gt.isfinite(x).tolist() == [True, False, False, False]
    assert gt.isposinf(x).tolist() == [False, False, True, False]
    assert gt.isneginf(x).tolist() == [False, False, False, True]
    assert gt.isinf(T(np.array([1, 2]))).tolist() == [False, False]
    i = T(np.array([1, 2, 3]))
    assert (i < 2.5).tolist() == [True, True, False] and gt.greater_equal(i, 2).tolist() == \
        [False, True, True]
    assert gt.equal(i, i.float()) and not gt.equal(i, T(np.array([1, 2])))
    assert gt.allclose(i.double(), i.double() + 1e-9) is True
    with pytest.raises(RuntimeError, match="did not match"):
        gt.isclose(i, i.float())
    assert (x == None) is False  # noqa: E711
    assert x in [x] and hash(x) == id(x)


def test_clamp_family():
    x = T(np.array([-2.0, 0.5, 3.0]))
    assert gt.clamp(x, -1, 1).tolist() == [-1.0, 0.5, 1.0]
    assert gt.clamp(x, min=1.0, max=0.0).tolist() == [0.0, 0.0, 0.0]
    assert gt.clamp(T(np.array([1, -2])), min=0.5).dtype is gt.float32
    lo = T(np.array([0.0, 1.0, 2.0]))
    assert gt.clamp(x, min=lo).tolist() == [0.0, 1.0, 3.0]
    with pytest.raises(RuntimeError, match="At least one"):
        gt.clamp(x)
    with pytest.raises(TypeError):
        gt.clamp(x, min=lo, max=1.0)
    assert x.clamp_min(0).tolist() == [0.0, 0.5, 3.0] and gt.clip(x, max=0).tolist() == \
        [-2.0, 0.0, 0.0]


def test_misc_ops():
    x = T(np.array([np.nan, np.inf, -np.inf, 1.0], np.float32))
    r = gt.nan_to_num(x)
    assert r.tolist()[0] == 0.0 and r.tolist()[1] == float(np.finfo(np.float32).max)
    assert gt.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0).tolist() == [1.0, 2.0, -2.0, 1.0]
    a, b = T(np.array([1.0, 2.0])), T(np.array([3.0, 6.0]))
    assert gt.lerp(a, b, 0.5).tolist() == [2.0, 4.0]
    assert gt.lerp(a, b, T(np.array([0.0, 1.0]))).tolist() == [1.0, 6.0]
    assert gt.addcmul(a, a, b, value=2).tolist() == [7.0, 26.0]
    assert gt.addcdiv(a, a, b, value=3).tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="Integer division"):
        gt.addcdiv(T(np.array([1])), T(np.array([1])), T(np.array([1])))
    assert gt.heaviside(T(np.array([-1.0, 0.0, 2.0])), T(np.array(0.5))).tolist() == \
        [0.0, 0.5, 1.0]
    assert gt.gcd(T(np.array([4, -6])), T(np.array([6, 9]))).tolist() == [2, 3]
    assert gt.lcm(T(np.array([4, -6])), T(np.array([6, 9]))).tolist() == [12, 18]
    assert_close(gt.mvlgamma(T(np.array([2.5, 3.0])), 2), np.array([0.8570, 1.5502]),
                 rtol=1e-4, atol=1e-4)
    assert_close(gt.polygamma(1, T(X)), sc.polygamma(1, X))


def test_complex_parts_and_views():
    z = gt.from_numpy(np.array([1 + 2j, 3 - 1j]))
    assert z.real.tolist() == [1.0, 3.0] and z.imag.tolist() == [2.0, -1.0]
    z.real.fill_(5.0)  # a view, as in torch
    assert z.tolist() == [5 + 2j, 5 - 1j]
    assert gt.conj(z).tolist() == [5 - 2j, 5 + 1j]
    x = T(np.array([1.0]))
    assert x.real is x and x.conj() is x and gt.resolve_conj(x) is x and +x is x
    with pytest.raises(RuntimeError):
        x.imag
    assert gt.abs(z).dtype is gt.float64 and gt.angle(z).dtype is gt.float64


def test_special_namespace():
    x = T(X)
    refs = {"expit": sc.expit, "erfcx": sc.erfcx, "i0e": sc.i0e, "i1": sc.i1, "i1e": sc.i1e,
            "ndtr": sc.ndtr, "ndtri": sc.ndtri, "log_ndtr": sc.log_ndtr, "psi": sc.psi,
            "gammaln": sc.gammaln, "entr": sc.entr}
    for name, ref in refs.items():
        assert_close(getattr(gt.special, name)(x), ref(X))
    assert_close(gt.special.xlog1py(x, x), sc.xlog1py(X, X))
    assert_close(gt.special.zeta(x + 1, x), sc.zeta(X + 1, X))
    assert_close(gt.special.multigammaln(x + 2, 3), sc.multigammaln(X + 2, 3))
    assert_close(gt.special.round(x, decimals=1), np.round(X, 1))


def test_autograd_through_elementwise():
    x = T(X, requires_grad=True)
    y = (x.sin() * x.exp() + x.pow(2) - x.clamp(0.3, 0.6)).sum()
    y.backward()
    ref = np.cos(X) * np.exp(X) + np.sin(X) * np.exp(X) + 2 * X - ((X >= 0.3) & (X <= 0.6))
    assert_close(x.grad, ref)
    x = T(X, requires_grad=True)
    y = x.exp()
    assert y.grad_fn.name() == "ExpBackward0"
    assert (x ** 2).grad_fn.name() == "PowBackward0" and (2 ** x).grad_fn.name() == \
        "PowBackward2"
    assert x.clamp(0.1).grad_fn.name() == "ClampBackward1"


def test_inplace_on_saved_output_is_detected():
    x = T(X, requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError):
        y.sum().backward()
    x2 = T(X, requires_grad=True)
    h = x2 * 1
    out = h.exp()
    h.add_(1)  # exp saves its output only: modifying the input is fine
    out.sum().backward()
    assert_close(x2.grad, np.exp(X))


def test_bool_dispatch_hot_path_is_cheap():
    x = T(np.array([1.0]))
    for _ in range(3):
        assert math.isclose(float(x.exp()), math.e, rel_tol=1e-6)
