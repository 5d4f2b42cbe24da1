"""MaxUnpool1-3d, LPPool1-3d and FractionalMaxPool2d / 3d."""
from __future__ import annotations

from .. import _spatial_pool_functional as PF
from .module import Module


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _MaxUnpoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        nd = self._nd
        self.kernel_size = _tup(kernel_size, nd)
        self.stride = _tup(stride if stride is not None else kernel_size, nd)
        self.padding = _tup(padding, nd)

    def forward(self, input, indices, output_size=None):
        return PF._max_unpoolnd(self._nd, input, indices, self.kernel_size, self.stride,
                                self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of MaxPool1d."""
    _nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of MaxPool2d."""
    _nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of MaxPool3d."""
    _nd = 3


class _LPPoolNd(Module):
    _nd = 0

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):
        return PF._lp_poolnd(self._nd, input, float(self.norm_type), self.kernel_size,
                             self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling."""
    _nd = 1


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling."""
    _nd = 2


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling."""
    _nd = 3


class _FractionalMaxPoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        nd = self._nd
        self.kernel_size = _tup(kernel_size, nd)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _tup(output_size, nd) if output_size is not None else None
        self.output_ratio = _tup(output_ratio, nd) if output_ratio is not None else None
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling "
                             "ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        return PF._fractional(self._nd, input, self.kernel_size, self.output_size,
                              self.output_ratio, self.return_indices, self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-D fractional max pooling (pseudo-random, overlapping-free window starts)."""
    _nd = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-D fractional max pooling."""
    _nd = 3


SPATIAL_POOL = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d",
                "FractionalMaxPool2d", "FractionalMaxPool3d"]
__all__ = SPATIAL_POOL
