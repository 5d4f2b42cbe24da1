"""Tensor methods that run Python callables per element (apply_, map_, map2_) and
dim_order(); CPU-only conveniences, as in torch (they never record autograd)."""
from __future__ import annotations

import numpy as np

from ._bind import tensor_method


def _check_no_grad(t, name):
    if t._requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")


def _write_elementwise(self, values):
    """Store Python results into ``self`` with its dtype (as torch's cast does), in place."""
    data = self._data
    out = np.asarray(values, dtype=object).astype(data.dtype).reshape(data.shape)
    data[...] = out
    self._vc[0] += 1
    return self


@tensor_method
def apply_(self, callable):  # noqa: A002 - torch's argument name
    """Replace every element by ``callable(element)`` (a Python number function)."""
    _check_no_grad(self, "apply_")
    return _write_elementwise(self, [callable(v) for v in self._data.reshape(-1).tolist()])


@tensor_method
def map_(self, tensor, callable):  # noqa: A002
    """``self[i] = callable(self[i], tensor[i])`` with ``tensor`` broadcast to self's shape."""
    _check_no_grad(self, "map_")
    other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
    mine = self._data.reshape(-1).tolist()
    return _write_elementwise(self, [callable(a, b) for a, b in zip(mine, other)])


@tensor_method
def map2_(self, x, y, callable):  # noqa: A002
    """``self[i] = callable(self[i], x[i], y[i])`` with x and y broadcast to self's shape."""
    _check_no_grad(self, "map2_")
    shape = self._data.shape
    xs = np.broadcast_to(x._data, shape).reshape(-1).tolist()
    ys = np.broadcast_to(y._data, shape).reshape(-1).tolist()
    mine = self._data.reshape(-1).tolist()
    return _write_elementwise(self, [callable(a, b, c) for a, b, c in zip(mine, xs, ys)])


@tensor_method
def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (by decreasing stride; ties keep their
    logical order)."""
    strides = self._data.strides
    return tuple(sorted(range(self._data.ndim), key=lambda d: -strides[d]))
