"""torch.autocast: regions where matmul-like ops run in a lower precision (bfloat16 by default
on CPU) and precision-sensitive ops (losses, ...) in float32, following torch's CPU lists."""
from __future__ import annotations

import contextlib
import functools
import warnings

from ..ops import dtypes as D
from ._state import AMP

__all__ = ["autocast", "is_autocast_available", "is_autocast_enabled", "get_autocast_dtype",
           "set_autocast_enabled", "set_autocast_dtype", "custom_fwd", "custom_bwd"]

_DEFAULT = {"cpu": D.bfloat16, "cuda": D.float16}
_CPU_OK = (D.bfloat16, D.float16)


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast exists for ``device_type`` ('cpu' and 'cuda' here)."""
    return device_type in ("cpu", "cuda")


def is_autocast_enabled(device_type=None) -> bool:
    """Whether autocast is on for ``device_type`` (no argument: CUDA, as in torch)."""
    if device_type in (None, "cuda"):
        return AMP.cuda_dtype is not None
    return device_type == "cpu" and AMP.dtype is not None


def get_autocast_dtype(device_type: str):
    """The dtype autocast uses (or would use) on ``device_type``."""
    return _current[device_type] if device_type in _current else _DEFAULT.get(device_type,
                                                                                D.float16)


_current = dict(_DEFAULT)


def set_autocast_enabled(device_type, enabled=None) -> None:
    if enabled is None:  # the old one-argument form: CUDA
        device_type, enabled = "cuda", device_type
    _set(device_type, get_autocast_dtype(device_type) if enabled else None)


def set_autocast_dtype(device_type, dtype) -> None:
    _current[device_type] = dtype
    if device_type == "cpu" and AMP.dtype is not None:
        AMP.dtype = dtype


def _set(device_type, dtype):
    if device_type == "cpu":
        AMP.dtype = dtype
    else:
        AMP.cuda_dtype = dtype


def _get(device_type):
    return AMP.dtype if device_type == "cpu" else AMP.cuda_dtype


class autocast(contextlib.ContextDecorator):  # noqa: N801 - torch's name
    """Context manager / decorator enabling mixed precision on ``device_type``.

    Args:
        device_type: 'cpu' or 'cuda' (CUDA regions change nothing here: no CUDA tensors).
        dtype: the lower precision type (default bfloat16 on CPU, float16 on CUDA).
        enabled: False makes the region run in full precision (also inside another region).
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype if dtype is not None else get_autocast_dtype(device_type)
        self._enabled = enabled
        if device_type == "cpu" and enabled and self.fast_dtype not in _CPU_OK:
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtype of torch.bfloat16, "
                          "torch.float16 currently.")
            self._enabled = False
        self._prev = []

    def __enter__(self):
        self._prev.append((_get(self.device), _current.get(self.device)))
        if self._enabled:
            _current[self.device] = self.fast_dtype
        _set(self.device, self.fast_dtype if self._enabled else None)
        return self

    def __exit__(self, *exc):
        prev, cur = self._prev.pop()
        _set(self.device, prev)
        if cur is not None:
            _current[self.device] = cur
        return False


def custom_fwd(fwd=None, *, device_type="cuda", cast_inputs=None):
    """Decorator for a custom Function's forward (runs it as is here)."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type="cuda"):
    """Decorator for a custom Function's backward (runs it as is here)."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


def cast_args(op, args):
    """``args`` with floating tensors cast as autocast's policy for ``op`` says (float64 and
    non-float tensors are left alone, as torch does)."""
    from ..eager.tensor import Tensor
    lower = AMP.policy[op.name] == "lower"
    target = AMP.dtype if lower else D.float32
    out = []
    for a in args:
        if isinstance(a, Tensor) and a._dtype is not target and (
                a._dtype in (D.float32, D.float16, D.bfloat16) if lower
                else a._dtype in (D.float16, D.bfloat16)):
            a = a.to(target)
        out.append(a)
    return tuple(out)


def fp32(*tensors):
    """For composite functions torch lists as float32 under autocast (l1_loss, kl_div,
    cross_entropy, cdist): their float16/bfloat16 inputs as float32 while CPU autocast is on."""
    if AMP.dtype is None:
        return tensors
    return tuple(t.float() if getattr(t, "dtype", None) in (D.float16, D.bfloat16) else t
                 for t in tensors)
