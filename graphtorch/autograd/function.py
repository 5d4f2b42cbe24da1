"""torch.autograd.function: custom differentiable operations (see graphtorch.eager.function)."""
from ..eager.function import (BackwardCFunction, Function, FunctionCtx, InplaceFunction,
                              NestedIOFunction, once_differentiable)

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable",
           "InplaceFunction", "NestedIOFunction"]
