"""Python ``int``/``float``/``bool`` arguments of a scripted function as graph inputs.

TorchScript makes such arguments inputs of the one graph, so a scripted ``forward(x, n: int)``
serves every ``n`` (and a saved module accepts values it was never called with).  The
compiler does the same: each top-level Python number argument is passed to the recorded code
as a 0-dim int64 / float64 / bool tensor, marked as a run-time Python number (the same kind of
value ``int(t)`` gives in scripted code, see ``script/_scalars``), and bound as a graph input.

A trace remembers which positions of its normalized arguments are such numbers
(``Trace.numbers``: position -> ``"int"``/``"float"``/``"bool"``); ``lift`` converts a call's
Python numbers at those positions before the graph runs.  A value of another Python type at a
number position (a tensor, a float for an ``int``) does not match the graph."""
from __future__ import annotations

import contextlib
import inspect

import numpy as np

from ..eager.tensor import Tensor, wrap

__all__ = ["KINDS", "lift", "lift_call", "number_kind", "mismatch", "pinned_note",
           "input_index", "names_of", "number_names", "code_of", "encode_numbers", "decode_numbers",
           "explain_guards"]

# "real" / "integer": a ``float`` / ``int``-annotated argument, which also takes an int or a
# bool / a bool (converted, as TorchScript does)
KINDS = {"int": np.int64, "float": np.float64, "bool": np.bool_, "real": np.float64,
         "integer": np.int64}
_ACCEPTS = {"real": ("float", "int", "bool"), "integer": ("int", "bool")}


def number_kind(v):
    """``"int"``/``"float"``/``"bool"`` for a plain Python number, else None (subclasses such
    as traced sizes, IntEnum members or numpy scalars keep today's handling)."""
    t = type(v)
    if t is int or t is float or t is bool:
        return t.__name__
    return None


def _tensor(v, kind) -> Tensor:
    return wrap(np.array(v, dtype=KINDS[kind]))


def lift(norm, numbers):
    """``norm`` (normalized arguments) with the Python numbers at ``numbers``' positions as
    0-dim tensors; None when a position holds something else (the graph does not apply)."""
    if not numbers:
        return norm
    if type(norm) is not tuple:
        return None
    out = list(norm)
    for i, kind in numbers.items():
        if i >= len(out) or not _accepts(kind, out[i]):
            return None
        out[i] = _tensor(out[i], kind)
    return tuple(out)


def _accepts(kind, v) -> bool:
    got = number_kind(v)
    return got == kind or got in _ACCEPTS.get(kind, ())


def mismatch(norm, numbers, names=None) -> str:
    """Why ``lift`` refused ``norm``: the first number position holding another type."""
    for i, kind in sorted(numbers.items()):
        got = norm[i] if type(norm) is tuple and i < len(norm) else None
        if not _accepts(kind, got):
            name = names[i] if names and i < len(names) else f"#{i}"
            want = {"real": "float", "integer": "int"}.get(kind, kind)
            return (f"argument '{name}' is a Python {want} input of the compiled graph, got "
                    f"{type(got).__name__}")
    return "arguments do not match the compiled graph"


def _parameters(fn):
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None


def lift_call(fn, args, kwargs, skip=()):
    """(args', kwargs', numbers, tensors) for recording ``fn(*args, **kwargs)`` with its
    Python number arguments as 0-dim tensors: defaults are filled in (so that a default and
    the same value passed explicitly share the graph), ``numbers`` maps normalized positions
    to kinds, ``tensors`` are the new tensors (to mark as numbers).  None when no argument is
    a Python number (or the signature cannot be read).  Positions in ``skip`` stay Python
    values."""
    params = _parameters(fn)
    if params is None:
        return None
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return None  # the call itself is wrong: compiled as before, which raises Python's error
    bound.apply_defaults()
    numbers, tensors, pos = {}, [], 0
    for p in params:
        v = bound.arguments.get(p.name)
        if p.kind is p.VAR_POSITIONAL:
            pos += len(v or ())
            continue
        kind = number_kind(v) if p.kind is not p.VAR_KEYWORD and pos not in skip else None
        if kind is not None and p.annotation in (float, "float"):
            kind = "real"  # TorchScript converts an int (or bool) passed as a float argument
        elif kind in ("int", "bool") and p.annotation in (int, "int"):
            kind = "integer"
        if kind is not None:
            t = _tensor(v, kind)
            bound.arguments[p.name] = t
            numbers[pos] = kind
            tensors.append(t)
        pos += 1
    if not numbers:
        return None
    return bound.args, bound.kwargs, numbers, tensors


def input_index(in_spec, pos):
    """The graph input of top-level argument ``pos`` (a single leaf), given the trace's
    input spec; None if it is not one leaf."""
    from . import _pytree as P
    if in_spec == P.LEAF or in_spec[0] != "tuple" or pos >= len(in_spec[2]) or \
            in_spec[2][pos] != P.LEAF:
        return None
    return sum(_count(k) for k in in_spec[2][:pos])


def _count(spec) -> int:
    from . import _pytree as P
    return 1 if spec == P.LEAF else sum(_count(k) for k in spec[2])


def names_of(fn) -> list:
    """Parameter names by normalized position (for error messages)."""
    params = _parameters(fn) or []
    return [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def number_names(trace, kinds=False) -> list:
    """Graph input names of the trace's Python number arguments (with their kinds)."""
    out = []
    for pos in sorted(trace.numbers):
        k = input_index(trace.in_spec, pos)
        if k is not None and k < len(trace.graph.inputs):
            name = trace.graph.inputs[k].name
            out.append((name, trace.numbers[pos]) if kinds else name)
    return out


_ANNOTATION = {"int": "int", "integer": "int", "float": "float", "real": "float",
               "bool": "bool"}


def code_of(trace, name, n_user=None) -> str:
    """``.code`` of a compiled trace: its Python form, with number arguments annotated as
    the Python types they are called with (the graph holds them as 0-dim tensors)."""
    from ..ir.pycode import to_python
    g = trace.graph
    text = to_python(g, name, n_user=len(g.inputs) if n_user is None else n_user)
    if not trace.numbers:
        return text
    head, sep, body = text.partition(")")  # the signature: parameter names hold no ")"
    for arg, kind in number_names(trace, kinds=True):
        head = head.replace(f"{arg}: Tensor", f"{arg}: {_ANNOTATION[kind]}", 1)
    return head + sep + body


def pinned_note(trace, norm) -> str:
    """The end of the "expected inputs" message when a number argument the graph was
    compiled on (``Trace.pinned``) has another value: which argument and which line."""
    for pos, (name, line) in sorted(trace.pinned.items()):
        want = _const(trace.in_spec, pos)
        got = norm[pos] if type(norm) is tuple and pos < len(norm) else None
        if want is not None and got != want[0]:
            where = f" at {line}" if line else ""
            return (f": argument '{name}' is a compile-time value of this graph "
                    f"({name}={want[0]!r}), since the scripted code uses it as a Python "
                    f"value{where} (a size, a list length, an index); call the scripted "
                    "function with every value it needs before saving it")
    return ""


def _const(in_spec, pos):
    if in_spec == "T" or in_spec[0] != "tuple" or pos >= len(in_spec[2]):
        return None
    kid = in_spec[2][pos]
    return (kid[1],) if kid != "T" and kid[0] == "const" else None


def encode_numbers(trace) -> dict:
    """The number arguments of ``trace`` for a jit.save manifest entry."""
    return {"numbers": {str(i): k for i, k in trace.numbers.items()},
            "pinned": {str(i): list(v) for i, v in trace.pinned.items()}}


def decode_numbers(meta, where) -> dict:
    """``Trace`` keyword arguments from a manifest entry (older archives have none)."""
    numbers = {int(i): k for i, k in meta.get("numbers", {}).items()}
    if any(k not in KINDS for k in numbers.values()):
        raise RuntimeError(f"{where}: graph '{meta['graph']}' has an unknown argument kind")
    return {"numbers": numbers,
            "pinned": {int(i): tuple(v) for i, v in meta.get("pinned", {}).items()}}


@contextlib.contextmanager
def explain_guards(trace):
    """A loaded graph with number arguments whose guard fails: say why it cannot compile
    another variant (the guard's own message names the line and the values)."""
    from ..ir.errors import GuardError
    try:
        yield
    except GuardError as e:
        if not trace.numbers:
            raise
        names = ", ".join(repr(n) for n in number_names(trace))
        raise GuardError(f"{e}\n(loaded graph: the Python number arguments {names} are "
                         "run-time inputs, but a value computed from one was used as a Python "
                         "value when the function was compiled, and a loaded graph cannot "
                         "compile another variant: call the scripted function with such "
                         "values before saving it)") from None
