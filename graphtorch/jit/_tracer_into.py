"""``trace_into``: record a function into an existing graph at its insert point, with tensors
standing for given Values (the decompose pass traces decompositions this way)."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import Tensor
from ..ir import symbolic as S
from ..ir.graph import Graph
from ._tracer import Tracer

__all__ = ["trace_into"]


def trace_into(graph: Graph, fn, input_values, attrs=None, hints=None):
    """Record ``fn(*tensors, **attrs)`` into ``graph`` at its insert point, with the tensors
    standing for ``input_values``; returns the Values of fn's tensor outputs.  Symbols in the
    input types take ``hints`` (default: distinct primes) as their trace-time sizes."""
    from ..eager.tensor import wrap
    tr = Tracer(graph)
    primes = iter([7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67])
    for v in input_values:
        for s in getattr(v.type, "symbols", lambda: set())():
            if s not in tr.hints:
                tr.hints[s] = (hints or {}).get(s) or next(primes)
    tensors = []
    for v in input_values:
        t = v.type
        shape = tuple(S.evaluate(d, tr.hints) for d in t.shape)
        arr = _example(t.dtype, shape)
        x = wrap(arr)
        tr.bind(x, v)
        tensors.append(x)
    tr._nsym = 1000
    with tr:
        out = fn(*tensors, **(attrs or {}))
    outs = out if isinstance(out, (tuple, list)) else (out,)
    tr.finish(extra_blocks=[graph.insert_point] if graph.insert_point is not None else ())
    return [tr.value_of(o) if isinstance(o, Tensor) else None for o in outs]


def _example(dtype, shape):
    from ..ops import dtypes as D
    if dtype.category >= D._FLOAT:
        return (np.arange(int(np.prod(shape)), dtype=np.float64) % 7 / 7 + 0.1).astype(
            dtype.np).reshape(shape)
    if dtype is D.bool:
        return (np.arange(int(np.prod(shape))) % 2 == 0).reshape(shape)
    return (np.arange(int(np.prod(shape))) % 3).astype(dtype.np).reshape(shape)
