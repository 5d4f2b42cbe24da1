"""Graph passes and the pipeline that runs them.

Each pass is a module of this package exposing ``run(graph, **options) -> Graph`` (a rewrite in
place that returns the graph, or a new graph).  ``PIPELINE`` lists the default inference
pipeline top to bottom; pass modules are imported lazily by name, so the pipeline runs with
whatever pass files exist, and ``register_pass`` adds passes from outside the package.

Options given to ``run_pipeline`` are handed to every pass (passes ignore the ones they do not
know).  ``run_pipeline(g, print_after="all")`` or the environment variable
``GRAPHTORCH_PRINT_AFTER=all`` (or ``cse,dce``) prints the graph after the named passes."""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections import Counter

__all__ = ["PIPELINE", "run_pipeline", "register_pass", "get_pass", "pass_names",
           "count_nodes", "pass_report"]


def _lazy(module: str):
    """A pass function that imports ``graphtorch.ir.passes.<module>`` on first use."""
    def fn(graph, **options):
        mod = importlib.import_module(f"{__name__}.{module}")
        return mod.run(graph, **options)
    fn.__name__ = module
    fn.__qualname__ = f"passes.{module}"
    fn.lazy_module = module
    return fn


# The default inference pipeline, in order: clean-up first (inline, simplify, fold, cse, dce),
# then types, lowering and optimisation for a backend, and memory planning last.
PIPELINE = [
    ("inline", _lazy("inline")),
    ("simplify", _lazy("simplify")),
    ("constant_fold", _lazy("constant_fold")),
    ("cse", _lazy("cse")),
    ("dce", _lazy("dce")),
    ("shape_prop", _lazy("shape_prop")),
    ("bn_fold", _lazy("bn_fold")),      # before decompose: a lowered batch_norm cannot fold
    ("decompose", _lazy("decompose")),
    ("fusion", _lazy("fusion")),
    ("memory_plan", _lazy("memory_plan")),
]


def pass_names() -> list:
    """The names of the registered passes, in pipeline order."""
    return [name for name, _ in PIPELINE]


def _available(name: str, fn) -> bool:
    """Whether a pass can run: lazily imported passes need their module file to exist."""
    mod = getattr(fn, "lazy_module", None)
    if mod is None:
        return True
    return importlib.util.find_spec(f"{__name__}.{mod}") is not None


def get_pass(name: str):
    """The pass function registered as ``name``; ValueError listing the known names if none."""
    for n, fn in PIPELINE:
        if n == name:
            return fn
    raise ValueError(f"unknown pass {name!r}; known passes: {', '.join(pass_names())}")


def register_pass(name: str, fn, after: str | None = None) -> None:
    """Add pass ``fn(graph, **options) -> Graph`` to the pipeline as ``name``.

    Args:
        name: the pass name (replaces an existing pass of that name in place).
        fn: the pass function.
        after: insert right after this pass (default: at the end).
    """
    for i, (n, _) in enumerate(PIPELINE):
        if n == name:
            PIPELINE[i] = (name, fn)
            return
    if after is None:
        PIPELINE.append((name, fn))
        return
    get_pass(after)  # raises with the known names
    idx = pass_names().index(after)
    PIPELINE.insert(idx + 1, (name, fn))


def _print_set(print_after) -> set:
    """The pass names to print after: from the argument, else GRAPHTORCH_PRINT_AFTER."""
    spec = print_after if print_after is not None else os.environ.get("GRAPHTORCH_PRINT_AFTER")
    if not spec:
        return set()
    if isinstance(spec, str):
        spec = [s.strip() for s in spec.split(",") if s.strip()]
    spec = set(spec)
    return set(pass_names()) if "all" in spec else spec


def run_pipeline(graph, passes=None, *, backend=None, verify=False, print_after=None,
                 **options):
    """Run the named passes (default: the whole pipeline) on ``graph`` in pipeline order.

    Args:
        passes: list of pass names, run in the given order; None runs every available pass.
        backend: the target backend name, handed to the passes (decompose, fusion use it).
        verify: run ``graphtorch.ir.verifier.verify`` after each pass.
        print_after: ``"all"`` or a list of pass names: print the graph after those passes
            (``GRAPHTORCH_PRINT_AFTER`` does the same when this is None).
        options: further keyword options handed to every pass.
    """
    if passes is None:
        todo = [(n, fn) for n, fn in PIPELINE if _available(n, fn)]
    else:
        if isinstance(passes, str):
            passes = [passes]
        todo = [(n, get_pass(n)) for n in passes]
    show = _print_set(print_after)
    verifier = importlib.import_module("graphtorch.ir.verifier") if verify else None
    if backend is not None:
        options["backend"] = backend
    for name, fn in todo:
        out = fn(graph, **options)
        graph = graph if out is None else out
        if verifier is not None:
            try:
                verifier.verify(graph)
            except Exception as e:  # name the pass that broke the graph
                raise _renamed(e, f"after pass {name!r}: {e}") from e
        if name in show:
            from ..printer import print_graph
            sys.stdout.write(f"--- after {name} ---\n{print_graph(graph)}")
    return graph


def _renamed(e, msg):
    try:
        return type(e)(msg)
    except Exception:  # noqa: BLE001 - an exception class with another signature
        return e


def count_nodes(graph) -> Counter:
    """Node count per kind over the whole graph (nested blocks included); ``total`` key too."""
    c = Counter(n.kind for n in graph.walk())
    c["total"] = sum(c.values())
    return c


def pass_report(graph_before, graph_after) -> str:
    """A short text table of node counts per kind before and after (for benchmarks)."""
    a, b = count_nodes(graph_before), count_nodes(graph_after)
    kinds = sorted(set(a) | set(b), key=lambda k: (k == "total", k))
    rows = [f"{k:<24}{a.get(k, 0):>8}{b.get(k, 0):>8}" for k in kinds if a.get(k) != b.get(k)
            or k == "total"]
    return "\n".join([f"{'kind':<24}{'before':>8}{'after':>8}"] + rows)
