"""IR types: ``Tensor[dtype, shape, device]`` (dims are ints or symbolic expressions), scalars,
``List``, ``Tuple``, ``Optional`` and ``Any``.

Text forms (printed and parsed): ``f32[N, 784]``, ``i64[]``, ``f32[3]@cuda:0``, ``Tensor``
(unknown dtype and shape), ``int``, ``float``, ``bool``, ``str``, ``None``, ``Device``,
``Dtype``, ``List[int]``, ``Tuple[f32[3], int]``, ``Optional[f32[3]]``, ``Any``."""
from __future__ import annotations

import ast

from ..ops import dtypes as D
from . import symbolic as S

__all__ = ["Type", "TensorType", "ScalarType", "ListType", "TupleType", "OptionalType",
           "INT", "FLOAT", "BOOL", "STR", "NONE", "DEVICE", "DTYPE", "ANY", "TENSOR",
           "parse_type", "type_of_value", "DTYPE_SHORT", "SHORT_DTYPE"]

DTYPE_SHORT = {D.float32: "f32", D.float64: "f64", D.float16: "f16", D.bfloat16: "bf16",
               D.int8: "i8", D.int16: "i16", D.int32: "i32", D.int64: "i64", D.uint8: "u8",
               D.bool: "b8", D.complex64: "c64", D.complex128: "c128"}
SHORT_DTYPE = {v: k for k, v in DTYPE_SHORT.items()}


class Type:
    """Base of IR types; types are immutable and compare by value."""

    __slots__ = ()

    def __repr__(self):
        return str(self)

    def __eq__(self, other):
        return type(other) is type(self) and str(other) == str(self)

    def __hash__(self):
        return hash(str(self))


class TensorType(Type):
    """A tensor with ``dtype`` (or None: unknown), ``shape`` (tuple of int / Expr, or None:
    unknown rank) and ``device`` string."""

    __slots__ = ("dtype", "shape", "device")

    def __init__(self, dtype=None, shape=None, device="cpu"):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(S.expr_of(d) for d in shape)
        self.device = str(device)

    @property
    def ndim(self):
        return None if self.shape is None else len(self.shape)

    def is_static(self) -> bool:
        return self.shape is not None and all(type(d) is int for d in self.shape)

    def symbols(self) -> set:
        out: set = set()
        for d in self.shape or ():
            out |= S.free_symbols(d)
        return out

    def __str__(self):
        if self.dtype is None and self.shape is None:
            return "Tensor" if self.device == "cpu" else f"Tensor@{self.device}"
        dt = DTYPE_SHORT[self.dtype] if self.dtype is not None else "Tensor"
        dims = "" if self.shape is None else \
            "[" + ", ".join(S.expr_str(d) for d in self.shape) + "]"
        dev = "" if self.device == "cpu" else f"@{self.device}"
        return f"{dt}{dims}{dev}"


class ScalarType(Type):
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


class ListType(Type):
    __slots__ = ("elem",)

    def __init__(self, elem):
        self.elem = elem

    def __str__(self):
        return f"List[{self.elem}]"


class TupleType(Type):
    __slots__ = ("elems",)

    def __init__(self, elems):
        self.elems = tuple(elems)

    def __str__(self):
        return "Tuple[" + ", ".join(str(e) for e in self.elems) + "]"


class OptionalType(Type):
    __slots__ = ("elem",)

    def __init__(self, elem):
        self.elem = elem

    def __str__(self):
        return f"Optional[{self.elem}]"


INT, FLOAT, BOOL, STR = ScalarType("int"), ScalarType("float"), ScalarType("bool"), \
    ScalarType("str")
NONE, DEVICE, DTYPE, ANY = ScalarType("None"), ScalarType("Device"), ScalarType("Dtype"), \
    ScalarType("Any")
COMPLEX = ScalarType("complex")
TENSOR = TensorType()
_SCALARS = {t.name: t for t in (INT, FLOAT, BOOL, STR, NONE, DEVICE, DTYPE, ANY, COMPLEX)}


# ------------------------------------------------------------------ parsing
def parse_type(text: str) -> Type:
    """Parse the text form of a type (inverse of ``str(type)``)."""
    text = text.strip()
    dev = "cpu"
    if "@" in text and not text.startswith(("List", "Tuple", "Optional")):
        text, dev = text.rsplit("@", 1)
    return _from_ast(ast.parse(text.replace("[]", "[()]"), mode="eval").body, dev)


def _from_ast(node, dev="cpu") -> Type:
    if isinstance(node, ast.Constant) and node.value is None:
        return NONE
    if isinstance(node, ast.Name):
        if node.id == "Tensor":
            return TensorType(device=dev)
        if node.id in SHORT_DTYPE:
            return TensorType(SHORT_DTYPE[node.id], None, dev)
        if node.id in _SCALARS:
            return _SCALARS[node.id]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        head = node.value.id
        sl = node.slice
        items = list(sl.elts) if isinstance(sl, (ast.Tuple, ast.List)) else [sl]
        if head in SHORT_DTYPE or head == "Tensor":
            dt = SHORT_DTYPE.get(head)
            return TensorType(dt, tuple(S.from_ast(i) for i in items), dev)
        if head == "List":
            return ListType(_from_ast(items[0]))
        if head == "Optional":
            return OptionalType(_from_ast(items[0]))
        if head == "Tuple":
            return TupleType(_from_ast(i) for i in items)
    raise ValueError(f"cannot parse type {ast.unparse(node)!r}")


def type_of_value(v) -> Type:
    """The IR type of a Python constant (for Constant nodes and attributes)."""
    if v is None:
        return NONE
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return INT
    if isinstance(v, float):
        return FLOAT
    if isinstance(v, complex):
        return COMPLEX
    if isinstance(v, str):
        return STR
    if isinstance(v, D.dtype):
        return DTYPE
    if isinstance(v, (list, tuple)):
        elems = [type_of_value(x) for x in v]
        if isinstance(v, list):
            return ListType(elems[0] if elems and all(e == elems[0] for e in elems) else ANY)
        return TupleType(elems)
    return ANY
