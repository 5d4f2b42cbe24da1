"""The ScriptModule ``torch.jit.script(module)`` returns.

Like a traced module it mirrors the original's hierarchy and shares its parameter and buffer
dictionaries; ``forward`` and ``@torch.jit.export`` methods are scripted (with every method
and user submodule they call) and compiled per input signature and training mode."""
from __future__ import annotations

import types

from .._module import ScriptModule, TracedModule, run_trace
from .._record import normalize_args
from ._calls import call
from ._compiled import Variants
from ._lifted import compile_call
from ._ignore_log import first_run
from ._context import replaying, scripting, tracer
from ._numbers import inline_call
from ._convert import convert, is_user_function
from ._function import check_saveable, not_compiled

__all__ = ["ScriptedModule", "exported_methods"]


def exported_methods(cls) -> list:
    """Names of the ``@torch.jit.export`` methods of ``cls`` (and its bases)."""
    out = []
    for klass in cls.__mro__:
        for name, fn in vars(klass).items():
            if getattr(fn, "_torchscript_modifier", None) == "export" and name not in out:
                out.append(name)
    return out


class ScriptedModule(ScriptModule):
    """A scripted ``nn.Module``."""

    def __init__(self, orig):
        super().__init__()
        d = self.__dict__
        d["_parameters"] = orig._parameters
        d["_buffers"] = orig._buffers
        d["_non_persistent_buffers_set"] = orig._non_persistent_buffers_set
        d["_orig"] = orig
        d["_compiled"] = {}   # (method, modes) -> latest _Compiled (what jit.save writes)
        d["_variants"] = {}   # (method, modes) -> Variants
        d["original_name"] = type(orig).__name__
        d["training"] = orig.training
        d["_exported"] = exported_methods(type(orig))
        for name, child in orig._modules.items():
            self._modules[name] = None if child is None else ScriptedModule(child)
        for name in ["forward"] + d["_exported"]:
            fn = getattr(type(orig), name, None)
            if isinstance(fn, types.FunctionType) and is_user_function(fn):
                convert(fn)  # unsupported syntax is reported now, not at the first call

    def forward(self, *args, **kwargs):
        return self._call_method("forward", args, kwargs)

    def _call_method(self, method, args, kwargs):
        orig = self._orig
        fn = getattr(orig, method)
        if replaying():
            return fn(*args, **kwargs)
        if tracer() is not None:  # inside another trace or script: record inline
            with scripting():
                return inline_call(tracer(), call, orig if method == "forward" else fn,
                                   *args, **kwargs)
        norm = normalize_args(fn, args, kwargs, RuntimeError)
        key = (method, self._modes())
        variants = self._variants.setdefault(key, Variants())
        hit, out = variants.run(norm, lambda comp: self._state(comp.trace.state))
        if hit:
            return out
        comp = self._compile(variants, method, args, kwargs)
        variants.add(norm, comp)
        self._compiled[key] = comp
        with first_run(comp):
            return run_trace(comp, norm, self._state(comp.trace.state))

    def _compile(self, variants, method, args, kwargs):
        orig = self._orig
        originals = list(orig.modules())
        saved = [m.training for m in originals]
        for m, mine in zip(originals, self.modules()):
            m.training = mine.training
        raw = getattr(type(orig), method)
        conv = convert(raw) if isinstance(raw, types.FunctionType) and \
            is_user_function(raw) else None
        target = types.MethodType(conv, orig) if conv is not None else getattr(orig, method)
        paths = {id(m): n for n, m in orig.named_modules() if n}
        try:
            return compile_call(variants, target, args, kwargs, orig, getattr(orig, method),
                                paths)
        finally:
            for m, t in zip(originals, saved):
                m.training = t

    _modes = TracedModule._modes
    _state = TracedModule._state
    extra_repr = TracedModule.extra_repr
    _get_name = TracedModule._get_name

    def _forward_trace(self):
        comp = self._compiled.get(("forward", self._modes()))
        if comp is None:
            comp = next((c for (m, _), c in self._compiled.items() if m == "forward"), None)
        if comp is None:
            raise not_compiled(f"scripted module {self.original_name}")
        return comp.trace

    def save(self, f, _extra_files=None):
        if not self._compiled:
            raise not_compiled(f"scripted module {self.original_name}")
        check_saveable([c.trace.graph for c in self._compiled.values()],
                       f"scripted module {self.original_name}")
        super().save(f, _extra_files)

    def __getattr__(self, name):
        d = self.__dict__
        if name in d.get("_exported", ()):
            return lambda *a, **k: self._call_method(name, a, k)
        try:
            return super().__getattr__(name)
        except AttributeError:
            orig = d.get("_orig")
            if orig is None or name.startswith("__"):
                raise
        value = getattr(orig, name)
        if isinstance(value, types.MethodType) and value.__self__ is orig:
            return lambda *a, **k: self._call_method(name, a, k)
        return value  # constants and attributes of the original module
