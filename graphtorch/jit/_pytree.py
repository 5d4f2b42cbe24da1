"""Flattening nested inputs/outputs (tuples, lists, dicts, named tuples) at the graph boundary.

A spec is a small tree of tuples describing the container structure; leaves are tensors (graph
values) or, for non-tensor leaves, the constant itself (recorded in the spec and compared on
every call)."""
from __future__ import annotations

from ..eager.tensor import Tensor

__all__ = ["flatten", "unflatten", "spec_str"]

LEAF = "T"


def flatten(obj):
    """(list of tensor leaves, spec)."""
    leaves: list = []
    return leaves, _flat(obj, leaves)


def _flat(obj, leaves):
    if isinstance(obj, Tensor) or hasattr(obj, "_expr"):  # tensors and traced sizes
        leaves.append(obj)
        return LEAF
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return ("namedtuple", type(obj), tuple(_flat(x, leaves) for x in obj))
    if isinstance(obj, tuple):
        return ("tuple", None, tuple(_flat(x, leaves) for x in obj))
    if isinstance(obj, list):
        return ("list", None, tuple(_flat(x, leaves) for x in obj))
    if isinstance(obj, dict):
        keys = tuple(obj.keys())
        return ("dict", keys, tuple(_flat(obj[k], leaves) for k in keys))
    return ("const", obj, ())


def unflatten(spec, leaves):
    """Rebuild the structure of ``spec`` from ``leaves`` (an iterator or list)."""
    it = iter(leaves)
    return _build(spec, it)


def _build(spec, it):
    if spec == LEAF:
        return next(it)
    kind, extra, kids = spec
    if kind == "const":
        return extra
    return assemble(kind, extra, [_build(k, it) for k in kids])


def assemble(kind, extra, vals):
    """The container of a non-leaf spec node ``(kind, extra, ...)`` holding ``vals``."""
    if kind == "tuple":
        return tuple(vals)
    if kind == "list":
        return vals
    if kind == "namedtuple":
        return extra(*vals)
    return dict(zip(extra, vals))


def spec_str(spec) -> str:
    """A readable description of a spec, for error messages."""
    if spec == LEAF:
        return "Tensor"
    kind, extra, kids = spec
    if kind == "const":
        return repr(extra)
    inner = ", ".join(spec_str(k) for k in kids)
    if kind == "dict":
        inner = ", ".join(f"{k!r}: {spec_str(v)}" for k, v in zip(extra, kids))
        return "{" + inner + "}"
    if kind == "namedtuple":
        return f"{extra.__name__}({inner})"
    return f"[{inner}]" if kind == "list" else f"({inner})"


def has_mutable(spec) -> bool:
    """Lists or dicts anywhere in the structure (PyTorch's strict mode rejects them)."""
    if spec == LEAF:
        return False
    kind, _, kids = spec
    return kind in ("list", "dict") or any(has_mutable(k) for k in kids)


def has_dict(spec) -> bool:
    """Dicts anywhere in the structure (PyTorch's strict mode rejects them in outputs)."""
    if spec == LEAF:
        return False
    kind, _, kids = spec
    return kind == "dict" or any(has_dict(k) for k in kids)
