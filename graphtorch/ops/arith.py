"""Arithmetic pointwise ops: add, sub, mul, div (true, floor, trunc), neg."""
from __future__ import annotations

from . import samples as S
from .pointwise import binary, unary

NUM = S.ALL_REAL + (S.D.complex64,)

add = binary("add", lambda xp, a, b, alpha=1: xp.add(a, b) if alpha == 1 else a + b * alpha,
             lambda a, b, y, g: g,
             lambda a, b, y, g: g,
             dtypes=NUM, save_inputs=(), doc="a + alpha * b", ufunc="add")

_SUB_BOOL = ("Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
             "`^` or `logical_xor()` operator instead.")


def _sub_kernel(xp, a, b, alpha=1):
    if a.dtype == bool:
        raise RuntimeError(_SUB_BOOL)
    return xp.subtract(a, b) if alpha == 1 else a - b * alpha


def _sub_name(attrs, args):
    # a Python number first is torch's ``rsub(tensor, scalar)`` (``1 - x``)
    return "SubBackward0" if hasattr(args[0], "dtype") else "RsubBackward1"


sub = binary("sub", _sub_kernel, lambda a, b, y, g: g, lambda a, b, y, g: -g,
             dtypes=S.NUMERIC + (S.D.float16, S.D.complex64), save_inputs=(), ufunc="subtract",
             grad_name=_sub_name)

def _alpha_vjp(sign):
    """add/sub vjp: ``other`` is scaled by ``alpha`` (conjugated, as torch's for complex)."""
    def vjp(ctx, g):
        if g is None:
            return (None, None)
        need = ctx.needs_input_grad
        alpha = ctx.attrs.get("alpha", 1)
        gb = None
        if need[1]:
            k = sign * (alpha.conjugate() if isinstance(alpha, complex) else alpha)
            gb = g if k == 1 else -g if k == -1 else g * k
        return (g if need[0] else None, gb)
    return vjp


add.vjp = _alpha_vjp(1)
sub.vjp = _alpha_vjp(-1)


def conj(x):
    """Complex conjugate of a Tensor (identity for real tensors and real numbers)."""
    if isinstance(x, complex):
        return x.conjugate()
    return x.conj() if hasattr(x, "is_complex") and x.is_complex() else x


mul = binary("mul", lambda xp, a, b: xp.multiply(a, b),
             lambda a, b, y, g: g * conj(b),
             lambda a, b, y, g: g * conj(a), dtypes=NUM, ufunc="multiply",
             save_if={0: (1,), 1: (0,)})

div = binary("div", lambda xp, a, b: xp.true_divide(a, b),
             lambda a, b, y, g: g / b,
             lambda a, b, y, g: -g * a / (b * b),
             kind="float", lo2=0.5, hi2=2.0, dtypes=S.NUMERIC)


def _int_zero_check(xp, b):
    if b.dtype.kind in "iub" and (b == 0).any():
        raise RuntimeError("ZeroDivisionError")


def _floor_div(xp, a, b):
    _int_zero_check(xp, b)
    return xp.floor_divide(a, b)


def _trunc_div(xp, a, b):
    _int_zero_check(xp, b)
    if a.dtype.kind in "iu":
        q = xp.floor_divide(a, b)
        fix = (xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))
        return (q + fix).astype(a.dtype)
    return xp.trunc(xp.true_divide(a, b)).astype(a.dtype)


floor_divide = binary("floor_divide", _floor_div, lo2=1.0, hi2=3.0, dtypes=S.NUMERIC,
                      grad_name="DivBackward1")
div_trunc = binary("div_trunc", _trunc_div, lo2=1.0, hi2=3.0, dtypes=S.NUMERIC,
                   grad_name="DivBackward1")

_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
             "invert a mask, use the `~` or `logical_not()` operator instead.")
neg = unary("neg", lambda xp, x: xp.negative(x), lambda x, y, g: -g, kind="same",
            dtypes=S.NUMERIC, reject_bool=_NEG_BOOL)
neg.save_inputs = ()
