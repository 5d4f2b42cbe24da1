"""Interpolation (F.interpolate / nn.Upsample): every mode PyTorch has is separable, so the op
applies one small (out x in) interpolation matrix per spatial dim.  The matrices follow
PyTorch's coordinate mapping exactly (computed in float32 like its CPU kernels, so nearest
picks the same source pixels); the backward applies the transposed matrices, and the two ops
are each other's vjp."""
from __future__ import annotations

import math

import numpy as np

from . import samples as S
from .registry import OpDef, Sample, register

_A = -0.75  # PyTorch's bicubic convolution coefficient

LINEAR = ("linear", "bilinear", "trilinear")
MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area")


def _scale(in_size, out_size, scale, align_corners, ft):
    """Source-per-destination step (PyTorch's area_pixel_compute_scale): 1/scale is taken in
    double and then rounded to the compute type ``ft``."""
    if align_corners:
        return ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(in_size) / ft(out_size)


def _cubic_weights(t):
    def near(x):  # |x| <= 1
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def interp_matrix(mode, in_size, out_size, scale=None, align_corners=None, ft=np.float32):
    """The (out_size, in_size) float64 matrix of one dim's interpolation; source coordinates
    are computed in ``ft`` (PyTorch's opmath type: float32 for float/half, float64 for double;
    nearest modes always use float32 scales)."""
    f32 = np.float32
    m = np.zeros((out_size, in_size))
    dst = np.arange(out_size)
    rows = np.arange(out_size)
    if mode == "area":
        for i in range(out_size):
            a, b = math.floor(i * in_size / out_size), math.ceil((i + 1) * in_size / out_size)
            m[i, a:b] = 1.0 / (b - a)
        return m
    if mode in ("nearest", "nearest-exact"):
        s = _scale(in_size, out_size, scale, False, f32)
        if mode == "nearest-exact":   # (dst + 0.5) is a double in PyTorch's kernel
            src = np.floor((dst + 0.5) * np.float64(s)).astype(np.int64)
        else:
            src = np.floor(dst.astype(f32) * s).astype(np.int64)
        m[rows, np.minimum(src, in_size - 1)] = 1.0
        return m
    s = _scale(in_size, out_size, scale, align_corners, ft)
    d = dst.astype(ft)
    real = s * d if align_corners else s * (d + ft(0.5)) - ft(0.5)
    if mode in LINEAR:
        real = np.maximum(real, ft(0))
        i0 = real.astype(np.int64)
        lam = (real - i0.astype(ft)).astype(np.float64)
        i1 = np.minimum(i0 + 1, in_size - 1)
        np.add.at(m, (rows, i0), 1 - lam)
        np.add.at(m, (rows, i1), lam)
        return m
    i = np.floor(real).astype(np.int64)
    t = (real - i.astype(ft)).astype(np.float64)
    for k, w in zip(range(-1, 3), _cubic_weights(t)):
        np.add.at(m, (rows, np.clip(i + k, 0, in_size - 1)), w)
    return m


def _apply(xp, x, mats, dtype):
    nd = len(mats)
    lead = x.ndim - nd
    y = x
    for d, m in enumerate(mats):
        y = xp.moveaxis(xp.tensordot(xp.asarray(m, dtype=dtype), y, axes=([1], [lead + d])),
                        0, lead + d)
    return xp.ascontiguousarray(y)


def _mats(mode, in_sizes, out_sizes, scales, align_corners, dtype, transpose=False):
    scales = scales or (None,) * len(out_sizes)
    ft = np.float64 if np.dtype(dtype) == np.float64 else np.float32
    ms = [interp_matrix(mode, i, o, s, align_corners, ft)
          for i, o, s in zip(in_sizes, out_sizes, scales)]
    return [m.T for m in ms] if transpose else ms


def _kernel(xp, x, mode, output_size, scales=None, align_corners=None):
    _check(x.shape, mode, output_size)
    nd = len(output_size)
    mats = _mats(mode, x.shape[x.ndim - nd:], output_size, scales, align_corners, x.dtype)
    return _apply(xp, x, mats, x.dtype)


def _check(shape, mode, output_size):
    nd = len(output_size)
    if mode not in MODES:
        raise NotImplementedError(f"upsample: unknown mode {mode!r}")
    if len(shape) < nd + 1:
        raise RuntimeError(f"It is expected input_size equals to {nd + 2}, but got size "
                           f"{len(shape)}")
    spatial = shape[len(shape) - nd:]
    if any(s <= 0 for s in spatial) or any(o <= 0 for o in output_size):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(map(str, spatial))}) and output "
                           f"({', '.join(map(str, output_size))})")


def _meta(x, mode, output_size, scales=None, align_corners=None):
    _check(tuple(x.shape), mode, output_size)
    nd = len(output_size)
    return x.with_(shape=tuple(x.shape[:len(x.shape) - nd]) + tuple(output_size))


def _bwd_kernel(xp, g, input_size, mode, output_size, scales=None, align_corners=None):
    mats = _mats(mode, input_size, output_size, scales, align_corners, g.dtype,
                 transpose=True)
    return _apply(xp, g, mats, g.dtype)


def _bwd_meta(g, input_size, mode, output_size, scales=None, align_corners=None):
    nd = len(output_size)
    return g.with_(shape=tuple(g.shape[:len(g.shape) - nd]) + tuple(input_size))


def _vjp(ctx, g):
    nd = len(ctx.attrs["output_size"])
    size = tuple(ctx._input_meta[0][0][-nd:])
    return (g._dispatch(upsample_backward, g, input_size=size, **ctx.attrs),)


def _bwd_vjp(ctx, gg):
    attrs = {k: v for k, v in ctx.attrs.items() if k != "input_size"}
    return (gg._dispatch(upsample, gg, **attrs),)


def _grad_name(a):
    nd, mode = len(a["output_size"]), a["mode"]
    if mode == "area":
        return f"AdaptiveAvgPool{nd}DBackward0"
    base = {"nearest": "UpsampleNearest", "nearest-exact": "UpsampleNearestExact",
            "linear": "UpsampleLinear", "bilinear": "UpsampleBilinear",
            "trilinear": "UpsampleTrilinear", "bicubic": "UpsampleBicubic"}[mode]
    return f"{base}{nd}DBackward0"


_CASES = [
    ((2, 3, 5), dict(mode="linear", output_size=(9,), align_corners=False)),
    ((1, 2, 4, 5), dict(mode="bilinear", output_size=(7, 3), align_corners=True)),
    ((1, 2, 4, 5), dict(mode="bicubic", output_size=(6, 8), scales=(1.5, 1.7),
                        align_corners=False)),
    ((1, 2, 3, 4, 3), dict(mode="trilinear", output_size=(5, 2, 4), align_corners=False)),
    ((2, 2, 5, 4), dict(mode="nearest", output_size=(8, 3))),
    ((2, 2, 5), dict(mode="nearest-exact", output_size=(7,))),
    ((1, 2, 7, 5), dict(mode="area", output_size=(3, 4))),
]


def _samples(dt):
    return [Sample((S.array(shape, dt, i),), attrs, name=attrs["mode"])
            for i, (shape, attrs) in enumerate(_CASES)]


def _bwd_samples(dt):
    out = []
    for i, (shape, attrs) in enumerate(_CASES):
        nd = len(attrs["output_size"])
        gshape = shape[:len(shape) - nd] + attrs["output_size"]
        out.append(Sample((S.array(gshape, dt, i),), dict(attrs, input_size=shape[-nd:]),
                          name=attrs["mode"]))
    return out


upsample = register(OpDef(
    name="upsample", kernel=_kernel, meta=_meta, vjp=_vjp, samples=_samples,
    dtypes=S.FLOAT_DTYPES, save_inputs=(), grad_name=_grad_name))
upsample_backward = register(OpDef(
    name="upsample_backward", kernel=_bwd_kernel, meta=_bwd_meta, vjp=_bwd_vjp,
    samples=_bwd_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(),
    grad_name=lambda a: _grad_name(a).replace("Backward0", "BackwardBackward0")))
