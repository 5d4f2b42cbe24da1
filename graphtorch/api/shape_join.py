"""Joining and copying shape functions: cat/stack and their *stack variants, flip, roll, rot90,
repeat, tile, repeat_interleave, triangles and diagonals, meshgrid, broadcasting helpers,
atleast_*d, cartesian_prod, combinations and block_diag."""
from __future__ import annotations

import itertools
import warnings

import numpy as np

from ..eager.dispatch import call, call_inplace
from ..eager.size import Size
from ..eager.tensor import Tensor, wrap
from ..ops import dtypes as D
from ..ops import registry as R
from ..ops.meta import broadcast_shapes as _bshapes
from ._bind import both, tensor_method, torch_function
from ._util import size_args, write_out
from .shape_split import reshape0

_g = R.get
_cat, _stack, _flip, _roll, _rot90, _repeat, _ri, _tril, _triu, _embed, _block = (
    _g(n) for n in ("cat", "stack", "flip", "roll", "rot90", "repeat", "repeat_interleave",
                    "tril", "triu", "diag_embed", "block_diag"))


def _tensor_list(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of "
                            f"Tensors, but found element of type {type(t).__name__} at pos {i}")
    return tuple(tensors)


# ------------------------------------------------------------------------------ cat / stack
@torch_function
def cat(tensors, dim=0, *, out=None):
    """Concatenate ``tensors`` along ``dim`` (1-D empty tensors are skipped, as in PyTorch);
    the result dtype is the promotion of all inputs."""
    return write_out(call(_cat, *_tensor_list(tensors, "cat"), dim=dim), out)


@torch_function
def concat(tensors, dim=0, *, out=None):
    """Alias of :func:`cat`."""
    return cat(tensors, dim, out=out)


@torch_function
def concatenate(tensors, axis=0, out=None):
    """Alias of :func:`cat`."""
    return cat(tensors, axis, out=out)


@torch_function
def stack(tensors, dim=0, *, out=None):
    """Join equally-shaped ``tensors`` along a new dimension ``dim``."""
    return write_out(call(_stack, *_tensor_list(tensors, "stack"), dim=dim), out)


def _nonempty(tensors, name):
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


@torch_function
def hstack(tensors, *, out=None):
    """Concatenate horizontally (dim 0 for 1-D inputs, else dim 1)."""
    ts = atleast_1d(_nonempty(tensors, "hstack"))
    return cat(ts, 0 if all(t.ndim == 1 for t in ts) else 1, out=out)


@torch_function
def vstack(tensors, *, out=None):
    """Concatenate vertically after making every input at least 2-D."""
    return cat(atleast_2d(_nonempty(tensors, "vstack")), 0, out=out)


torch_function(vstack, name="row_stack")


@torch_function
def dstack(tensors, *, out=None):
    """Concatenate depth-wise (dim 2) after making every input at least 3-D."""
    return cat(atleast_3d(_nonempty(tensors, "dstack")), 2, out=out)


@torch_function
def column_stack(tensors, *, out=None):
    """Stack 0-D/1-D inputs as columns (and 2-D ones as they are) along dim 1."""
    ts = _nonempty(tensors, "column_stack")
    ts = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in ts]
    return cat(ts, 1, out=out)


# ------------------------------------------------------------------------------ flips & rolls
def _dims_arg(dims, name):
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = tuple(dims[0])
    return size_args(dims, name)


@both
def flip(input, *dims, **kwargs):
    """A copy of ``input`` with the order of elements reversed along ``dims``
    (positional or ``dims=``)."""
    if kwargs:
        if dims or set(kwargs) != {"dims"}:
            raise TypeError(f"flip() got an unexpected keyword argument "
                            f"'{next(k for k in kwargs if k != 'dims' or dims)}'")
        dims = (kwargs["dims"],)
    return call(_flip, input, dims=_dims_arg(dims, "flip"))


@both
def fliplr(input):
    """Flip left-right (dimension 1); needs at least 2 dimensions."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return call(_flip, input, dims=(1,))


@both
def flipud(input):
    """Flip up-down (dimension 0); needs at least 1 dimension."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return call(_flip, input, dims=(0,))


@both
def roll(input, shifts, dims=None):
    """Roll elements along ``dims`` by ``shifts`` (the flattened tensor when dims is None)."""
    shifts = shifts if isinstance(shifts, int) else size_args((shifts,), "roll")
    dims = dims if dims is None or isinstance(dims, int) else size_args((dims,), "roll")
    return call(_roll, input, shifts=shifts, dims=dims)


@both
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims``."""
    return call(_rot90, input, k=int(k), dims=tuple(dims))


# ------------------------------------------------------------------------------ repeats
@tensor_method
def repeat(self, *sizes):
    """Tile ``self`` ``sizes[i]`` times along each dimension (a copy)."""
    return call(_repeat, self, repeats=size_args(sizes, "repeat"))


@both
def tile(input, dims):
    """Like repeat, with ``dims`` padded with leading ones up to ``input.ndim``."""
    if isinstance(dims, int) or not isinstance(dims, (tuple, list, Size)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__}")
    dims = size_args((dims,), "tile")
    dims = (1,) * (input.ndim - len(dims)) + dims
    return call(_repeat, input, repeats=dims)


def _repeats_arg(repeats):
    if not isinstance(repeats, Tensor):
        return repeats.__index__()
    if repeats.dtype.category != D._INT:
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                  f"'{D.SCALAR_NAMES[repeats.dtype]}'")
    if repeats.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    return int(repeats.item()) if repeats.ndim == 0 else tuple(repeats.tolist())


@both
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (an int, or one count per element) along ``dim``
    (the flattened input when dim is None).  ``repeat_interleave(counts)`` gives indices."""
    if repeats is None:
        if input.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        reps = _repeats_arg(input)
        idx = wrap(np.arange(input.shape[0]).astype(input.dtype.np))
        return call(_ri, idx, repeats=reps, dim=0)
    out = call(_ri, input, repeats=_repeats_arg(repeats), dim=dim)
    if output_size is not None and out.shape[0 if dim is None else dim] != output_size:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected "
                           f"{out.shape[0 if dim is None else dim]} but got {output_size}")
    return out


# ------------------------------------------------------------------------------ triangles
def _tri(op, name):
    def fn(input, diagonal=0, *, out=None):
        return write_out(call(op, input, diagonal=diagonal), out)

    def inplace(self, diagonal=0):
        return call_inplace(op, self, diagonal=diagonal)
    fn.__name__, inplace.__name__ = name, name + "_"
    fn.__doc__ = f"The {'lower' if name == 'tril' else 'upper'} triangle of the last two dims " \
                 "(other elements zero)."
    both(fn)
    tensor_method(inplace)


_tri(_tril, "tril")
_tri(_triu, "triu")


def _indices_fn(name):
    op = _g(name)

    def fn(row, col, offset=0, *, dtype=None, device=None, layout=None):
        return call(op, row, col, offset=offset, dtype=dtype or D.int64)
    fn.__name__ = name
    fn.__doc__ = f"The 2 x N coordinates of the {name[:4]} part of a row x col matrix."
    torch_function(fn)


_indices_fn("tril_indices")
_indices_fn("triu_indices")


@both
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (planes ``dim1``/``dim2``) are the last dim of ``input``."""
    return call(_embed, input, offset=offset, dim1=dim1, dim2=dim2)


@both
def diag(input, diagonal=0, *, out=None):
    """The ``diagonal``-th diagonal of a matrix (a copy), or a matrix with a vector on it."""
    if input.ndim == 1:
        r = call(_embed, input, offset=diagonal, dim1=0, dim2=1)
    elif input.ndim == 2:
        r = call(_g("diagonal_copy"), input, offset=diagonal, dim1=0, dim2=1)
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return write_out(r, out)


@both
def diagflat(input, offset=0):
    """A 2-D tensor with the flattened ``input`` on its ``offset``-th diagonal."""
    return call(_embed, input.reshape(-1), offset=offset, dim1=0, dim2=1)


@torch_function
def block_diag(*tensors):
    """A block-diagonal matrix from 0-, 1- or 2-D tensors."""
    return call(_block, *_tensor_list(tensors, "block_diag"))


# ------------------------------------------------------------------------------ broadcasting
@torch_function
def meshgrid(*tensors, indexing=None):
    """Coordinate grids (expanded views) from 0-D/1-D tensors; ``indexing`` is 'ij' or 'xy'."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    tensors = list(_tensor_list(tensors, "meshgrid"))
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t.numel() for t in tensors)
    n = len(tensors)
    grids = [reshape0(t, tuple(-1 if i == k else 1 for i in range(n))).expand(shape)
             for k, t in enumerate(tensors)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


@both
def broadcast_to(input, size):
    """A view of ``input`` broadcast to ``size`` (Tensor.expand)."""
    size = size_args((size,), "broadcast_to")
    if len(size) < input.ndim:
        raise RuntimeError(
            f"expand(torch.{D.TYPE_NAMES[input.dtype]}{{{list(input.shape)}}}, size={list(size)}):"
            f" the number of sizes provided ({len(size)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({input.ndim})")
    return input.expand(size)


@torch_function
def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _bshapes(*[tuple(t.shape) for t in _tensor_list(tensors, "broadcast_tensors")])
    return tuple(t.expand(shape) for t in tensors)


@torch_function
def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to, as a torch.Size."""
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    out = [1] * max((len(s) for s in shapes), default=0)
    for k, s in enumerate(shapes):
        for i in range(-1, -len(s) - 1, -1):
            v = s[i]
            if v < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
            if v == 1 or v == out[i]:
                continue
            if out[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {v} at {i}! "
                                   f"Mismatching argument at index {k} had {s}; but expected "
                                   f"shape should be broadcastable to {out}")
            out[i] = v
    return Size(out)


# ------------------------------------------------------------------------------ atleast_*d
def _atleast(fix):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], Tensor):
            return fix(tensors[0])
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            tensors = tuple(tensors[0])
        return tuple(fix(t) for t in tensors)
    return fn


def _fix1(t):
    return reshape0(t, (1,)) if t.ndim == 0 else t


def _fix2(t):
    return reshape0(t, (1, 1)) if t.ndim == 0 else t.unsqueeze(0) if t.ndim == 1 else t


def _fix3(t):
    if t.ndim == 0:
        return reshape0(t, (1, 1, 1))
    if t.ndim == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    return t.unsqueeze(-1) if t.ndim == 2 else t


atleast_1d = torch_function(_atleast(_fix1), name="atleast_1d")
atleast_2d = torch_function(_atleast(_fix2), name="atleast_2d")
atleast_3d = torch_function(_atleast(_fix3), name="atleast_3d")


# ------------------------------------------------------------------------------ combinatorics
def _vector(t):
    if t.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


@torch_function
def cartesian_prod(*tensors):
    """All combinations of one element of each 1-D tensor, as rows of an (N, len) tensor."""
    for t in tensors:
        _vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


@torch_function
def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of a 1-D tensor's elements (itertools order)."""
    _vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    make = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    combos = np.array(list(make(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if combos.shape[0] == 0:
        return input.new_empty((0, r))
    take = _g("take")
    return stack([call(take, input, wrap(np.ascontiguousarray(combos[:, k])))
                  for k in range(r)], 1)
