"""Arithmetic functions, methods and operators: add, sub, mul, div, floor_divide, neg."""
from __future__ import annotations

from ..eager import autograd as AG
from ..eager.dispatch import call, call_inplace
from ..eager.grad_mode import STATE
from ..eager.tensor import Tensor
from ..ops import dtypes as D
from ..ops import registry as R
from ._bind import both, tensor_method, torch_function
from ._util import write_out

_add, _sub, _mul, _div, _fdiv, _tdiv, _neg = (
    R.get(n) for n in ("add", "sub", "mul", "div", "floor_divide", "div_trunc", "neg"))


@both
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and type promotion (torch.add)."""
    r = call(_add, input, other) if alpha == 1 else call(_add, input, other, alpha=alpha)
    return r if out is None else write_out(r, out)


@both
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other (torch.sub)."""
    r = call(_sub, input, other) if alpha == 1 else call(_sub, input, other, alpha=alpha)
    return r if out is None else write_out(r, out)


@torch_function
def rsub(input, other, *, alpha=1):
    """other - alpha * input (torch.rsub)."""
    return call(_sub, other, input) if alpha == 1 else call(_sub, other, input, alpha=alpha)


@both
def mul(input, other, *, out=None):
    """Elementwise product (torch.mul)."""
    r = call(_mul, input, other)
    return r if out is None else write_out(r, out)


def _div_op(rounding_mode):
    if rounding_mode is None:
        return _div
    if rounding_mode == "floor":
        return _fdiv
    if rounding_mode == "trunc":
        return _tdiv
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


@both
def div(input, other, *, rounding_mode=None, out=None):
    """Elementwise division; ``rounding_mode`` None (true), 'trunc' or 'floor' (torch.div)."""
    r = call(_div_op(rounding_mode), input, other)
    if rounding_mode is not None:
        r = _rounded(r, (input, other), _ZeroDerivative, True)
    return r if out is None else write_out(r, out)


class _NoDerivative(AG.Node):
    """torch's ``NotImplemented`` node (floor_divide): reaching it in backward raises."""

    __slots__ = ()

    def apply(self, grads):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class _ZeroDerivative(AG.Node):
    """torch's ``DivBackward2`` (div with a rounding mode): zero gradients for every input."""

    __slots__ = ()

    def apply(self, grads):
        from .creation import zeros
        return tuple(None if m is None else zeros(m[0], dtype=m[1])
                     for m in self._input_meta)


_NoDerivative.__name__ = _NoDerivative.__qualname__ = "NotImplemented"
_ZeroDerivative.__name__ = _ZeroDerivative.__qualname__ = "DivBackward2"


def _rounded(r, args, node_cls, keep_scalars):
    """Attach torch's grad_fn to a floor/trunc division result (graphtorch's op has none)."""
    if not (STATE.enabled and r._dtype.category >= D._FLOAT and any(
            isinstance(a, Tensor) and a._requires_grad for a in args)):
        return r
    ins = [a for a in args if keep_scalars or isinstance(a, Tensor)]
    edges = tuple(AG.edge_of(a) if isinstance(a, Tensor) else (None, 0) for a in ins)
    metas = tuple((tuple(a._data.shape), a._dtype) if isinstance(a, Tensor) else None
                  for a in ins)
    r.grad_fn, r._output_nr, r._requires_grad = node_cls(edges, metas), 0, True
    return r


@both
def floor_divide(input, other, *, out=None):
    r = _rounded(call(_fdiv, input, other), (input, other), _NoDerivative, False)
    return r if out is None else write_out(r, out)


@both
def neg(input, *, out=None):
    r = call(_neg, input)
    return r if out is None else write_out(r, out)


for _alias, _fn in (("subtract", sub), ("multiply", mul), ("divide", div),
                    ("true_divide", div), ("negative", neg)):
    torch_function(_fn, name=_alias)
    tensor_method(_fn, name=_alias)


@tensor_method
def add_(self, other, *, alpha=1):
    return call_inplace(_add, self, other) if alpha == 1 else \
        call_inplace(_add, self, other, alpha=alpha)


@tensor_method
def sub_(self, other, *, alpha=1):
    return call_inplace(_sub, self, other) if alpha == 1 else \
        call_inplace(_sub, self, other, alpha=alpha)


@tensor_method(names=("multiply_",))
def mul_(self, other):
    return call_inplace(_mul, self, other)


@tensor_method(names=("divide_", "true_divide_"))
def div_(self, other, *, rounding_mode=None):
    return call_inplace(_div_op(rounding_mode), self, other)


@tensor_method(names=("negative_",))
def neg_(self):
    return call_inplace(_neg, self)


@tensor_method
def floor_divide_(self, other):
    return call_inplace(_fdiv, self, other)


# ------------------------------------------------------------------------- operators
def _op(op):
    def f(self, other):
        return call(op, self, other)
    return f


def _rop(op, commutes=False):
    # torch computes ``2 * x`` as ``x.mul(2)``: keep the tensor first so grad_fn edges match
    def f(self, other):
        return call(op, self, other) if commutes else call(op, other, self)
    return f


def _rtruediv(self, other):
    # torch computes ``2 / x`` as ``x.reciprocal() * 2`` (MulBackward0 over ReciprocalBackward0;
    # the values are those of that product, not of a true division)
    if isinstance(other, (bool, int, float, complex)):
        return call(_mul, call(R.get("reciprocal"), self), other)
    return call(_div, other, self)


def _iop(op):
    def f(self, other):
        return call_inplace(op, self, other)
    return f


OPERATORS = {
    "__add__": _op(_add), "__radd__": _rop(_add, True), "__iadd__": _iop(_add),
    "__sub__": _op(_sub), "__rsub__": _rop(_sub), "__isub__": _iop(_sub),
    "__mul__": _op(_mul), "__rmul__": _rop(_mul, True), "__imul__": _iop(_mul),
    "__truediv__": _op(_div), "__rtruediv__": _rtruediv, "__itruediv__": _iop(_div),
    "__floordiv__": lambda self, other: floor_divide(self, other),
    "__rfloordiv__": lambda self, other: floor_divide(other, self), "__ifloordiv__": _iop(_fdiv),
    "__neg__": lambda self: call(_neg, self),
}
