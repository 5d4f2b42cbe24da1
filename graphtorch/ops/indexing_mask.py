"""Boolean-mask indexing: masked_fill, masked_select, masked_scatter, nonzero.

masked_select and nonzero have data-dependent sizes, reported by meta as ``Unbacked`` dims."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .indexing import checked, slice_backward
from .meta import broadcast_shapes
from .reduction_scan import Unbacked
from .registry import OpDef, Sample, register

# c10's type names, which masked_fill's error uses
_C10 = {D.float32: "float", D.float64: "double", D.int64: "long int", D.int32: "int",
        D.int16: "short int", D.int8: "signed char", D.uint8: "unsigned char",
        D.float16: "c10::Half", D.bfloat16: "c10::BFloat16"}


def _mask(m):
    return S.array(m, D.bool, 9)


# ------------------------------------------------------------------------------ masked_fill
def _masked_fill_meta(x, mask, value):
    if mask.dtype is not D.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C10.get(mask.dtype, mask.dtype.name)}")
    if hasattr(value, "shape") and value.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    return x.with_(shape=broadcast_shapes(x.shape, mask.shape, op="masked_fill"))


@checked(_masked_fill_meta)
def _masked_fill_kernel(xp, x, mask, value):
    v = xp.asarray(value)
    if x.dtype.kind in "iub" and v.dtype.kind in "fc":
        v = v.real if v.dtype.kind == "c" else v
    return xp.where(mask, v.astype(x.dtype), x).astype(x.dtype, copy=False)


def _masked_fill_vjp(ctx, g):
    mask = ctx.inputs[1]
    need = ctx.needs_input_grad
    gx = g._dispatch(masked_fill, g, mask, 0) if need[0] else None
    gv = (g - g._dispatch(masked_fill, g, mask, 0)).sum() if need[2] else None
    return (gx, None, gv)


def _masked_fill_name(attrs, args):
    return "MaskedFillBackward1" if hasattr(args[2], "dtype") else "MaskedFillBackward0"


masked_fill = register(OpDef(
    name="masked_fill", kernel=_masked_fill_kernel, meta=_masked_fill_meta,
    vjp=_masked_fill_vjp, save_inputs=(1,), dtypes=S.ALL_REAL, grad_name=_masked_fill_name,
    samples=lambda dt: [Sample((S.array((3, 4), dt), _mask((3, 4)), S.array((), dt, 1)), {}),
                        Sample((S.array((3, 4), dt), _mask((4,)), True if dt is D.bool else 2),
                               {}),
                        Sample((S.array((4,), dt), _mask((2, 4)), 0), {})]))


# ------------------------------------------------------------------------------ masked_select
def _masked_select_meta(x, mask):
    if mask.dtype is not D.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    broadcast_shapes(x.shape, mask.shape, op="masked_select")
    return x.with_(shape=(Unbacked("u0"),))


@checked(_masked_select_meta)
def _masked_select_kernel(xp, x, mask):
    xb, mb = xp.broadcast_arrays(x, mask)
    return xb[mb]


def _masked_select_vjp(ctx, g):
    (xs, xd), (ms, _) = ctx._input_meta[0], ctx._input_meta[1]
    zeros = g.new_zeros(broadcast_shapes(xs, ms))
    return (g._dispatch(masked_scatter, zeros, ctx.inputs[1], g), None)


masked_select = register(OpDef(
    name="masked_select", kernel=_masked_select_kernel, meta=_masked_select_meta,
    vjp=_masked_select_vjp, save_inputs=(1,), dtypes=S.ALL_REAL,
    samples=lambda dt: [Sample((S.array((3, 4), dt), _mask((3, 4))), {}),
                        Sample((S.array((3, 1), dt), _mask((4,))), {}),
                        Sample((S.array((), dt), np.array(True)), {})]))


# ------------------------------------------------------------------------------ masked_scatter
def _masked_scatter_meta(x, mask, source):
    if mask.dtype is not D.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {D.SCALAR_NAMES[mask.dtype]}")
    if source.dtype is not x.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{D.SCALAR_NAMES[x.dtype]} and {D.SCALAR_NAMES[source.dtype]}")
    return x.with_(shape=broadcast_shapes(x.shape, mask.shape, op="masked_scatter"))


@checked(_masked_scatter_meta)
def _masked_scatter_kernel(xp, x, mask, source):
    xb, mb = xp.broadcast_arrays(x, mask)
    n = int(mb.sum())
    if source.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out = xb.copy()
    out[mb] = source.reshape(-1)[:n]
    return out


def _masked_scatter_vjp(ctx, g):
    mask = ctx.inputs[1]
    need = ctx.needs_input_grad
    gx = g._dispatch(masked_fill, g, mask, 0) if need[0] else None
    gs = None
    if need[2]:
        sel = g._dispatch(masked_select, g, mask)
        shape = tuple(ctx._input_meta[2][0])
        n = int(np.prod(shape))
        gs = g._dispatch(slice_backward, sel, input_sizes=(n,), dim=0, start=0,
                         end=int(sel.shape[0]), step=1).reshape(shape)
    return (gx, None, gs)


masked_scatter = register(OpDef(
    name="masked_scatter", kernel=_masked_scatter_kernel, meta=_masked_scatter_meta,
    vjp=_masked_scatter_vjp, save_inputs=(1,), dtypes=S.ALL_REAL,
    samples=lambda dt: [Sample((S.array((3, 4), dt), _mask((3, 4)), S.array((12,), dt, 1)), {}),
                        Sample((S.array((4,), dt), _mask((2, 4)), S.array((3, 4), dt, 2)), {})]))


# ------------------------------------------------------------------------------ nonzero
def _nonzero_meta(x):
    return x.with_(shape=(Unbacked("u0"), x.ndim), dtype=D.int64)


def _nonzero_kernel(xp, x):
    return xp.argwhere(x).astype(np.int64)


nonzero = register(OpDef(
    name="nonzero", kernel=_nonzero_kernel, meta=_nonzero_meta, differentiable=False,
    dtypes=S.ALL_REAL,
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {}), Sample((S.array((), dt, 2),), {}),
                        Sample((S.array((0, 2), dt),), {})]))
