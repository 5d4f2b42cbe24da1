"""The torch-like API: functions of the torch namespace and Tensor methods, one module per op
family.  ``install()`` attaches the methods (and operators) to Tensor in one place."""
from __future__ import annotations

from ..eager.tensor import Tensor
from . import (arith, compare, conversion, creation, elementwise, indexing,  # noqa: F401
               shape_scatter, integrate, renorm_ops, float_decomp,
               stats_cov, python_elementwise,
               linalg, misc, nn_namespace, random, reduction, shape)
from . import linalg_lapack, tensor_set  # noqa: F401,E402
from ._bind import FUNCTIONS, METHODS


def install() -> None:
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    for name, fn in arith.OPERATORS.items():
        setattr(Tensor, name, fn)


install()
__all__ = sorted(FUNCTIONS)
globals().update(FUNCTIONS)
