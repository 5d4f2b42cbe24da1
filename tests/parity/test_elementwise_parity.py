"""Elementwise ops against torch 2.13: every op swept over dtypes and shapes (values, result
dtypes, exception types), and gradients against torch autograd."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402
from tests.helpers import assert_close  # noqa: E402

VALS = {
    "float32": np.array([-1.7, -0.5, 0.0, 0.3, 0.9, 2.5], np.float32),
    "float64": np.array([-3.2, -1.0, -0.0, 0.25, 0.75, 1.5]),
    "float16": np.array([-1.5, -0.25, 0.0, 0.5, 0.75, 2.0], np.float16),
    "int64": np.array([-3, -1, 0, 1, 2, 5], np.int64),
    "int32": np.array([4, -2, 0, 1, 3, -5], np.int32),
    "uint8": np.array([0, 1, 2, 3, 7, 200], np.uint8),
    "bool": np.array([True, False, True, True, False, False]),
    "complex64": (np.array([1, -2, 0, 0.5, 3, -1]) + 1j * np.array([0.5, 1, 0, -2, 0, 1]))
    .astype(np.complex64),
}
SHAPES = [(2, 3), (6,), ()]
DTYPES = ["float32", "float64", "int64", "bool", "uint8", "float16"]

UNARY = ("abs absolute acos arccos acosh arccosh asin arcsin asinh arcsinh atan arctan atanh "
         "arctanh angle ceil floor round trunc fix frac sign sgn signbit sqrt rsqrt square exp "
         "exp2 expm1 log log2 log10 log1p sin cos tan sinh cosh tanh sigmoid logit erf erfc "
         "erfinv lgamma digamma i0 sinc reciprocal relu nan_to_num isfinite isnan isinf "
         "isposinf isneginf isreal real conj conj_physical resolve_conj resolve_neg positive "
         "deg2rad rad2deg bitwise_not logical_not").split()
SPECIAL = ("expit erf erfc erfcx erfinv logit gammaln digamma psi i0 i0e i1 i1e ndtr ndtri "
           "log_ndtr sinc round log1p expm1 exp2 entr").split()


def _pair(dt, shape, seed=0):
    v = VALS[dt]
    if shape == ():
        v = v[3:4].reshape(())
    else:
        v = np.roll(v, seed).reshape(shape)
    return torch.from_numpy(v.copy()), gt.from_numpy(v.copy())


def _tol(dt):
    return {"float16": (2e-3, 2e-3), "float32": (1e-4, 1e-5),
            "complex64": (1e-4, 1e-5)}.get(str(dt).replace("torch.", ""), (1e-7, 1e-9))


def _same(g, t, check_dtype=True):
    if isinstance(t, torch.Tensor):
        t = t.resolve_conj().resolve_neg()
        assert isinstance(g, gt.Tensor), type(g)
        assert str(g.dtype) == str(t.dtype), (g.dtype, t.dtype)
        assert tuple(g.shape) == tuple(t.shape)
        r, a = _tol(t.dtype)
        assert_close(g, t, rtol=r, atol=a)
    else:
        assert g == t, (g, t)


def _run(fn_t, fn_g):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t = fn_t()
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)):
                fn_g()
            return
        g = fn_g()
    _same(g, t)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dt", DTYPES + ["complex64"])
def test_unary_values_and_dtypes(name, dt):
    for shape in (SHAPES if dt in ("float32", "int64") else SHAPES[:1]):
        xt, xg = _pair(dt, shape)
        _run(lambda: getattr(torch, name)(xt), lambda: getattr(gt, name)(xg))
        if hasattr(torch.Tensor, name):
            _run(lambda: getattr(xt, name)(), lambda: getattr(xg, name)())


@pytest.mark.parametrize("name", SPECIAL)
@pytest.mark.parametrize("dt", DTYPES)
def test_special_values_and_dtypes(name, dt):
    xt, xg = _pair(dt, (2, 3))
    if name == "ndtri":
        xt, xg = xt / 4 + 0.5 if dt != "bool" else xt, xg / 4 + 0.5 if dt != "bool" else xg
    _run(lambda: getattr(torch.special, name)(xt), lambda: getattr(gt.special, name)(xg))


ATTR_CASES = [
    "x.round(decimals=1)", "x.round(decimals=-1)", "x.logit(0.2)", "L.polygamma(1, x.abs() + 0.5)",
    "L.polygamma(2, x.abs() + 0.5)", "x.polygamma(0)", "L.mvlgamma(x.abs() + 2, 2)", "x.mvlgamma(3)",
    "L.nan_to_num(x / 0)", "L.nan_to_num(x / 0, nan=1.0, posinf=2.0)",
    "L.nan_to_num(x / 0, neginf=-5.0)", "L.clamp(x, 0)", "L.clamp(x, max=0.5)",
    "L.clamp(x, -1, 1)", "L.clip(x, 1.0, -1.0)", "x.clamp_min(0.2)", "x.clamp_max(0.2)",
    "L.clamp(x)", "L.special.multigammaln(x.abs() + 2, 2)", "L.special.polygamma(1, x.abs() + 0.5)",
    "L.special.round(x, decimals=1)", "L.special.logit(x, eps=0.1)", "+x", "abs(x)", "~x",
    "x.abs_()", "x.clone().sqrt_()", "x.clone().exp_()", "x.clone().clamp_(0, 1)",
    "x.clone().relu_()", "x.clone().sigmoid_()", "x.clone().round_()", "x.clone().trunc_()",
    "x.clone().bitwise_not_()", "x.clone().logical_not_()", "x.clone().sign_()",
    "x.clone().square_()", "x.clone().nan_to_num_()", "x.clone().clamp_min_(1)",
    "x.real", "x.is_conj()", "L.clamp(x, min=L.zeros(3))",
]


@pytest.mark.parametrize("expr", ATTR_CASES)
@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "bool"])
def test_unary_with_arguments(expr, dt):
    xt, xg = _pair(dt, (2, 3))
    _run(lambda: eval(expr, {"x": xt, "L": torch}), lambda: eval(expr, {"x": xg, "L": gt}))


BINARY = ("pow float_power fmod remainder atan2 arctan2 hypot copysign nextafter ldexp xlogy "
          "logaddexp logaddexp2 maximum minimum fmax fmin heaviside gcd lcm bitwise_and "
          "bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift logical_and "
          "logical_or logical_xor eq ne lt le gt ge greater greater_equal less less_equal "
          "not_equal isclose clamp_min clamp_max").split()
PAIRS = [("float32", "float32"), ("float64", "float32"), ("int64", "int64"), ("int64", "float32"),
         ("bool", "bool"), ("bool", "int64"), ("uint8", "int64"), ("int32", "uint8"),
         ("float16", "float64"), ("float32", "s:2"), ("int64", "s:2"), ("int64", "s:-1"),
         ("int64", "s:1.5"), ("bool", "s:True"), ("float32", "s:True"), ("s:2", "int64"),
         ("s:2.5", "float32"), ("int64", "0d:float64"), ("float32", "0d:int64")]


def _arg(spec, seed):
    if spec.startswith("s:"):
        v = eval(spec[2:])
        return v, v
    if spec.startswith("0d:"):
        t, g = _pair(spec[3:], ())
        return t, g
    return _pair(spec, (2, 3), seed)


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: "-".join(p))
def test_binary_values_and_dtypes(name, pair):
    (at, ag), (bt, bg) = _arg(pair[0], 0), _arg(pair[1], 2)
    if name in ("fmod", "remainder", "gcd", "lcm") and isinstance(bt, torch.Tensor):
        bt, bg = bt + (bt == 0), bg + (bg == 0)  # integer division by zero raises in both
    _run(lambda: getattr(torch, name)(at, bt), lambda: getattr(gt, name)(ag, bg))
    if isinstance(at, torch.Tensor):
        _run(lambda: getattr(at, name)(bt), lambda: getattr(ag, name)(bg))


OPERATORS = ["a ** b", "a % b", "a & b", "a | b", "a ^ b", "a << b", "a >> b", "a == b",
             "a != b", "a < b", "a <= b", "a > b", "a >= b"]


@pytest.mark.parametrize("expr", OPERATORS)
@pytest.mark.parametrize("pair", [("int64", "int64"), ("float32", "float32"), ("bool", "bool"),
                                  ("int64", "s:3"), ("s:3", "int64"), ("float32", "s:2.0"),
                                  ("s:2.0", "float32"), ("bool", "s:True")],
                         ids=lambda p: "-".join(p))
def test_operators(expr, pair):
    (at, ag), (bt, bg) = _arg(pair[0], 0), _arg(pair[1], 2)
    if expr in ("a % b",) and isinstance(bt, torch.Tensor):
        bt, bg = bt + (bt == 0), bg + (bg == 0)
    if expr in ("a << b", "a >> b") and isinstance(bt, torch.Tensor):
        bt, bg = bt.abs() if bt.dtype != torch.bool else bt, bg.abs() if bg.dtype != gt.bool else bg
    _run(lambda: eval(expr, {"a": at, "b": bt}), lambda: eval(expr, {"a": ag, "b": bg}))


@pytest.mark.parametrize("expr", ["a ** b", "a % b", "a & b", "a | b", "a ^ b", "a << b",
                                  "a >> b"])
@pytest.mark.parametrize("b", [2, 3.0])
def test_inplace_operators(expr, b):
    for dt in ("int64", "float32", "bool"):
        at, ag = _pair(dt, (2, 3))
        op = expr.split()[1]
        stmt = f"a {op}= b"

        def do(a, b=b):
            d = {"a": a, "b": b}
            exec(stmt, d)
            return d["a"]
        _run(lambda: do(at.clone()), lambda: do(ag.clone()))


TERNARY = ["L.lerp(a, b, 0.3)", "L.lerp(a, b, 0.8)", "L.lerp(a, b, c)", "a.lerp(b, 2)",
           "L.addcmul(a, b, c)", "L.addcmul(a, b, c, value=2)", "L.addcmul(a, b, c, value=0.5)",
           "L.addcdiv(a, b, c + 3)", "L.addcdiv(a, b, c + 3, value=-1.5)",
           "a.clone().lerp_(b, 0.5)", "a.clone().addcmul_(b, c)", "a.clone().addcdiv_(b, c + 3)",
           "L.clamp(a, b, c + 1)", "L.clamp(a, min=b)", "L.clamp(a, max=c)",
           "L.clamp(a, min=b, max=1.5)", "a.clone().clamp_(b, c + 1)",
           "L.allclose(a, b)", "L.allclose(a, a)", "L.equal(a, b)", "L.equal(a, a)",
           "L.isclose(a, b, rtol=0.5, atol=0.5)", "L.isclose(a, b, rtol=-1)",
           "L.isclose(a / 0, a / 0, equal_nan=True)", "L.float_power(a, 2)",
           "a.clone().float_power_(2)", "a.clone().pow_(2)", "a.clone().fmod_(2)",
           "L.special.xlog1py(a, b)", "L.special.xlog1py(a, 2)", "L.special.zeta(a, b)",
           "L.special.zeta(2, b)", "L.special.zeta(a, 2)", "L.xlogy(2, b)", "L.xlogy(a, 3.0)"]


@pytest.mark.parametrize("expr", TERNARY)
@pytest.mark.parametrize("dts", [("float32",) * 3, ("float64",) * 3, ("int64",) * 3,
                                 ("float32", "float64", "float32"), ("bool",) * 3,
                                 ("float32", "int64", "int64")], ids=lambda p: "-".join(p))
def test_ternary_and_misc(expr, dts):
    (at, ag), (bt, bg), (ct, cg) = (_pair(d, (2, 3), i) for i, d in enumerate(dts))
    if dts[1] == "float64":
        ct, cg = ct.abs() / 4, cg.abs() / 4
    _run(lambda: eval(expr, {"a": at, "b": bt, "c": ct, "L": torch}),
         lambda: eval(expr, {"a": ag, "b": bg, "c": cg, "L": gt}))


def test_invalid_dtype_errors():
    f, i = _pair("float32", (2, 3)), _pair("int64", (2, 3))
    for fn in ("bitwise_and", "bitwise_or", "gcd", "bitwise_left_shift"):
        _run(lambda: getattr(torch, fn)(f[0], f[0]), lambda: getattr(gt, fn)(f[1], f[1]))
    _run(lambda: torch.bitwise_not(f[0]), lambda: gt.bitwise_not(f[1]))
    _run(lambda: ~f[0], lambda: ~f[1])
    _run(lambda: torch.pow(i[0], -1), lambda: gt.pow(i[1], -1))
    _run(lambda: i[0] ** -2, lambda: i[1] ** -2)
    _run(lambda: torch.hypot(f[0], 2), lambda: gt.hypot(f[1], 2))
    _run(lambda: torch.maximum(f[0], 2), lambda: gt.maximum(f[1], 2))
    _run(lambda: torch.exp(2.0), lambda: gt.exp(2.0))
    _run(lambda: torch.fmod(i[0], 0), lambda: gt.fmod(i[1], 0))
    _run(lambda: i[0].clone().sqrt_(), lambda: i[1].clone().sqrt_())
    _run(lambda: torch.imag(f[0]), lambda: gt.imag(f[1]))
    _run(lambda: torch.relu(torch.tensor([True])), lambda: gt.relu(gt.tensor([True])))


# ------------------------------------------------------------------ gradients
GRAD_DOMAIN = {
    "acos": (-0.9, 0.9), "asin": (-0.9, 0.9), "atanh": (-0.9, 0.9), "erfinv": (-0.9, 0.9),
    "acosh": (1.2, 3), "log": (0.2, 3), "log2": (0.2, 3), "log10": (0.2, 3),
    "sqrt": (0.2, 3), "rsqrt": (0.2, 3), "reciprocal": (0.3, 3), "lgamma": (0.3, 3),
    "digamma": (0.3, 3), "logit": (0.1, 0.9), "log1p": (-0.5, 2), "tan": (-1.2, 1.2),
}
GRAD_UNARY = ("abs acos acosh asin asinh atan atanh ceil floor round trunc frac sign sqrt "
              "rsqrt square exp exp2 expm1 log log2 log10 log1p sin cos tan sinh cosh tanh "
              "sigmoid logit erf erfc erfinv lgamma digamma i0 sinc reciprocal relu nan_to_num "
              "deg2rad rad2deg angle").split()


def _grad_inputs(lo, hi, shape=(3, 4), seed=0):
    v = np.random.RandomState(seed).uniform(lo, hi, size=shape)
    return (torch.tensor(v, requires_grad=True), gt.tensor(v, requires_grad=True))


def _compare_grads(ft, fg, xs_t, xs_g):
    yt, yg = ft(*xs_t), fg(*xs_g)
    assert yg.grad_fn is not None
    assert type(yt.grad_fn).__name__ == yg.grad_fn.name(), (type(yt.grad_fn).__name__,
                                                           yg.grad_fn.name())
    w = np.random.RandomState(5).randn(*yt.shape)
    (yt * torch.tensor(w)).sum().backward()
    (yg * gt.tensor(w)).sum().backward()
    for a, b in zip(xs_t, xs_g):
        if a.grad is None:
            assert b.grad is None
        else:
            assert_close(b.grad, a.grad, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", GRAD_UNARY)
def test_unary_grads(name):
    lo, hi = GRAD_DOMAIN.get(name, (-2, 2))
    xt, xg = _grad_inputs(lo, hi)
    _compare_grads(getattr(torch, name), getattr(gt, name), [xt], [xg])


GRAD_EXPRS = [
    "x.pow(2)", "x.pow(y)", "L.pow(2, x)", "x ** 0", "x.abs() ** y", "x.float_power(2)",
    "x.fmod(y)", "x.fmod(1.5)", "x.remainder(y)", "x.remainder(0.7)", "x.atan2(y)", "x.hypot(y)",
    "x.lerp(y, 0.3)", "x.lerp(y, y.sigmoid())", "x.copysign(y)", "x.copysign(-2.0)",
    "x.ldexp(y)", "x.abs().xlogy(y.abs())", "x.xlogy(2.5)", "L.xlogy(2.0, y.abs())",
    "x.logaddexp(y)", "x.logaddexp2(y)", "x.maximum(y)", "x.minimum(y)", "x.fmax(y)",
    "x.fmin(y)", "x.maximum(x)", "L.addcmul(x, y, x, value=0.5)", "L.addcdiv(x, y, y + 3)",
    "x.clamp(-0.5, 0.5)", "x.clamp(min=y)", "x.clamp(y, y + 1)", "x.clamp_min(0.1)",
    "x.clamp_max(y)", "x.round(decimals=2)", "x.logit(0.2)", "x.polygamma(1)",
    "(x.abs() + 2).mvlgamma(2)", "L.special.xlog1py(x, y.abs())", "L.special.entr(x.abs())",
    "L.special.zeta(2.5, y.abs() + 0.5)", "L.special.i0e(x)", "L.special.i1(x)",
    "L.special.i1e(x)", "L.special.ndtr(x)", "L.special.log_ndtr(x)",
    "L.special.erfcx(x)", "L.special.ndtri(x.sigmoid())", "L.special.expit(x)", "x.sinc()",
    "x.square()", "x.relu()", "x * 1.0 + x.exp().log()",
]


@pytest.mark.parametrize("expr", GRAD_EXPRS)
def test_expression_grads(expr):
    xt, xg = _grad_inputs(-2, 2, seed=1)
    yt, yg = _grad_inputs(-2, 2, seed=2)
    _compare_grads(lambda x, y: eval(expr, {"x": x, "y": y, "L": torch}),
                   lambda x, y: eval(expr, {"x": x, "y": y, "L": gt}), [xt, yt], [xg, yg])


@pytest.mark.parametrize("expr", ["x.tanh()", "x.sigmoid()", "x.pow(3)", "x.exp() * y.sin()",
                                  "x.atan2(y)", "x.erf()", "x.sqrt()", "x.lgamma()"])
def test_double_backward(expr):
    xt, xg = _grad_inputs(0.1, 2, seed=3)
    yt, yg = _grad_inputs(0.1, 2, seed=4)
    outs = []
    for L, x, y in ((torch, xt, yt), (gt, xg, yg)):
        z = eval(expr, {"x": x, "y": y, "L": L}).sum()
        (gx,) = L.autograd.grad(z, x, create_graph=True)
        (ggx,) = L.autograd.grad(gx.sum(), x)
        outs.append((gx, ggx))
    assert_close(outs[1][0], outs[0][0])
    assert_close(outs[1][1], outs[0][1])


def test_hash_and_membership():
    a, b = gt.tensor([1.0, 2.0]), gt.tensor([1.0, 2.0])
    assert hash(a) != hash(b) or a is b
    assert a in [a, b] and a in {a: 1}
    assert (a == None) is False and (a != None) is True  # noqa: E711
    assert a.__eq__("x") is NotImplemented
    s = gt.tensor(3.0)
    assert s in [gt.tensor(3.0)] and math.isclose(float(s ** 2), 9.0)
