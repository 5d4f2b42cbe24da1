"""Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout."""
from __future__ import annotations

from .. import _misc_functional as MF
from .. import functional as F
from .module import Module


class _DropoutNd(Module):
    _fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability p during training (scaling the rest by 1/(1-p))."""
    _fn = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    _fn = staticmethod(MF.dropout1d)


class Dropout2d(_DropoutNd):
    _fn = staticmethod(MF.dropout2d)


class Dropout3d(_DropoutNd):
    _fn = staticmethod(MF.dropout3d)


class AlphaDropout(_DropoutNd):
    _fn = staticmethod(MF.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    _fn = staticmethod(MF.feature_alpha_dropout)
