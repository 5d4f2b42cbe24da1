"""torch.slice_scatter / select_scatter / diagonal_scatter: ``input`` with ``src`` embedded
into one of its views (a new tensor; ``input`` is unchanged)."""
from __future__ import annotations

from ..eager.dispatch import call
from ..ops import registry as R
from ._bind import both, tensor_method


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


@tensor_method
def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal (every index equal) with ``fill_value`` in place.

    Args:
        wrap: for a tall matrix, start again every ``cols + 1`` rows (numpy's rule).
    """
    from .creation import arange, tensor
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    rows, cols = shape[0], shape[1]
    if len(shape) == 2 and wrap and rows > cols + 1:
        flat = arange(0, rows * cols, cols + 1)
        idx = (flat // cols, flat % cols)
    else:
        i = arange(min(shape))
        idx = (i,) * len(shape)
    return self.index_put_(idx, tensor(fill_value, dtype=self.dtype))


# ------------------------------------------------------------------------------ index_reduce
def _index_as_scatter(input, dim, index, source, reduce):
    """index_reduce is scatter_reduce with ``index`` spread along ``dim`` of ``source``."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    if index.ndim > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    d = dim % max(source.ndim, 1)
    shape = [1] * source.ndim
    if source.ndim:
        shape[d] = index.numel()
    return d, index.reshape(shape).expand(source.shape)


@both
def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """Reduce the slices of ``source`` into ``input`` at ``index`` along ``dim`` with 'prod',
    'mean', 'amax' or 'amin' (``include_self``: whether input's values take part)."""
    d, idx = _index_as_scatter(input, dim, index, source, reduce)
    res = input.scatter_reduce(d, idx, source, reduce, include_self=include_self)
    if out is not None:
        from ._util import write_out
        return write_out(res, out)
    return res


@tensor_method
def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    d, idx = _index_as_scatter(self, dim, index, source, reduce)
    return self.scatter_reduce_(d, idx, source, reduce, include_self=include_self)
