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
def is_same_size(input, other) -> bool:
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
