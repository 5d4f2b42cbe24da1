"""Activation modules."""
from __future__ import annotations

from ...api.creation import empty
from .. import _act_functional as AF
from .. import functional as F
from ..parameter import Parameter
from .module import Module


class _Inplace(Module):
    """An activation with only an ``inplace`` flag."""
    _fn = None

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """relu(x) = max(0, x)."""
    _fn = staticmethod(F.relu)


class ReLU6(_Inplace):
    """min(max(0, x), 6)."""
    _fn = staticmethod(AF.relu6)


class SELU(_Inplace):
    _fn = staticmethod(AF.selu)


class SiLU(_Inplace):
    """x * sigmoid(x)."""
    _fn = staticmethod(AF.silu)


class Mish(_Inplace):
    _fn = staticmethod(AF.mish)


class Hardswish(_Inplace):
    _fn = staticmethod(AF.hardswish)


class Hardsigmoid(_Inplace):
    _fn = staticmethod(AF.hardsigmoid)


class _NoArgs(Module):
    _fn = None

    def forward(self, input):
        return type(self)._fn(input)


class Sigmoid(_NoArgs):
    """1 / (1 + exp(-x))."""
    _fn = staticmethod(AF.sigmoid)


class Tanh(_NoArgs):
    _fn = staticmethod(AF.tanh)


class Softsign(_NoArgs):
    _fn = staticmethod(AF.softsign)


class LogSigmoid(_NoArgs):
    _fn = staticmethod(AF.logsigmoid)


class Tanhshrink(_NoArgs):
    _fn = staticmethod(AF.tanhshrink)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return AF.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                           else "")


class _Alpha(Module):
    _fn = None

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class ELU(_Alpha):
    _fn = staticmethod(AF.elu)


class CELU(_Alpha):
    _fn = staticmethod(AF.celu)


class GELU(Module):
    """Gaussian error linear unit (exact, or the tanh approximation)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return AF.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return AF.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if max_val <= min_val:
            raise AssertionError("max_val must be larger than min_val")

    def forward(self, input):
        return AF.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class Threshold(Module):
    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return AF.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class _Lambd(Module):
    _fn = None

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return type(self)._fn(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Softshrink(_Lambd):
    _fn = staticmethod(AF.softshrink)


class Hardshrink(_Lambd):
    _fn = staticmethod(AF.hardshrink)


class GLU(Module):
    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return AF.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """max(0, x) + a * min(0, x) with a learnable slope ``a`` (init 0.25)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        from .. import init as I
        I.constant_(self.weight, self.init)

    def forward(self, input):
        return AF.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return AF.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace
                                                             else "")


class _SoftmaxBase(Module):
    _fn = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input):
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """softmax along ``dim``."""
    _fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    """log(softmax) along ``dim``."""
    _fn = staticmethod(F.log_softmax)


class Softmin(_SoftmaxBase):
    """softmax of -x along ``dim``."""
    _fn = staticmethod(F.softmin)


class Softmax2d(Module):
    """softmax over the channel dim of (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D "
                             "instead")
        return F.softmax(input, -3, _stacklevel=5)


ACTIVATIONS = ["ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid", "Sigmoid",
               "Tanh", "Softsign", "LogSigmoid", "Tanhshrink", "LeakyReLU", "ELU", "CELU",
               "GELU", "Softplus", "Hardtanh", "Threshold", "Softshrink", "Hardshrink", "GLU",
               "PReLU", "RReLU", "Softmax", "LogSoftmax", "Softmin", "Softmax2d"]
