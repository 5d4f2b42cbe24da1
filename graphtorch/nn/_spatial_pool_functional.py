"""F.max_unpool*, F.lp_pool*, F.fractional_max_pool*, F.adaptive_max_pool* (with
return_indices), F.grid_sample and F.affine_grid."""
from __future__ import annotations

import warnings

from ..eager.dispatch import call
from ..ops import nn_grid as _grid  # noqa: F401 - registers the ops used below
from ..ops import nn_spatial as _sp  # noqa: F401
from ..ops import registry as R

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d", "lp_pool2d",
           "lp_pool3d", "fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "grid_sample", "affine_grid"]


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False "
                  "since 1.3.0. Please specify align_corners=True if the old behavior is "
                  "desired. See the documentation of grid_sample for details.")


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


# ------------------------------------------------------------------------------ max_unpool
def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    nd = len(kernel_size)
    default = [(input.shape[-nd + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
               for d in range(nd)]
    if output_size is None:
        return tuple(default)
    output_size = list(output_size)
    if len(output_size) == nd + 2:
        output_size = output_size[2:]
    if len(output_size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(output_size)}'")
    for d in range(nd):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                             f'{lo} and {hi})')
    return tuple(int(o) for o in output_size)


def _max_unpoolnd(nd, input, indices, kernel_size, stride, padding, output_size):
    k = _tup(kernel_size, nd)
    s = _tup(stride, nd) if stride is not None else k
    size = _unpool_output_size(input, k, s, _tup(padding, nd), output_size)
    if input.dim() not in (nd + 1, nd + 2) and nd > 1:
        raise RuntimeError(f"Input to max_unpooling{nd}d should be a {nd + 1}d or {nd + 2}d "
                           f"Tensor, but got a tensor with {input.dim()} dimensions.")
    if nd == 1:  # PyTorch unpools 1-d inputs as (..., L, 1) images
        input = input.reshape(tuple(input.shape) + (1,))
        indices = indices.reshape(tuple(indices.shape) + (1,))
        out = call(R.get("max_unpool"), input, indices, output_size=size + (1,))
        return out.reshape(tuple(out.shape[:-1]))
    return call(R.get("max_unpool"), input, indices, output_size=size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: scatter ``input`` to the positions in ``indices``."""
    return _max_unpoolnd(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: scatter ``input`` to the positions in ``indices``."""
    return _max_unpoolnd(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool3d: scatter ``input`` to the positions in ``indices``."""
    return _max_unpoolnd(3, input, indices, kernel_size, stride, padding, output_size)


# ---------------------------------------------------------------------------------- lp_pool
def _lp_poolnd(nd, input, norm_type, kernel_size, stride, ceil_mode):
    from . import _pool_functional as PF
    k = _tup(kernel_size, nd)
    pool = (PF.avg_pool1d, PF.avg_pool2d, PF.avg_pool3d)[nd - 1]
    out = pool(input.pow(norm_type), k, stride, 0, ceil_mode)
    n = 1
    for v in k:
        n *= v
    # PyTorch's formula: the sign/relu pair keeps a negative average (odd p) at zero
    return (out.sign() * out.abs().relu()).mul(n).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over the window of x^p)^(1/p)."""
    return _lp_poolnd(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling: (sum over the window of x^p)^(1/p)."""
    return _lp_poolnd(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling: (sum over the window of x^p)^(1/p)."""
    return _lp_poolnd(3, input, norm_type, kernel_size, stride, ceil_mode)


# ----------------------------------------------------------------------- fractional max pool
def _fractional(nd, input, kernel_size, output_size, output_ratio, return_indices,
                _random_samples):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if len(output_ratio) > nd:  # PyTorch calls len() here (a bare float is a TypeError)
            raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple "
                             "of Ints.")
        ratio = _tup(output_ratio, nd)
        output_size = [int(input.shape[-nd + i] * ratio[i]) for i in range(nd)]
    if _random_samples is None:
        import graphtorch
        n_batch = 1 if input.dim() == nd + 1 else input.shape[0]
        _random_samples = graphtorch.rand(n_batch, input.shape[-nd - 1], nd, dtype=input.dtype)
    vals, idx = call(R.get("fractional_max_pool"), input, _random_samples,
                     kernel_size=_tup(kernel_size, nd), output_size=_tup(output_size, nd))
    return (vals, idx) if return_indices else vals


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """2-D fractional max pooling (Graham, 2014) with pseudo-random window starts."""
    return _fractional(2, input, kernel_size, output_size, output_ratio, return_indices,
                       _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """3-D fractional max pooling with pseudo-random window starts."""
    return _fractional(3, input, kernel_size, output_size, output_ratio, return_indices,
                       _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional(2, input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional(3, input, kernel_size, output_size, output_ratio, True, _random_samples)


# ---------------------------------------------------------------------- adaptive max pool
def _adaptive_max(nd, input, output_size, return_indices):
    out = _tup(output_size, nd)
    if input.dim() in (nd + 1, nd + 2):
        out = tuple(input.shape[-nd + i] if o is None else int(o) for i, o in enumerate(out))
    elif nd == 1:
        raise RuntimeError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got: "
                           f"{list(input.shape)}")
    vals, idx = call(R.get("adaptive_max_pool"), input, output_size=out)
    return (vals, idx) if return_indices else vals


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed output length (windows of adaptive size)."""
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size (windows of adaptive size)."""
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """3-D max pooling to a fixed output size (windows of adaptive size)."""
    return _adaptive_max(3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(1, input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(2, input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(3, input, output_size, True)


# --------------------------------------------------------------- grid_sample / affine_grid
def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) / (N, C, D, H, W) at the normalized [-1, 1] positions of
    ``grid`` (N, H_out, W_out, 2) / (N, D_out, H_out, W_out, 3)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
    if mode == "bicubic" and input.dim() != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    return call(R.get("grid_sampler"), input, grid, mode=mode, padding_mode=padding_mode,
                align_corners=bool(align_corners))


def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, H, W, 2) / (N, D, H, W, 3) of the affine maps ``theta``
    (N, 2, 3) / (N, 3, 4), for grid_sample."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return call(R.get("affine_grid_generator"), theta, size=size,
                align_corners=bool(align_corners))
