"""The few tensor operations the autograd engine itself needs, bound to registry ops."""
from __future__ import annotations

import numpy as np

from ..ops import registry as R
from .dispatch import call
from .tensor import wrap

_add, _sum_to, _cast, _clone = (R.get(n) for n in ("add", "sum_to_size", "_to_copy", "clone"))


def add(a, b):
    return call(_add, a, b)


def add_inplace(a, b):
    np.add(a._data, b._data, out=a._data, casting="unsafe")
    a._vc[0] += 1


def sum_to(g, shape):
    return call(_sum_to, g, size=tuple(shape))


def cast(g, dt):
    return call(_cast, g, dtype=dt)


def clone(g):
    return call(_clone, g)


def detach_copy(g):
    t = wrap(np.array(g._data, copy=True, order="C"))
    t._dtype = g._dtype
    return t


def owned(g) -> bool:
    """True if ``g`` may become a leaf's .grad as is: a fresh, dense, writable array."""
    a = g._data
    return g._base is None and g.grad_fn is None and a.flags.c_contiguous and a.flags.writeable \
        and a.base is None


def check_nan(node, grads):
    for i, g in enumerate(grads):
        if g is not None and np.isnan(g._data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               "output.")


def add_into(a, b):
    """``a += b`` on an engine-private buffer (no version bump: nobody else sees it)."""
    np.add(a._data, b._data, out=a._data)


def fresh_sum(a, b):
    """``a + b`` as a new tensor without recording (both have the same shape and dtype)."""
    t = wrap(np.asarray(np.add(a._data, b._data)))
    t._dtype = a._dtype
    return t
