"""``out=`` while tracing: ``torch.add(x, y, out=buf)`` is recorded as the op plus an
assignment of its result to ``buf`` (cast to ``buf``'s dtype), exactly like an in-place write:
later reads of ``buf`` use the new value, a write through a view updates its base, and a write
into a graph input becomes a write-back after each call.

The API functions implement ``out=`` with ``api._util.write_out`` (imported by name into each
API module), so while tracing those names are pointed at ``traced_write_out``; the eager copy
still happens, so tracing goes on with the right values."""
from __future__ import annotations

import sys

__all__ = ["install", "uninstall", "traced_write_out"]

_ORIG = []     # [the original write_out] while installed
_SITES = []    # (module, global name) holding it, found once per set of loaded modules
_SCANNED = [0]  # len(sys.modules) at the last scan


def traced_write_out(result, out):
    """``write_out`` while tracing: copy eagerly, then record ``out``'s new value."""
    from ..api._util import write_out  # the original (its own module is never patched)
    from ._tracer import current
    res = write_out(result, out)
    tr = current()
    if out is None or tr is None or res is not out:
        return res
    v = tr.value_of(result)
    if v.type.dtype is not out._dtype:  # out= casts to the out tensor's dtype
        v = tr._node("_to_copy", [v], {"dtype": out._dtype}, None, [out._data]).outputs[0]
    tr.assign(out, v)
    return out


def install():
    """Point the graphtorch modules' ``write_out`` names at ``traced_write_out``."""
    from ..api import _util
    if _ORIG:
        return
    _ORIG.append(_util.write_out)
    if _SCANNED[0] != len(sys.modules):
        _scan(_ORIG[0])
    for mod, name in _SITES:
        setattr(mod, name, traced_write_out)


def uninstall():
    if not _ORIG:
        return
    orig = _ORIG.pop()
    for mod, name in _SITES:
        setattr(mod, name, orig)


def _scan(fn):
    _SITES.clear()
    for key, mod in list(sys.modules.items()):
        if mod is None or key == fn.__module__ or not key.startswith("graphtorch."):
            continue  # the defining module keeps it: modules imported while tracing get it
        for name, val in list(vars(mod).items()):
            if val is fn:
                _SITES.append((mod, name))
    _SCANNED[0] = len(sys.modules)
