"""``Module.compile()``: compile a module in place, so that later calls of the module itself
go through ``torch.compile(module, ...)`` (PyTorch keeps the same object, unlike the wrapper
``torch.compile`` returns)."""
from __future__ import annotations


class CompiledCall:
    """The compiled entry of one module.  While it runs, calls of the same module (the eager
    fallback, the capture) take the ordinary path, so it never recurses into itself."""

    def __init__(self, module, args, kwargs):
        from ...compiler import compile as _compile
        self.opt = _compile(module, *args, **kwargs)
        self.active = False

    def __call__(self, args, kwargs):
        self.active = True
        try:
            return self.opt(*args, **kwargs)
        finally:
            self.active = False
