"""torch.autograd: backward, grad, grad modes, Function, gradcheck, anomaly detection,
functional (jacobian/hessian/vjp/jvp/hvp/vhp) and graph (Node, GradientEdge)."""
from __future__ import annotations

from ..eager import grad_mode
from ..eager.autograd import Node
from ..eager.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                               is_inference_mode_enabled, no_grad, set_grad_enabled)
from ..eager.tensor import Tensor
from . import anomaly_mode, forward_ad, function, functional, graph  # noqa: F401
from .anomaly_mode import (detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                           set_detect_anomaly)
from .api import backward, grad
from .function import Function, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "Node", "gradcheck",
           "gradgradcheck", "GradcheckError", "Function", "once_differentiable",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "Variable", "functional", "graph", "grad_mode",
           "set_multithreading_enabled"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """Legacy ``Variable(tensor, requires_grad=False)``: returns the tensor itself."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            raise RuntimeError("Variable data has to be a tensor, but got None")
        if requires_grad:
            data.requires_grad_(True)
        return data


class set_multithreading_enabled(grad_mode._DecoratorContextManager):
    """Accepted for compatibility: the engine runs backward on the calling thread."""

    def __init__(self, mode: bool):
        self.mode = mode

    def clone(self):
        return self.__class__(self.mode)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None
