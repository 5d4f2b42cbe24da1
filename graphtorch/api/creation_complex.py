"""torch.complex and torch.polar: complex tensors from real parts (differentiable: composed
of tensor ops when an input requires grad)."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import Tensor
from ..ops import dtypes as D
from ._bind import torch_function
from .creation import _finish, _host, _out


def _complex_args(a, b, second="second"):
    for t in (a, b):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element of argument, got {type(t).__name__}")
    if a._dtype not in (D.float16, D.float32, D.float64) or \
            b._dtype not in (D.float16, D.float32, D.float64):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{D.SCALAR_NAMES[a._dtype]} and {D.SCALAR_NAMES[b._dtype]}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {D.SCALAR_NAMES[a._dtype]} but got "
                           f"scalar type {D.SCALAR_NAMES[b._dtype]} for {second} argument")
    if a._dtype is D.float16:
        raise RuntimeError("complex32 (ComplexHalf) tensors are not supported by graphtorch")
    from ..ops.meta import broadcast_shapes
    broadcast_shapes(a._data.shape, b._data.shape)
    return a._dtype.to_complex()


def _tracks_grad(*ts) -> bool:
    from ..eager.grad_mode import STATE
    return STATE.enabled and any(t.requires_grad for t in ts)


@torch_function
def complex(real, imag, *, out=None):  # noqa: A001 - torch.complex
    """A complex tensor ``real + imag * 1j`` (float inputs of the same dtype)."""
    dt = _complex_args(real, imag)
    if out is None and _tracks_grad(real, imag):
        # composed of differentiable ops so that gradients reach real and imag
        return real.to(dt) + imag.to(dt) * 1j
    arr = (_host(real._data) + 1j * _host(imag._data)).astype(dt.np)
    return _finish(arr) if out is None else _out(arr, out, None)


@torch_function
def polar(abs, angle, *, out=None):  # noqa: A002 - torch's parameter name
    """A complex tensor with modulus ``abs`` and argument ``angle``."""
    dt = _complex_args(abs, angle)
    if out is None and _tracks_grad(abs, angle):
        return complex(abs * angle.cos(), abs * angle.sin())
    r, th = _host(abs._data), _host(angle._data)
    arr = (r * np.cos(th) + 1j * (r * np.sin(th))).astype(dt.np)
    return _finish(arr) if out is None else _out(arr, out, None)
