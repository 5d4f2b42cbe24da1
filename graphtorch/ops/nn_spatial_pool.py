"""Max pooling over windows of varying start and size: adaptive max pooling (windows
floor(i*in/out) .. ceil((i+1)*in/out)) and fractional max pooling (pseudo-random window starts
drawn, as in PyTorch, from one uniform sample per plane and dim).  Both return values and flat
spatial indices; their backward is ``spatial_scatter_add`` (whose own vjp is a gather)."""
from __future__ import annotations

import math

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec
from .nn_spatial import spatial_scatter_add
from .registry import OpDef, Sample, register


def _window_max(xp, x, starts, lens, ksize):
    """Max over windows of x (rows, *spatial).  starts[d]: int array (rows|1, out_d); lens[d]:
    (1, out_d) or None when every window has length ksize[d].  Returns values (rows, *outs)
    and flat spatial argmax indices (first maximum; nan wins, as in PyTorch)."""
    nd = len(starts)
    rows, spatial = x.shape[0], x.shape[1:]
    outs = tuple(s.shape[1] for s in starts)
    flat = xp.zeros((1,) * (1 + 2 * nd), dtype=np.int64)
    valid = xp.ones((1,) * (1 + 2 * nd), dtype=bool)
    for d in range(nd):
        shape = [1] * (1 + 2 * nd)
        shape[0], shape[1 + d], shape[1 + nd + d] = starts[d].shape[0], outs[d], ksize[d]
        tap = xp.arange(ksize[d]).reshape(1, 1, -1)
        pos = starts[d][:, :, None] + tap                   # (R, out_d, K_d)
        if lens[d] is not None:
            ok = tap < lens[d][:, :, None]
            vshape = [1] * (1 + 2 * nd)
            vshape[1 + d], vshape[1 + nd + d] = outs[d], ksize[d]
            valid = valid & ok.reshape(vshape)
        pos = xp.minimum(pos, spatial[d] - 1)
        stride = int(np.prod(spatial[d + 1:]))
        flat = flat + (pos * stride).reshape(shape)
    full = (rows,) + outs + tuple(ksize)
    flat = xp.broadcast_to(flat, full).reshape(rows, -1)
    vals = xp.take_along_axis(x.reshape(rows, -1), flat, axis=1).reshape(full)
    flat = flat.reshape(full)
    if x.dtype.kind == "f":
        neg = xp.asarray(-np.inf, dtype=x.dtype)
        vals = xp.where(xp.broadcast_to(valid, full), vals, neg)
        # a nan in the window is PyTorch's maximum: rank nan above +inf
        key = xp.where(xp.isnan(vals), xp.inf, vals).reshape((rows,) + outs + (-1,))
        nan_any = xp.isnan(vals).reshape(key.shape).any(-1)
        arg = key.argmax(-1)
        arg = xp.where(nan_any, xp.isnan(vals).reshape(key.shape).argmax(-1), arg)
    else:
        key = vals.reshape((rows,) + outs + (-1,))
        arg = key.argmax(-1)
    v = xp.take_along_axis(vals.reshape(key.shape), arg[..., None], -1)[..., 0]
    i = xp.take_along_axis(flat.reshape(key.shape), arg[..., None], -1)[..., 0]
    return xp.ascontiguousarray(v), i


def adaptive_starts(size, out):
    starts = np.array([math.floor(i * size / out) for i in range(out)], dtype=np.int64)
    ends = np.array([math.ceil((i + 1) * size / out) for i in range(out)], dtype=np.int64)
    return starts, ends - starts


def _split(shape, nd):
    lead = tuple(shape[:len(shape) - nd])
    return lead, int(np.prod(lead)) if lead else 1, tuple(shape[len(shape) - nd:])


def _adaptive_kernel(xp, x, output_size):
    _adaptive_check(x.shape, output_size)
    nd = len(output_size)
    lead, rows, spatial = _split(x.shape, nd)
    starts, lens, ks = [], [], []
    for size, out in zip(spatial, output_size):
        st, ln = adaptive_starts(size, out)
        starts.append(xp.asarray(st)[None])
        lens.append(xp.asarray(ln)[None])
        ks.append(int(ln.max()) if out else 1)
    if any(o == 0 for o in output_size) or rows == 0:
        shape = lead + tuple(output_size)
        return xp.zeros(shape, x.dtype), xp.zeros(shape, np.int64)
    v, i = _window_max(xp, x.reshape((rows,) + spatial), starts, lens, ks)
    return v.reshape(lead + tuple(output_size)), i.reshape(lead + tuple(output_size))


def _adaptive_meta(x, output_size):
    nd = len(output_size)
    _adaptive_check(tuple(x.shape), output_size)
    shape = tuple(x.shape[:len(x.shape) - nd]) + tuple(output_size)
    return x.with_(shape=shape), TensorSpec(shape, D.int64, x.device)


def _adaptive_check(shape, output_size):
    nd = len(output_size)
    name = f"adaptive_max_pool{nd}d()"
    if len(shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(shape)}")
    for i in range(1, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"{name}: Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(shape)} with dimension "
                               f"{i} being empty")
    if any(o < 0 for o in output_size):
        raise RuntimeError(f"{name}: output_size must be non-negative")


def _pool_vjp(ctx, g, g_idx=None):
    x_shape = ctx._input_meta[0][0]
    idx = ctx.output[1]
    nd = len(ctx.attrs["output_size"])
    grads = [g._dispatch(spatial_scatter_add, g, idx, output_size=tuple(x_shape[-nd:]))]
    return tuple(grads) + (None,) * (len(ctx._input_meta) - 1)


def _adaptive_samples(dt):
    return [Sample((S.array((2, 3, 7, 5), dt),), {"output_size": (3, 2)}),
            Sample((S.array((2, 9), dt),), {"output_size": (4,)}),
            Sample((S.array((1, 2, 3, 4, 5), dt),), {"output_size": (2, 3, 2)}),
            Sample((S.array((1, 2, 4, 4), dt),), {"output_size": (2, 2)})]


adaptive_max_pool = register(OpDef(
    name="adaptive_max_pool", kernel=_adaptive_kernel, meta=_adaptive_meta, vjp=_pool_vjp,
    samples=_adaptive_samples, dtypes=S.FLOAT_DTYPES, save_output=(1,), save_inputs=(),
    num_outputs=2, nondiff_outputs=(1,),
    grad_name=lambda a: f"AdaptiveMaxPool{len(a['output_size'])}DBackward0"))


# ----------------------------------------------------------------------- fractional max pool
def fractional_intervals(sample, size, out, pool):
    """Window starts (..., out) from uniform ``sample`` (...,), in the sample's precision:
    alpha = (size - pool) / (out - 1), start_i = int((i + u) * alpha) - int(u * alpha), and
    the last window ends at the input's end."""
    u = np.asarray(sample)
    seq = np.empty(u.shape + (out,), dtype=np.int64)
    if out > 1:
        ft = u.dtype.type
        alpha = ft(size - pool) / ft(out - 1)
        i = np.arange(out - 1).astype(u.dtype)
        seq[..., :-1] = ((i + u[..., None]) * alpha).astype(np.int64) - \
            (u[..., None] * alpha).astype(np.int64)
    seq[..., -1] = size - pool
    return seq


def _frac_check(x_shape, s_shape, kernel_size, output_size):
    nd = len(kernel_size)
    name = f"fractional_max_pool{nd}d()"
    if len(x_shape) not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(x_shape)}")
    spatial = x_shape[len(x_shape) - nd:]
    names = ("height", "width") if nd == 2 else ("time", "height", "width")
    for n, k, o, s in zip(names, kernel_size, output_size, spatial):
        if o + k - 1 > s:
            raise RuntimeError(f"{name}: pool {n} {k} too large relative to input {n} {s}")
    planes = (x_shape[0] if len(x_shape) == nd + 2 else 1, x_shape[len(x_shape) - nd - 1])
    if len(s_shape) != 3 or s_shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got "
                           f"{s_shape[2] if len(s_shape) == 3 else list(s_shape)}.")
    if s_shape[0] < planes[0] or s_shape[1] != planes[1]:
        raise RuntimeError(f"Expect _random_samples to be of size [{planes[0]}, {planes[1]}, "
                           f"{nd}]; got {list(s_shape)}.")


def _frac_kernel(xp, x, samples, kernel_size, output_size):
    nd = len(kernel_size)
    _frac_check(x.shape, samples.shape, kernel_size, output_size)
    lead, rows, spatial = _split(x.shape, nd)
    c = x.shape[len(x.shape) - nd - 1]
    u = np.asarray(samples)[:rows // max(c, 1) if c else 0].reshape(-1, nd)
    # PyTorch reads the samples of a plane in the order (w, h) for 2-d and (t, h, w) for 3-d
    order = (1, 0) if nd == 2 else tuple(range(nd))
    starts = [xp.asarray(fractional_intervals(u[:, order[d]], spatial[d], output_size[d],
                                              kernel_size[d])) for d in range(nd)]
    if rows == 0:
        shape = lead + tuple(output_size)
        return xp.zeros(shape, x.dtype), xp.zeros(shape, np.int64)
    v, i = _window_max(xp, x.reshape((rows,) + spatial), starts, [None] * nd, kernel_size)
    shape = lead + tuple(output_size)
    return v.reshape(shape), i.reshape(shape)


def _frac_meta(x, samples, kernel_size, output_size):
    _frac_check(tuple(x.shape), tuple(samples.shape), kernel_size, output_size)
    nd = len(kernel_size)
    shape = tuple(x.shape[:len(x.shape) - nd]) + tuple(output_size)
    return x.with_(shape=shape), TensorSpec(shape, D.int64, x.device)


def _frac_samples(dt):
    r = np.random.RandomState(3)
    return [Sample((S.array((2, 3, 7, 6), dt), r.rand(2, 3, 2).astype(dt.np)),
                   {"kernel_size": (2, 3), "output_size": (4, 3)}),
            Sample((S.array((2, 5, 5), dt), r.rand(1, 2, 2).astype(dt.np)),
                   {"kernel_size": (2, 2), "output_size": (3, 1)}),
            Sample((S.array((1, 2, 5, 4, 6), dt), r.rand(1, 2, 3).astype(dt.np)),
                   {"kernel_size": (2, 2, 3), "output_size": (3, 2, 2)})]


fractional_max_pool = register(OpDef(
    name="fractional_max_pool", kernel=_frac_kernel, meta=_frac_meta, vjp=_pool_vjp,
    samples=_frac_samples, dtypes=S.FLOAT_DTYPES, save_output=(1,), save_inputs=(),
    num_outputs=2, nondiff_outputs=(1,),
    grad_name=lambda a: f"FractionalMaxPool{len(a['kernel_size'])}DBackward0"))
