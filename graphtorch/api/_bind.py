"""The binding tables: ``@torch_function`` puts a function in the torch namespace,
``@tensor_method`` makes it a Tensor method.  ``graphtorch.api.install()`` applies them in one
place (no scattered monkey-patching)."""
from __future__ import annotations

FUNCTIONS: dict = {}
METHODS: dict = {}


def torch_function(fn=None, *, name=None):
    def deco(f):
        key = name or f.__name__
        if key in FUNCTIONS:
            raise ValueError(f"torch.{key} defined twice")
        FUNCTIONS[key] = f
        return f
    return deco(fn) if fn is not None else deco


def tensor_method(fn=None, *, name=None, names=()):
    def deco(f):
        for key in (name or f.__name__,) + tuple(names):
            if key in METHODS:
                raise ValueError(f"Tensor.{key} defined twice")
            METHODS[key] = f
        return f
    return deco(fn) if fn is not None else deco


def both(fn=None, *, name=None):
    """Register as ``torch.<name>`` and ``Tensor.<name>``."""
    def deco(f):
        torch_function(f, name=name)
        tensor_method(f, name=name)
        return f
    return deco(fn) if fn is not None else deco
