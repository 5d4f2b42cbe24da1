"""Conv1d, Conv2d, Conv3d (padding_mode 'zeros' and, through F.pad, the others)."""
from __future__ import annotations

import math

from ...api.creation import empty
from .. import _conv_functional as CF
from .. import init
from ..parameter import Parameter
from .module import Module


class _ConvNd(Module):
    _nd = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in CF._tup(stride, nd)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"padding_mode must be one of ['zeros', 'reflect', 'replicate', "
                             f"'circular'], but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = CF._tup(kernel_size, nd)
        self.stride = CF._tup(stride, nd)
        self.padding = padding if isinstance(padding, str) else CF._tup(padding, nd)
        self.dilation = CF._tup(dilation, nd)
        self.transposed = False
        self.output_padding = (0,) * nd
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = Parameter(empty((out_channels, in_channels // groups) + self.kernel_size,
                                      device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            from ..functional import pad
            flat = []
            for i in reversed(range(self._nd)):
                flat += self._side_pads(i)
            return CF._convnd(self._nd, pad(input, flat, mode=self.padding_mode), weight, bias,
                              self.stride, 0, self.dilation, self.groups)
        return CF._convnd(self._nd, input, weight, bias, self.stride, self.padding,
                          self.dilation, self.groups)

    def _side_pads(self, i):
        """(left, right) padding of spatial dim ``i``; 'same' puts the odd extra on the right."""
        if self.padding == "valid":
            return [0, 0]
        if self.padding == "same":
            total = self.dilation[i] * (self.kernel_size[i] - 1)
            return [total // 2, total - total // 2]
        return [self.padding[i], self.padding[i]]

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_ConvNd):
    """1-D convolution layer over (N, C_in, L)."""
    _nd = 1


class Conv2d(_ConvNd):
    """2-D convolution layer over (N, C_in, H, W)."""
    _nd = 2


class Conv3d(_ConvNd):
    """3-D convolution layer over (N, C_in, D, H, W)."""
    _nd = 3
