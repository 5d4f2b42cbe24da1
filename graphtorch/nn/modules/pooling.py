"""Pooling modules: MaxPool1-3d, AvgPool1-3d, AdaptiveAvgPool1-3d, AdaptiveMaxPool1-3d."""
from __future__ import annotations

from .. import _pool_functional as PF
from .module import Module


class _MaxPoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")

    def forward(self, input):
        return PF._max_poolnd(self._nd, input, self.kernel_size, self.stride, self.padding,
                              self.dilation, self.ceil_mode, self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling."""
    _nd = 1


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling."""
    _nd = 2


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling."""
    _nd = 3


class _AvgPoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        if self._nd == 1:  # AvgPool1d stores tuples, as PyTorch's _single does
            kernel_size = PF._tup(kernel_size, 1)
            stride = PF._tup(stride if stride is not None else kernel_size, 1)
            padding = PF._tup(padding, 1)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return PF._avg_poolnd(self._nd, input, self.kernel_size, self.stride, self.padding,
                              self.ceil_mode, self.count_include_pad, self.divisor_override)


class AvgPool1d(_AvgPoolNd):
    """1-D average pooling."""
    _nd = 1


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling."""
    _nd = 2


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling."""
    _nd = 3


class _AdaptivePool(Module):
    _nd = 0
    _fn = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveAvg(_AdaptivePool):
    def __init__(self, output_size):
        super().__init__(output_size)
        del self.return_indices

    def forward(self, input):
        return PF._adaptive(self._nd, input, self.output_size, PF._avg_reduce,
                            f"adaptive_avg_pool{self._nd}d")


class _AdaptiveMax(_AdaptivePool):
    def forward(self, input):
        from .. import _spatial_pool_functional as SPF
        return SPF._adaptive_max(self._nd, input, self.output_size, self.return_indices)


class AdaptiveAvgPool1d(_AdaptiveAvg):
    _nd = 1


class AdaptiveAvgPool2d(_AdaptiveAvg):
    """Average pooling to a fixed output size."""
    _nd = 2


class AdaptiveAvgPool3d(_AdaptiveAvg):
    _nd = 3


class AdaptiveMaxPool1d(_AdaptiveMax):
    _nd = 1


class AdaptiveMaxPool2d(_AdaptiveMax):
    _nd = 2


class AdaptiveMaxPool3d(_AdaptiveMax):
    _nd = 3
