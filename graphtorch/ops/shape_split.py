"""The split family: split (equal pieces), split_with_sizes and unbind.  Every output is a view
of input 0; the backward joins the pieces' gradients (zeros for pieces that got none) with
cat / stack.  chunk, tensor_split, hsplit/vsplit/dsplit and narrow are API compositions."""
from __future__ import annotations

from . import samples as S
from .meta import fmt_shape, wrap_dim
from .registry import OpDef, Sample, get, register
from .shape_views import VIEW_DTYPES, raw_view


def _need_dim(ndim, op):
    if ndim == 0:
        raise RuntimeError(f"{op} expects at least a 1-dimensional tensor")


def split_sizes(shape, split_size, dim) -> tuple:
    """The piece lengths of ``split(split_size, dim)`` (PyTorch's rules and errors)."""
    _need_dim(len(shape), "split")
    d = wrap_dim(dim, len(shape), "split")
    n = shape[d]
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size="
                           f"{split_size}")
    if split_size == 0:
        if n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        return (0,)
    count = max(-(-n // split_size), 1)
    return tuple(min(split_size, n - i * split_size) for i in range(count))


def check_sizes(shape, sizes, dim) -> tuple:
    _need_dim(len(shape), "split_with_sizes")
    d = wrap_dim(dim, len(shape), "split_with_sizes")
    sizes = tuple(int(s) for s in sizes)
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, "
                           f"but got split_sizes={fmt_shape(sizes)}")
    if sum(sizes) != shape[d]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {shape[d]} "
                           f"(input tensor's size at dimension {d}), but got split_sizes="
                           f"{fmt_shape(sizes)}")
    return sizes


def _pieces(xp, x, sizes, dim):
    d = dim % x.ndim
    out, start = [], 0
    for s in sizes:
        piece = x[(slice(None),) * d + (slice(start, start + s),)]
        if s == 0 and start and x.size:  # numpy keeps an empty slice at offset 0; torch doesn't
            piece = raw_view(xp, x, piece.shape, piece.strides, start * x.strides[d])
        out.append(piece)
        start += s
    return tuple(out)


def _piece_specs(x, sizes, dim):
    d = dim % x.ndim
    return tuple(x.with_(shape=x.shape[:d] + (s,) + x.shape[d + 1:]) for s in sizes)


def _join_vjp(sizes_of):
    def vjp(ctx, *grads):
        shape = tuple(ctx._input_meta[0][0])
        d = ctx.attrs.get("dim", 0) % len(shape)
        like = next(g for g in grads if g is not None)
        parts = [g if g is not None else
                 like.new_zeros(shape[:d] + (s,) + shape[d + 1:])
                 for g, s in zip(grads, sizes_of(shape, ctx.attrs))]
        return (like._dispatch(get("cat"), *parts, dim=d),)
    return vjp


def _split_sizes_of(shape, a):
    return split_sizes(shape, a["split_size"], a.get("dim", 0))


split = register(OpDef(
    name="split", dtypes=VIEW_DTYPES, view=True, save_inputs=(),
    kernel=lambda xp, x, split_size, dim=0: _pieces(xp, x, split_sizes(x.shape, split_size, dim),
                                                    dim),
    meta=lambda x, split_size, dim=0: _piece_specs(x, split_sizes(x.shape, split_size, dim),
                                                   wrap_dim(dim, x.ndim)),
    vjp=_join_vjp(_split_sizes_of),
    samples=lambda dt: [Sample((S.array((5, 3), dt),), {"split_size": 2}),
                        Sample((S.array((2, 6), dt),), {"split_size": 3, "dim": -1}),
                        Sample((S.array((0, 2), dt),), {"split_size": 0})]))


split_with_sizes = register(OpDef(
    name="split_with_sizes", dtypes=VIEW_DTYPES, view=True, save_inputs=(),
    kernel=lambda xp, x, split_sizes, dim=0: _pieces(xp, x, check_sizes(x.shape, split_sizes, dim),
                                                     dim),
    meta=lambda x, split_sizes, dim=0: _piece_specs(
        x, check_sizes(x.shape, split_sizes, dim), wrap_dim(dim, x.ndim)),
    vjp=_join_vjp(lambda shape, a: a["split_sizes"]),
    samples=lambda dt: [Sample((S.array((5, 3), dt),), {"split_sizes": (1, 0, 4)}),
                        Sample((S.array((2, 3), dt),), {"split_sizes": (2, 1), "dim": 1})]))


def _unbind_dim(ndim, dim):
    if ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return wrap_dim(dim, ndim, "unbind")


def _unbind_kernel(xp, x, dim=0):
    d = _unbind_dim(x.ndim, dim)
    return tuple(x[(slice(None),) * d + (i, Ellipsis)] for i in range(x.shape[d]))


def _unbind_meta(x, dim=0):
    d = _unbind_dim(x.ndim, dim)
    return tuple(x.with_(shape=x.shape[:d] + x.shape[d + 1:]) for _ in range(x.shape[d]))


def _unbind_vjp(ctx, *grads):
    shape = tuple(ctx._input_meta[0][0])
    d = ctx.attrs.get("dim", 0) % len(shape)
    like = next(g for g in grads if g is not None)
    parts = [g if g is not None else like.new_zeros(shape[:d] + shape[d + 1:]) for g in grads]
    return (like._dispatch(get("stack"), *parts, dim=d),)


unbind = register(OpDef(
    name="unbind", kernel=_unbind_kernel, meta=_unbind_meta, vjp=_unbind_vjp,
    dtypes=VIEW_DTYPES, view=True, save_inputs=(),
    samples=lambda dt: [Sample((S.array((3, 2), dt),), {}),
                        Sample((S.array((2, 3, 2), dt),), {"dim": -2}),
                        Sample((S.array((2,), dt),), {})]))
