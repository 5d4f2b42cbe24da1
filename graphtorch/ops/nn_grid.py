"""affine_grid (AffineGridGenerator) and grid_sample (GridSampler2D / 3D): bilinear / nearest /
bicubic sampling with zeros / border / reflection padding, as PyTorch maps grid coordinates.
The sampler is written per spatial dim as taps (source index, weight, d weight / d coordinate),
so the forward, the input gradient (a scatter of the same weights) and the grid gradient (the
weight derivatives) share one helper."""
from __future__ import annotations

import itertools

import numpy as np

from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register

_A = -0.75


# ------------------------------------------------------------------------------ affine grid
def _base_grid(size, align_corners, dtype):
    """(*spatial, nd + 1) grid of normalized [x, y, (z,) 1] coordinates."""
    spatial = size[2:]
    dtype = np.dtype(dtype)

    def lin(n):
        # torch.linspace's float rounding (halves from each end), then * (n - 1) / n in the
        # grid dtype: the last bit decides the floor in grid_sample at pixel centres
        if n <= 1:
            return np.zeros(1, dtype)
        i = np.arange(n)
        step = float(np.asarray(2.0 / (n - 1), dtype))  # rounded to dtype; then one fused
        v = np.where(i < n // 2, -1.0 + step * i, 1.0 - step * (n - 1 - i)).astype(dtype)
        return v if align_corners else (v * dtype.type(n - 1)) / dtype.type(n)
    axes = [lin(n) for n in spatial]                       # (D,) H, W
    mesh = np.meshgrid(*axes, indexing="ij")
    coords = [mesh[i] for i in reversed(range(len(spatial)))]   # x (W) first
    return np.stack(coords + [np.ones(spatial, dtype)], axis=-1).astype(dtype)


def _ag_kernel(xp, theta, size, align_corners):
    from .meta import spec_of
    _ag_meta(spec_of(theta), size, align_corners)
    base = xp.asarray(_base_grid(size, align_corners, theta.dtype))
    nd = len(size) - 2
    flat = base.reshape(-1, nd + 1)
    out = xp.matmul(flat[None], theta.transpose(0, 2, 1))   # (N, P, nd)
    return xp.ascontiguousarray(out.reshape((theta.shape[0],) + tuple(size[2:]) + (nd,)))


def _ag_meta(theta, size, align_corners):
    nd = len(size) - 2
    if len(theta.shape) != 3 or tuple(theta.shape[1:]) != (nd, nd + 1):
        raise RuntimeError(f"affine_grid: expected theta of shape [N, {nd}, {nd + 1}], but got "
                           f"{list(theta.shape)}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {int(np.prod(size[2:]))}] but got: "
                           f"[{theta.shape[0]}, {nd + 1}].")
    return theta.with_(shape=(size[0],) + tuple(size[2:]) + (nd,))


def _ag_bwd_kernel(xp, g, size, align_corners):
    nd = len(size) - 2
    base = xp.asarray(_base_grid(size, align_corners, g.dtype)).reshape(-1, nd + 1)
    gm = g.reshape(g.shape[0], -1, nd)                       # (N, P, nd)
    return xp.ascontiguousarray(xp.matmul(gm.transpose(0, 2, 1), base[None]))


def _ag_bwd_meta(g, size, align_corners):
    nd = len(size) - 2
    return g.with_(shape=(g.shape[0], nd, nd + 1))


def _ag_vjp(ctx, g):
    return (g._dispatch(affine_grid_backward, g, **ctx.attrs),)


def _ag_bwd_vjp(ctx, gg):
    return (gg._dispatch(affine_grid, gg, **ctx.attrs),)


def _ag_samples(dt):
    return [Sample((S.array((2, 2, 3), dt),), {"size": (2, 3, 4, 5), "align_corners": False}),
            Sample((S.array((1, 2, 3), dt),), {"size": (1, 1, 1, 3), "align_corners": True}),
            Sample((S.array((2, 3, 4), dt),), {"size": (2, 1, 2, 3, 4),
                                                "align_corners": False})]


def _ag_bwd_samples(dt):
    return [Sample((S.array((2, 4, 5, 2), dt),), {"size": (2, 3, 4, 5), "align_corners": False}),
            Sample((S.array((2, 2, 3, 4, 3), dt),), {"size": (2, 1, 2, 3, 4),
                                                      "align_corners": True})]


affine_grid = register(OpDef(
    name="affine_grid_generator", kernel=_ag_kernel, meta=_ag_meta, vjp=_ag_vjp,
    samples=_ag_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(),
    grad_name="AffineGridGeneratorBackward0"))
affine_grid_backward = register(OpDef(
    name="affine_grid_generator_backward", kernel=_ag_bwd_kernel, meta=_ag_bwd_meta,
    vjp=_ag_bwd_vjp, samples=_ag_bwd_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(),
    grad_name="AffineGridGeneratorBackwardBackward0"))


# ------------------------------------------------------------------------------ grid sample
def _unnormalize(c, size, align_corners, nd=2):
    """Normalized [-1, 1] -> pixel coordinate, and its derivative.  Computed in the grid's
    precision with torch's CPU rounding order (2-D: ``(c + 1) * scale - 0.5``; 3-D:
    ``((c + 1) * size - 1) / 2``): at pixel centres the floor, and so the bilinear
    gradient, depends on the last bit (the STN tutorial's identity warp sits exactly there)."""
    if align_corners:
        return (c + 1) * ((size - 1) / 2), (size - 1) / 2
    if nd == 2:
        return (c + 1) * (size / 2) - 0.5, size / 2
    return ((c + 1) * size - 1) / 2, size / 2


def _reflect(x, lo2, hi2):
    """Reflect x into [lo2/2, hi2/2]; also d(result)/dx (+-1)."""
    if lo2 == hi2:
        return np.zeros_like(x), np.zeros_like(x)
    lo, span = lo2 / 2, (hi2 - lo2) / 2
    d = x - lo
    sgn = np.where(d < 0, -1.0, 1.0)
    d = np.abs(d)
    extra = np.fmod(d, span)
    flips = np.floor(d / span)
    even = np.fmod(flips, 2) == 0
    return np.where(even, extra + lo, span - extra + lo), np.where(even, sgn, -sgn)


def _pad_coord(x, size, padding_mode, align_corners):
    """Apply border / reflection padding to a pixel coordinate; also its derivative."""
    one = np.ones_like(x)
    if padding_mode == "border":
        return np.clip(x, 0, size - 1), np.where((x > 0) & (x < size - 1), one, 0 * one)
    if padding_mode == "reflection":
        if align_corners:
            r, dr = _reflect(x, 0, 2 * (size - 1))
        else:
            r, dr = _reflect(x, -1, 2 * size - 1)
        c = np.clip(r, 0, size - 1)
        return c, np.where((r > 0) & (r < size - 1), dr, 0 * dr)
    return x, one


def _cubic(t):
    def near(x):
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def dnear(x):
        return (3 * (_A + 2) * x - 2 * (_A + 3)) * x

    def far(x):
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A

    def dfar(x):
        return (3 * _A * x - 10 * _A) * x + 8 * _A
    w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    dw = [dfar(t + 1), dnear(t), -dnear(1 - t), -dfar(2 - t)]
    return w, dw


def _dim_taps(c, size, mode, padding_mode, align_corners, nd=2):
    """Taps of one spatial dim: list of (index, valid, weight, d weight / d grid)."""
    x, dx = _unnormalize(c, size, align_corners, nd)
    if mode == "bicubic":   # taps are padded one by one; the weights see the raw coordinate
        i0 = np.floor(x)
        t = x - i0
        w, dw = _cubic(t)
        taps = []
        for k in range(4):
            idx = i0 - 1 + k
            if padding_mode != "zeros":
                idx, _ = _pad_coord(idx, size, padding_mode, align_corners)
            idx = idx.astype(np.int64)
            taps.append((idx, (idx >= 0) & (idx < size), w[k], dw[k] * dx))
        return taps
    x, dp = _pad_coord(x, size, padding_mode, align_corners)
    if mode == "nearest":
        idx = np.rint(x).astype(np.int64)   # round half to even, as nearbyint
        return [(idx, (idx >= 0) & (idx < size), np.ones_like(x), np.zeros_like(x))]
    i0 = np.floor(x)
    t = x - i0
    i0 = i0.astype(np.int64)
    return [(i0, (i0 >= 0) & (i0 < size), 1 - t, -dx * dp),
            (i0 + 1, (i0 + 1 >= 0) & (i0 + 1 < size), t, dx * dp)]


def _all_taps(inp_shape, grid, mode, padding_mode, align_corners):
    nd = grid.shape[-1]
    spatial = inp_shape[2:]
    # nearest rounds the pixel coordinate: compute it in the grid's own precision as torch
    # does, or coordinates near .5 (common with align_corners=False) round the other way
    # all modes compute the pixel coordinate in the grid's own precision as torch does, or
    # coordinates at pixel centres / near .5 land on the other side of floor / round
    g = np.asarray(grid, dtype=grid.dtype if grid.dtype in (np.float32, np.float64)
                   else np.float32)
    # grid's last axis is (x, y[, z]) = (W, H[, D]): dim d of the input reads component nd-1-d
    return [_dim_taps(g[..., nd - 1 - d], spatial[d], mode, padding_mode, align_corners, nd)
            for d in range(nd)]


def _combos(taps):
    """Each combination of one tap per dim: (indices, valid, weight, [d weight / d grid_d])."""
    for combo in itertools.product(*taps):
        valid = np.logical_and.reduce([c[1] for c in combo])
        w = np.prod([c[2] for c in combo], axis=0)
        dws = []
        for d in range(len(combo)):
            dw = combo[d][3]
            for e, c in enumerate(combo):
                if e != d:
                    dw = dw * c[2]
            dws.append(dw)
        yield [np.clip(c[0], 0, None) for c in combo], valid, w, dws


def _gather(xp, inp, idx, valid):
    """inp[n, :, i_D, i_H, i_W] for every grid point: (N, *out, C), zero where invalid."""
    n = inp.shape[0]
    spatial = inp.shape[2:]
    nidx = np.arange(n).reshape((n,) + (1,) * (valid.ndim - 1))
    safe = [np.minimum(i, s - 1) for i, s in zip(idx, spatial)]
    moved = xp.moveaxis(inp, 1, -1)
    vals = moved[(nidx,) + tuple(safe)]
    return vals * xp.asarray(valid[..., None])


def _gs_kernel(xp, inp, grid, mode, padding_mode, align_corners):
    from .meta import spec_of
    _gs_meta(spec_of(inp), spec_of(grid), mode, padding_mode, align_corners)
    taps = _all_taps(inp.shape, grid, mode, padding_mode, align_corners)
    out = 0
    for idx, valid, w, _ in _combos(taps):
        out = out + _gather(xp, inp, idx, valid) * xp.asarray(w[..., None])
    out = xp.moveaxis(xp.asarray(out), -1, 1)
    return xp.ascontiguousarray(out).astype(inp.dtype, copy=False)


def _gs_meta(inp, grid, mode, padding_mode, align_corners):
    nd = len(grid.shape) - 2
    if inp.dtype is not grid.dtype:
        raise RuntimeError(f"expected scalar type {inp.dtype.name.capitalize()} but found "
                           f"{grid.dtype.name.capitalize()}")
    if len(inp.shape) not in (4, 5) or len(grid.shape) != len(inp.shape):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(inp.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    if inp.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(inp.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if grid.shape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    return inp.with_(shape=tuple(inp.shape[:2]) + tuple(grid.shape[1:-1]))


def _gs_bwd_kernel(xp, g, inp, grid, mode, padding_mode, align_corners):
    taps = _all_taps(inp.shape, grid, mode, padding_mode, align_corners)
    nd = grid.shape[-1]
    gl = xp.moveaxis(g, 1, -1)                               # (N, *out, C)
    gi = xp.zeros(inp.shape[:1] + inp.shape[2:] + inp.shape[1:2], dtype=inp.dtype)
    ggrid = np.zeros(grid.shape)
    n = inp.shape[0]
    nidx = np.broadcast_to(np.arange(n).reshape((n,) + (1,) * nd), grid.shape[:-1])
    for idx, valid, w, dws in _combos(taps):
        contrib = gl * xp.asarray((w * valid)[..., None])
        safe = [np.minimum(i, s - 1) for i, s in zip(idx, inp.shape[2:])]
        xp.add.at(gi, (nidx,) + tuple(safe), contrib)
        dot = (_gather(xp, inp, idx, valid) * gl).sum(-1)    # (N, *out)
        for d in range(nd):
            ggrid[..., nd - 1 - d] += dot * dws[d]
    gi = xp.ascontiguousarray(xp.moveaxis(gi, -1, 1))
    return gi, xp.asarray(ggrid, dtype=grid.dtype)


def _gs_bwd_meta(g, inp, grid, mode, padding_mode, align_corners):
    return inp.with_(), grid.with_()


def _gs_vjp(ctx, g):
    inp, grid = ctx.inputs
    gi, ggrid = g._dispatch(grid_sampler_backward, g, inp, grid, **ctx.attrs)
    need = ctx.needs_input_grad
    return (gi if need[0] else None, ggrid if need[1] else None)


def _grid(shape, dt, seed):
    # stay clear of pixel-centre ties / kinks so the finite differences are smooth
    return S.array(shape, dt, seed, -1.2, 1.2)


def _gs_samples(dt):
    out = []
    combos = [("bilinear", "zeros", False), ("bilinear", "border", True),
              ("bilinear", "reflection", False), ("bicubic", "zeros", False),
              ("bicubic", "reflection", True), ("bicubic", "border", False),
              ("nearest", "zeros", False)]
    for i, (mode, pad, ac) in enumerate(combos):
        out.append(Sample((S.array((2, 2, 4, 5), dt, i), _grid((2, 3, 2, 2), dt, i + 9)),
                          dict(mode=mode, padding_mode=pad, align_corners=ac),
                          grad=mode != "nearest", name=f"{mode}-{pad}"))
    out.append(Sample((S.array((1, 2, 3, 4, 3), dt), _grid((1, 2, 2, 3, 3), dt, 5)),
                      dict(mode="bilinear", padding_mode="reflection", align_corners=True),
                      name="3d"))
    return out


def _gs_bwd_samples(dt):
    return [Sample((S.array((2, 2, 3, 2), dt, 1), S.array((2, 2, 4, 5), dt, 2),
                    _grid((2, 3, 2, 2), dt, 3)),
                   dict(mode="bilinear", padding_mode="zeros", align_corners=False))]


grid_sampler = register(OpDef(
    name="grid_sampler", kernel=_gs_kernel, meta=_gs_meta, vjp=_gs_vjp, samples=_gs_samples,
    dtypes=S.FLOAT_DTYPES, grad_name=lambda a, args: f"GridSampler{args[1].dim() - 2}DBackward0"))
grid_sampler_backward = register(OpDef(
    name="grid_sampler_backward", kernel=_gs_bwd_kernel, meta=_gs_bwd_meta,
    samples=_gs_bwd_samples, dtypes=S.FLOAT_DTYPES, num_outputs=2, differentiable=False,
    grad_name="GridSampler2DBackwardBackward0"))
