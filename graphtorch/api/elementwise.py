"""Elementwise math functions and methods: unary math (exp, sin, ...), rounding, clamp, pow and
the binary math ops, with their in-place ``_`` variants and the ``**``/``%``/``abs``/``+``
operators.  Functions are generated from tables; each keeps PyTorch's signature."""
from __future__ import annotations

from ..eager.dispatch import call, call_inplace
from ..eager.tensor import Tensor
from ..ops import dtypes as D
from ..ops import registry as R
from ._bind import both, tensor_method, torch_function
from ._util import write_out

_op = R.get


def _tensor_arg(fname, x, pos=1, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _finish(r, out):
    return r if out is None else write_out(r, out)


# ------------------------------------------------------------------ unary table
# name -> (op name, aliases, torch.<name>_ exists, one-line doc)
_UNARY = {
    "abs": ("abs", ("absolute",), True, "Absolute value of each element."),
    "acos": ("acos", ("arccos",), True, "Inverse cosine."),
    "acosh": ("acosh", ("arccosh",), True, "Inverse hyperbolic cosine."),
    "asin": ("asin", ("arcsin",), True, "Inverse sine."),
    "asinh": ("asinh", ("arcsinh",), True, "Inverse hyperbolic sine."),
    "atan": ("atan", ("arctan",), True, "Inverse tangent."),
    "atanh": ("atanh", ("arctanh",), True, "Inverse hyperbolic tangent."),
    "angle": ("angle", (), None, "Argument (angle in radians) of each element."),
    "ceil": ("ceil", (), True, "Smallest integer >= each element."),
    "floor": ("floor", (), True, "Largest integer <= each element."),
    "trunc": ("trunc", ("fix",), True, "Each element rounded toward zero."),
    "frac": ("frac", (), True, "Fractional part of each element."),
    "sign": ("sign", (), False, "Sign (-1, 0 or 1) of each element."),
    "sgn": ("sgn", (), False, "Sign of each element; x / |x| for complex."),
    "signbit": ("signbit", (), None, "True where the sign bit is set."),
    "sqrt": ("sqrt", (), True, "Square root."),
    "rsqrt": ("rsqrt", (), True, "Reciprocal of the square root."),
    "exp": ("exp", (), True, "Exponential."),
    "exp2": ("exp2", (), True, "2 to the power of each element."),
    "expm1": ("expm1", (), True, "exp(x) - 1, accurate near 0."),
    "log": ("log", (), True, "Natural logarithm."),
    "log2": ("log2", (), True, "Base-2 logarithm."),
    "log10": ("log10", (), True, "Base-10 logarithm."),
    "log1p": ("log1p", (), True, "log(1 + x), accurate near 0."),
    "sin": ("sin", (), True, "Sine."),
    "cos": ("cos", (), True, "Cosine."),
    "tan": ("tan", (), True, "Tangent."),
    "sinh": ("sinh", (), True, "Hyperbolic sine."),
    "cosh": ("cosh", (), True, "Hyperbolic cosine."),
    "tanh": ("tanh", (), True, "Hyperbolic tangent."),
    "sigmoid": ("sigmoid", (), True, "Logistic sigmoid 1 / (1 + exp(-x))."),
    "erf": ("erf", (), True, "Error function."),
    "erfc": ("erfc", (), True, "Complementary error function."),
    "erfinv": ("erfinv", (), False, "Inverse error function."),
    "lgamma": ("lgamma", (), False, "Log of the absolute value of the gamma function."),
    "digamma": ("digamma", (), False, "Logarithmic derivative of the gamma function."),
    "i0": ("i0", (), True, "Modified Bessel function of the first kind, order 0."),
    "sinc": ("sinc", (), True, "Normalized sinc: sin(pi x) / (pi x)."),
    "reciprocal": ("reciprocal", (), True, "1 / x."),
    "relu": ("relu", (), True, "max(x, 0)."),
    "deg2rad": ("deg2rad", (), True, "Degrees to radians."),
    "rad2deg": ("rad2deg", (), True, "Radians to degrees."),
    "isfinite": ("isfinite", (), None, "True where the element is finite."),
    "isnan": ("isnan", (), None, "True where the element is NaN."),
    "isinf": ("isinf", (), None, "True where the element is +-inf."),
    "isposinf": ("isposinf", (), None, "True where the element is +inf."),
    "isneginf": ("isneginf", (), None, "True where the element is -inf."),
    "isreal": ("isreal", (), None, "True where the element has no imaginary part."),
}
_NO_OUT = {"isfinite", "isnan", "isinf", "isreal"}


def _make_unary(name, op, doc):
    def f(input, *, out=None):
        if not isinstance(input, Tensor):
            _tensor_arg(name, input)
        r = call(op, input)
        return r if out is None else write_out(r, out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


def _make_unary_(name, op):
    def f(self):
        return call_inplace(op, self)
    f.__name__ = f.__qualname__ = name + "_"
    f.__doc__ = f"In-place version of :meth:`Tensor.{name}`."
    return f


for _name, (_opname, _aliases, _fn_, _doc) in _UNARY.items():
    _o = _op(_opname)
    _f = _make_unary(_name, _o, _doc)
    _fi = _make_unary_(_name, _o) if _fn_ is not None else None
    for _n in (_name,) + _aliases:
        both(_f, name=_n)
        if _fi is not None:
            tensor_method(_fi, name=_n + "_")
            if _fn_:
                torch_function(_fi, name=_n + "_")


# ------------------------------------------------------------------ unary with arguments
_round, _logit, _polygamma, _mvlgamma, _nan_to_num = (
    _op(n) for n in ("round", "logit", "polygamma", "mvlgamma", "nan_to_num"))


@both
def round(input, *, decimals=0, out=None):  # noqa: A001 - torch.round
    """Round to the nearest integer (ties to even), or to ``decimals`` decimal places."""
    r = call(_round, input) if decimals == 0 else call(_round, input, decimals=decimals)
    return _finish(r, out)


@tensor_method(name="round_")
def round_inplace(self, *, decimals=0):
    return call_inplace(_round, self) if decimals == 0 else \
        call_inplace(_round, self, decimals=decimals)


torch_function(round_inplace, name="round_")


@both
def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when ``eps`` is given."""
    r = call(_logit, input) if eps is None else call(_logit, input, eps=eps)
    return _finish(r, out)


@tensor_method
def logit_(self, eps=None):
    return call_inplace(_logit, self) if eps is None else call_inplace(_logit, self, eps=eps)


torch_function(logit_, name="logit_")


def _check_n(n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")


@torch_function
def polygamma(n, input, *, out=None):
    """The n-th derivative of the digamma function."""
    _check_n(n)
    return _finish(call(_polygamma, input, n=n), out)


@tensor_method(name="polygamma")
def polygamma_method(self, n):
    _check_n(n)
    return call(_polygamma, self, n=n)


@tensor_method
def polygamma_(self, n):
    _check_n(n)
    return call_inplace(_polygamma, self, n=n)


def _check_p(input, p):
    if input.dtype is D.bool:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")


@both
def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma function of dimension ``p``."""
    _check_p(input, p)
    return _finish(call(_mvlgamma, input, p=p), out)


@tensor_method
def mvlgamma_(self, p):
    _check_p(self, p)
    return call_inplace(_mvlgamma, self, p=p)


def _ntn_attrs(nan, posinf, neginf):
    attrs = {}
    if nan != 0.0:
        attrs["nan"] = nan
    if posinf is not None:
        attrs["posinf"] = posinf
    if neginf is not None:
        attrs["neginf"] = neginf
    return attrs


@both
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN, +inf and -inf with ``nan``, ``posinf`` (default: the dtype's max) and
    ``neginf`` (default: the dtype's lowest value)."""
    return _finish(call(_nan_to_num, input, **_ntn_attrs(nan, posinf, neginf)), out)


@tensor_method
def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return call_inplace(_nan_to_num, self, **_ntn_attrs(nan, posinf, neginf))


torch_function(nan_to_num_, name="nan_to_num_")

# ------------------------------------------------------------------ square, positive, parts
_pow = _op("pow")


@both
def square(input, *, out=None):
    """input ** 2 (bool inputs give int64, as in torch)."""
    return _finish(call(_pow, input, 2), out)


@tensor_method
def square_(self):
    return call_inplace(_pow, self, 2)


torch_function(square_, name="square_")


@both
def positive(input):
    """Returns ``input`` itself; an error for bool tensors."""
    if input.dtype is D.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


tensor_method(positive, name="__pos__")
tensor_method(lambda self: call(_op("abs"), self), name="__abs__")

# ------------------------------------------------------------------ clamp
_clamp, _clamp_min, _clamp_max = _op("clamp"), _op("clamp_min"), _op("clamp_max")


def _clamp_args(min, max):
    tmin, tmax = isinstance(min, Tensor), isinstance(max, Tensor)
    if (tmin and max is not None and not tmax) or (tmax and min is not None and not tmin):
        raise TypeError("clamp() received an invalid combination of arguments - got (Tensor, "
                        f"min={type(min).__name__}, max={type(max).__name__}): min and max "
                        "must both be Tensors or both be numbers")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")


@both
def clamp(input, min=None, max=None, *, out=None):  # noqa: A002 - torch's names
    """Clamp every element into [min, max] (numbers or broadcastable tensors)."""
    _clamp_args(min, max)
    return _finish(call(_clamp, input, min, max), out)


@tensor_method
def clamp_(self, min=None, max=None):  # noqa: A002
    _clamp_args(min, max)
    return call_inplace(_clamp, self, min, max)


both(clamp, name="clip")
tensor_method(clamp_, name="clip_")
torch_function(clamp_, name="clamp_")
torch_function(clamp_, name="clip_")


def _need_tensor_input(name, input, other):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    if input.dtype is D.bool and isinstance(other, bool):
        from ..ops.unary_helpers import not_implemented
        raise not_implemented(f"{name}_scalar_cpu", D.bool)


@both
def clamp_min(input, min, *, out=None):  # noqa: A002
    """max(input, min) elementwise."""
    _need_tensor_input("clamp_min", input, min)
    return _finish(call(_clamp_min, input, min), out)


@both
def clamp_max(input, max, *, out=None):  # noqa: A002
    """min(input, max) elementwise."""
    _need_tensor_input("clamp_max", input, max)
    return _finish(call(_clamp_max, input, max), out)


@tensor_method
def clamp_min_(self, min):  # noqa: A002
    return call_inplace(_clamp_min, self, min)


@tensor_method
def clamp_max_(self, max):  # noqa: A002
    return call_inplace(_clamp_max, self, max)


torch_function(clamp_min_, name="clamp_min_")
torch_function(clamp_max_, name="clamp_max_")

from . import elementwise_binary  # noqa: E402,F401 - the binary half of this family
