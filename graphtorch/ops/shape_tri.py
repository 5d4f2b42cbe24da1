"""Triangles and diagonals: tril, triu, tril_indices, triu_indices, diag_embed, block_diag."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec, spec_of
from .registry import OpDef, Sample, get, register
from .shape_views import _diagonal_kernel, diag_dims, diagonal

TRI_DTYPES = S.ALL_REAL + (D.complex64, D.complex128)


# ------------------------------------------------------------------------------ tril / triu
def _tri_meta(name):
    def meta(x, diagonal=0):
        if x.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return x
    return meta


def _tri(name, np_fn):
    meta = _tri_meta(name)

    def kernel(xp, x, diagonal=0):
        meta(spec_of(x), diagonal)
        return getattr(xp, np_fn)(x, diagonal)

    op = register(OpDef(
        name=name, kernel=kernel, meta=meta, save_inputs=(), dtypes=TRI_DTYPES,
        vjp=lambda ctx, g: (g._dispatch(op, g, diagonal=ctx.attrs.get("diagonal", 0)),),
        samples=lambda dt: [Sample((S.array((3, 4), dt),), {}),
                            Sample((S.array((2, 3, 4), dt),), {"diagonal": 1}),
                            Sample((S.array((4, 3), dt),), {"diagonal": -2})]))
    return op


tril = _tri("tril", "tril")
triu = _tri("triu", "triu")


# ------------------------------------------------------------------------------ *_indices
def _indices_meta(name):
    def meta(row, col, offset=0, dtype=D.int64):
        if dtype.category != D._INT:
            raise NotImplementedError(f'"{name}" not implemented for '
                                      f"'{D.SCALAR_NAMES[dtype]}'")
        if row < 0:
            raise RuntimeError(f"row must be non-negative, got{row}")
        if col < 0:
            raise RuntimeError(f"col must be non-negative, got{col}")
        rows, _ = _indices(name, row, col, offset)
        return TensorSpec((2, len(rows)), dtype)
    return meta


def _indices(name, row, col, offset):
    return np.tril_indices(row, offset, col) if name == "tril_indices" else \
        np.triu_indices(row, offset, col)


def _indices_op(name):
    meta = _indices_meta(name)

    def kernel(xp, row, col, offset=0, dtype=D.int64):
        meta(row, col, offset, dtype)
        return xp.asarray(np.stack(_indices(name, row, col, offset)).astype(dtype.np))

    return register(OpDef(
        name=name, kernel=kernel, meta=meta, differentiable=False, dtypes=(D.int64, D.int32),
        samples=lambda dt: [Sample((3, 4), {"offset": 1, "dtype": dt}),
                            Sample((4, 3), {"offset": -1, "dtype": dt}),
                            Sample((0, 3), {"dtype": dt})]))


tril_indices = _indices_op("tril_indices")
triu_indices = _indices_op("triu_indices")


# ------------------------------------------------------------------------------ diag_embed
def _embed_meta(x, offset=0, dim1=-2, dim2=-1):
    a, b = diag_dims(x.ndim + 1, offset, dim1, dim2)
    n = (x.shape[-1] if x.ndim else 1) + abs(offset)
    rest = list(x.shape[:-1])
    for d in sorted((a, b)):
        rest.insert(d, n)
    return x.with_(shape=rest)


def _embed_kernel(xp, x, offset=0, dim1=-2, dim2=-1):
    shape = _embed_meta(spec_of(x), offset, dim1, dim2).shape
    out = xp.zeros(shape, x.dtype)
    _diagonal_kernel(xp, out, offset, dim1 % len(shape), dim2 % len(shape))[...] = x
    return out


def _embed_vjp(ctx, g):
    a = ctx.attrs
    return (g._dispatch(diagonal, g, offset=a.get("offset", 0), dim1=a.get("dim1", -2),
                        dim2=a.get("dim2", -1)),)


diag_embed = register(OpDef(
    name="diag_embed", kernel=_embed_kernel, meta=_embed_meta, vjp=_embed_vjp, save_inputs=(),
    dtypes=TRI_DTYPES,
    samples=lambda dt: [Sample((S.array((3,), dt),), {}),
                        Sample((S.array((2, 3), dt),), {"offset": 1, "dim1": 0, "dim2": 2}),
                        Sample((S.array((2, 3), dt),), {"offset": -2, "dim1": -1, "dim2": 0})]))


# ------------------------------------------------------------------------------ block_diag
def _block_shape(shape):
    return (1, 1) if len(shape) == 0 else (1, shape[0]) if len(shape) == 1 else tuple(shape)


def _block_meta(*xs):
    for i, x in enumerate(xs):
        if x.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {x.ndim} dimensions")
    if not xs:
        return TensorSpec((1, 0), D.get_default_dtype())
    dt = xs[0].dtype
    for x in xs[1:]:
        dt = D.promote_types(dt, x.dtype)
    blocks = [_block_shape(x.shape) for x in xs]
    return TensorSpec((sum(b[0] for b in blocks), sum(b[1] for b in blocks)), dt)


def _block_kernel(xp, *xs):
    spec = _block_meta(*[spec_of(x) for x in xs])
    out = xp.zeros(spec.shape, spec.dtype.np)
    r = c = 0
    for x in xs:
        h, w = _block_shape(x.shape)
        out[r:r + h, c:c + w] = x.reshape(h, w)
        r, c = r + h, c + w
    return out


def _block_vjp(ctx, g):
    sl = get("slice")
    out, r, c = [], 0, 0
    for (shape, _), need in zip(ctx._input_meta, ctx.needs_input_grad):
        h, w = _block_shape(shape)
        if need:
            piece = g._dispatch(sl, g._dispatch(sl, g, dim=0, start=r, end=r + h),
                                dim=1, start=c, end=c + w)
            out.append(piece.reshape(tuple(shape)))
        else:
            out.append(None)
        r, c = r + h, c + w
    return tuple(out)


block_diag = register(OpDef(
    name="block_diag", kernel=_block_kernel, meta=_block_meta, vjp=_block_vjp, save_inputs=(),
    dtypes=TRI_DTYPES, grad_name="BlockDiagBackward0",
    samples=lambda dt: [Sample((S.array((2, 3), dt), S.array((), dt, 1), S.array((2,), dt, 2)),
                               {}),
                        Sample((S.array((0, 2), dt), S.array((2, 2), dt, 3)), {})]))
