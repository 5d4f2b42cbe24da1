"""Argument handling shared by the API modules: PyTorch's flexible size arguments, ``out=``,
and scalar/tensor coercion."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import Tensor, wrap
from ..ops import dtypes as D
from ..ops.meta import fmt_shape


def size_args(args, name="size") -> tuple:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(torch.Size([2, 3]))`` -> (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    elif len(args) == 1 and isinstance(args[0], Tensor) and args[0].ndim == 1:
        args = args[0].tolist()
    out = []
    for a in args:
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"{name}(): argument 'size' must be tuple of ints, but found element "
                            f"of type {type(a).__name__} at pos {len(out)}")
        out.append(a.__index__() if type(a) is not int and isinstance(a, (Tensor, np.integer))
                   else a)
    return tuple(out)


def write_out(result: Tensor, out: Tensor | None) -> Tensor:
    """Implement ``out=``: copy ``result`` into ``out`` (resized when its shape differs)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if out._requires_grad and (result._requires_grad):
        raise RuntimeError("out=... arguments don't support automatic differentiation, but one "
                           "of the arguments requires grad.")
    if result._dtype is not out._dtype and not D.can_cast(result._dtype, out._dtype):
        raise RuntimeError(f"result type {D.SCALAR_NAMES[result._dtype]} can't be cast to the "
                           f"desired output type {D.SCALAR_NAMES[out._dtype]}")
    if out._data.shape != result._data.shape:
        if out._data.size:
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{fmt_shape(out._data.shape)}, which does not match the required output "
                          f"shape {fmt_shape(result._data.shape)}. This behavior is deprecated, "
                          "and in a future PyTorch release outputs will not be resized unless "
                          "they have zero elements. You can explicitly reuse an out tensor t by "
                          "resizing it, inplace, to zero elements with t.resize_(0).",
                          UserWarning, stacklevel=3)
        out._data = np.empty(result._data.shape, dtype=out._dtype.np)
    np.copyto(out._data, result._data, casting="unsafe")
    out._vc[0] += 1
    return out


def write_outs(result, out):
    """``out=`` for a function with one result or a tuple of results: each is written into
    its ``out`` tensor; the out tensors come back in the result's (named) tuple type."""
    if out is None:
        return result
    if isinstance(result, tuple):
        for r, o in zip(result, out):
            write_out(r, o)
        return type(result)(out)
    return write_out(result, out)


def as_tensor_arg(x, like: Tensor | None = None) -> Tensor:
    """A Tensor for ``x`` (Tensor, number, numpy array or nested list)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return wrap(x)
    from .creation import tensor
    return tensor(x)
