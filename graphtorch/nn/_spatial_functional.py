"""F.conv_transpose*, F.unfold / fold, F.interpolate (and the deprecated upsample*), pixel and
channel shuffle, max_unpool*, lp_pool*, fractional_max_pool*, adaptive_max_pool* with indices,
grid_sample and affine_grid: argument handling over the registry ops of ops/nn_spatial*.py,
nn_interp.py, nn_grid.py and nn_conv_transpose.py."""
from __future__ import annotations

import math
import warnings

from ..eager.dispatch import call
from ..ops import nn_conv_transpose as _ct  # noqa: F401 - registers the ops used below
from ..ops import nn_grid as _grid  # noqa: F401
from ..ops import nn_interp as _interp
from ..ops import nn_spatial as _sp  # noqa: F401
from ..ops import registry as R

_conv_t, _im2col, _col2im = R.get("conv_transpose"), R.get("im2col"), R.get("col2im")
_upsample, _unpool = R.get("upsample"), R.get("max_unpool")
_adaptive_max, _frac = R.get("adaptive_max_pool"), R.get("fractional_max_pool")


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _unsqueeze0(x):
    # (un)squeeze where the shape family provides it (PyTorch's grad_fn names), else a view
    return x.unsqueeze(0) if hasattr(x, "unsqueeze") else x.reshape((1,) + tuple(x.shape))


def _squeeze0(x):
    return x.squeeze(0) if hasattr(x, "squeeze") else x.reshape(tuple(x.shape[1:]))


# ------------------------------------------------------------------------- conv_transpose
def _conv_transposend(nd, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv_transpose{nd}d, but got input of size: {list(input.shape)}")
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = _unsqueeze0(input)
    args = (input, weight) if bias is None else (input, weight, bias)
    out = call(_conv_t, *args, stride=_tup(stride, nd), padding=_tup(padding, nd),
               output_padding=_tup(output_padding, nd), dilation=_tup(dilation, nd),
               groups=groups)
    return _squeeze0(out) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution ("deconvolution") over (N, C_in, L) or (C_in, L)."""
    return _conv_transposend(1, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution over (N, C_in, H, W) or (C_in, H, W)."""
    return _conv_transposend(2, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution over (N, C_in, D, H, W) or (C_in, D, H, W)."""
    return _conv_transposend(3, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


# ------------------------------------------------------------------------- unfold / fold
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*prod(kernel_size), L)."""
    unbatched = input.dim() == 3
    x = _unsqueeze0(input) if unbatched else input
    out = call(_im2col, x, kernel_size=_tup(kernel_size, 2), dilation=_tup(dilation, 2),
               padding=_tup(padding, 2), stride=_tup(stride, 2))
    return _squeeze0(out) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks into a tensor: (N, C*prod(kernel_size), L) -> (N, C, *output_size)."""
    unbatched = input.dim() == 2
    x = _unsqueeze0(input) if unbatched else input
    out = call(_col2im, x, output_size=_tup(output_size, 2), kernel_size=_tup(kernel_size, 2),
               dilation=_tup(dilation, 2), padding=_tup(padding, 2), stride=_tup(stride, 2))
    return _squeeze0(out) if unbatched else out


# ------------------------------------------------------------------------------ interpolate
_MODE_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _interp_sizes(input, size, scale_factor, recompute_scale_factor, mode):
    dim = input.dim() - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    scales = None
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                    "size in (o1, o2, ...,oK) format.")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but"
                    f" got input with spatial dimensions of {spatial} and scale_factor of shape "
                    f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    "format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = [math.floor(float(s) * f) for s, f in zip(spatial, scales)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor or mode == "area":
        scales = None  # the output size alone drives the coordinate mapping
    return tuple(out), None if scales is None else tuple(scales)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize ``input`` (N, C, *spatial) to ``size`` or by ``scale_factor``.

    Args:
        mode: 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' |
            'area'.
        align_corners: for the linear / cubic modes, map corner pixel centres onto each other.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    known = ("nearest", "nearest-exact", "area") + tuple(_MODE_DIMS)
    if input.dim() not in (3, 4, 5) or mode not in known:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
            "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})")
    want = _MODE_DIMS.get(mode)
    if want is not None and input.dim() != want:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {want}D "
                                  "input")
    if mode == "bicubic" and input.dim() != 4:
        raise NotImplementedError(f"Got {input.dim()}D input, but bicubic mode needs 4D input")
    out, scales = _interp_sizes(input, size, scale_factor, recompute_scale_factor, mode)
    if antialias:
        if not (mode in ("bilinear", "bicubic") and input.dim() == 4):
            raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and "
                             "requires a 4-D tensor as input")
        from ._interp_aa import interpolate_aa
        return interpolate_aa(input, out, scales, mode, bool(align_corners))
    attrs = dict(mode=mode, output_size=out)
    if scales is not None:
        attrs["scales"] = scales
    if mode in _MODE_DIMS:
        attrs["align_corners"] = bool(align_corners)
    if any(o <= 0 for o in out):
        names = ("D", "H", "W")[3 - len(out):]
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{n}: {s}" for n, s in zip(names, input.shape[2:]))
            + (") and output (" if len(out) == 1 else ") output (")
            + ", ".join(f"{n}: {s}" for n, s in zip(names, out)) + ")")
    return call(_upsample, input, **attrs)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(..., mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------------- shuffles
def pixel_shuffle(input, upscale_factor):
    """(*, C*r^2, H, W) -> (*, C, H*r, W*r)."""
    return call(R.get("pixel_shuffle"), input, upscale_factor=int(upscale_factor))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r^2, H, W)."""
    return call(R.get("pixel_unshuffle"), input, downscale_factor=int(downscale_factor))


def channel_shuffle(input, groups):
    """Split the channels into ``groups`` and interleave them."""
    return call(R.get("channel_shuffle"), input, groups=int(groups))


native_channel_shuffle = channel_shuffle


from ._spatial_pool_functional import *  # noqa: E402,F401,F403
from ._spatial_pool_functional import (adaptive_max_pool1d, adaptive_max_pool2d,  # noqa: E402,F401
                                       adaptive_max_pool3d, affine_grid,
                                       fractional_max_pool2d, fractional_max_pool3d,
                                       grid_sample, lp_pool1d, lp_pool2d, lp_pool3d,
                                       max_unpool1d, max_unpool2d, max_unpool3d)
