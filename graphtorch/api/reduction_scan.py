"""Scans and counting: cumsum, cumprod, cummax, cummin, logcumsumexp, diff, unique,
unique_consecutive, bincount, histc, histogram, searchsorted, bucketize."""
from __future__ import annotations

import builtins

import numpy as np

from .. import return_types as RT
from ..eager.dispatch import call, call_inplace
from ..eager.tensor import Tensor, wrap
from ..ops import registry as R
from ._bind import both, tensor_method, torch_function
from ._util import write_out
from .reduction import attrs_of, out_tuple

_OPS = {n: R.get(n) for n in (
    "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff", "unique", "bincount",
    "histc", "searchsorted", "_cumprod_backward")}


def _one(r, out):
    return write_out(r, out) if out is not None else r


def _cum(name):
    op = _OPS[name]

    def fn(input, dim, *, dtype=None, out=None):
        return _one(call(op, input, dim=dim, **attrs_of(dtype=dtype)), out)

    def inplace(self, dim, *, dtype=None):
        return call_inplace(op, self, dim=dim, **attrs_of(dtype=dtype))
    fn.__name__, inplace.__name__ = name, name + "_"
    fn.__doc__ = f"Cumulative {name[3:]} along ``dim`` (integers accumulate in int64)."
    inplace.__doc__ = f"In-place {name}."
    return fn, inplace


cumsum, cumsum_ = _cum("cumsum")
cumprod, cumprod_ = _cum("cumprod")
both(cumsum)
both(cumprod)
tensor_method(cumsum_)
tensor_method(cumprod_)


@tensor_method
def _cumsum_reverse(self, dim):
    """Cumulative sum from the end of ``dim`` (the gradient of cumsum)."""
    return call(_OPS["cumsum"], self, dim=dim, reverse=True)


@tensor_method
def _cumprod_backward(self, input, dim):
    return call(_OPS["_cumprod_backward"], self, input, dim=dim)


def _cumext(name):
    op, rtype = _OPS[name], getattr(RT, name)

    def fn(input, dim, *, out=None):
        return out_tuple(rtype(call(op, input, dim=dim)), out)
    fn.__name__ = name
    fn.__doc__ = f"Running {name[3:]}imum along ``dim`` and the (last) index where it was seen."
    return fn


cummax = both(_cumext("cummax"))
cummin = both(_cumext("cummin"))


@both
def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input))) along ``dim``, computed without overflow."""
    return _one(call(_OPS["logcumsumexp"], input, dim=dim), out)


@both
def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    """The ``n``-th forward difference along ``dim`` (after concatenating prepend/append)."""
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if n == 0 and prepend is None and append is None:
        return _one(input.clone(), out)
    return _one(call(_OPS["diff"], input, prepend, append, **attrs_of(n=n if n != 1 else None,
                                                                      dim=dim if dim != -1
                                                                      else None)), out)


def _unique_result(r, return_inverse, return_counts):
    vals, inv, counts = r
    if not (return_inverse or return_counts):
        return vals
    out = (vals,) + ((inv,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return out


@both
def unique(input, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
           dim=None):
    """The unique elements (sorted), optionally the inverse indices and the counts."""
    r = call(_OPS["unique"], input, **attrs_of(dim=dim))
    return _unique_result(r, return_inverse, return_counts)


@both
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``)."""
    r = call(_OPS["unique"], input, consecutive=True, **attrs_of(dim=dim))
    return _unique_result(r, return_inverse, return_counts)


@both
def bincount(input, weights=None, minlength=0):
    """Count of each value of a 1-d non-negative integer tensor (sum of ``weights``)."""
    return call(_OPS["bincount"], input, weights, **attrs_of(minlength=minlength or None))


@both
def histc(input, bins=100, min=0, max=0, *, out=None):  # noqa: A002
    """Histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0)."""
    return _one(call(_OPS["histc"], input, bins=int(bins), min=min, max=max), out)


@both
def histogram(input, bins, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """Histogram with ``bins`` bins (or the given edges): (hist, bin_edges)."""
    if input.dtype.category < 2:
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same "
                           f"dtype, but got input {input.dtype.name}")
    a = input.detach()._data.reshape(-1)
    w = None if weight is None else weight.detach()._data.reshape(-1)
    b = bins.detach()._data if isinstance(bins, Tensor) else int(bins)
    if range is None and not isinstance(bins, Tensor) and a.size:
        range = (builtins.min(float(a.min()), float(a.max())), float(a.max()))
    hist, edges = np.histogram(a, b, range=range, weights=w, density=density)
    dt = input.dtype.np
    r = RT.histogram((wrap(hist.astype(dt)), wrap(edges.astype(dt))))
    return out_tuple(r, out)


@torch_function
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Indices where ``input`` would be inserted into the sorted last dim of the sequence."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    if isinstance(input, bool) or not isinstance(input, (Tensor, int, float)):
        raise TypeError("searchsorted(): argument 'input' must be Tensor or Number")
    r = call(_OPS["searchsorted"], sorted_sequence, input, sorter,
             **attrs_of(right=right, out_int32=out_int32))
    return _one(r, out)


@torch_function
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket of each element of ``input`` given sorted 1-d ``boundaries``."""
    r = call(_OPS["searchsorted"], boundaries, input, None, bucketize=True,
             **attrs_of(right=right, out_int32=out_int32))
    return _one(r, out)
