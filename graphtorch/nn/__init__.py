"""torch.nn: Module, Parameter, containers, layers, functional, init, utils."""
from .modules import (Module, ModuleDict, ModuleList, ParameterDict, ParameterList,  # noqa: F401
                      Sequential)
from .modules._state_dict import _IncompatibleKeys  # noqa: F401
from .parameter import Buffer, Parameter, UninitializedParameter

__all__ = ["Module", "Parameter", "Buffer", "UninitializedParameter", "Sequential", "ModuleList",
           "ModuleDict", "ParameterList", "ParameterDict"]
