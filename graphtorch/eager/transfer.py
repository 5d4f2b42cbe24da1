"""Moving tensors between devices (numpy on cpu, cupy on cuda) as a differentiable copy.

cupy is imported only when a cuda device is involved; without a GPU the move raises PyTorch's
"Found no NVIDIA driver" RuntimeError.  The grad_fn is ``ToCopyBackward0``; its backward moves
the gradient back to the source device."""
from __future__ import annotations

import numpy as np

from ..ops import dtypes as D
from ..ops.meta import TensorSpec
from ..ops.registry import OpDef, Sample
from . import cuda_backend
from .device import as_device

__all__ = ["to_device", "move_array", "TO_DEVICE"]


def move_array(arr, dev):
    """A copy of array ``arr`` (numpy or cupy) on device ``dev``."""
    if dev.type == "cpu":
        return arr.get() if type(arr) is not np.ndarray else arr.copy()
    if dev.type != "cuda":
        raise RuntimeError(f"graphtorch has no kernels for device type '{dev.type}'")
    cp = cuda_backend.xp()
    if arr.dtype == D.bfloat16.np:
        raise RuntimeError("bfloat16 tensors cannot be moved to cuda by graphtorch yet (cupy has "
                           "no bfloat16); convert to float16 or float32 first")
    idx = dev.index if dev.index is not None else cp.cuda.runtime.getDevice()
    if idx >= cp.cuda.runtime.getDeviceCount():
        raise RuntimeError("CUDA error: invalid device ordinal")
    with cp.cuda.Device(idx):
        return cp.array(arr, copy=True)


def _kernel(xp, x, device, src=None):
    return move_array(x, device)


def _meta(x, device, src=None):
    return TensorSpec(tuple(x.shape), x.dtype, str(device))


def _vjp(ctx, g):
    return (g.to(ctx.attrs["src"]),)


TO_DEVICE = OpDef(
    name="_to_device", kernel=_kernel, meta=_meta, vjp=_vjp, save_inputs=(),
    grad_name="ToCopyBackward0", dtypes=(D.float32, D.float64),
    samples=lambda dt: [Sample((np.ones((2, 3), dt.np),), {"device": as_device("cpu"),
                                                           "src": as_device("cpu")})],
    doc="a copy of x on another device")


def to_device(t, device):
    """A copy of tensor ``t`` on ``device``, recorded for autograd (ToCopyBackward0)."""
    from .dispatch import call
    dev = as_device(device)
    if dev.type == "cuda":
        cuda_backend.xp()  # fail early, with PyTorch's message, when there is no GPU
    out = call(TO_DEVICE, t, device=dev, src=t.device)
    return out
