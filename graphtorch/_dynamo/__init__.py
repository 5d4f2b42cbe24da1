"""``torch._dynamo``: the few entry points PyTorch programs call directly (the torch.compile
tutorial's ``torch._dynamo.reset()``, ``mark_dynamic``, ``config``).  graphtorch's capture lives
in :mod:`graphtorch.compiler`; these map onto it."""
from __future__ import annotations

import functools
import types

__all__ = ["reset", "mark_dynamic", "mark_static", "maybe_mark_dynamic", "disable",
           "allow_in_graph", "is_compiling", "config"]

# knobs programs set; graphtorch keeps one graph per input signature without a size limit
config = types.SimpleNamespace(cache_size_limit=8, accumulated_cache_size_limit=256,
                               suppress_errors=False, verbose=False,
                               capture_scalar_outputs=False,
                               capture_dynamic_output_shape_ops=False,
                               automatic_dynamic_shapes=True, assume_static_by_default=True)


def reset():
    """Forget every compiled graph, as ``torch._dynamo.reset()``."""
    from ..compiler import reset as _reset
    _reset()


def is_compiling() -> bool:
    """True while graphtorch captures a graph."""
    from ..compiler import is_compiling as _is
    return _is()


def mark_dynamic(t, index, min=None, max=None):  # noqa: A002 - torch's keyword names
    """Hint that dim ``index`` of ``t`` varies; graphtorch keeps sizes symbolic by default
    (``dynamic=None``), so this records the hint only."""
    dims = getattr(t, "_dynamo_dynamic_indices", set())
    dims |= set(index if isinstance(index, (list, tuple)) else [index])
    try:
        t._dynamo_dynamic_indices = dims
    except AttributeError:
        pass


maybe_mark_dynamic = mark_dynamic


def mark_static(t, index=None):
    """Hint that ``t``'s sizes are fixed (recorded only)."""
    return None


def disable(fn=None, recursive=True):
    """Run ``fn`` eagerly even inside a compiled region (graphtorch: returns ``fn``)."""
    if fn is None:
        return functools.partial(disable, recursive=recursive)
    return fn


def allow_in_graph(fn):
    """Let ``fn`` be captured as is (graphtorch traces through it anyway)."""
    return fn
