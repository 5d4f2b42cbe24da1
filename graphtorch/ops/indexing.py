"""Indexing (core): the views basic indexing is built from (select, slice, alias), their
backward ops, advanced indexing (index, index_put), flat indexing (take, put) and the private
``_as_strided_take`` that in-place writes through views use.  The gather/scatter family lives
in indexing_gather.py, masks/where/nonzero in indexing_mask.py.

Advanced indices reach the ops as positional tensors (int64/int32) or None (a full slice of that
dim); boolean masks are turned into integer indices by the API, so meta always knows shapes."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec, broadcast_shapes, fmt_shape, wrap_dim
from .registry import OpDef, Sample, register

INDEX_DTYPES = (D.int64, D.int32)
VIEW_DTYPES = S.ALL_REAL
DATA_DTYPES = S.ALL_REAL
# positions of the index tensors an op's vjp reads (indices are varargs after the data inputs)
_IDX_AFTER_1 = tuple(range(1, 65))
_IDX_AFTER_2 = tuple(range(2, 66))


def checked(meta):
    """A kernel decorator: validate with ``meta`` first, so numpy never raises its own errors."""
    def deco(kernel):
        def run(xp, *arrays, **attrs):
            meta(*[TensorSpec(tuple(a.shape), D.from_numpy_dtype(a.dtype))
                   if hasattr(a, "dtype") and hasattr(a, "shape") else a for a in arrays],
                 **attrs)
            return kernel(xp, *arrays, **attrs)
        return run
    return deco


# ------------------------------------------------------------------------------ select
def _select_meta(x, dim, index):
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x.ndim, "select")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{fmt_shape(x.shape)} at dimension {d}")
    return x.with_(shape=x.shape[:d] + x.shape[d + 1:])


@checked(_select_meta)
def _select_kernel(xp, x, dim, index):
    d = dim % x.ndim
    # the trailing Ellipsis keeps a 0-dim result an array view (not a numpy scalar)
    return x[(slice(None),) * d + (index, Ellipsis)]


def _select_bwd_meta(g, input_sizes, dim, index):
    return g.with_(shape=tuple(input_sizes))


def _select_bwd_kernel(xp, g, input_sizes, dim, index):
    out = xp.zeros(tuple(input_sizes), g.dtype)
    d = dim % len(input_sizes)
    out[(slice(None),) * d + (index, Ellipsis)] = g
    return out


select_backward = register(OpDef(
    name="select_backward", kernel=_select_bwd_kernel, meta=_select_bwd_meta,
    vjp=lambda ctx, g: (g._dispatch(select, g, dim=ctx.attrs["dim"],
                                    index=ctx.attrs["index"]),),
    save_inputs=(), dtypes=DATA_DTYPES, grad_name="SelectBackwardBackward0",
    samples=lambda dt: [Sample((S.array((3,), dt),), {"input_sizes": (2, 3), "dim": 0,
                                                      "index": 1})]))


def _select_vjp(ctx, g):
    return (g._dispatch(select_backward, g, input_sizes=tuple(ctx._input_meta[0][0]),
                        dim=ctx.attrs["dim"] % len(ctx._input_meta[0][0]),
                        index=ctx.attrs["index"]),)


select = register(OpDef(
    name="select", kernel=_select_kernel, meta=_select_meta, vjp=_select_vjp, save_inputs=(),
    view=True, dtypes=VIEW_DTYPES,
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {"dim": 1, "index": -1}),
                        Sample((S.array((3,), dt),), {"dim": 0, "index": 2}),
                        Sample((S.array((2, 0), dt),), {"dim": 0, "index": 0})]))


# ------------------------------------------------------------------------------ slice
def slice_range(n: int, start, end, step):
    """PyTorch's normalisation of a slice of a dim of size ``n``: (start, end, length)."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    if (start is None or (type(start) is int and start == 0)) and end is None:
        # the whole dim: no clamping, so a symbolic size stays symbolic without guards
        return 0, n, n if step == 1 else (n + step - 1) // step
    start = 0 if start is None else start
    end = n if end is None else end
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = min(max(start, 0), n)
    end = min(max(end, start), n)
    # arithmetic rather than len(range(...)), which would turn a symbolic size into an int
    return start, end, (end - start + step - 1) // step


def _slice_meta(x, dim=0, start=None, end=None, step=1):
    if x.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, x.ndim, "slice")
    _, _, length = slice_range(x.shape[d], start, end, step)
    return x.with_(shape=x.shape[:d] + (length,) + x.shape[d + 1:])


def _key(ndim, dim, start, end, step, n):
    s, e, _ = slice_range(n, start, end, step)
    return (slice(None),) * (dim % ndim) + (slice(s, e, step),)


@checked(_slice_meta)
def _slice_kernel(xp, x, dim=0, start=None, end=None, step=1):
    return x[_key(x.ndim, dim, start, end, step, x.shape[dim % x.ndim])]


def _slice_bwd_meta(g, input_sizes, dim=0, start=None, end=None, step=1):
    return g.with_(shape=tuple(input_sizes))


def _slice_bwd_kernel(xp, g, input_sizes, dim=0, start=None, end=None, step=1):
    out = xp.zeros(tuple(input_sizes), g.dtype)
    nd = len(input_sizes)
    out[_key(nd, dim, start, end, step, input_sizes[dim % nd])] = g
    return out


def _slice_bwd_vjp(ctx, g):
    a = ctx.attrs
    return (g._dispatch(slice_, g, dim=a["dim"], start=a.get("start"), end=a.get("end"),
                        step=a.get("step", 1)),)


slice_backward = register(OpDef(
    name="slice_backward", kernel=_slice_bwd_kernel, meta=_slice_bwd_meta, vjp=_slice_bwd_vjp,
    save_inputs=(), dtypes=DATA_DTYPES, grad_name="SliceBackwardBackward0",
    samples=lambda dt: [Sample((S.array((2, 2), dt),), {"input_sizes": (2, 5), "dim": 1,
                                                        "start": 1, "end": 5, "step": 2})]))


def _slice_vjp(ctx, g):
    a = ctx.attrs
    shape = tuple(ctx._input_meta[0][0])
    return (g._dispatch(slice_backward, g, input_sizes=shape, dim=a.get("dim", 0) % len(shape),
                        start=a.get("start"), end=a.get("end"), step=a.get("step", 1)),)


slice_ = register(OpDef(
    name="slice", kernel=_slice_kernel, meta=_slice_meta, vjp=_slice_vjp, save_inputs=(),
    view=True, dtypes=VIEW_DTYPES,
    samples=lambda dt: [Sample((S.array((3, 5), dt),), {"dim": 1, "start": 1, "end": -1}),
                        Sample((S.array((7,), dt),), {"dim": 0, "start": -6, "end": 100,
                                                      "step": 3}),
                        Sample((S.array((4, 2), dt),), {"dim": 0, "start": 3, "end": 1})]))

alias = register(OpDef(
    name="_indexing_alias", kernel=lambda xp, x: x[...], meta=lambda x: x,
    vjp=lambda ctx, g: (g,), save_inputs=(), view=True, dtypes=VIEW_DTYPES,
    grad_name="AliasBackward0", samples=lambda dt: list(S.unary(dt))))


# ------------------------------------------------------------------------------ index
def _index_dtype_check(s):
    if s.dtype not in INDEX_DTYPES:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def indexed_shape(shape, indices) -> tuple:
    """Shape of ``x[indices]`` under the numpy/PyTorch rule: the broadcast index shape replaces
    the indexed dims where they are adjacent, else it goes first."""
    if len(indices) > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    pos = [i for i, s in enumerate(indices) if s is not None]
    if not pos:
        return tuple(shape)
    for i in pos:
        _index_dtype_check(indices[i])
    try:
        bshape = broadcast_shapes(*[indices[i].shape for i in pos])
    except RuntimeError:
        shapes = ", ".join(fmt_shape(indices[i].shape) for i in pos)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {shapes}") from None
    rest = [n for i, n in enumerate(shape) if i not in pos]
    if pos == list(range(pos[0], pos[-1] + 1)):
        return tuple(rest[:pos[0]]) + tuple(bshape) + tuple(rest[pos[0]:])
    return tuple(bshape) + tuple(rest)


def index_key(xp, shape, indices) -> tuple:
    """The numpy key for ``indices`` after PyTorch's bounds check (IndexError)."""
    key = []
    for d, ix in enumerate(indices):
        if ix is None:
            key.append(slice(None))
            continue
        n = shape[d]
        if ix.size:
            lo, hi = int(ix.min()), int(ix.max())
            if hi >= n or lo < -n:
                bad = hi if hi >= n else lo
                raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
        key.append(ix)
    return tuple(key)


def _index_meta(x, *indices):
    return x.with_(shape=indexed_shape(x.shape, indices))


@checked(_index_meta)
def _index_kernel(xp, x, *indices):
    out = x[index_key(xp, x.shape, indices)]
    return out.copy() if all(i is None for i in indices) else out


def _index_vjp(ctx, g):
    idx = ctx.inputs[1:]
    zeros = g.new_zeros(tuple(ctx._input_meta[0][0]))
    return (g._dispatch(index_put, zeros, g, *idx, accumulate=True),) + (None,) * len(idx)


def _idx(*vals):
    return np.array(vals, dtype=np.int64)


def _index_samples(dt):
    x = S.array((3, 4, 5), dt)
    return [Sample((x, _idx(0, 2, 2)), {}, name="dup"),
            Sample((x, None, _idx([1, 0], [3, 3])), {}, name="middle"),
            Sample((x, _idx(1, -1), None, _idx(0, 4)), {}, name="separated"),
            Sample((x, _idx(1, 2).astype(np.int32), _idx(0, 3)), {}, name="int32"),
            Sample((S.array((3,), dt), np.zeros((0,), np.int64)), {}, name="empty")]


index = register(OpDef(
    name="index", kernel=_index_kernel, meta=_index_meta, vjp=_index_vjp,
    save_inputs=_IDX_AFTER_1, dtypes=DATA_DTYPES, samples=_index_samples))


# ------------------------------------------------------------------------------ index_put
def _index_put_meta(x, values, *indices, accumulate=False):
    if values.dtype is not x.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{D.SCALAR_NAMES[x.dtype]} for the destination and "
                           f"{D.SCALAR_NAMES[values.dtype]} for the source.")
    target = indexed_shape(x.shape, indices)
    try:
        ok = broadcast_shapes(values.shape, target) == tuple(target)
    except RuntimeError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {fmt_shape(values.shape)} "
                           f"cannot be broadcast to indexing result of shape {fmt_shape(target)}")
    return x


@checked(_index_put_meta)
def _index_put_kernel(xp, x, values, *indices, accumulate=False):
    out = x.copy()
    key = index_key(xp, x.shape, indices)
    if accumulate:
        shape = indexed_shape(x.shape, [None if i is None else TensorSpec(i.shape, D.int64)
                                        for i in indices])
        xp.add.at(out, key, xp.broadcast_to(values, shape))
    else:
        out[key] = values
    return out


def _index_put_vjp(ctx, g):
    idx = ctx.inputs[2:]
    need = ctx.needs_input_grad
    gx = gv = None
    if need[0]:
        gx = g if ctx.attrs.get("accumulate") else \
            g._dispatch(index_put, g, g.new_zeros(()), *idx)
    if need[1]:
        gv = g._dispatch(index, g, *idx)
    return (gx, gv) + (None,) * len(idx)


def _index_put_samples(dt):
    x = S.array((3, 4), dt)
    out = [Sample((x, S.array((4,), dt, 1), _idx(2, 0)), {}),
           Sample((x, S.array((2, 1), dt, 2), None, _idx([0], [3])), {}),
           Sample((x, S.array((), dt, 3), _idx(1, 1), _idx(0, 1)), {}, grad=False)]
    if dt is not D.bool:
        out.append(Sample((x, S.array((3, 4), dt, 4), _idx(0, 2, 0)), {"accumulate": True}))
    return out


index_put = register(OpDef(
    name="index_put", kernel=_index_put_kernel, meta=_index_put_meta, vjp=_index_put_vjp,
    save_inputs=_IDX_AFTER_2, dtypes=DATA_DTYPES, samples=_index_put_samples))


# ------------------------------------------------------------------------------ take / put
def _long_index(idx, op):
    if idx.dtype is not D.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got "
                           f"{D.SCALAR_NAMES[idx.dtype]}")


def _flat_bounds(idx, n):
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if hi >= n or lo < -n:
            bad = hi if hi >= n else lo
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                             f"elements.")


def _take_meta(x, idx):
    _long_index(idx, "take")
    return x.with_(shape=idx.shape)


@checked(_take_meta)
def _take_kernel(xp, x, idx):
    flat = x.reshape(-1)
    _flat_bounds(idx, flat.size)
    return flat[idx].copy() if idx.ndim == 0 else flat[idx]


def _take_vjp(ctx, g):
    zeros = g.new_zeros(tuple(ctx._input_meta[0][0]))
    return (g._dispatch(put, zeros, ctx.inputs[1], g, accumulate=True), None)


def _take_samples(dt):
    return [Sample((S.array((3, 4), dt), _idx([0, 11], [-1, 0])), {}),
            Sample((S.array((5,), dt), np.array(3)), {}),
            Sample((S.array((), dt), _idx(0, 0)), {})]


take = register(OpDef(
    name="take", kernel=_take_kernel, meta=_take_meta, vjp=_take_vjp, save_inputs=(1,),
    dtypes=DATA_DTYPES, samples=_take_samples))
# the region of a base seen through a view (in-place writes into views): take by element
# positions of the base, named as PyTorch names the node a rebased view gets
as_strided_take = register(OpDef(
    name="_as_strided_take", kernel=_take_kernel, meta=_take_meta, vjp=_take_vjp,
    save_inputs=(1,), dtypes=S.FLOAT_DTYPES, samples=_take_samples,
    grad_name="AsStridedBackward0"))


def _put_meta(x, idx, source, accumulate=False):
    _long_index(idx, "put_")
    if source.dtype is not x.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {D.SCALAR_NAMES[x.dtype]} and source.dtype = "
                           f"{D.SCALAR_NAMES[source.dtype]}")
    ns, ni = int(np.prod(source.shape)), int(np.prod(idx.shape))
    if ns != ni:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {ns}, index.numel() = {ni}")
    return x


@checked(_put_meta)
def _put_kernel(xp, x, idx, source, accumulate=False):
    out = x.copy()
    flat = out.reshape(-1)
    _flat_bounds(idx, flat.size)
    if accumulate:
        xp.add.at(flat, idx.reshape(-1), source.reshape(-1))
    else:
        flat[idx.reshape(-1)] = source.reshape(-1)
    return out


def _put_vjp(ctx, g):
    idx = ctx.inputs[1]
    need = ctx.needs_input_grad
    gx = gs = None
    if need[0]:
        gx = g if ctx.attrs.get("accumulate") else \
            g._dispatch(put, g, idx, g.new_zeros(tuple(idx.shape)))
    if need[2]:
        gs = g._dispatch(take, g, idx).reshape(tuple(ctx._input_meta[2][0]))
    return (gx, None, gs)


def _put_samples(dt):
    x = S.array((3, 4), dt)
    out = [Sample((x, _idx(0, 5, -1), S.array((3,), dt, 1)), {}),
           Sample((x, _idx([1], [2]), S.array((2,), dt, 2)), {})]
    if dt is not D.bool:
        out.append(Sample((x, _idx(0, 0, 3), S.array((3,), dt, 3)), {"accumulate": True}))
    return out


put = register(OpDef(
    name="put", kernel=_put_kernel, meta=_put_meta, vjp=_put_vjp, save_inputs=(1,),
    dtypes=DATA_DTYPES, samples=_put_samples))


from . import indexing_gather, indexing_mask  # noqa: E402,F401 - the rest of the family
