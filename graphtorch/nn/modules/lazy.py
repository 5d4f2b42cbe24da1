"""Lazy convolutions and batch norms: the channel count (``in_channels`` / ``num_features``)
is taken from the first input, then the module becomes its ordinary class (like LazyLinear)."""
from __future__ import annotations

import inspect

from ..parameter import UninitializedParameter
from .conv import Conv1d, Conv2d, Conv3d
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .spatial import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

__all__ = ["LazyModuleMixin", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
           "LazyBatchNorm3d"]


class LazyModuleMixin:
    """Shared API of the lazy modules (their shapes come from the first input)."""

    cls_to_become = None

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter of this module still waits for the first input."""
        return any(isinstance(p, UninitializedParameter)
                   for p in self._parameters.values() if p is not None)

    def initialize_parameters(self, *args, **kwargs):
        """Materialize the parameters from example inputs (one forward call)."""
        self.forward(*args, **kwargs)


def _lazy_conv(base, nd):
    class LazyConv(LazyModuleMixin, base):
        cls_to_become = base

        def __init__(self, out_channels, kernel_size, *args, **kwargs):
            # built with a valid placeholder channel count (= groups), then made uninitialized
            bound = inspect.signature(base.__init__).bind(self, 0, out_channels, kernel_size,
                                                          *args, **kwargs)
            bound.apply_defaults()
            bound.arguments["in_channels"] = bound.arguments["groups"]
            base.__init__(*bound.args, **bound.kwargs)
            self.in_channels = 0
            self.weight = UninitializedParameter()
            if self.bias is not None:
                self.bias = UninitializedParameter()

        def reset_parameters(self):
            if self.in_channels != 0:
                base.reset_parameters(self)

        def forward(self, input, *args, **kwargs):
            if isinstance(self.weight, UninitializedParameter):
                unbatched = input.dim() == nd + 1
                self.in_channels = input.shape[0 if unbatched else 1]
                g, k = self.groups, tuple(self.kernel_size)
                shape = (self.in_channels, self.out_channels // g) + k if self.transposed \
                    else (self.out_channels, self.in_channels // g) + k
                self.weight.materialize(shape, dtype=input.dtype)
                if isinstance(self.bias, UninitializedParameter):
                    self.bias.materialize((self.out_channels,), dtype=input.dtype)
                self.reset_parameters()
                self.__class__ = self.cls_to_become
            return base.forward(self, input, *args, **kwargs)

    LazyConv.__name__ = LazyConv.__qualname__ = "Lazy" + base.__name__
    LazyConv.__doc__ = f"A {base.__name__} whose in_channels is inferred from the first input."
    return LazyConv


def _lazy_bn(base):
    class LazyBN(LazyModuleMixin, base):
        cls_to_become = base

        def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                     device=None, dtype=None):
            base.__init__(self, 1, eps, momentum, affine, track_running_stats)
            self.num_features = 0
            if affine:
                self.weight = UninitializedParameter()
                self.bias = UninitializedParameter()

        def reset_parameters(self):
            if self.num_features != 0:
                base.reset_parameters(self)

        def forward(self, input):
            if self.num_features == 0:
                from ... import ones, tensor, zeros
                from ...ops import dtypes as D
                self.num_features = n = input.shape[1]
                if self.affine:
                    self.weight.materialize((n,), dtype=input.dtype)
                    self.bias.materialize((n,), dtype=input.dtype)
                if self.track_running_stats:
                    self.running_mean = zeros(n, dtype=input.dtype)
                    self.running_var = ones(n, dtype=input.dtype)
                    self.num_batches_tracked = tensor(0, dtype=D.int64)
                self.reset_parameters()
                self.__class__ = self.cls_to_become
            return base.forward(self, input)

    LazyBN.__name__ = LazyBN.__qualname__ = "Lazy" + base.__name__
    LazyBN.__doc__ = f"A {base.__name__} whose num_features is inferred from the first input."
    return LazyBN


LazyConv1d, LazyConv2d, LazyConv3d = (_lazy_conv(b, n) for b, n in
                                      ((Conv1d, 1), (Conv2d, 2), (Conv3d, 3)))
LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d = (
    _lazy_conv(b, n) for b, n in ((ConvTranspose1d, 1), (ConvTranspose2d, 2),
                                  (ConvTranspose3d, 3)))
LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d = (_lazy_bn(b) for b in
                                                     (BatchNorm1d, BatchNorm2d, BatchNorm3d))
