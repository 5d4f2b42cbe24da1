"""Decompositions of convolution and pooling into padding (concatenation), window views
(``unfold``), reductions and one batched matmul, written with Tensor methods only.

The window of spatial dim i is taken by ``unfold(dim, dilation*(k-1)+1, stride)`` followed by
a step-``dilation`` slice, so after all dims the view is (..., *out, *k), the layout the
kernels build with as_strided."""
from __future__ import annotations

import math

from .decomp_nn import attach, constant_pad_nd


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _windows(x, k, s, p, d, outs, fill):
    """(..., *out, *k) windows over the last len(k) dims of ``x`` padded with ``fill``."""
    nd = len(k)
    lead = x.dim() - nd
    pad = []
    for i in reversed(range(nd)):  # constant_pad_nd lists the last dim first
        need = (outs[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1
        pad += [p[i], max(need - x.shape[lead + i] - p[i], 0)]
    if any(pad):
        x = constant_pad_nd(x, tuple(pad), fill)
    for i in range(nd):
        span = d[i] * (k[i] - 1) + 1
        x = x.unfold(lead + i, span, s[i])
        if d[i] > 1:
            x = x[..., ::d[i]]
        if x.shape[lead + i] > outs[i]:  # the right padding may allow one window too many
            x = x.narrow(lead + i, 0, outs[i])
    return x


def _pool_out(size, k, s, p, d, ceil_mode):
    num = size + 2 * p - d * (k - 1) - 1
    out = (num + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_params(shape, kernel_size, stride, padding, dilation, ceil_mode):
    nd = len(kernel_size)
    s = _tup(stride if stride not in (None, (), []) else kernel_size, nd)
    p, d = _tup(padding, nd), _tup(dilation, nd)
    outs = tuple(_pool_out(shape[-nd + i], kernel_size[i], s[i], p[i], d[i], ceil_mode)
                 for i in range(nd))
    return s, p, d, outs


# ------------------------------------------------------------------------------ convolution
def convolution(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    nd = w.dim() - 2
    k = tuple(w.shape[2:])
    s, p, d = _tup(stride, nd), _tup(padding, nd), _tup(dilation, nd)
    outs = tuple((x.shape[2 + i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1
                 for i in range(nd))
    win = _windows(x, k, s, p, d, outs, 0)                      # (N, C, *out, *k)
    n, c, o = x.shape[0], x.shape[1], w.shape[0]
    cg, kk, pp = c // groups, math.prod(k), math.prod(outs)
    win = win.reshape((n, groups, cg) + outs + k)
    perm = [0, 1] + list(range(3, 3 + nd)) + [2] + list(range(3 + nd, 3 + 2 * nd))
    cols = win.permute(perm).reshape(n, groups, pp, cg * kk)    # im2col per group
    wm = w.reshape(groups, o // groups, cg * kk)
    y = cols @ wm.transpose(1, 2)                               # (N, G, P, O/G)
    y = y.permute(0, 1, 3, 2).reshape((n, o) + outs)
    if b is not None:
        y = y + b.reshape([1, o] + [1] * nd)
    return y


# ------------------------------------------------------------------------------ pooling
def max_pool(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    k = tuple(kernel_size)
    nd = len(k)
    s, p, d, outs = _pool_params(x.shape, k, stride, padding, dilation, ceil_mode)
    win = _windows(x, k, s, p, d, outs, -math.inf)
    lead = x.dim() - nd
    vals, arg = win.reshape(tuple(win.shape[:lead + nd]) + (-1,)).max(-1)
    # window-local tap (row-major over k) -> flat input coordinate over the spatial dims
    index = None
    for i in range(nd):
        tap = arg.floor_divide(math.prod(k[i + 1:])).remainder(k[i])
        grid = arg.new_tensor(list(range(outs[i]))).reshape(
            [1] * (lead + i) + [-1] + [1] * (nd - 1 - i))
        coord = grid * s[i] - p[i] + tap * d[i]
        index = coord if index is None else index * x.shape[lead + i] + coord
    return vals, index


def avg_pool(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
             divisor_override=None):
    k = tuple(kernel_size)
    nd = len(k)
    s, p, d, outs = _pool_params(x.shape, k, stride, padding, 1, ceil_mode)
    win = _windows(x, k, s, p, d, outs, 0)
    total = win.sum(list(range(x.dim(), x.dim() + nd)))
    if divisor_override:
        return total / divisor_override
    return total / x.new_tensor(_divisor(x.shape, k, s, p, outs, count_include_pad))


def _divisor(shape, k, s, p, outs, count_include_pad):
    """Nested lists (*outs) of the window sizes PyTorch divides by."""
    nd = len(k)
    per_dim = []
    for i in range(nd):
        size = shape[-nd + i]
        sizes = []
        for o in range(outs[i]):
            start = o * s[i] - p[i]
            end = min(start + k[i], size + p[i])
            sizes.append(min(end, size) - max(start, 0) if not count_include_pad else end - start)
        per_dim.append(sizes)

    def build(i, acc):
        if i == nd:
            return acc
        return [build(i + 1, acc * v) for v in per_dim[i]]
    return build(0, 1)


# ------------------------------------------------------------------------------ rearrangements
def im2col(x, kernel_size, dilation, padding, stride):
    """(N, C, H, W) -> (N, C*kh*kw, L): the unfolded windows, channel-major as in PyTorch."""
    k = tuple(kernel_size)
    s, p, d = _tup(stride, 2), _tup(padding, 2), _tup(dilation, 2)
    outs = tuple((x.shape[-2 + i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1
                 for i in range(2))
    win = _windows(x, k, s, p, d, outs, 0)                      # (*lead, C, oh, ow, kh, kw)
    lead = x.dim() - 2
    perm = list(range(lead)) + [lead + 2, lead + 3, lead, lead + 1]
    c = x.shape[lead - 1]
    return win.permute(perm).reshape(tuple(x.shape[:lead - 1]) +
                                     (c * math.prod(k), math.prod(outs)))


def pixel_shuffle(x, upscale_factor):
    r = upscale_factor
    lead, (c, h, w) = tuple(x.shape[:-3]), x.shape[-3:]
    n = len(lead)
    y = x.reshape(lead + (c // (r * r), r, r, h, w))
    y = y.permute(list(range(n + 1)) + [n + 3, n + 1, n + 4, n + 2])
    return y.reshape(lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(x, downscale_factor):
    r = downscale_factor
    lead, (c, h, w) = tuple(x.shape[:-3]), x.shape[-3:]
    n = len(lead)
    y = x.reshape(lead + (c, h // r, r, w // r, r))
    y = y.permute(list(range(n + 1)) + [n + 2, n + 4, n + 1, n + 3])
    return y.reshape(lead + (c * r * r, h // r, w // r))


def channel_shuffle(x, groups):
    n, c = x.shape[:2]
    y = x.reshape((n, groups, c // groups) + tuple(x.shape[2:])).transpose(1, 2)
    return y.reshape(x.shape)


attach({"convolution": convolution, "max_pool": max_pool, "avg_pool": avg_pool,
        "im2col": im2col, "pixel_shuffle": pixel_shuffle, "pixel_unshuffle": pixel_unshuffle,
        "channel_shuffle": channel_shuffle})
