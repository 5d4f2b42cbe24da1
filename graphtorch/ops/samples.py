"""Shared sample-input generators: small shapes, broadcasting, 0-dim and empty tensors, and
values inside an op's domain, for every dtype an op supports."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from .registry import Sample

UNARY_SHAPES = [(3, 4), (), (0, 3), (2, 1, 3)]
BINARY_SHAPES = [((3, 4), (3, 4)), ((2, 1, 4), (3, 1)), ((3, 4), ()), ((), ())]


def array(shape, dtype: D.dtype, seed=0, lo=-2.0, hi=2.0):
    """Random values of ``dtype`` in [lo, hi) (ints: integers in that range, bool: coin flips)."""
    r = np.random.RandomState(seed + 7 * len(shape) + sum(shape))
    if dtype is D.bool:
        return np.asarray(r.rand(*shape) > 0.5)
    if dtype.category == D._INT:
        lo_i = 0 if not dtype.is_signed else int(np.floor(lo))
        hi_i = max(int(np.ceil(hi)), lo_i + 1)
        return r.randint(lo_i, hi_i + 1, size=shape).astype(dtype.np)
    v = r.uniform(lo, hi, size=shape)
    if dtype.category == D._COMPLEX:
        v = v + 1j * r.uniform(lo, hi, size=shape)
    return np.asarray(v).astype(dtype.np)


def unary(dtype, lo=-2.0, hi=2.0, shapes=UNARY_SHAPES, **kwargs):
    for i, s in enumerate(shapes):
        yield Sample((array(s, dtype, i, lo, hi),), dict(kwargs), name=f"shape{s}")


def binary(dtype, lo=-2.0, hi=2.0, lo2=None, hi2=None, scalar=2.5, **kwargs):
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2
    for i, (a, b) in enumerate(BINARY_SHAPES):
        yield Sample((array(a, dtype, i, lo, hi), array(b, dtype, i + 11, lo2, hi2)),
                     dict(kwargs), name=f"{a}x{b}")
    if scalar is not None:
        sc = scalar if dtype.category >= D._FLOAT else int(scalar)
        if dtype is D.bool:
            sc = True
        yield Sample((array((3, 2), dtype, 5, lo, hi), sc), dict(kwargs), name="scalar")


FLOAT_DTYPES = (D.float32, D.float64)
NUMERIC = (D.float32, D.float64, D.int32, D.int64)
ALL_REAL = (D.float16, D.bfloat16, D.float32, D.float64, D.uint8, D.int8, D.int16, D.int32,
            D.int64, D.bool)
