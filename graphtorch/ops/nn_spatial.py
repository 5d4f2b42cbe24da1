"""Spatial rearrangement ops: im2col / col2im (F.unfold / F.fold), pixel (un)shuffle, channel
shuffle, and the flat-spatial-index gather / scatter pair behind max unpooling and the backward
of adaptive / fractional max pooling.  Every op here is linear in its tensor input and its vjp is
its adjoint op, so derivatives of any order exist."""
from __future__ import annotations

import math

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _prod(xs):
    return math.prod(xs)  # keeps symbolic sizes, unlike np.prod


# ------------------------------------------------------------------------ im2col / col2im
def _blocks(spatial, k, d, p, s):
    return tuple((spatial[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1
                 for i in range(len(k)))


def _check_fold_args(k, d, p, s):
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{k[0]} kernel_width: {k[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{d[0]} dilation_width: {d[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} "
                           f"pad_width: {p[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")


def _im2col_blocks(spatial, k, d, p, s):
    _check_fold_args(k, d, p, s)
    outs = _blocks(spatial, k, d, p, s)
    if any(o < 1 for o in outs):
        raise RuntimeError(
            f"Given input with spatial size {tuple(spatial)}, kernel_size={tuple(k)}, "
            f"dilation={tuple(d)}, padding={tuple(p)}, calculated shape of the array of "
            f"sliding blocks as {outs}, but its components must be at least one.")
    return outs


def _im2col_dims(shape):
    if len(shape) != 4:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {list(shape)}")


def _im2col_kernel(xp, x, kernel_size, dilation, padding, stride):
    _im2col_dims(x.shape)
    k, d, p, s = kernel_size, dilation, padding, stride
    outs = _im2col_blocks(x.shape[2:], k, d, p, s)
    if any(p):
        x = xp.pad(x, [(0, 0), (0, 0)] + [(v, v) for v in p])
    st = x.strides
    shape = x.shape[:2] + tuple(k) + outs
    strides = st[:2] + tuple(st[2 + i] * d[i] for i in range(2)) + \
        tuple(st[2 + i] * s[i] for i in range(2))
    win = xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)
    out = xp.array(win, order="C", copy=True)   # a fresh array even when the view is trivial
    return out.reshape(x.shape[0], x.shape[1] * _prod(k), _prod(outs))


def _im2col_meta(x, kernel_size, dilation, padding, stride):
    _im2col_dims(tuple(x.shape))
    outs = _im2col_blocks(x.shape[2:], kernel_size, dilation, padding, stride)
    return x.with_(shape=(x.shape[0], x.shape[1] * _prod(kernel_size), _prod(outs)))


def _col2im_kernel(xp, x, output_size, kernel_size, dilation, padding, stride):
    k, d, p, s = kernel_size, dilation, padding, stride
    _col2im_check(x.shape, output_size, k, d, p, s)
    n, ck, _ = x.shape
    c = ck // _prod(k)
    outs = _blocks(output_size, k, d, p, s)
    cols = x.reshape((n, c) + tuple(k) + outs)
    padded = tuple(output_size[i] + 2 * p[i] for i in range(2))
    y = xp.zeros((n, c) + padded, dtype=x.dtype)
    for tap in np.ndindex(*k):   # one strided scatter-add per kernel tap (a few, not per pixel)
        sl = tuple(slice(tap[i] * d[i], tap[i] * d[i] + s[i] * (outs[i] - 1) + 1, s[i])
                   for i in range(2))
        y[(slice(None), slice(None)) + sl] += cols[(slice(None), slice(None)) + tap]
    inner = tuple(slice(p[i], p[i] + output_size[i]) for i in range(2))
    return xp.ascontiguousarray(y[(slice(None), slice(None)) + inner])


def _col2im_check(shape, output_size, k, d, p, s):
    _check_fold_args(k, d, p, s)
    if len(shape) != 3:
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: {list(shape)}")
    if shape[1] % _prod(k):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={shape[1]} and "
                           f"kernel_size={tuple(k)}.")
    outs = _blocks(output_size, k, d, p, s)
    if any(o < 1 for o in outs) or _prod(outs) != shape[2]:
        raise RuntimeError(
            f"Given output_size={tuple(output_size)}, kernel_size={tuple(k)}, "
            f"dilation={tuple(d)}, padding={tuple(p)}, stride={tuple(s)}, expected size of "
            f"input's dimension 2 to match the calculated number of sliding blocks "
            f"{outs[0]} * {outs[1]} = {outs[0] * outs[1]}, but got input.size(2)={shape[2]}.")


def _col2im_meta(x, output_size, kernel_size, dilation, padding, stride):
    _col2im_check(tuple(x.shape), output_size, kernel_size, dilation, padding, stride)
    c = x.shape[1] // _prod(kernel_size)
    return x.with_(shape=(x.shape[0], c) + tuple(output_size))


def _im2col_vjp(ctx, g):
    size = tuple(ctx._input_meta[0][0][2:])
    return (g._dispatch(col2im, g, output_size=size, **ctx.attrs),)


def _col2im_vjp(ctx, g):
    attrs = {k: v for k, v in ctx.attrs.items() if k != "output_size"}
    return (g._dispatch(im2col, g, **attrs),)


_FOLD_ATTRS = [dict(kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1)),
               dict(kernel_size=(3, 2), dilation=(2, 1), padding=(1, 2), stride=(2, 3))]


def _im2col_samples(dt):
    return [Sample((S.array((2, 3, 5, 4), dt),), _FOLD_ATTRS[0]),
            Sample((S.array((1, 2, 7, 6), dt),), _FOLD_ATTRS[1])]


def _col2im_samples(dt):
    return [Sample((S.array((2, 12, 12), dt),), dict(output_size=(5, 4), **_FOLD_ATTRS[0])),
            Sample((S.array((1, 12, 9), dt),), dict(output_size=(7, 6), **_FOLD_ATTRS[1]))]


im2col = register(OpDef(name="im2col", kernel=_im2col_kernel, meta=_im2col_meta,
                        vjp=_im2col_vjp, samples=_im2col_samples, dtypes=S.FLOAT_DTYPES,
                        save_inputs=(), grad_name="Im2ColBackward0"))
col2im = register(OpDef(name="col2im", kernel=_col2im_kernel, meta=_col2im_meta,
                        vjp=_col2im_vjp, samples=_col2im_samples, dtypes=S.FLOAT_DTYPES,
                        save_inputs=(), grad_name="Col2ImBackward0"))


# ------------------------------------------------------------------- pixel / channel shuffle
def _shuffle_shape(shape, r):
    lead, (c, h, w) = tuple(shape[:-3]), shape[-3:]
    return lead, c, h, w


def _ps_check(shape, r):
    if len(shape) < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if shape[-3] % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible"
                           f" by the square of upscale_factor, but input.size(-3)={shape[-3]} is "
                           f"not divisible by {r * r}")
    lead, c, h, w = _shuffle_shape(shape, r)
    return lead + (c // (r * r), h * r, w * r)


def _pu_check(shape, r):
    if len(shape) < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but got "
                           f"input with {len(shape)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for name, i in (("height", -2), ("width", -1)):
        if shape[i] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({i})={shape[i]} is not "
                               f"divisible by {r}")
    lead, c, h, w = _shuffle_shape(shape, r)
    return lead + (c * r * r, h // r, w // r)


def _ps_kernel(xp, x, upscale_factor):
    r = upscale_factor
    out = _ps_check(x.shape, r)
    lead, c, h, w = _shuffle_shape(x.shape, r)
    n = len(lead)
    y = x.reshape(lead + (c // (r * r), r, r, h, w))
    y = y.transpose(tuple(range(n + 1)) + (n + 3, n + 1, n + 4, n + 2))
    return xp.array(y, order="C", copy=True).reshape(out)


def _pu_kernel(xp, x, downscale_factor):
    r = downscale_factor
    out = _pu_check(x.shape, r)
    lead, c, h, w = _shuffle_shape(x.shape, r)
    n = len(lead)
    y = x.reshape(lead + (c, h // r, r, w // r, r))
    y = y.transpose(tuple(range(n + 1)) + (n + 2, n + 4, n + 1, n + 3))
    return xp.array(y, order="C", copy=True).reshape(out)


def _ps_vjp(ctx, g):
    return (g._dispatch(pixel_unshuffle, g, downscale_factor=ctx.attrs["upscale_factor"]),)


def _pu_vjp(ctx, g):
    return (g._dispatch(pixel_shuffle, g, upscale_factor=ctx.attrs["downscale_factor"]),)


def _ps_samples(dt):
    return [Sample((S.array((2, 8, 3, 2), dt),), {"upscale_factor": 2}),
            Sample((S.array((9, 2, 1), dt),), {"upscale_factor": 3}),
            Sample((S.array((2, 1, 4, 1, 1), dt),), {"upscale_factor": 2})]


def _pu_samples(dt):
    return [Sample((S.array((2, 2, 6, 4), dt),), {"downscale_factor": 2}),
            Sample((S.array((1, 6, 3), dt),), {"downscale_factor": 3})]


pixel_shuffle = register(OpDef(
    name="pixel_shuffle", kernel=_ps_kernel, vjp=_ps_vjp, samples=_ps_samples,
    meta=lambda x, upscale_factor: x.with_(shape=_ps_check(tuple(x.shape), upscale_factor)),
    dtypes=S.ALL_REAL, save_inputs=(), grad_name="PixelShuffleBackward0"))
pixel_unshuffle = register(OpDef(
    name="pixel_unshuffle", kernel=_pu_kernel, vjp=_pu_vjp, samples=_pu_samples,
    meta=lambda x, downscale_factor: x.with_(shape=_pu_check(tuple(x.shape), downscale_factor)),
    dtypes=S.ALL_REAL, save_inputs=(), grad_name="PixelUnshuffleBackward0"))


def _cs_check(shape, groups):
    if len(shape) <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    if shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {shape[1]} "
                           f"channels and {groups} groups.")


def _cs_kernel(xp, x, groups):
    _cs_check(x.shape, groups)
    n, c = x.shape[:2]
    y = x.reshape((n, groups, c // groups) + x.shape[2:]).swapaxes(1, 2)
    return xp.array(y, order="C", copy=True).reshape(x.shape)


def _cs_meta(x, groups):
    _cs_check(tuple(x.shape), groups)
    return x.with_()


def _cs_vjp(ctx, g):
    c = ctx._input_meta[0][0][1]
    return (g._dispatch(channel_shuffle, g, groups=c // ctx.attrs["groups"]),)


channel_shuffle = register(OpDef(
    name="channel_shuffle", kernel=_cs_kernel, meta=_cs_meta, vjp=_cs_vjp, save_inputs=(),
    samples=lambda dt: [Sample((S.array((2, 6, 3, 2), dt),), {"groups": 2}),
                        Sample((S.array((1, 6, 4), dt),), {"groups": 3})],
    dtypes=S.ALL_REAL, grad_name="ChannelShuffleBackward0"))


# --------------------------------------------------- flat spatial gather / scatter (unpool)
def _rows(shape, nd):
    return _prod(shape[:len(shape) - nd])


def _gather_kernel(xp, g, idx, nd):
    """out[..., j] = g[..., idx[..., j]] with indices flattened over the last ``nd`` dims."""
    rows = _rows(idx.shape, nd)
    flat = g.reshape(rows, -1)
    out = xp.take_along_axis(flat, idx.reshape(rows, -1), axis=1)
    return out.reshape(idx.shape)


def _scatter_kernel(xp, x, idx, output_size, accumulate=True):
    _check_idx(x, idx)
    nd = len(output_size)
    lead = tuple(x.shape[:x.ndim - nd])
    rows, size = _prod(lead), _prod(output_size)
    out = xp.zeros((rows, size), dtype=x.dtype)
    fi = idx.reshape(rows, -1)
    if fi.size and (fi.min() < 0 or fi.max() >= size):
        bad = int(fi[(fi < 0) | (fi >= size)][0])
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(s) for s in output_size)}")
    r = xp.broadcast_to(xp.arange(rows)[:, None], fi.shape)
    if accumulate:
        xp.add.at(out, (r, fi), x.reshape(rows, -1))
    else:  # max_unpool writes (the last write wins, as PyTorch's CPU loop)
        out[r, fi] = x.reshape(rows, -1)
    return out.reshape(lead + tuple(output_size))


def _check_idx(x, idx):
    dt = idx.dtype if isinstance(idx.dtype, D.dtype) else D.from_numpy_dtype(idx.dtype)
    if dt is not D.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{D.TYPE_NAMES[dt].replace('Tensor', '')}")
    if tuple(x.shape) != tuple(idx.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(x.shape)}) but got indices tensor with shape: "
                           f"{list(idx.shape)}")


def _gather_meta(g, idx, nd):
    return g.with_(shape=tuple(idx.shape))


def _scatter_meta(x, idx, output_size):
    _check_idx(x, idx)
    nd = len(output_size)
    return x.with_(shape=tuple(x.shape[:len(x.shape) - nd]) + tuple(output_size))


def _gather_vjp(ctx, gg):
    idx = ctx.inputs[1]
    g_shape = ctx._input_meta[0][0]
    nd = ctx.attrs["nd"]
    size = tuple(g_shape[len(g_shape) - nd:])
    return (gg._dispatch(spatial_scatter_add, gg, idx, output_size=size), None)


def _scatter_vjp(ctx, g):
    idx = ctx.inputs[1]
    return (g._dispatch(spatial_gather, g, idx, nd=len(ctx.attrs["output_size"])), None)


def _idx(shape, high, seed=0):
    return np.random.RandomState(seed).randint(0, high, shape).astype(np.int64)


def _gather_samples(dt):
    return [Sample((S.array((2, 3, 4, 4), dt), _idx((2, 3, 2, 3), 16)), {"nd": 2}),
            Sample((S.array((3, 5), dt), _idx((3, 2), 5, 1)), {"nd": 1})]


def _scatter_samples(dt):
    return [Sample((S.array((2, 3, 2, 3), dt), _idx((2, 3, 2, 3), 16)),
                   {"output_size": (4, 4)}),
            Sample((S.array((3, 2), dt), _idx((3, 2), 5, 1)), {"output_size": (5,)})]


def _unpool_kernel(xp, x, idx, output_size):
    return _scatter_kernel(xp, x, idx, output_size, accumulate=False)


def _unpool_samples(dt):
    r = np.random.RandomState(0)
    i2 = np.stack([r.permutation(16)[:6] for _ in range(6)]).reshape(2, 3, 2, 3)
    i1 = np.stack([r.permutation(7)[:3] for _ in range(2)]).reshape(2, 3)
    return [Sample((S.array((2, 3, 2, 3), dt), i2.astype(np.int64)), {"output_size": (4, 4)}),
            Sample((S.array((2, 3), dt), i1.astype(np.int64)), {"output_size": (7,)})]


spatial_gather = register(OpDef(
    name="spatial_gather", kernel=_gather_kernel, meta=_gather_meta, vjp=_gather_vjp,
    samples=_gather_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(1,),
    grad_name="GatherBackward0"))
spatial_scatter_add = register(OpDef(
    name="spatial_scatter_add", kernel=_scatter_kernel, meta=_scatter_meta, vjp=_scatter_vjp,
    samples=_scatter_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(1,),
    grad_name="ScatterAddBackward0"))
max_unpool = register(OpDef(
    name="max_unpool", kernel=_unpool_kernel, meta=_scatter_meta, vjp=_scatter_vjp,
    samples=_unpool_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(1,),
    grad_name=lambda a: f"MaxUnpool{len(a['output_size'])}DBackward0"))

from . import nn_spatial_pool  # noqa: E402,F401 - adaptive / fractional max pooling
