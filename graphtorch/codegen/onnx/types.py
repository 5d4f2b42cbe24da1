"""Type mapping between graphtorch's IR and ONNX: dtypes, and tensor types whose symbolic
dims become ONNX ``dim_param`` names."""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

from ...ir import symbolic as S
from ...ir.types import BOOL, FLOAT, INT, TensorType
from ...ops import dtypes as D

__all__ = ["to_onnx_dtype", "from_onnx_dtype", "np_dtype", "value_info", "is_float",
           "scalar_dtype"]

_TO = {D.float32: TensorProto.FLOAT, D.float64: TensorProto.DOUBLE,
       D.float16: TensorProto.FLOAT16, D.bfloat16: TensorProto.BFLOAT16,
       D.int8: TensorProto.INT8, D.int16: TensorProto.INT16, D.int32: TensorProto.INT32,
       D.int64: TensorProto.INT64, D.uint8: TensorProto.UINT8, D.bool: TensorProto.BOOL,
       D.complex64: TensorProto.COMPLEX64, D.complex128: TensorProto.COMPLEX128}
_FROM = {v: k for k, v in _TO.items()}


def to_onnx_dtype(dt) -> int:
    """The ONNX ``TensorProto`` element type of graphtorch dtype ``dt``."""
    try:
        return _TO[dt]
    except KeyError:
        raise NotImplementedError(f"ONNX export: dtype {dt} has no ONNX type") from None


def from_onnx_dtype(t: int):
    """The graphtorch dtype of ONNX element type ``t``."""
    try:
        return _FROM[t]
    except KeyError:
        name = TensorProto.DataType.Name(t)
        raise NotImplementedError(f"ONNX import: element type {name} is not supported") \
            from None


def np_dtype(dt):
    """The numpy dtype that holds graphtorch dtype ``dt``."""
    return np.dtype(dt.np)


def is_float(dt) -> bool:
    return dt in (D.float16, D.bfloat16, D.float32, D.float64)


def scalar_dtype(t):
    """The dtype a scalar IR value (int / float / bool) is carried in: a 0-d tensor."""
    if t == BOOL:
        return D.bool
    if t == FLOAT:
        return D.float64
    return D.int64  # int, and Any: sizes and counters


def dims_of(shape, rename=None, static=None):
    """ONNX dims for an IR shape: ints stay ints, bare symbols become dim_param names (after
    ``rename``), other expressions are evaluated with ``static`` when possible, else left
    unnamed (a fresh unknown dim, so shape inference never sees a false equality)."""
    out = []
    for d in shape:
        if type(d) is int:
            out.append(d)
            continue
        if static:
            try:
                out.append(S.evaluate(d, static))
                continue
            except KeyError:
                pass
        name = S.bare_symbol(d)
        out.append((rename or {}).get(name, name) if name is not None else None)
    return out


def value_info(name, t, rename=None, static=None):
    """A ValueInfoProto for IR type ``t``: tensors keep dtype and (symbolic) shape; scalar
    values are 0-d tensors."""
    if isinstance(t, TensorType):
        dt = to_onnx_dtype(t.dtype if t.dtype is not None else D.float32)
        shape = None if t.shape is None else dims_of(t.shape, rename, static)
        return helper.make_tensor_value_info(name, dt, shape)
    if t in (INT, FLOAT, BOOL):
        return helper.make_tensor_value_info(name, to_onnx_dtype(scalar_dtype(t)), [])
    raise NotImplementedError(f"ONNX export: a graph input or output of type {t} cannot be "
                              "expressed in ONNX (only tensors and int/float/bool scalars)")
