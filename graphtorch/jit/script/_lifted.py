"""Compiling a scripted method with its Python number arguments as graph inputs.

``int``/``float``/``bool`` arguments are recorded as run-time numbers (``.._numargs``), so one
graph serves every value, as in TorchScript.  Three cases keep per-value compilation:

- code that raises while recording with a run-time number (it needs a Python value in a way
  the recording cannot guard) is compiled again on the values;
- an argument whose whole value the graph guards (``torch.zeros(n)``, ``lst[n]``, ``str(n)``)
  gains nothing from being an input: that graph only serves one value, and Python-valued
  control flow around it would be recorded as guards instead of running at compile time.
  Such an argument is compiled on its value from then on (``Variants.pinned``); a loaded
  module called with another value names it and the line in its error;
- an op that keeps the number as an attribute (it reads it as a Python float, e.g.
  ``F.leaky_relu(x, slope)``): the graph would reuse that value on every call."""
from __future__ import annotations

from ...eager.tensor import Tensor
from .._numargs import input_index, lift_call, names_of
from ..frontend import NotSupportedError
from ._compiled import compile_trace

__all__ = ["compile_call"]


def compile_call(variants, fn, args, kwargs, module=None, sig_fn=None, paths=None):
    """``compile_trace`` of ``fn(*args, **kwargs)`` with Python number arguments as inputs
    (except the positions ``variants.pinned`` keeps as values)."""
    comp = None
    for _ in range(2):
        lifted = lift_call(sig_fn or fn, args, kwargs, variants.pinned)
        if lifted is None:
            break
        a, k, numbers, tensors = lifted
        try:
            comp = compile_trace(fn, a, k, module, sig_fn, paths, marks=tensors, replay=False)
        except NotSupportedError:
            raise
        except Exception:  # noqa: BLE001 - compiled again below on the values
            variants.pinned.update({pos: "" for pos in numbers})
            comp = None
            break
        pinned = _pinned(comp.trace, numbers) or _embedded(comp.trace.graph, numbers, tensors)
        if not pinned:
            comp.trace.numbers = numbers
            break
        variants.pinned.update(pinned)
        comp = None
    if comp is None:
        comp = compile_trace(fn, args, kwargs, module, sig_fn, paths)
    names = names_of(sig_fn or fn)
    # for the message of a loaded module called with another value (``run_trace``)
    comp.trace.pinned = {pos: (names[pos] if pos < len(names) else f"#{pos}", line)
                         for pos, line in variants.pinned.items()}
    return comp


def _pinned(trace, numbers) -> dict:
    """Number positions whose graph input a data Guard reads directly (its value is fixed),
    with the line of that guard."""
    inputs = {}
    for pos in numbers:
        k = input_index(trace.in_spec, pos)
        if k is not None:
            inputs[trace.graph.inputs[k]] = pos
    out = {}
    for node in trace.graph.walk():
        if node.kind == "Guard" and node.inputs and node.inputs[0] in inputs:
            out.setdefault(inputs[node.inputs[0]], node.source or "")
    return out




def _embedded(graph, numbers, tensors) -> dict:
    """Number positions whose tensor an op kept as an attribute (``F.leaky_relu(x, s)`` reads
    ``s`` as a Python float): the graph would reuse this call's value on every call, so those
    arguments are compiled on their values.  A number computed from one (``-s``) pins all."""
    by_id = {id(t): pos for pos, t in zip(sorted(numbers), tensors)}
    out = {}
    for node in graph.walk():
        for a in node.attrs.values():
            for t in _tensors(a):
                if id(t) in by_id:
                    out[by_id[id(t)]] = node.source or ""
                else:
                    return {pos: node.source or "" for pos in numbers}
    return out


def _tensors(a):
    if isinstance(a, Tensor):
        yield a
    elif isinstance(a, (list, tuple)):
        for x in a:
            yield from _tensors(x)
    elif isinstance(a, dict):
        for x in a.values():
            yield from _tensors(x)
