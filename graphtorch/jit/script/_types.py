"""Argument annotations (typing ``List``/``Dict``/``Tuple``/``Optional``/``Union``, builtin
generics, ``# type:`` comments) checked against the values a scripted function is called
with; a mismatch raises RuntimeError as PyTorch's script functions do."""
from __future__ import annotations

import inspect
import typing

from ...eager.tensor import Tensor

__all__ = ["check_call", "signature_types", "type_name"]

_NONE = type(None)


def _comment_types(fn, comment, params):
    """Parameter annotations from a ``# type: (A, B) -> R`` comment."""
    text = comment.strip()
    if not text.startswith("(") or "->" not in text:
        return {}
    args = text[:text.rindex("->")].strip()
    ns = dict(getattr(fn, "__globals__", {}))
    ns.update({k: getattr(typing, k) for k in ("List", "Dict", "Tuple", "Optional", "Union",
                                               "Any")})
    ns.setdefault("Tensor", Tensor)
    try:
        types = eval("[" + args[1:-1] + "]", ns)  # noqa: S307 - the user's own source text
    except Exception as e:  # noqa: BLE001 - a comment we cannot read is a user error
        raise RuntimeError(f"{fn.__qualname__}: cannot read the type comment "
                           f"'# type: {comment}': {e}") from None
    names = [p for p in params if p not in ("self",)]
    if len(types) != len(names):
        raise RuntimeError(f"{fn.__qualname__}: the type comment gives {len(types)} argument "
                           f"types for {len(names)} arguments")
    return dict(zip(names, types))


def signature_types(fn, comment=None) -> dict:
    """name -> annotation for the annotated parameters of ``fn``."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    params = list(sig.parameters)
    if comment:
        return _comment_types(fn, comment, params)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable string annotations: use the raw ones
        hints = dict(getattr(fn, "__annotations__", {}) or {})
    return {k: v for k, v in hints.items() if k in params}


def type_name(t) -> str:
    """PyTorch's spelling of a type (``Tensor``, ``List[int]``, ``Optional[Tensor]``)."""
    if t is Tensor or getattr(t, "__name__", None) == "Tensor":
        return "Tensor"
    if t is _NONE or t is None:
        return "NoneType"
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Union:
        if len(args) == 2 and _NONE in args:
            return f"Optional[{type_name(args[0] if args[1] is _NONE else args[1])}]"
        return "Union[" + ", ".join(type_name(a) for a in args) + "]"
    if origin in (list, tuple, dict):
        name = {list: "List", tuple: "Tuple", dict: "Dict"}[origin]
        return f"{name}[" + ", ".join(type_name(a) for a in args) + "]"
    return getattr(t, "__name__", str(t))


def matches(v, t) -> bool:
    """Whether value ``v`` is of annotated type ``t`` (unknown annotations match)."""
    if t is typing.Any or t is inspect.Parameter.empty:
        return True
    if t is None or t is _NONE:
        return v is None
    if t is Tensor or getattr(t, "__name__", None) == "Tensor" and isinstance(t, type):
        return isinstance(v, Tensor)
    if t is bool:
        return type(v) is bool
    if t is int:
        return isinstance(v, int) and type(v) is not bool
    if t is float:
        return isinstance(v, (int, float)) and type(v) is not bool
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Union:
        return any(matches(v, a) for a in args)
    if origin is list:
        return isinstance(v, list) and (not args or all(matches(x, args[0]) for x in v))
    if origin is dict:
        return isinstance(v, dict) and (not args or all(
            matches(k, args[0]) and matches(x, args[1]) for k, x in v.items()))
    if origin is tuple:
        if not isinstance(v, tuple):
            return False
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            return not args or all(matches(x, args[0]) for x in v)
        return len(v) == len(args) and all(matches(x, a) for x, a in zip(v, args))
    if isinstance(t, type):
        return isinstance(v, t)
    return True


def _type_of(v) -> str:
    if isinstance(v, Tensor):
        return "Tensor"
    if isinstance(v, (list, tuple)) and v:
        inner = _type_of(v[0])
        return f"List[{inner}]" if isinstance(v, list) else \
            "Tuple[" + ", ".join(_type_of(x) for x in v) + "]"
    return type(v).__name__


def check_call(fn, types: dict, bound: inspect.BoundArguments):
    """Raise RuntimeError when an argument does not match its annotation."""
    for name, t in types.items():
        if name not in bound.arguments:
            continue
        v = bound.arguments[name]
        if type(v) is bool and t in (int, float):  # TorchScript converts it (True -> 1)
            continue
        if not matches(v, t):
            raise RuntimeError(f"{fn.__name__}() Expected a value of type '{type_name(t)}' "
                               f"for argument '{name}' but instead found type "
                               f"'{_type_of(v)}'.")
