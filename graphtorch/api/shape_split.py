"""Splitting and re-dimensioning: narrow, split, chunk, unbind, tensor_split, hsplit/vsplit/
dsplit, flatten, unflatten, movedim, and the storage-level resize_ / resize_as_."""
from __future__ import annotations

import math

import numpy as np

from ..eager.dispatch import call
from ..eager.tensor import Tensor
from ..ops import dtypes as D
from ..ops import registry as R
from ..ops.meta import fmt_shape, wrap_dim
from ._bind import both, tensor_method
from ._util import size_args

_split, _split_ws, _unbind, _reshape = (R.get(n) for n in ("split", "split_with_sizes",
                                                           "unbind", "reshape"))


def _slice(x, dim, start, end):
    # the indexing family owns the "slice" op (basic indexing); narrow & co. are slices
    return call(R.get("slice"), x, dim=dim, start=start, end=end, step=1)


def _index(v, what):
    if isinstance(v, Tensor):
        if v.ndim != 0 or v.dtype.category != D._INT:
            raise RuntimeError(f"{what} must be an 0-dim integral Tensor.")
        return int(v.item())
    return v.__index__()


@both
def narrow(input, dim, start, length):
    """A view of ``length`` elements of ``input`` along ``dim`` from ``start`` (which may be a
    0-dim integer tensor)."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    start, length = _index(start, "start"), _index(length, "length")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = wrap_dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice(input, d, start, start + length)


@both
def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces of ``split_size`` (the last may be smaller) or of the listed sizes;
    the pieces are views."""
    s = split_size_or_sections
    if isinstance(s, (list, tuple)):
        return call(_split_ws, tensor, split_sizes=size_args((s,), "split_with_sizes"), dim=dim)
    return call(_split, tensor, split_size=_index(s, "split_size"), dim=dim)


@both
def split_with_sizes(input, split_sizes, dim=0):
    return call(_split_ws, input, split_sizes=size_args((split_sizes,), "split_with_sizes"),
                dim=dim)


@both
def chunk(input, chunks, dim=0):
    """Split into ``chunks`` views of (nearly) equal size along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[wrap_dim(dim, input.ndim, "chunk")]
    if n == 0:
        return call(_split_ws, input, split_sizes=(0,) * chunks, dim=dim)
    return call(_split, input, split_size=-(-n // chunks), dim=dim)


@both
def unbind(input, dim=0):
    """The slices of ``input`` along ``dim`` as a tuple of views."""
    out = call(_unbind, input, dim=dim)
    return out if type(out) is tuple else (out,)


def _sections(n, k):
    q, r = divmod(n, k)
    bounds, start = [], 0
    for i in range(k):
        end = start + q + (1 if i < r else 0)
        bounds.append((start, end))
        start = end
    return bounds


@both
def tensor_split(input, indices_or_sections, dim=0):
    """Split into ``sections`` near-equal views, or at the given ``indices`` (numpy's
    array_split)."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = wrap_dim(dim, input.ndim, "tensor_split")
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios.ndim} dims")
        ios = int(ios.item()) if ios.ndim == 0 else [int(v) for v in ios.tolist()]
    if isinstance(ios, (list, tuple)):
        cuts = [0] + [int(i) for i in ios] + [None]
        return tuple(_slice(input, d, a, b) for a, b in zip(cuts[:-1], cuts[1:]))
    if isinstance(ios, bool) or not hasattr(ios, "__index__"):
        raise TypeError(f"tensor_split() received an invalid combination of arguments - got "
                        f"({type(ios).__name__})")
    k = ios.__index__()
    if k <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {k}")
    return tuple(_slice(input, d, a, b) for a, b in _sections(input.shape[d], k))


def _dir_split(name, min_dim, dim_of):
    def fn(input, indices_or_sections):
        if input.ndim < min_dim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} "
                               f"dimension{'s' if min_dim == 0 else ''}, but got a tensor with "
                               f"{input.ndim} dimensions!")
        d = dim_of(input.ndim)
        ios = indices_or_sections
        if isinstance(ios, int) and not isinstance(ios, bool):
            n = input.shape[d]
            if ios == 0 or n % ios:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {n} is not divisible by the "
                                   f"split_size {ios}!")
        return tensor_split(input, ios, d)
    fn.__name__ = name
    fn.__doc__ = f"Split ``input`` (like tensor_split) along dimension {name[0]}."
    return fn


both(_dir_split("hsplit", 1, lambda n: 0 if n == 1 else 1), name="hsplit")
both(_dir_split("vsplit", 2, lambda n: 0), name="vsplit")
both(_dir_split("dsplit", 3, lambda n: 2), name="dsplit")


def reshape0(x, shape):
    """reshape of a 0-dim tensor with PyTorch's strides (the core reshape kernel gives size-1
    dims of a reshaped 0-dim tensor stride 0, PyTorch gives them contiguous strides)."""
    r = call(_reshape, x, shape=shape)
    if x.ndim == 0:
        r._data = x._data.reshape(shape)
    return r


@both
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim``..``end_dim`` into one (a view when possible)."""
    if input.ndim == 0:
        return reshape0(input, (1,))
    a = wrap_dim(start_dim, input.ndim, "flatten")
    b = wrap_dim(end_dim, input.ndim, "flatten")
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if a == b:
        return input
    shape = tuple(input.shape)
    # math.prod keeps symbolic sizes (np.prod would turn them into a constant)
    return call(_reshape, input, shape=shape[:a] + (math.prod(shape[a:b + 1]),) +
                shape[b + 1:])


@both
def unflatten(input, dim, sizes):
    """Expand dimension ``dim`` into ``sizes`` (one entry may be -1)."""
    sizes = size_args((sizes,), "unflatten")
    d = wrap_dim(dim, input.ndim, "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = input.shape[d]
    known = int(np.prod([s for s in sizes if s != -1]))
    if -1 in sizes and known and n % known == 0:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    if int(np.prod(sizes)) != n or sizes.count(-1):
        raise RuntimeError(f"unflatten: Provided sizes {fmt_shape(sizes)} don't multiply up to "
                           f"the size of dim {d} ({n}) in the input tensor")
    shape = tuple(input.shape)
    return call(_reshape, input, shape=shape[:d] + sizes + shape[d + 1:])


def _dims(v):
    return [v] if isinstance(v, int) else list(v)


@both
def movedim(input, source, destination):
    """A view with dimensions ``source`` moved to positions ``destination``."""
    src, dst = _dims(source), _dims(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    n = input.ndim
    ws = [wrap_dim(d, n, "movedim") for d in src]
    wd = [wrap_dim(d, n, "movedim") for d in dst]
    for name, orig, w in (("source", src, ws), ("destination", dst, wd)):
        if len(set(w)) != len(w):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({orig})")
    perm = [-1] * n
    for s, d in zip(ws, wd):
        perm[d] = s
    rest = iter(i for i in range(n) if i not in ws)
    perm = [p if p != -1 else next(rest) for p in perm]
    return call(R.get("permute"), input, dims=tuple(perm))


both(movedim, name="moveaxis")


# ------------------------------------------------------------------------------ resize_
@tensor_method
def resize_(self, *sizes, memory_format=None):
    """Give ``self`` the shape ``sizes`` in place, reusing its storage when large enough (new
    elements are uninitialized: zeros here).  Not differentiable."""
    shape = size_args(sizes, "resize_")
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{fmt_shape(shape)}")
    if shape == tuple(self.shape):
        return self
    _resize_data(self, shape)
    self._vc[0] += 1
    return self


def _resize_data(t, shape):
    n = int(np.prod(shape))
    room = _room(t._data)
    if n <= room:
        from ..ops.shape_views import raw_view
        it = t._data.itemsize
        strides = tuple(int(np.prod(shape[i + 1:])) * it for i in range(len(shape)))
        t._data = raw_view(np, t._data, shape, strides)
        return
    new = np.zeros(shape, dtype=t._data.dtype)
    old = t._data.reshape(-1) if room < 0 else \
        np.lib.stride_tricks.as_strided(t._data, (max(room, 0),), (t._data.itemsize,))
    new.reshape(-1)[:min(old.size, n)] = old[:n]
    t._data = new
    t._base = None


def _room(a) -> int:
    """Elements from ``a``'s first element to the end of the memory block that owns it (-1 if
    that block is not one contiguous buffer)."""
    owner = a
    while True:  # stride-trick views hide their array behind a helper object's ``base``
        b = owner.base
        b = b if isinstance(b, np.ndarray) else getattr(b, "base", None)
        if not isinstance(b, np.ndarray):
            break
        owner = b
    if not owner.flags.c_contiguous:
        return -1
    end = owner.__array_interface__["data"][0] + owner.nbytes
    return (end - a.__array_interface__["data"][0]) // a.itemsize


@tensor_method
def resize_as_(self, the_template, memory_format=None):
    return resize_(self, tuple(the_template.shape))
