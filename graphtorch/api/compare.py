"""Comparison functions, methods and operators (eq/ne/lt/le/gt/ge and their aliases), isclose,
allclose and equal (Python bools), and complex parts: real/imag (views), conj and friends.

conj() of a complex tensor is an eager copy here (torch returns a lazy conjugate view), so
is_conj() is always False; real tensors come back as themselves, as in torch."""
from __future__ import annotations

import numbers

import numpy as np

from ..eager.dispatch import call, call_inplace
from ..eager.tensor import Tensor
from ..ops import dtypes as D
from ..ops import registry as R
from ._bind import both, tensor_method, torch_function
from ._util import write_out

_CMP = {"eq": ("eq", "__eq__", None), "ne": ("ne", "__ne__", "not_equal"),
        "lt": ("lt", "__lt__", "less"), "le": ("le", "__le__", "less_equal"),
        "gt": ("gt", "__gt__", "greater"), "ge": ("ge", "__ge__", "greater_equal")}


def _make_cmp(name, op):
    def f(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__})")
        r = call(op, input, other)
        return r if out is None else write_out(r, out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise comparison torch.{name}(input, other); a bool tensor."
    return f


def _make_dunder(op):
    def f(self, other):
        # anything that is not a tensor or a number compares unequal (t == None, t in [...])
        if isinstance(other, (Tensor, numbers.Number)):
            return call(op, self, other)
        return NotImplemented
    return f


for _name, (_opname, _dunder, _alias) in _CMP.items():
    _o = R.get(_opname)
    _f = _make_cmp(_name, _o)
    _fi = (lambda op: lambda self, other: call_inplace(op, self, other))(_o)
    for _n in (_name,) + ((_alias,) if _alias else ()):
        both(_f, name=_n)
        tensor_method(_fi, name=_n + "_")
    tensor_method(_make_dunder(_o), name=_dunder)

_isclose = R.get("isclose")


@both
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (same dtypes required)."""
    for pos, (nm, x) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"isclose(): argument '{nm}' (position {pos}) must be Tensor, not "
                            f"{type(x).__name__}")
    return call(_isclose, input, other, rtol=rtol, atol=atol, equal_nan=equal_nan)


@both
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if every element of ``input`` is close to ``other`` (see isclose)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@both
def equal(input, other) -> bool:
    """True if both tensors have the same shape and the same values."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError("equal(): argument 'other' must be Tensor")
    if input._data.shape != other._data.shape:
        return False
    return bool(call(R.get("eq"), input, other)._data.all())


# ------------------------------------------------------------------ complex parts
_real, _imag, _conj_p = R.get("real"), R.get("imag"), R.get("conj_physical")


def _real_get(self):
    return self if self._dtype.category != D._COMPLEX else call(_real, self)


def _imag_get(self):
    return call(_imag, self)


def _part_set(which):
    def setter(self, value):
        part = _real_get(self) if which == "real" else _imag_get(self)
        part.copy_(value if isinstance(value, Tensor) else
                   Tensor(np.asarray(value, dtype=part.dtype.np)))
    return setter


tensor_method(property(_real_get, _part_set("real")), name="real")
tensor_method(property(_imag_get, _part_set("imag")), name="imag")


@torch_function
def real(input):
    """The real part (a view for complex tensors; ``input`` itself otherwise)."""
    return _real_get(input)


@torch_function
def imag(input):
    """The imaginary part of a complex tensor (a view)."""
    return _imag_get(input)


@both
def conj(input):
    """Complex conjugate; real tensors are returned as is.  The result is computed eagerly
    but reports ``is_conj()`` like torch's lazily conjugated view (views of it do not)."""
    if input._dtype.category != D._COMPLEX:
        return input
    out = call(_conj_p, input)
    if not input.__dict__.get("_conj_bit", False):
        out._conj_bit = True
    return out


@both
def conj_physical(input, *, out=None):
    """Complex conjugate, always materialized."""
    r = call(_conj_p, input) if input._dtype.category == D._COMPLEX else input.clone()
    return r if out is None else write_out(r, out)


@tensor_method
def conj_physical_(self):
    return call_inplace(_conj_p, self) if self._dtype.category == D._COMPLEX else self


torch_function(conj_physical_, name="conj_physical_")


@both
def resolve_conj(input):
    """A tensor with ``is_conj() == False`` and the same values (conjugation is already
    materialized here, so only a flagged result of conj() needs a fresh copy)."""
    return input.clone() if input.__dict__.get("_conj_bit", False) else input


@both
def resolve_neg(input):
    """``input`` itself: negation is never lazy here."""
    return input


@both
def is_conj(input) -> bool:
    """Whether ``input`` came from conj() of a complex tensor (torch's conjugate bit)."""
    return bool(input.__dict__.get("_conj_bit", False))


@both
def is_neg(input) -> bool:
    return False


@torch_function
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Bool tensor shaped like ``elements``: True where the element occurs in ``test_elements``.

    Args:
        elements: a tensor or a number.
        test_elements: a tensor or a number.
        invert: return the negation (elements NOT in ``test_elements``).
    """
    from .creation import tensor
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__})")
    e = elements if isinstance(elements, Tensor) else tensor(elements)
    t = test_elements if isinstance(test_elements, Tensor) else tensor(test_elements)
    dt = D.result_type(e, t)
    if dt is D.bool:
        raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    e, flat = e.to(dt), t.to(dt).flatten()
    if flat.numel() == 0:
        found = e.new_zeros(e.shape, dtype=D.bool)
    else:
        # sorted lookup: O((n + m) log m) memory-light, unlike an n x m equality table
        srt = flat.sort().values
        from .. import searchsorted
        idx = searchsorted(srt, e.detach()).clamp(max=srt.numel() - 1)
        found = srt[idx] == e.detach()
    return ~found if invert else found
