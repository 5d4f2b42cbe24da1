"""nn modules."""
from .activation import LogSoftmax, ReLU, Softmax, Softmin
from .conv import Conv1d, Conv2d, Conv3d
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
           "Identity", "Linear", "ReLU", "Softmax", "LogSoftmax", "Softmin", "MSELoss",
           "NLLLoss", "CrossEntropyLoss", "Conv1d", "Conv2d", "Conv3d"]
