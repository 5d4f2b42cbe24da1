"""Copying shape ops: cat, stack, flip, roll, rot90, repeat, repeat_interleave.  Tensor lists
(cat, stack) arrive as positional varargs; their result dtype is the promotion of all inputs,
as in PyTorch.  Triangles and diagonals (tril, diag_embed, block_diag, ...) are in
shape_tri.py."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import fmt_shape, wrap_dim, wrap_dims
from .registry import OpDef, Sample, get, register

JOIN_DTYPES = S.ALL_REAL + (D.complex64, D.complex128)


def promote_all(specs) -> D.dtype:
    dt = specs[0].dtype
    for s in specs[1:]:
        dt = D.promote_types(dt, s.dtype)
    return dt


def _dtype_of(a):
    return D.from_numpy_dtype(a.dtype)


def _arrays_dtype(arrays):
    dt = _dtype_of(arrays[0])
    for a in arrays[1:]:
        dt = D.promote_types(dt, _dtype_of(a))
    return dt


# ------------------------------------------------------------------------------ cat
def _skipped(x) -> bool:
    """PyTorch's legacy rule: 1-D empty tensors are ignored by cat whatever their shape."""
    return len(x.shape) == 1 and x.shape[0] == 0


def cat_plan(shapes, dim):
    """(wrapped dim, output shape) of cat over ``shapes``; None dim when all are skipped."""
    for i, s in enumerate(shapes):
        if len(s) == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    live = [(i, s) for i, s in enumerate(shapes) if not (len(s) == 1 and s[0] == 0)]
    if not live:
        return None, (0,)
    ref = live[0][1]
    d = wrap_dim(dim, len(ref), "cat")
    total = 0
    for i, s in live:
        if len(s) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} "
                               f"and {len(s)}")
        for k in range(len(ref)):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref[k]} but got size {s[k]} for tensor "
                                   f"number {i} in the list.")
        total += s[d]
    return d, tuple(ref[:d]) + (total,) + tuple(ref[d + 1:])


def _cat_meta(*xs, dim=0):
    if not xs:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    _, shape = cat_plan([tuple(x.shape) for x in xs], dim)
    return xs[0].with_(shape=shape, dtype=promote_all(xs))


def _cat_kernel(xp, *xs, dim=0):
    if not xs:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    d, shape = cat_plan([x.shape for x in xs], dim)
    dt = _arrays_dtype(xs).np
    if d is None:
        return xp.zeros((0,), dt)
    return xp.concatenate([x.astype(dt, copy=False) for x in xs if not _skipped(x)], axis=d)


def _cat_vjp(ctx, g):
    shapes = [m[0] for m in ctx._input_meta]
    d, _ = cat_plan(shapes, ctx.attrs.get("dim", 0))
    out, start = [], 0
    for s, need in zip(shapes, ctx.needs_input_grad):
        if len(s) == 1 and s[0] == 0:
            out.append(g.new_zeros((0,)) if need else None)
            continue
        if need:
            out.append(g._dispatch(get("slice"), g, dim=d, start=start, end=start + s[d]))
        else:
            out.append(None)
        start += s[d]
    return tuple(out)


def _cat_samples(dt):
    return [Sample((S.array((2, 3), dt), S.array((4, 3), dt, 1)), {}),
            Sample((S.array((2, 1), dt), S.array((2, 3), dt, 2), S.array((2, 2), dt, 3)),
                   {"dim": -1}),
            Sample((S.array((0,), dt), S.array((2, 3), dt, 4)), {"dim": 1}),
            Sample((S.array((3,), dt),), {})]


cat = register(OpDef(
    name="cat", kernel=_cat_kernel, meta=_cat_meta, vjp=_cat_vjp, save_inputs=(),
    dtypes=JOIN_DTYPES, samples=_cat_samples))


# ------------------------------------------------------------------------------ stack
def _stack_meta(*xs, dim=0):
    if not xs:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tuple(xs[0].shape)
    for i, x in enumerate(xs):
        if tuple(x.shape) != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{fmt_shape(ref)} at entry 0 and {fmt_shape(x.shape)} at entry "
                               f"{i}")
    d = wrap_dim(dim, len(ref) + 1, "stack")
    return xs[0].with_(shape=ref[:d] + (len(xs),) + ref[d:], dtype=promote_all(xs))


def _stack_kernel(xp, *xs, dim=0):
    from .meta import spec_of
    _stack_meta(*[spec_of(x) for x in xs], dim=dim)
    dt = _arrays_dtype(xs).np
    return xp.stack([x.astype(dt, copy=False) for x in xs], axis=dim % (xs[0].ndim + 1))


def _stack_vjp(ctx, g):
    d = ctx.attrs.get("dim", 0) % (len(ctx._input_meta[0][0]) + 1)
    return g._dispatch(get("unbind"), g, dim=d)


stack = register(OpDef(
    name="stack", kernel=_stack_kernel, meta=_stack_meta, vjp=_stack_vjp, save_inputs=(),
    dtypes=JOIN_DTYPES,
    samples=lambda dt: [Sample((S.array((2, 3), dt), S.array((2, 3), dt, 1)), {}),
                        Sample((S.array((2, 3), dt), S.array((2, 3), dt, 2)), {"dim": -1}),
                        Sample((S.array((), dt), S.array((), dt, 3), S.array((), dt, 4)), {})]))


# ------------------------------------------------------------------------------ flip
def _flip_kernel(xp, x, dims):
    axes = wrap_dims(dims, x.ndim, "flip")
    if x.ndim == 0 or not axes:
        return x.copy()
    return xp.flip(x, axis=axes).copy(order="K")  # PyTorch never has negative strides


flip = register(OpDef(
    name="flip", kernel=_flip_kernel, save_inputs=(), dtypes=JOIN_DTYPES,
    meta=lambda x, dims: (wrap_dims(dims, x.ndim, "flip"), x)[1],
    vjp=lambda ctx, g: (g._dispatch(flip, g, dims=ctx.attrs["dims"]),),
    samples=lambda dt: [Sample((S.array((2, 3, 4), dt),), {"dims": (0, 2)}),
                        Sample((S.array((3,), dt),), {"dims": (-1,)}),
                        Sample((S.array((), dt),), {"dims": (0,)})]))


# ------------------------------------------------------------------------------ roll
def _tuple(v):
    return (v,) if isinstance(v, int) else tuple(v)


def roll_plan(ndim, shifts, dims):
    shifts = _tuple(shifts)
    dims = () if dims is None else _tuple(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return shifts[0], None
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    if ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return shifts, tuple(wrap_dim(d, ndim, "roll") for d in dims)


def _roll_kernel(xp, x, shifts, dims=None):
    s, axes = roll_plan(x.ndim, shifts, dims)
    if x.ndim == 0:
        return x.copy()
    return xp.roll(x, s, axis=axes)


def _roll_vjp(ctx, g):
    s = _tuple(ctx.attrs["shifts"])
    return (g._dispatch(roll, g, shifts=tuple(-v for v in s), dims=ctx.attrs.get("dims")),)


roll = register(OpDef(
    name="roll", kernel=_roll_kernel, vjp=_roll_vjp, save_inputs=(), dtypes=JOIN_DTYPES,
    meta=lambda x, shifts, dims=None: (roll_plan(x.ndim, shifts, dims), x)[1],
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {"shifts": 1}),
                        Sample((S.array((3, 4), dt),), {"shifts": (1, -5), "dims": (1, 0)}),
                        Sample((S.array((2, 3), dt),), {"shifts": 2, "dims": -1})]))


# ------------------------------------------------------------------------------ rot90
def rot90_dims(ndim, dims):
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    a, b = wrap_dim(dims[0], ndim, "rot90"), wrap_dim(dims[1], ndim, "rot90")
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and "
                           f"dim1 = {b}")
    return a, b


def _rot90_kernel(xp, x, k=1, dims=(0, 1)):
    a, b = rot90_dims(x.ndim, dims)
    k %= 4
    # PyTorch's composition (flip, then a transposed view of the copy) gives its strides
    if k == 0:
        return x.copy(order="K")
    if k == 2:
        return xp.flip(x, axis=(a, b)).copy(order="K")
    return xp.swapaxes(xp.flip(x, axis=b if k == 1 else a).copy(order="K"), a, b)


def _rot90_meta(x, k=1, dims=(0, 1)):
    a, b = rot90_dims(x.ndim, dims)
    shape = list(x.shape)
    if k % 2:
        shape[a], shape[b] = shape[b], shape[a]
    return x.with_(shape=shape)


rot90 = register(OpDef(
    name="rot90", kernel=_rot90_kernel, meta=_rot90_meta, save_inputs=(), dtypes=JOIN_DTYPES,
    vjp=lambda ctx, g: (g._dispatch(rot90, g, k=-ctx.attrs.get("k", 1),
                                    dims=ctx.attrs.get("dims", (0, 1))),),
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {"k": k}) for k in (0, 1, 2, 3)] +
    [Sample((S.array((2, 3, 4), dt),), {"k": -1, "dims": (2, 0)})]))


# ------------------------------------------------------------------------------ repeat
def repeat_shape(shape, repeats) -> tuple:
    repeats = tuple(repeats)
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    out = tuple(r * s for r, s in zip(repeats, padded))
    for v in out:
        if v < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {v}: "
                               f"{fmt_shape(out)}")
    return out


def _repeat_kernel(xp, x, repeats):
    repeat_shape(x.shape, repeats)
    return xp.tile(x, tuple(repeats)) if repeats else x.copy()


def _repeat_vjp(ctx, g):
    shape = tuple(ctx._input_meta[0][0])
    reps = tuple(ctx.attrs["repeats"])
    padded = (1,) * (len(reps) - len(shape)) + shape
    split = tuple(v for r, s in zip(reps, padded) for v in (r, s))
    summed = g.reshape(split).sum(tuple(range(0, len(split), 2))) if reps else g
    return (summed.reshape(shape),)


repeat = register(OpDef(
    name="repeat", kernel=_repeat_kernel, vjp=_repeat_vjp, save_inputs=(), dtypes=JOIN_DTYPES,
    meta=lambda x, repeats: x.with_(shape=repeat_shape(x.shape, repeats)),
    samples=lambda dt: [Sample((S.array((2, 3), dt),), {"repeats": (2, 1, 3)}),
                        Sample((S.array((), dt),), {"repeats": (2, 3)}),
                        Sample((S.array((2, 3), dt),), {"repeats": (0, 2)})]))


# ------------------------------------------------------------------------------ repeat_interleave
def ri_plan(shape, repeats, dim):
    """(dim, per-element counts or int, output shape) of repeat_interleave; ``dim`` None
    means the flattened input."""
    if dim is None:
        shape, d = (int(np.prod(shape)),), 0
    else:
        d = wrap_dim(dim, len(shape), "repeat_interleave")
        if not shape:
            shape = (1,)
    n = shape[d]
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        total = n * repeats
    else:
        reps = tuple(repeats)
        if len(reps) == 1:
            reps = reps * n
        if len(reps) != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {len(reps)} and input.size(0) = {n}")
        if any(r < 0 for r in reps):
            raise RuntimeError("repeats can not be negative")
        repeats, total = reps, sum(reps)
    return d, repeats, shape[:d] + (total,) + shape[d + 1:], shape


def _ri_meta(x, repeats, dim=None, output_size=None):
    _, _, out, _ = ri_plan(tuple(x.shape), repeats, dim)
    return x.with_(shape=out)


def _ri_kernel(xp, x, repeats, dim=None, output_size=None):
    d, reps, out, shape = ri_plan(x.shape, repeats, dim)
    return xp.repeat(x.reshape(shape), reps if isinstance(reps, int) else np.asarray(reps),
                     axis=d)


def _ri_vjp(ctx, g):
    a = ctx.attrs
    in_shape = tuple(ctx._input_meta[0][0])
    d, reps, _, shape = ri_plan(in_shape, a["repeats"], a.get("dim"))
    if isinstance(reps, int):
        g = g.reshape(shape[:d] + (shape[d], reps) + shape[d + 1:]).sum(d + 1)
    else:
        g = g._dispatch(ri_backward, g, repeats=reps, dim=d)
    return (g.reshape(in_shape),)


repeat_interleave = register(OpDef(
    name="repeat_interleave", kernel=_ri_kernel, meta=_ri_meta, vjp=_ri_vjp, save_inputs=(),
    dtypes=JOIN_DTYPES,
    grad_name=lambda a: "ViewBackward0" if isinstance(a["repeats"], int) else
    "IndexSelectBackward0",
    samples=lambda dt: [Sample((S.array((2, 3), dt),), {"repeats": 2}),
                        Sample((S.array((2, 3), dt),), {"repeats": 2, "dim": 1}),
                        Sample((S.array((3, 2), dt),), {"repeats": (1, 0, 2), "dim": 0}),
                        Sample((S.array((), dt),), {"repeats": (3,), "dim": 0})]))


def _rib_kernel(xp, g, repeats, dim):
    idx = np.repeat(np.arange(len(repeats)), np.asarray(repeats, dtype=np.int64))
    moved = xp.moveaxis(g, dim, 0)
    out = xp.zeros((len(repeats),) + moved.shape[1:], g.dtype)
    xp.add.at(out, idx, moved)
    return xp.moveaxis(out, 0, dim)


ri_backward = register(OpDef(
    name="repeat_interleave_backward", kernel=_rib_kernel, save_inputs=(),
    meta=lambda g, repeats, dim: g.with_(shape=g.shape[:dim] + (len(repeats),) +
                                         g.shape[dim + 1:]),
    vjp=lambda ctx, g: (g._dispatch(repeat_interleave, g, repeats=tuple(ctx.attrs["repeats"]),
                                    dim=ctx.attrs["dim"]),),
    dtypes=S.NUMERIC, grad_name="RepeatInterleaveBackwardBackward0",
    samples=lambda dt: [Sample((S.array((2, 3), dt),), {"repeats": (1, 0, 2), "dim": 1})]))

from . import shape_tri  # noqa: E402,F401 - triangles and diagonals
