"""torch.slice_scatter / select_scatter / diagonal_scatter: ``input`` with ``src`` embedded
into one of its views (a new tensor; ``input`` is unchanged)."""
from __future__ import annotations

from ..eager.dispatch import call
from ..ops import registry as R
from ._bind import both


@both
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``src`` written into ``input[..., start:end:step]`` along
    ``dim``."""
    return call(R.get("slice_scatter"), input, src, dim=dim, start=start, end=end, step=step)


@both
def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``src`` written into ``input.select(dim, index)``."""
    return call(R.get("select_scatter"), input, src, dim=dim, index=index)


@both
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` written into ``input.diagonal(offset, dim1, dim2)``."""
    return call(R.get("diagonal_scatter"), input, src, offset=offset, dim1=dim1, dim2=dim2)
