"""Calls made by scripted code: ``_gt_rt.call(f, *args, **kwargs)``.

User functions and methods are scripted recursively (their control flow is kept too); user
``nn.Module`` s run their scripted ``forward`` under their module scope; graphtorch's own
functions and layers run as they are (the tracer records their ops).  ``@torch.jit.ignore``
functions become a ``PythonCall`` node that calls back into Python when the graph runs (such
graphs cannot be saved); ``@torch.jit.unused`` ones raise; ``torch.jit.is_scripting()`` is
True."""
from __future__ import annotations

import builtins
import itertools
import types

from ...eager.tensor import Tensor
from ...ir import prim
from ...ir.symbolic import SymInt
from ...ir.types import TensorType
from .. import _pytree as P
from .. import _api
from .._tracer import source_line
from ..frontend import NotSupportedError
from ._context import replay, replaying, scripting, tracer
from ._effects import record_print
from ._ignore_log import LOGS, logged_call, replayed
from ._scalars import item_number, number_isinstance, runtime_number
from ._scan import StackedList, stack_call
from ._state import alias

__all__ = ["call", "PATHS", "python_functions", "PYTHON_CALL"]

PYTHON_CALL = "PythonCall"
PATHS: list = []  # stack of {id(module): qualified name} for the module being scripted
_PYFNS: dict = {}  # PythonCall key -> (function, input spec, output spec)
_KEYS = itertools.count()


_INT_ARGS = (builtins.range, builtins.bytes, builtins.bytearray)


def _modifier(f):
    m = getattr(f, "_torchscript_modifier", None)
    if m is None and isinstance(f, types.MethodType):
        m = getattr(f.__func__, "_torchscript_modifier", None)
    return m


def converted(fn):
    """The scripted version of user function ``fn``, or None when its source is not
    available (it then runs as plain Python under the tracer)."""
    from ._convert import convert, is_user_function
    if not is_user_function(fn):
        return None
    try:
        return convert(fn)
    except NotSupportedError as e:
        if getattr(e, "no_source", False):
            return None
        raise


def call(f, *args, **kwargs):
    """Call ``f`` from scripted code."""
    if f is _api.is_scripting:
        return True
    tr = tracer()
    if f is builtins.print:  # a Print node: printed each time the graph runs
        if tr is None and replaying():
            return None  # the eager replay of a recorded block: the graph prints
        if tr is not None and record_print(args, kwargs):
            return None
        return f(*args, **kwargs)
    if tr is None:  # replaying eagerly: plain Python has the same semantics
        if LOGS and _modifier(f) == "ignore":  # (called once per eager call, see _ignore_log)
            return logged_call(f, args, kwargs, lambda: f(*args, **kwargs))
        return f(*args, **kwargs)
    if f is builtins.isinstance and len(args) == 2:  # a run-time number keeps its Python type
        known = number_isinstance(*args)
        if known is not None:
            return known
    num = _runtime_number(f, args, kwargs)
    if num is not None:  # int(t) / float(t) / t.item(): a run-time number, no guard
        return num
    if f in _INT_ARGS:  # range(n) outside a for: Python takes a symbolic n without asking
        args = tuple(int(a) if type(a) is SymInt else a for a in args)
    if args and type(args[0]) is StackedList:  # torch.stack(outs) after a scanned loop
        out = stack_call(f, args, kwargs)
        if out is not None:
            return out
    mod = _modifier(f)
    if mod == "unused":
        name = getattr(f, "__qualname__", repr(f))
        raise RuntimeError(f"{name} was marked @torch.jit.unused and was called from "
                           "scripted code")
    if mod == "ignore":
        return python_call(tr, f, args, kwargs)
    from ...nn.modules.module import Module
    if isinstance(f, Module):
        return _call_module(tr, f, args, kwargs)
    if isinstance(f, types.MethodType):
        conv = converted(f.__func__)
        if conv is not None:
            return conv(f.__self__, *args, **kwargs)
    elif isinstance(f, types.FunctionType):
        conv = converted(f)
        if conv is not None:
            return conv(*args, **kwargs)
    return f(*args, **kwargs)


def _runtime_number(f, args, kwargs):
    """``int(t)``, ``float(t)`` or ``t.item()`` of a traced tensor as a graph value
    (``_scalars``); None for every other call."""
    if kwargs:
        return None
    if f is builtins.int or f is builtins.float:
        return runtime_number(f, args[0]) if len(args) == 1 else None
    if not args and getattr(f, "__func__", None) is Tensor.item:
        return item_number(f.__self__)
    return None


def _call_module(tr, m, args, kwargs):
    from ...nn.modules.container import Sequential
    fwd = type(m).forward
    conv = converted(fwd) if isinstance(fwd, types.FunctionType) else None
    if conv is None:
        if isinstance(m, Sequential) and len(args) == 1 and not kwargs:
            x = args[0]
            for child in m:  # children may be user modules: script them too
                x = call(child, x)
            return x
        return m(*args, **kwargs)  # a graphtorch layer: traced as it is
    path = PATHS[-1].get(id(m)) if PATHS else None
    if path:
        tr.scope.append(path)
    try:
        return conv(m, *args, **kwargs)
    finally:
        if path:
            tr.scope.pop()


# ------------------------------------------------------------------ torch.jit.ignore
def python_call(tr, f, args, kwargs):
    """Run ``f`` in Python now and record a PythonCall node that runs it again each time the
    graph runs (tensor arguments and results are the node's inputs and outputs)."""
    flat, spec = P.flatten((tuple(args), dict(kwargs)))
    ins = [tr.value_of(x) for x in flat]
    def run():
        with replay(), scripting(False):  # an ignored function runs as Python
            return f(*args, **kwargs)
    result = logged_call(f, args, kwargs, run)
    outs, out_spec = P.flatten(result)
    if any(not isinstance(t, Tensor) for t in outs):
        raise RuntimeError(f"{getattr(f, '__qualname__', f)} (torch.jit.ignore) must return "
                           "tensors, or containers of tensors and constants")
    key = _key(f, spec, out_spec)
    typs = [TensorType(t._dtype, tuple(tr._data_symbol(d) if d > 1 else d
                                       for d in t._data.shape), str(t.device)) for t in outs]
    node = tr.graph.create(PYTHON_CALL, ins, {"fn": key}, typs, source=source_line(),
                           scope=tr.scope[-1] if tr.scope else "")
    bound = []
    for t, v in zip(outs, node.outputs):
        t = alias(t) if tr.lookup(t) is not None else t
        tr.bind(t, v)
        bound.append(t)
    return P.unflatten(out_spec, bound)


def _key(f, spec, out_spec) -> str:
    """The PythonCall key of ``f`` called with this structure (the same for every trace of
    the same call, so re-traced graphs compare equal)."""
    entry = (f, spec, out_spec)
    for k, e in _PYFNS.items():
        if e[0] is f and e[1:] == entry[1:]:
            return k
    key = f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', 'fn')}#{next(_KEYS)}"
    _PYFNS[key] = entry
    return key


def _run_python_call(*args, fn):
    entry = _PYFNS.get(fn)
    if entry is None:
        raise RuntimeError(f"the graph calls the Python function {fn.split('#')[0]} "
                           "(torch.jit.ignore), which is not defined in this process")
    f, spec, out_spec = entry
    a, k = P.unflatten(spec, args)
    hit, res = replayed(f, a, k)  # the graph's first run: compiling made this call
    if not hit:
        with scripting(False):
            res = f(*a, **k)
    leaves, got = P.flatten(res)
    if got != out_spec:
        raise RuntimeError(f"{fn.split('#')[0]} (torch.jit.ignore) returned "
                           f"{P.spec_str(got)}, but {P.spec_str(out_spec)} when scripted")
    return leaves[0] if len(leaves) == 1 else tuple(leaves)


def python_functions(graph) -> list:
    """(function name, source line) of every PythonCall in ``graph``."""
    return [(n.attrs["fn"].split("#")[0], n.source) for n in graph.walk()
            if n.kind == PYTHON_CALL]


# the interpreter runs structural kinds from prim.IMPLS (whose PythonCall stub only raises:
# the Python functions live here)
prim.IMPLS[PYTHON_CALL] = _run_python_call
