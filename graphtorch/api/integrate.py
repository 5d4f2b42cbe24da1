"""Numerical integration along a dim: trapezoid / trapz / cumulative_trapezoid (composites of
differentiable tensor ops, so autograd and dtype promotion come for free)."""
from __future__ import annotations

from ..eager.tensor import Tensor
from ._bind import torch_function


def _steps(y, x, dx, dim):
    """Widths between consecutive samples along ``dim``: a tensor, or a Python number."""
    if x is None:
        return 1.0 if dx is None else dx
    if not isinstance(x, Tensor):
        raise TypeError(f"trapezoid(): argument 'x' must be Tensor, not {type(x).__name__}")
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point, "
                               f"but x has {x.shape[0]} values and y has {y.shape[dim]} along dim "
                               f"{dim}")
        w = x.diff()
        shape = [1] * y.ndim
        shape[dim] = w.shape[0]
        return w.reshape(shape)
    return x.diff(dim=dim)


def _pairs(y, dim):
    n = y.shape[dim]
    return y.narrow(dim, 1, n - 1), y.narrow(dim, 0, n - 1)


def _check(y, x, dx):
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments: give either "
                        "x or dx, not both")
    if not y.is_floating_point() and not y.is_complex():
        y = y.float() if x is None or not x.is_floating_point() else y.to(x.dtype)
    return y


@torch_function
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integrate ``y`` along ``dim`` with the trapezoidal rule (sample points ``x`` or a
    constant spacing ``dx``, default 1)."""
    y = _check(y, x, dx)
    dim = dim % y.ndim if y.ndim else 0
    if y.shape[dim] == 0:
        return y.sum(dim)
    hi, lo = _pairs(y, dim)
    return ((hi + lo) * _steps(y, x, dx, dim)).sum(dim) / 2


@torch_function
def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of :func:`trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim)


@torch_function
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal integral of ``y`` along ``dim`` (one element shorter)."""
    y = _check(y, x, dx)
    dim = dim % y.ndim if y.ndim else 0
    if y.shape[dim] == 0:
        return y
    hi, lo = _pairs(y, dim)
    return ((hi + lo) * _steps(y, x, dx, dim) / 2).cumsum(dim)
