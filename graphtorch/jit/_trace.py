"""``torch.jit.trace`` / ``trace_module`` and the trace checker."""
from __future__ import annotations

import copy
import difflib
import warnings

import numpy as np

from ..eager.tensor import Tensor
from ..nn.modules.module import Module
from ._module import ScriptFunction, TracedModule
from ._record import record
from ._tracer import TracerWarning

__all__ = ["trace", "trace_module", "TracingCheckError"]


class TracingCheckError(Exception):
    """The trace does not reproduce the traced function (raised by ``check_trace``)."""

    def __init__(self, graph_diff_error, tensor_compare_error, extra_msg=None):
        self.message = "Tracing failed sanity checks!\n"
        if extra_msg is not None:
            self.message += extra_msg + "\n"
        if graph_diff_error is not None:
            self.message += "ERROR: Graphs differed across invocations!\n" + graph_diff_error
        if tensor_compare_error is not None:
            self.message += ("ERROR: Tensor-valued Constant nodes differed in value across "
                             "invocations or outputs differ from Python\n" + tensor_compare_error)
        super().__init__(self.message)


def _as_tuple(x):
    if x is None:
        return ()
    return x if isinstance(x, tuple) else (x,)


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """Trace a function or module into a graph by running it on example inputs.

    Args:
        func: a Python function, an ``nn.Module`` (its ``forward`` is traced) or a bound
            method of a module.
        example_inputs: a tuple of arguments (a single tensor is wrapped in a tuple).
        check_trace: run the inputs through the trace again and compare with Python.
        check_inputs: a list of argument tuples to check with instead of ``example_inputs``.
        check_tolerance: tolerance of the check.
        strict: reject lists and dicts in the outputs (PyTorch's rule).
        example_kwarg_inputs: keyword arguments, alone or with ``example_inputs``.

    Returns:
        a ``ScriptModule`` for modules, a ``ScriptFunction`` for functions.  Sizes read from
        inputs (``x.shape``, ``x.size(0)``) are symbolic, so the result runs at other batch or
        sequence lengths; decisions taken on data or sizes become guards checked on every call.
    """
    if optimize is not None:
        warnings.warn("`optimize` is deprecated and has no effect.", FutureWarning)
    if isinstance(func, Module):
        return trace_module(func, {"forward": example_inputs}, None, check_trace,
                            _wrap_check(check_inputs, "forward"), check_tolerance, strict,
                            example_inputs_is_kwarg=example_kwarg_inputs is not None,
                            _kwargs=example_kwarg_inputs)
    owner = getattr(func, "__self__", None)
    if isinstance(owner, Module):
        name = func.__name__
        traced = trace_module(owner, {name: example_inputs}, None, check_trace,
                              _wrap_check(check_inputs, name), check_tolerance, strict,
                              _kwargs=example_kwarg_inputs)
        return traced if name == "forward" else getattr(traced, name)
    if not callable(func):
        raise RuntimeError("Could not get name of python class object")
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError("example_kwarg_inputs and example_inputs cannot both be None")
    args, kwargs = _as_tuple(example_inputs), dict(example_kwarg_inputs or {})
    tr, _ = record(func, args, kwargs, None, strict=strict)
    fn = ScriptFunction(tr, func)
    if check_trace:
        checks = check_inputs if check_inputs is not None else [args]
        for c in checks:
            _check(lambda *a, **k: func(*a, **k), fn, tr, _as_tuple(c), kwargs,
                   check_tolerance, lambda a, k: record(func, a, k, None, strict=strict)[0])
    return fn


def _wrap_check(check_inputs, name):
    if check_inputs is None:
        return None
    return [{name: c} if not isinstance(c, dict) else c for c in check_inputs]


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None,
                 check_tolerance=1e-5, strict=True, _force_outplace=False,
                 _module_class=None, _compilation_unit=None, example_inputs_is_kwarg=False,
                 _store_inputs=True, _kwargs=None):
    """Trace the methods of ``mod`` named in ``inputs`` (a dict method name -> example
    arguments) and return a ``ScriptModule`` sharing ``mod``'s parameters and buffers."""
    if not isinstance(mod, Module):
        raise AttributeError("expected torch.nn.Module as the first argument")
    if not isinstance(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")
    traced = TracedModule(mod)
    for method, example in inputs.items():
        if example_inputs_is_kwarg and isinstance(example, dict):
            args, kwargs = (), dict(example)
        else:
            args, kwargs = _as_tuple(example), dict(_kwargs or {})
        comp = traced._trace_now(method, args, kwargs, strict)
        if check_trace:
            checks = [c[method] for c in check_inputs] if check_inputs else [args]
            fn = getattr(mod, method)
            for c in checks:
                cargs = _as_tuple(c)
                _check(fn, lambda *a, **k: traced._call_method(method, a, k), comp.trace,
                       cargs, kwargs, check_tolerance,
                       lambda a, k: record(fn, a, k, mod, strict=strict)[0], module=mod)
    return traced


# ------------------------------------------------------------------ checking
def _check(py_fn, traced_fn, tr, args, kwargs, tol, retrace, module=None):
    """Retrace on ``args`` and compare graphs; run trace and Python and compare outputs.
    Module state (buffers) and the random generator are restored afterwards."""
    from .. import random as gt_random
    saved_state = _snapshot(module)
    rng = gt_random.get_rng_state()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TracerWarning)
            other = retrace(_clone(args), _clone(kwargs))
        a, b = str(tr.graph), str(other.graph)
        if _strip(a) != _strip(b):
            diff = "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(),
                                                  "first trace", "check trace", lineterm=""))
            raise TracingCheckError(diff + "\n", None)
        _restore(module, saved_state)
        gt_random.set_rng_state(rng)
        try:
            got = traced_fn(*_clone(args), **_clone(kwargs))
        except RuntimeError as e:
            raise TracingCheckError(None, None, f"the trace failed on the check inputs: {e}")
        _restore(module, saved_state)
        gt_random.set_rng_state(rng)
        want = py_fn(*_clone(args), **_clone(kwargs))
        if not _random_graph(tr.graph):
            _compare(got, want, tol)
    finally:
        _restore(module, saved_state)
        gt_random.set_rng_state(rng)


def _strip(text):
    """Graph text without source comments (a check from another call site is still equal)
    and without the trace-time sizes (``hints`` line: check inputs may have other sizes)."""
    return "\n".join(line.split("  # ")[0] for line in text.splitlines()
                     if not line.lstrip().startswith("hints "))


def _random_graph(graph) -> bool:
    from ..ops import registry as R
    return any(R.has(n.kind) and "random" in R.get(n.kind).tags for n in graph.walk())


def _compare(got, want, tol):
    from ._pytree import flatten
    g, _ = flatten(got)
    w, _ = flatten(want)
    for i, (x, y) in enumerate(zip(g, w)):
        if isinstance(x, Tensor) and isinstance(y, Tensor):
            a, b = x.detach()._data, y.detach()._data
            if a.shape != b.shape or not np.allclose(a.astype(np.float64) if a.dtype.kind != "c"
                                                     else a, b, rtol=tol, atol=tol,
                                                     equal_nan=True):
                raise TracingCheckError(None, f"output {i} of the trace differs from Python: "
                                              f"max abs diff {_maxdiff(a, b)}")


def _maxdiff(a, b):
    try:
        return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
    except (ValueError, TypeError):
        return "shape mismatch"


def _clone(x):
    if isinstance(x, Tensor):
        return x.detach().clone().requires_grad_(x.requires_grad)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[_clone(v) for v in x])
    if isinstance(x, (tuple, list)):
        return type(x)(_clone(v) for v in x)
    if isinstance(x, dict):
        return {k: _clone(v) for k, v in x.items()}
    return copy.copy(x)


def _snapshot(module):
    if module is None:
        return None
    return [(b, b._data.copy()) for b in module.buffers()]


def _restore(module, saved):
    if saved:
        for b, data in saved:
            b._data[...] = data

