"""Small torch.jit helpers: is_tracing, is_scripting, annotate and the decorators that give
scripting its hints (ignore, unused, export, Final).  For tracing they are no-ops, as in
PyTorch; ``torch.jit.script`` gives them meaning."""
from __future__ import annotations

import functools
from typing import Final  # noqa: F401  (torch.jit.Final is typing.Final)

__all__ = ["is_tracing", "is_scripting", "annotate", "ignore", "unused", "export", "Final",
           "script_if_tracing"]


def is_tracing() -> bool:
    """True while ``torch.jit.trace`` is recording."""
    from ._tracer import current
    return current() is not None


SCRIPTING = [0]  # > 0 while torch.jit.script compiles (records, replays or falls back)


def is_scripting() -> bool:
    """True inside code compiled by ``torch.jit.script`` (also in the functions it calls and
    on its Python fallback paths); False in eager code and in ``@torch.jit.ignore``
    functions, which run in Python."""
    return SCRIPTING[0] > 0


def annotate(the_type, the_value):
    """Give ``the_value`` a type for the script compiler; returns the value unchanged."""
    return the_value


def ignore(drop=False, **kwargs):
    """Leave a function to Python: the script compiler calls back into it."""
    if callable(drop):
        drop._torchscript_modifier = "ignore"
        return drop

    def deco(fn):
        fn._torchscript_modifier = "unused" if drop else "ignore"
        return fn
    return deco


def unused(fn):
    """Mark a method the script compiler replaces by a raise."""
    if isinstance(fn, property):
        return fn
    fn._torchscript_modifier = "unused"
    return fn


def export(fn):
    """Mark a module method as an extra entry point of the scripted module."""
    fn._torchscript_modifier = "export"
    return fn


def script_if_tracing(fn):
    """Compile ``fn`` with the script compiler when it is called during tracing; plain Python
    otherwise."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if is_tracing():
            try:
                from . import script
            except ImportError:
                return fn(*args, **kwargs)
            return script(fn)(*args, **kwargs)
        return fn(*args, **kwargs)
    wrapper.__original_fn = fn
    return wrapper
