"""interpolate(..., antialias=True) for bilinear / bicubic 4-D inputs: separable resampling
with the filter widened by the downscale factor (torch's / PIL's weights), as two matmuls
with per-axis weight matrices (so autograd and tracing need no op of their own)."""
from __future__ import annotations

import numpy as np


def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _cubic(x, a=-0.5):
    x = np.abs(x)
    return np.where(x < 1.0, ((a + 2.0) * x - (a + 3.0)) * x * x + 1,
                    np.where(x < 2.0, (((x - 5) * x + 8) * x - 4) * a, 0.0))


def _scale(n_in, n_out, align_corners, factor):
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / factor if factor is not None and factor > 0 else n_in / n_out


def aa_weights(n_in, n_out, mode, align_corners, factor=None):
    """(n_out, n_in) float64 resampling matrix of torch's antialiased kernels."""
    interp = 2 if mode == "bilinear" else 4
    filt = _triangle if mode == "bilinear" else _cubic
    scale = _scale(n_in, n_out, align_corners, factor)
    support = interp * 0.5 * scale if scale >= 1.0 else interp * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        js = np.arange(lo, hi)
        vals = filt((js - center + 0.5) * invscale)
        total = vals.sum()
        w[i, lo:hi] = vals / total if total != 0 else vals
    return w


def interpolate_aa(input, out, scales, mode, align_corners):
    """``input`` (N, C, H, W) resized to ``out`` = (H', W') with antialiasing."""
    from ..api.creation import tensor
    fh, fw = scales if scales is not None else (None, None)
    wh = tensor(aa_weights(input.shape[2], out[0], mode, align_corners, fh), dtype=input.dtype)
    ww = tensor(aa_weights(input.shape[3], out[1], mode, align_corners, fw), dtype=input.dtype)
    return (wh @ input) @ ww.t()
