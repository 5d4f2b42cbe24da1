"""Binary and ternary elementwise functions and methods (pow, fmod, atan2, maximum, lerp,
addcmul, bitwise ops, ...) with their in-place variants and the ``** % & | ^ << >> ~``
operators.  Generated from one table; each function keeps PyTorch's signature."""
from __future__ import annotations

import numbers

from ..eager.dispatch import call, call_inplace
from ..eager.tensor import Tensor
from ..ops import dtypes as D
from ..ops import registry as R
from ._bind import both, tensor_method, torch_function
from ._util import write_out

_op = R.get


def _need_tensor(fname, x, pos, arg):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


# name -> (op, mode, aliases, Tensor.name_, torch.name_, name of the second argument)
# mode "tt": both tensors; "ts": tensor and tensor-or-number; "any": either may be a number
_BINARY = {
    "fmod": ("fmod", "ts", (), True, False, "other"),
    "remainder": ("remainder", "any", (), True, False, "other"),
    "atan2": ("atan2", "tt", ("arctan2",), True, False, "other"),
    "hypot": ("hypot", "tt", (), True, False, "other"),
    "copysign": ("copysign", "ts", (), True, False, "other"),
    "nextafter": ("nextafter", "tt", (), True, False, "other"),
    "ldexp": ("ldexp", "tt", (), True, True, "other"),
    "xlogy": ("xlogy", "any", (), True, True, "other"),
    "logaddexp": ("logaddexp", "tt", (), False, False, "other"),
    "logaddexp2": ("logaddexp2", "tt", (), False, False, "other"),
    "maximum": ("maximum", "tt", (), False, False, "other"),
    "minimum": ("minimum", "tt", (), False, False, "other"),
    "fmax": ("fmax", "tt", (), False, False, "other"),
    "fmin": ("fmin", "tt", (), False, False, "other"),
    "heaviside": ("heaviside", "tt", (), True, False, "values"),
    "gcd": ("gcd", "tt", (), True, True, "other"),
    "lcm": ("lcm", "tt", (), True, True, "other"),
    "bitwise_and": ("bitwise_and", "any", (), True, False, "other"),
    "bitwise_or": ("bitwise_or", "any", (), True, False, "other"),
    "bitwise_xor": ("bitwise_xor", "any", (), True, False, "other"),
    "bitwise_left_shift": ("bitwise_left_shift", "any", (), True, False, "other"),
    "bitwise_right_shift": ("bitwise_right_shift", "any", (), True, False, "other"),
    "logical_and": ("logical_and", "tt", (), True, False, "other"),
    "logical_or": ("logical_or", "tt", (), True, False, "other"),
    "logical_xor": ("logical_xor", "tt", (), True, False, "other"),
}


def make_binary(name, op, mode, arg):
    """torch.<name>(input, other, *, out=None) checking which arguments may be numbers."""
    def f(input, other, *, out=None):
        if mode != "any":
            _need_tensor(name, input, 1, "input")
            if mode == "tt":
                _need_tensor(name, other, 2, arg)
        elif not isinstance(input, Tensor) and not isinstance(other, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__})")
        r = call(op, input, other)
        return r if out is None else write_out(r, out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise torch.{name}(input, {arg}) with broadcasting and type promotion."
    return f


def make_binary_(name, op, mode, arg):
    def f(self, other):
        if mode == "tt":
            _need_tensor(name + "_", other, 1, arg)
        return call_inplace(op, self, other)
    f.__name__ = f.__qualname__ = name + "_"
    f.__doc__ = f"In-place version of :meth:`Tensor.{name}`."
    return f


for _name, (_opname, _mode, _aliases, _meth_, _fn_, _arg) in _BINARY.items():
    _o = _op(_opname)
    _f = make_binary(_name, _o, _mode, _arg)
    _fi = make_binary_(_name, _o, _mode, _arg)
    for _n in (_name,) + _aliases:
        both(_f, name=_n)
        if _meth_:
            tensor_method(_fi, name=_n + "_")
        if _fn_:
            torch_function(_fi, name=_n + "_")

_bnot, _lnot = _op("bitwise_not"), _op("logical_not")


@both
def bitwise_not(input, *, out=None):
    """Bitwise NOT of integer tensors; logical NOT of bool tensors."""
    r = call(_bnot, input)
    return r if out is None else write_out(r, out)


@both
def logical_not(input, *, out=None):
    """True where ``input`` is zero."""
    r = call(_lnot, input)
    return r if out is None else write_out(r, out)


tensor_method(lambda self: call_inplace(_bnot, self), name="bitwise_not_")
tensor_method(lambda self: call_inplace(_lnot, self), name="logical_not_")

# ------------------------------------------------------------------ pow, float_power
_pow = _op("pow")


@both
def pow(input, exponent, *, out=None):  # noqa: A001 - torch.pow
    """input ** exponent; either may be a number (integer tensors raised to a negative
    integer number raise, as in torch)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(f"pow() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(exponent).__name__})")
    r = call(_pow, input, exponent)
    return r if out is None else write_out(r, out)


@tensor_method
def pow_(self, exponent):
    return call_inplace(_pow, self, exponent)


def _to_double(x):
    if isinstance(x, Tensor):
        want = D.complex128 if x.dtype.category == D._COMPLEX else D.float64
        return x if x.dtype is want else x.to(want)
    return x


@both
def float_power(input, exponent, *, out=None):
    """pow computed in double precision (complex128 for complex inputs)."""
    r = call(_pow, _to_double(input), _to_double(exponent))
    return r if out is None else write_out(r, out)


@tensor_method
def float_power_(self, exponent):
    if self.dtype is not D.float64 and self.dtype is not D.complex128:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{D.SCALAR_NAMES[self.dtype]} but the operation's result requires "
                           f"dtype Double")
    return call_inplace(_pow, self, _to_double(exponent))


# ------------------------------------------------------------------ ternary
_lerp, _addcmul, _addcdiv = _op("lerp"), _op("addcmul"), _op("addcdiv")


@both
def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); ``weight`` a number or a tensor."""
    _need_tensor("lerp", end, 2, "end")
    return _done(call(_lerp, input, end, weight), out)


@tensor_method
def lerp_(self, end, weight):
    return call_inplace(_lerp, self, end, weight)


def _done(r, out):
    return r if out is None else write_out(r, out)


@both
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    r = call(_addcmul, input, tensor1, tensor2) if value == 1 else \
        call(_addcmul, input, tensor1, tensor2, value=value)
    return _done(r, out)


@both
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (true division)."""
    r = call(_addcdiv, input, tensor1, tensor2) if value == 1 else \
        call(_addcdiv, input, tensor1, tensor2, value=value)
    return _done(r, out)


@tensor_method
def addcmul_(self, tensor1, tensor2, *, value=1):
    return call_inplace(_addcmul, self, tensor1, tensor2, value=value)


@tensor_method
def addcdiv_(self, tensor1, tensor2, *, value=1):
    return call_inplace(_addcdiv, self, tensor1, tensor2, value=value)


# ------------------------------------------------------------------ operators
def _ok(other) -> bool:
    return isinstance(other, (Tensor, numbers.Number))


def _dunder(op, reflected=False, inplace=False):
    if inplace:
        def f(self, other):
            return call_inplace(op, self, other) if _ok(other) else NotImplemented
    elif reflected:
        def f(self, other):
            return call(op, other, self) if _ok(other) else NotImplemented
    else:
        def f(self, other):
            return call(op, self, other) if _ok(other) else NotImplemented
    return f


for _base, _opname in (("pow", "pow"), ("mod", "remainder"), ("and", "bitwise_and"),
                       ("or", "bitwise_or"), ("xor", "bitwise_xor"),
                       ("lshift", "bitwise_left_shift"), ("rshift", "bitwise_right_shift")):
    _o = _op(_opname)
    tensor_method(_dunder(_o), name=f"__{_base}__")
    tensor_method(_dunder(_o, reflected=True), name=f"__r{_base}__")
    tensor_method(_dunder(_o, inplace=True), name=f"__i{_base}__")


def _invert(self):
    if self.dtype.category > D._INT:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return call(_bnot, self)


tensor_method(_invert, name="__invert__")
