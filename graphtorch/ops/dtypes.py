"""dtype objects and PyTorch's type promotion (torch.result_type / promote_types / can_cast).

numpy's promotion rules differ from PyTorch's (float16 + int64 is float64 in numpy, float16 in
torch), so every result dtype comes from the tables here, never from numpy.
"""
from __future__ import annotations

import numpy as np
import ml_dtypes

__all__ = [
    "dtype", "float16", "bfloat16", "float32", "float64", "uint8", "int8", "int16", "int32",
    "int64", "bool", "complex64", "complex128", "promote_types", "result_type", "can_cast",
    "get_default_dtype", "set_default_dtype", "from_numpy_dtype", "finfo", "iinfo",
]

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, e.g. ``torch.float32``; compare with ``is`` or ``==``."""

    __slots__ = ("name", "np", "itemsize", "category", "is_signed", "_rank", "__weakref__")

    def __init__(self, name, np_dtype, category, rank, is_signed=True):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.category = category
        self.is_signed = is_signed
        self._rank = rank

    @property
    def is_floating_point(self) -> bool:
        return self.category == _FLOAT

    @property
    def is_complex(self) -> bool:
        return self.category == _COMPLEX

    def to_real(self) -> "dtype":
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> "dtype":
        return {float64: complex128, complex128: complex128}.get(self, complex64)

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = dtype("float16", np.float16, _FLOAT, 1)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT, 1)
float32 = dtype("float32", np.float32, _FLOAT, 2)
float64 = dtype("float64", np.float64, _FLOAT, 3)
uint8 = dtype("uint8", np.uint8, _INT, 0, is_signed=False)
int8 = dtype("int8", np.int8, _INT, 0)
int16 = dtype("int16", np.int16, _INT, 1)
int32 = dtype("int32", np.int32, _INT, 2)
int64 = dtype("int64", np.int64, _INT, 3)
bool = dtype("bool", np.bool_, _BOOL, 0, is_signed=False)  # noqa: A001 - torch.bool
complex64 = dtype("complex64", np.complex64, _COMPLEX, 2)
complex128 = dtype("complex128", np.complex128, _COMPLEX, 3)

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
       complex64, complex128)
FLOATING = (float16, bfloat16, float32, float64)
INTEGRAL = (uint8, int8, int16, int32, int64)

# torch's aliases (torch.half, torch.long, ...)
ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16,
           "int": int32, "long": int64, "cfloat": complex64, "cdouble": complex128,
           "complex32": None}

_NP_TO_DTYPE = {d.np: d for d in ALL}
_NAME = {d.name: d for d in ALL}
# torch's legacy tensor type names, used by Tensor.type()
TYPE_NAMES = {float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor",
              bfloat16: "BFloat16Tensor", uint8: "ByteTensor", int8: "CharTensor",
              int16: "ShortTensor", int32: "IntTensor", int64: "LongTensor", bool: "BoolTensor",
              complex64: "ComplexFloatTensor", complex128: "ComplexDoubleTensor"}
# names in printed scalar-type form ("Float", "Long") used in error messages
SCALAR_NAMES = {float32: "Float", float64: "Double", float16: "Half", bfloat16: "BFloat16",
                uint8: "Byte", int8: "Char", int16: "Short", int32: "Int", int64: "Long",
                bool: "Bool", complex64: "ComplexFloat", complex128: "ComplexDouble"}


def _by_name(name):
    return _NAME[name]


def from_numpy_dtype(npd) -> dtype:
    """The graphtorch dtype for a numpy dtype; TypeError for types torch lacks."""
    try:
        return _NP_TO_DTYPE[np.dtype(npd)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(npd)}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
            "uint8, and bool.") from None


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == _COMPLEX and lo is float64:
            return complex128
        return hi
    if a.category == _INT:
        if uint8 in (a, b):
            other = b if a is uint8 else a
            return int16 if other is int8 else other
        return a if a._rank > b._rank else b
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a._rank > b._rank else b


_PROMOTE = {(a, b): _promote_pair(a, b) for a in ALL for b in ALL}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype to which both ``type1`` and ``type2`` can be cast (torch.promote_types)."""
    return _PROMOTE[type1, type2]


_default = [float32]


def get_default_dtype() -> dtype:
    """The default floating point dtype (initially ``torch.float32``)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating point dtype; only float32 and float64 are allowed (as in torch)."""
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d
    _RT_CACHE.clear()
    from . import promote
    promote.clear_caches()


def default_complex() -> dtype:
    return complex128 if _default[0] is float64 else complex64


def scalar_dtype(v) -> dtype:
    """The dtype PyTorch gives a wrapped Python number when it takes part in promotion."""
    t = type(v)
    if t is float:
        return _default[0]
    if t is int:
        return int64
    if t is builtins_bool:
        return bool
    if t is complex:
        return default_complex()
    if isinstance(v, np.generic):
        return scalar_dtype(v.item())
    if isinstance(v, (int, np.integer)):
        return int64
    raise TypeError(f"unsupported scalar type {t.__name__}")


builtins_bool = type(True)


def _combine(higher, lower):
    # PyTorch's combine_categories: a lower-priority participant matters only if it belongs
    # to a higher category (bool < int < float < complex).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == _COMPLEX:
        return higher
    if lower.category == _COMPLEX:
        return higher.to_complex() if higher.category == _FLOAT else lower
    if higher.category == _FLOAT:
        return higher
    if higher is bool or lower.category == _FLOAT:
        return _PROMOTE[higher, lower]
    return higher


def _fold(types):
    out = None
    for t in types:
        out = t if out is None else _PROMOTE[out, t]
    return out


def result_type_from(dim_types, zero_types, scalar_types) -> dtype:
    """PyTorch's three-tier promotion: sized tensors > 0-dim tensors > Python scalars."""
    return _combine(_fold(dim_types), _combine(_fold(zero_types), _fold(scalar_types)))


_RT_CACHE: dict = {}


def result_type(*args) -> dtype:
    """The dtype an arithmetic op on ``args`` (tensors and/or numbers) produces (torch.result_type)."""
    dims, zeros, scalars = [], [], []
    for a in args:
        d = getattr(a, "_dtype", None)
        if d is not None:
            (dims if a._data.ndim else zeros).append(d)
        elif isinstance(a, dtype):
            dims.append(a)
        else:
            scalars.append(scalar_dtype(a))
    return result_type_from(dims, zeros, scalars)


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether a same-kind cast is allowed by PyTorch's promotion rules (torch.can_cast)."""
    if from_.category > to.category:
        return False
    return not (to is bool and from_ is not bool)


class finfo:
    """Machine limits for floating point types (torch.finfo)."""

    def __init__(self, type=None):  # noqa: A002 - torch's parameter name
        type = type or _default[0]
        if type.category not in (_FLOAT, _COMPLEX):
            raise TypeError("torch.finfo() requires a floating point input type.")
        fi = ml_dtypes.finfo(type.to_real().np) if type is bfloat16 else np.finfo(type.to_real().np)
        self.bits = fi.bits
        self.eps = float(fi.eps)
        self.max = float(fi.max)
        self.min = float(fi.min)
        self.tiny = float(fi.tiny)
        self.smallest_normal = self.tiny
        self.resolution = float(fi.resolution)
        self.dtype = type.to_real().name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Machine limits for integer types (torch.iinfo)."""

    def __init__(self, type):  # noqa: A002
        if type.category not in (_INT, _BOOL):
            raise TypeError("torch.iinfo() requires an integer input type.")
        ii = np.iinfo(type.np) if type is not bool else None
        self.bits = type.itemsize * 8
        self.max = int(ii.max) if ii else 1
        self.min = int(ii.min) if ii else 0
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
