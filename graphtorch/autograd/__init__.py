"""torch.autograd: backward, grad, grad modes, Function, gradcheck, anomaly detection."""
from __future__ import annotations

from ..eager.autograd import Node
from ..eager.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                               set_grad_enabled)
from .api import backward, grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "Node", "gradcheck", "gradgradcheck"]
