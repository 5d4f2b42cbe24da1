"""nn.Parameter and nn.Buffer: tensors that a Module registers when assigned as attributes."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import Tensor, _init
from ..ops import dtypes as D


class Parameter(Tensor):
    """A Tensor that is a module parameter (registered on assignment to a Module attribute).

    Args:
        data: the tensor to wrap (shares its memory); an empty tensor when None.
        requires_grad: whether the parameter requires gradient (default True).
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = Tensor(np.empty((0,), dtype=D.get_default_dtype().np))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{type(data).__name__}")
        self = object.__new__(cls)
        _init(self, data._data)
        self._dtype = data._dtype
        self._vc = data._vc
        if requires_grad:
            self.requires_grad_(True)
        return self

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach(), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self._requires_grad)
        memo[id(self)] = result
        return result


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor as a buffer when assigned to a Module attribute (nn.Buffer).

    Args:
        data: the tensor; persistent: whether it is part of the module's state_dict."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = Tensor(np.empty((0,), dtype=D.get_default_dtype().np))
        data = data.detach() if data._requires_grad is False else data
        data.persistent = persistent
        data._is_buffer = True
        return data


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (used by Lazy modules)."""

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        self = super().__new__(cls, None, requires_grad)
        return self

    def materialize(self, shape, device=None, dtype=None):
        dt = dtype or self._dtype
        self._data = np.empty(tuple(shape), dtype=dt.np)
        self._dtype = dt
        self.__class__ = Parameter


def is_lazy(param) -> bool:
    return isinstance(param, UninitializedParameter)
