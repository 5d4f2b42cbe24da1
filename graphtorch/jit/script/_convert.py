"""Build the converted function: transformed ast -> code -> a function sharing the original's
globals and closure cells (so globals and closures resolve against the live objects).

The transformed ``def`` is compiled inside a factory whose parameters are the runtime module
(``_gt_rt``) and the original's free variables; the inner code object is then turned into a
function whose closure holds the *original* cells."""
from __future__ import annotations

import ast
import types
import weakref

from . import _runtime
from ._check import check
from ._source import parse_function
from ._transform import RT, transform_function

__all__ = ["convert", "is_user_function"]

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _class_name(fn):
    """The class a method was defined in (for private name mangling), from its qualname."""
    parts = fn.__qualname__.split(".")
    if len(parts) >= 2 and parts[-2] != "<locals>":
        return parts[-2]
    return None


def convert(fn):
    """The converted version of Python function ``fn`` (cached per function object).

    Raises ``torch.jit.frontend.NotSupportedError`` for code the compiler rejects."""
    out = _CACHE.get(fn)
    if out is not None:
        return out
    parsed = parse_function(fn)
    check(parsed)
    tree = transform_function(parsed.tree, _class_name(fn))
    tree.name = "_gt_fn"  # the factory must not shadow a global of the function's own name
    code = fn.__code__
    free = list(code.co_freevars)
    args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in [RT] + free],
                         vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    factory = ast.FunctionDef(name="_gt_factory", args=args,
                              body=[tree, ast.Return(value=ast.Name(id=tree.name,
                                                                    ctx=ast.Load()))],
                              decorator_list=[], returns=None, type_comment=None)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    compiled = compile(module, parsed.filename, "exec")
    fcode = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in fcode.co_consts
                 if isinstance(c, types.CodeType) and c.co_name == tree.name)
    cells = dict(zip(free, fn.__closure__ or ()))
    cells[RT] = types.CellType(_runtime)
    closure = tuple(cells[n] for n in inner.co_freevars)
    new = types.FunctionType(inner, fn.__globals__, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = dict(fn.__kwdefaults__) if fn.__kwdefaults__ else None
    new.__qualname__ = fn.__qualname__
    new.__doc__ = fn.__doc__
    new.__module__ = fn.__module__
    new.__annotations__ = dict(getattr(fn, "__annotations__", {}) or {})
    new._gt_original = fn
    new._gt_type_comment = getattr(parsed.tree, "type_comment", None)
    _CACHE[fn] = new
    return new


def is_user_function(fn) -> bool:
    """Whether ``fn`` is Python code the script compiler should convert (not graphtorch's
    own code, the standard library or an installed package)."""
    if not isinstance(fn, types.FunctionType) or RT in fn.__code__.co_freevars:
        return False  # (a function defined inside converted code is converted already)
    mod = getattr(fn, "__module__", "") or ""
    if mod == "graphtorch" or mod.startswith("graphtorch."):
        return False
    filename = fn.__code__.co_filename
    if "site-packages" in filename or "dist-packages" in filename or \
            filename.startswith("<frozen"):
        return False
    import sys
    for prefix in {sys.base_prefix, sys.prefix}:
        if filename.startswith(prefix + "/lib/python"):
            return False
    return True
