"""torch.nn: Module, Parameter, layers, functional, init, utils."""
from .modules import Module
from .modules._state_dict import _IncompatibleKeys  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedParameter

__all__ = ["Module", "Parameter", "Buffer", "UninitializedParameter"]
