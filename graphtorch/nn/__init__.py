"""torch.nn: Module, Parameter, containers, layers, functional, init, utils."""
from . import functional, grad, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .modules._state_dict import _IncompatibleKeys  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedParameter

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "functional", "init"] + _modules_all
