"""Reduction functions and methods (core): sum."""
from __future__ import annotations

from ..eager.dispatch import call
from ..ops import registry as R
from ._bind import both
from ._util import write_out

_sum, _sum_to = R.get("sum"), R.get("sum_to_size")


@both
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001
    """Sum of all elements, or over ``dim`` (int or tuple) (torch.sum)."""
    attrs = {}
    if dim is not None:
        attrs["dim"] = dim
        if keepdim:
            attrs["keepdim"] = True
    if dtype is not None:
        attrs["dtype"] = dtype
    r = call(_sum, input, **attrs)
    return r if out is None else write_out(r, out)
