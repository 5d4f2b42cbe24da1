"""``torch.jit.script``: compile Python functions and modules into graphtorch's IR.

The script compiler reads the function's source (``ast``), rewrites its control flow into
calls to a small runtime, and records the result with the tracer: tensor operations, torch
functions and nn.Modules are recorded exactly as ``torch.jit.trace`` records them, while
``if``/``while``/``for`` on data (traced tensors) or on symbolic sizes become ``If`` and
``Loop`` nodes, so data-dependent control flow survives compilation.  Python-valued control
flow (flags, lists, ModuleLists, short ranges) runs at compile time, as in PyTorch.

Modules: ``_source`` (ast of a function), ``_check`` (unsupported syntax), ``_jumps`` and
``_transform`` (the rewrite), ``_convert`` (compiling it against live globals/closures),
``_runtime``/``_iterate``/``_calls`` (what the rewritten code calls), ``_stage_if``/
``_stage_loop``/``_state``/``_context`` (recording blocks), ``_compiled``/``_function``/
``_smodule`` (the compiled objects), ``_lifted`` (number arguments as graph inputs),
``_types`` (annotation checks)."""
from __future__ import annotations

import sys
import types

from ..frontend import NotSupportedError
from ._context import SCRIPTING
from ._convert import convert
from ._function import ScriptedFunction
from ._smodule import ScriptedModule

__all__ = ["script", "ScriptedFunction", "ScriptedModule", "is_scripting"]


def is_scripting() -> bool:
    """True inside code compiled by torch.jit.script (``torch.jit.is_scripting``)."""
    return SCRIPTING[0] > 0


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Compile a function or ``nn.Module`` with its control flow kept in the graph.

    Args:
        obj: a Python function (or lambda), an ``nn.Module`` (``forward`` and its
            ``@torch.jit.export`` methods are compiled, with every method, function and
            user submodule they call), or an already compiled ScriptFunction/ScriptModule.
        optimize: deprecated, ignored (as in PyTorch).
        example_inputs: argument tuples to compile for right away: a list of tuples (for a
            module's ``forward``), or a dict mapping a module's methods to such lists.
            Without them each input signature (dtype and rank of every tensor) is compiled
            on its first call, and ``.graph`` / ``.code`` are available after that.  Python
            ``int``/``float``/``bool`` arguments are run-time inputs of that graph.

    Returns:
        a ``ScriptFunction`` or ``ScriptModule`` callable like ``obj``.

    Raises:
        torch.jit.frontend.NotSupportedError: for Python the compiler does not support,
            with the file, line and a caret under the offending code.
    """
    from ...nn.modules.module import Module
    from .._module import ScriptFunction, ScriptModule
    if optimize is not None:
        import warnings
        warnings.warn("`optimize` is deprecated and has no effect.", FutureWarning)
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        out = ScriptedModule(obj)
        _compile_examples(out, example_inputs, module=True)
        return out
    if isinstance(obj, type):
        raise NotSupportedError(None, f"torch.jit.script of the class {obj.__qualname__} is "
                                      "not supported: script an instance of an nn.Module, or "
                                      "a function")
    if isinstance(obj, types.MethodType):
        obj = obj.__func__ if obj.__self__ is None else obj
    if not isinstance(obj, (types.FunctionType, types.MethodType)):
        raise RuntimeError(f"torch.jit.script expects a function or an nn.Module, got "
                           f"{type(obj).__name__}")
    if isinstance(obj, types.MethodType):
        bound = obj
        fn = ScriptedFunction(obj.__func__, convert(obj.__func__))
        out = _BoundScripted(fn, bound.__self__)
        return out
    out = ScriptedFunction(obj, convert(obj))
    _compile_examples(out, example_inputs, module=False)
    return out


class _BoundScripted:
    """A scripted method bound to its object (``torch.jit.script(obj.method)``)."""

    def __init__(self, fn, owner):
        self._sf, self._owner = fn, owner

    def __call__(self, *args, **kwargs):
        return self._sf(self._owner, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.__dict__["_sf"], name)


def _compile_examples(out, example_inputs, module):
    if example_inputs is None:
        return
    if isinstance(example_inputs, dict):
        items = example_inputs.items()
    else:
        items = [("forward" if module else None, example_inputs)]
    for method, examples in items:
        if callable(method) and not isinstance(method, str):
            method = method.__name__
        for ex in examples:
            args = ex if isinstance(ex, tuple) else (ex,)
            if module:
                out._call_method(method or "forward", args, {})
            else:
                out(*args)


class _CallableModule(types.ModuleType):
    """``graphtorch.jit.script`` is both this package and the function: when the name is
    looked up as the package (``from graphtorch.jit import script`` before jit/__init__
    binds the function), calling it still scripts."""

    def __call__(self, obj, *args, **kwargs):
        return script(obj, *args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
