"""torch.cpu: the CPU device module (always available) and the deprecated
``torch.cpu.amp.autocast`` (same as ``torch.autocast("cpu", ...)``)."""
from __future__ import annotations

import sys
import types
import warnings

from ..amp import autocast as _autocast

__all__ = ["is_available", "device_count", "current_device", "synchronize", "set_device",
           "is_initialized", "amp"]


def is_available() -> bool:
    return True


def is_initialized() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def set_device(device) -> None:
    """Does nothing: there is one CPU device."""


def synchronize(device=None) -> None:
    """Does nothing: CPU work is synchronous."""


class _CpuAutocast(_autocast):
    """torch.cpu.amp.autocast(enabled=True, dtype=torch.bfloat16, cache_enabled=True)."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


amp = types.ModuleType(__name__ + ".amp", "torch.cpu.amp: the deprecated CPU autocast")
amp.autocast = _CpuAutocast
sys.modules[amp.__name__] = amp
