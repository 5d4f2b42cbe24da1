"""torch-namespace utilities: typename, is_storage, numel, is_floating_point, threads, storages."""
from __future__ import annotations

from ..eager import legacy, threads
from ..eager.tensor import Tensor
from ._bind import torch_function, tensor_method


@torch_function
def numel(input) -> int:
    """Number of elements of ``input``."""
    return input.numel()


@torch_function
def is_floating_point(input) -> bool:
    return input.is_floating_point()


@torch_function
def is_complex(input) -> bool:
    return input.is_complex()


@torch_function
def is_nonzero(input) -> bool:
    """The truth value of a one-element tensor (RuntimeError otherwise)."""
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input)


@torch_function
@tensor_method
def is_same_size(input, other) -> bool:
    """Whether ``input`` and ``other`` have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


@tensor_method
def _dispatch(self, op, *args, **attrs):
    """Run registry op ``op`` on ``args``: lets derivatives in graphtorch.ops call other ops
    without importing eager code."""
    from ..eager.dispatch import call
    return call(op, *args, **attrs)


@tensor_method
def storage(self):
    return legacy.TypedStorage(self)


@tensor_method
def untyped_storage(self):
    return legacy.UntypedStorage(self)


torch_function(legacy.typename, name="typename")
torch_function(legacy.is_storage, name="is_storage")
for _f in (threads.get_num_threads, threads.set_num_threads, threads.get_num_interop_threads,
           threads.set_num_interop_threads):
    torch_function(_f)
del Tensor


# torch.autocast & co. live in graphtorch.amp; importing it here also makes ``torch.amp`` an
# attribute of the package
from .. import amp as _amp  # noqa: E402

torch_function(_amp.autocast, name="autocast")
torch_function(_amp.is_autocast_available, name="is_autocast_available")
torch_function(_amp.is_autocast_enabled, name="is_autocast_enabled")
torch_function(_amp.get_autocast_dtype, name="get_autocast_dtype")
torch_function(_amp.set_autocast_enabled, name="set_autocast_enabled")
torch_function(_amp.set_autocast_dtype, name="set_autocast_dtype")
from .. import cpu as _cpu  # noqa: E402,F401 - makes ``torch.cpu`` an attribute of the package


@torch_function
def is_anomaly_enabled() -> bool:
    """Whether autograd anomaly detection is on (torch.autograd.set_detect_anomaly)."""
    from ..autograd import anomaly_mode
    return anomaly_mode.is_anomaly_enabled()


@torch_function
def is_anomaly_check_nan_enabled() -> bool:
    from ..autograd import anomaly_mode
    return anomaly_mode.is_anomaly_check_nan_enabled()


_DETERMINISTIC = {"mode": False, "warn_only": False}


@torch_function
def use_deterministic_algorithms(mode, *, warn_only=False) -> None:
    """Record the flag (graphtorch's CPU kernels are deterministic either way)."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' must be bool, not "
                        f"{type(mode).__name__}")
    _DETERMINISTIC.update(mode=mode, warn_only=bool(warn_only))


@torch_function
def are_deterministic_algorithms_enabled() -> bool:
    return _DETERMINISTIC["mode"]


@torch_function
def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _DETERMINISTIC["warn_only"]


@torch_function
def set_deterministic_debug_mode(debug_mode) -> None:
    """0/'default': off, 1/'warn': warn only, 2/'error': on."""
    names = {"default": 0, "warn": 1, "error": 2}
    level = names.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if level not in (0, 1, 2):
        raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                           f"`error`, but got {debug_mode}")
    _DETERMINISTIC.update(mode=level > 0, warn_only=level == 1)


@torch_function
def get_deterministic_debug_mode() -> int:
    if not _DETERMINISTIC["mode"]:
        return 0
    return 1 if _DETERMINISTIC["warn_only"] else 2
from .. import func as _func  # noqa: E402,F401 - makes ``torch.func`` an attribute of the package
