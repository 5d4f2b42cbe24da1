"""Shape functions and methods (core): view, reshape, expand, sum_to_size."""
from __future__ import annotations

from ..eager.dispatch import call
from ..eager.tensor import Tensor
from ..ops import registry as R
from ._bind import both, tensor_method
from ._util import size_args

_view, _reshape, _expand, _sum_to = (R.get(n) for n in ("view", "reshape", "expand",
                                                        "sum_to_size"))


@tensor_method
def view(self, *shape):
    """A view with a new shape sharing this tensor's memory (Tensor.view)."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and \
            not isinstance(shape[0], Tensor) and not hasattr(shape[0], "__index__"):
        from .conversion import view_as_dtype
        return view_as_dtype(self, shape[0])
    return call(_view, self, shape=size_args(shape, "view"))


@both
def reshape(input, *shape):
    """Same data with a new shape: a view when possible, else a copy (torch.reshape)."""
    return call(_reshape, input, shape=size_args(shape, "reshape"))


@tensor_method
def expand(self, *sizes):
    """A view broadcasting singleton dimensions to ``sizes`` (-1 keeps a size)."""
    return call(_expand, self, size=size_args(sizes, "expand"))


@tensor_method
def sum_to_size(self, *size):
    return call(_sum_to, self, size=size_args(size, "sum_to_size"))


@tensor_method
def view_as(self, other):
    return view(self, other.shape)


@tensor_method
def reshape_as(self, other):
    return reshape(self, other.shape)


@tensor_method
def expand_as(self, other):
    return expand(self, other.shape)
