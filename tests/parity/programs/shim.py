"""Make ``import torch`` (and ``torch.X.Y``) resolve to ``graphtorch`` (``graphtorch.X.Y``).

Only the graphtorch side of the program runner installs this, in its own subprocess, so
real torch and graphtorch never share an interpreter.  The alias is the very module
object: ``sys.modules['torch.nn'] is sys.modules['graphtorch.nn']``.
"""
import importlib
import importlib.abc
import importlib.machinery
import sys
import types

ALIAS = "torch"
TARGET = "graphtorch"


def _is_alias(name):
    return name == ALIAS or name.startswith(ALIAS + ".")


def _resolve(fullname):
    """The graphtorch module standing for ``fullname`` (a module attribute also counts)."""
    real_name = TARGET + fullname[len(ALIAS):]
    try:
        return importlib.import_module(real_name)
    except ModuleNotFoundError as e:
        # A dependency missing *inside* graphtorch keeps its own message.
        if e.name is not None and e.name != real_name \
                and not real_name.startswith(e.name + "."):
            raise
    parent_name, _, child = real_name.rpartition(".")
    attr = getattr(importlib.import_module(parent_name), child, None) if parent_name else None
    if isinstance(attr, types.ModuleType):
        return attr
    raise ModuleNotFoundError("No module named %r (graphtorch has no %r)"
                              % (fullname, real_name), name=fullname)


class _Loader(importlib.abc.Loader):
    """Swaps the placeholder module for the graphtorch one (the import system returns
    whatever sits in sys.modules after exec_module)."""

    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return types.ModuleType(spec.name)

    def exec_module(self, module):
        sys.modules[module.__name__] = self.real


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if not _is_alias(fullname):
            return None
        real = _resolve(fullname)
        return importlib.machinery.ModuleSpec(fullname, _Loader(real),
                                              is_package=hasattr(real, "__path__"))


def install():
    """Redirect ``torch`` imports to graphtorch in this process (idempotent)."""
    if any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    loaded = [m for m in sys.modules if _is_alias(m)]
    if loaded:
        raise RuntimeError("shim.install(): real %r is already imported" % loaded[0])
    importlib.import_module(TARGET)
    sys.meta_path.insert(0, _Finder())
