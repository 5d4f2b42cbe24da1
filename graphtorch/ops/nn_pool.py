"""N-d max and average pooling over a strided window view (no Python loop over pixels), with
backward ops whose derivatives are again gathers / pools (double backward works)."""
from __future__ import annotations

import math

import numpy as np

from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def pool_out(size, k, s, p, d, ceil_mode):
    """Output length of a pooling window sweep (PyTorch's pooling_output_shape)."""
    num = size + 2 * p - d * (k - 1) - 1
    out = (num + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input or the left padding
    return out


def _params(x_shape, kernel_size, stride, padding, dilation, ceil_mode, name):
    nd = len(kernel_size)
    stride = _tup(stride if stride not in (None, (), []) else kernel_size, nd)
    padding, dilation = _tup(padding, nd), _tup(dilation, nd)
    for i in range(nd):
        if padding[i] * 2 > kernel_size[i]:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={padding[i]}, kernel_size={kernel_size[i]} and dilation="
                               f"{dilation[i]}")
    outs = tuple(pool_out(x_shape[-nd + i], kernel_size[i], stride[i], padding[i], dilation[i],
                          ceil_mode) for i in range(nd))
    if any(o <= 0 for o in outs):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, x_shape[-nd - 1:]))}). "
                           f"Calculated output size: ({'x'.join(map(str, (x_shape[-nd - 1],) + outs))}). "
                           "Output size is too small")
    return stride, padding, dilation, outs


def _windows(xp, x, k, s, p, d, outs, fill):
    """(..., *out, *k) view of ``x`` padded with ``fill`` so that every window fits."""
    nd = len(k)
    lead = x.ndim - nd
    pads = []
    for i in range(nd):
        need = (outs[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1
        right = max(need - x.shape[lead + i] - p[i], 0)
        pads.append((p[i], right))
    if any(a or b for a, b in pads):
        x = xp.pad(x, [(0, 0)] * lead + pads, constant_values=fill)
    st = x.strides
    shape = x.shape[:lead] + tuple(outs) + tuple(k)
    strides = st[:lead] + tuple(st[lead + i] * s[i] for i in range(nd)) + \
        tuple(st[lead + i] * d[i] for i in range(nd))
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=False)


# ------------------------------------------------------------------------------ max pool
def _max_kernel(xp, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    nd = len(kernel_size)
    s, p, d, outs = _params(x.shape, kernel_size, stride, padding, dilation, ceil_mode, "max")
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    win = _windows(xp, x, kernel_size, s, p, d, outs, fill)
    # the flat input index is linear in the tap: window start + tap offset, per spatial dim
    lead = x.ndim - nd
    sizes = [int(np.prod(x.shape[lead + i + 1:])) for i in range(nd)]
    taps = list(np.ndindex(*kernel_size))
    offs = [sum(t[i] * d[i] * sizes[i] for i in range(nd)) for t in taps]
    if x.dtype.kind == "f" and bool(xp.isnan(x).any()):
        vals, arg = _max_nan(xp, win, x.ndim)
        index = xp.asarray(np.array(offs, dtype=np.int64))[arg]
    else:
        vals, index = _max_taps(xp, win, taps, offs)
    for i in range(nd):
        start = xp.arange(outs[i]) * s[i] - p[i]
        index += (start * sizes[i]).reshape((-1,) + (1,) * (nd - 1 - i))
    return vals, index


def _max_taps(xp, win, taps, offs):
    """Max over the kernel taps with whole-array ops on contiguous per-tap copies (not one
    copy of every window and an argmax over a tiny last axis), then the tap offset of the
    first tap that reaches the max (PyTorch keeps the first of ties)."""
    vs = [xp.ascontiguousarray(win[(Ellipsis,) + tap]) for tap in taps]
    vals = vs[0].copy()
    for v in vs[1:]:
        xp.maximum(vals, v, out=vals)
    index = xp.full(vals.shape, offs[-1], dtype=np.int64)
    for t in range(len(taps) - 2, -1, -1):
        index[vs[t] == vals] = offs[t]
    return vals, index


def _max_nan(xp, win, ndim):
    """Slow path for inputs holding nan: PyTorch propagates it (and points at the first)."""
    flat = win.reshape(win.shape[:ndim] + (-1,))
    arg = flat.argmax(axis=-1)
    vals = xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    nan = xp.isnan(flat).any(axis=-1)
    arg = xp.where(nan, xp.isnan(flat).argmax(axis=-1), arg)
    return xp.where(nan, xp.nan, vals), arg


def _max_meta(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    nd = len(kernel_size)
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"max_pool{nd}d: Expected {nd + 1}D or {nd + 2}D input tensor, but "
                           f"got {list(x.shape)}")
    _, _, _, outs = _params(x.shape, kernel_size, stride, padding, dilation, ceil_mode, "max")
    shape = tuple(x.shape[:-nd]) + outs
    from . import dtypes as D
    return (x.with_(shape=shape), TensorSpec(shape, D.int64, x.device))


def _max_vjp(ctx, g, g_idx=None):
    x_shape = ctx._input_meta[0][0]
    idx = ctx.output[1]
    nd = len(ctx.attrs["kernel_size"])
    return (g._dispatch(max_pool_backward, g, idx, input_shape=tuple(x_shape), nd=nd),)


def _max_bwd_kernel(xp, g, idx, input_shape, nd):
    lead = len(input_shape) - nd
    spatial = int(np.prod(input_shape[lead:]))
    rows = int(np.prod(input_shape[:lead]))
    # overlapping windows may pick one input twice: a weighted bincount sums those (far faster
    # than ufunc.at; it accumulates in float64, then rounds once)
    flat = (idx.reshape(rows, -1) + (xp.arange(rows) * spatial)[:, None]).reshape(-1)
    out = xp.bincount(flat, weights=g.reshape(-1), minlength=rows * spatial)
    return out.astype(g.dtype, copy=False).reshape(input_shape)


def _max_bwd_vjp(ctx, gg):
    g, idx = ctx.inputs
    nd = ctx.attrs["nd"]
    lead = gg.dim() - nd
    flat_g = gg.reshape(tuple(gg.shape[:lead]) + (-1,))
    picked = flat_g.gather(lead, idx.reshape(tuple(idx.shape[:lead]) + (-1,)))
    return (picked.reshape(ctx._input_meta[0][0]), None)


def _max_samples(dt):
    return [Sample((S.array((2, 3, 7, 6), dt),), {"kernel_size": (2, 2), "stride": (2, 2)}),
            Sample((S.array((1, 2, 9, 8), dt),),
                   {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1),
                    "dilation": (1, 2), "ceil_mode": True}),
            Sample((S.array((2, 3, 10), dt),), {"kernel_size": (3,), "stride": (2,)}),
            Sample((S.array((1, 1, 4, 5, 4), dt),), {"kernel_size": (2, 2, 2)})]


max_pool = register(OpDef(
    name="max_pool", kernel=_max_kernel, meta=_max_meta, vjp=_max_vjp, samples=_max_samples,
    dtypes=S.FLOAT_DTYPES, save_output=(1,), save_inputs=(), num_outputs=2,
    nondiff_outputs=(1,),
    grad_name=lambda a: f"MaxPool{len(a['kernel_size'])}DWithIndicesBackward0"))


def _max_bwd_meta(g, idx, input_shape, nd):
    return TensorSpec(tuple(input_shape), g.dtype, g.device)


def _max_bwd_samples(dt):
    rng = np.random.RandomState(0)
    return [Sample((S.array((2, 3, 3, 3), dt), rng.randint(0, 36, (2, 3, 3, 3)).astype(np.int64)),
                   {"input_shape": (2, 3, 6, 6), "nd": 2})]


max_pool_backward = register(OpDef(
    name="max_pool_backward", kernel=_max_bwd_kernel, meta=_max_bwd_meta, vjp=_max_bwd_vjp,
    samples=_max_bwd_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(1,),
    grad_name="MaxPool2DWithIndicesBackwardBackward0"))


# ------------------------------------------------------------------------------ avg pool
def _divisor(x_shape, k, s, p, outs, count_include_pad, divisor_override, xp):
    """Per-output-cell divisor, shape (*outs), as PyTorch's avg_pool computes it."""
    if divisor_override:
        return divisor_override
    nd = len(k)
    div = None
    for i in range(nd):
        size = x_shape[-nd + i]
        start = np.arange(outs[i]) * s[i] - p[i]
        end = np.minimum(start + k[i], size + p[i])
        pool = end - start
        if not count_include_pad:
            pool = np.minimum(end, size) - np.maximum(start, 0)
        shape = [1] * nd
        shape[i] = -1
        pool = pool.reshape(shape)
        div = pool if div is None else div * pool
    return xp.asarray(div)


def _avg_args(x_shape, kernel_size, stride, padding, ceil_mode):
    nd = len(kernel_size)
    return _params(x_shape, kernel_size, stride, padding, (1,) * nd, ceil_mode, "avg")


def _avg_kernel(xp, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
    s, p, d, outs = _avg_args(x.shape, kernel_size, stride, padding, ceil_mode)
    win = _windows(xp, x, kernel_size, s, p, d, outs, 0)
    nd = len(kernel_size)
    total = win.sum(axis=tuple(range(x.ndim, x.ndim + nd)))
    div = _divisor(x.shape, kernel_size, s, p, outs, count_include_pad, divisor_override, xp)
    return (total / div).astype(x.dtype)


def _avg_meta(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    nd = len(kernel_size)
    _, _, _, outs = _avg_args(x.shape, kernel_size, stride, padding, ceil_mode)
    return x.with_(shape=tuple(x.shape[:-nd]) + outs)


def _avg_vjp(ctx, g):
    return (g._dispatch(avg_pool_backward, g, input_shape=tuple(ctx._input_meta[0][0]),
                        **ctx.attrs),)


def _avg_bwd_kernel(xp, g, input_shape, kernel_size, stride=None, padding=0, ceil_mode=False,
                    count_include_pad=True, divisor_override=None):
    nd = len(kernel_size)
    s, p, d, outs = _avg_args(input_shape, kernel_size, stride, padding, ceil_mode)
    div = _divisor(input_shape, kernel_size, s, p, outs, count_include_pad, divisor_override, xp)
    gd = g / div
    lead = len(input_shape) - nd
    padded = [input_shape[lead + i] + p[i] + max((outs[i] - 1) * s[i] + kernel_size[i] -
                                                 input_shape[lead + i] - p[i], p[i])
              for i in range(nd)]
    gx = xp.zeros(tuple(input_shape[:lead]) + tuple(padded), dtype=g.dtype)
    for tap in np.ndindex(*kernel_size):
        sl = tuple(slice(tap[i], tap[i] + s[i] * outs[i], s[i]) for i in range(nd))
        gx[(slice(None),) * lead + sl] += gd
    inner = tuple(slice(p[i], p[i] + input_shape[lead + i]) for i in range(nd))
    return xp.ascontiguousarray(gx[(slice(None),) * lead + inner]).astype(g.dtype)


def _avg_bwd_meta(g, input_shape, **_):
    return TensorSpec(tuple(input_shape), g.dtype, g.device)


def _avg_bwd_vjp(ctx, gg):
    attrs = {k: v for k, v in ctx.attrs.items() if k != "input_shape"}
    return (gg._dispatch(avg_pool, gg, **attrs),)


def _avg_samples(dt):
    return [Sample((S.array((2, 3, 7, 6), dt),), {"kernel_size": (2, 2)}),
            Sample((S.array((1, 2, 9, 8), dt),),
                   {"kernel_size": (3, 3), "stride": (2, 2), "padding": (1, 1),
                    "ceil_mode": True, "count_include_pad": False}),
            Sample((S.array((2, 3, 10), dt),), {"kernel_size": (3,), "stride": (2,),
                                                "padding": (1,), "divisor_override": 2}),
            Sample((S.array((1, 1, 4, 5, 4), dt),), {"kernel_size": (2, 2, 2)})]


def _avg_bwd_samples(dt):
    return [Sample((S.array((2, 3, 3, 3), dt),), {"input_shape": (2, 3, 7, 6),
                                                   "kernel_size": (2, 2)}),
            Sample((S.array((1, 2, 5, 5), dt),),
                   {"input_shape": (1, 2, 9, 8), "kernel_size": (3, 3), "stride": (2, 2),
                    "padding": (1, 1), "ceil_mode": True, "count_include_pad": False})]


avg_pool = register(OpDef(
    name="avg_pool", kernel=_avg_kernel, meta=_avg_meta, vjp=_avg_vjp, samples=_avg_samples,
    dtypes=S.FLOAT_DTYPES, save_inputs=(),
    grad_name=lambda a: f"AvgPool{len(a['kernel_size'])}DBackward0"))
avg_pool_backward = register(OpDef(
    name="avg_pool_backward", kernel=_avg_bwd_kernel, meta=_avg_bwd_meta, vjp=_avg_bwd_vjp,
    samples=_avg_bwd_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(),
    grad_name="AvgPool2DBackwardBackward0"))


def adaptive_bounds(size: int, out: int):
    """Start/end of each adaptive pooling window along one dim."""
    return [(math.floor(i * size / out), math.ceil((i + 1) * size / out)) for i in range(out)]
