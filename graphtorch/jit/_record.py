"""Recording one trace: inputs, parameters and buffers become named graph inputs, the function
runs under the Tracer, outputs and in-place writes to inputs become graph outputs."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from ..eager.tensor import Tensor
from ..ir import symbolic as S
from ..ir.graph import Graph
from . import _pytree as P
from ._tracer import Tracer

__all__ = ["Trace", "record", "normalize_args"]


@dataclass
class Trace:
    """A recorded graph plus what is needed to call it with the original signature."""

    graph: Graph
    in_spec: object
    out_spec: object
    n_user: int                      # user tensor inputs come first in graph.inputs
    state: list                      # qualified names of params/buffers bound after them
    n_out: int                       # user outputs come first in graph.outputs
    writebacks: list = field(default_factory=list)  # (output index, input index)
    modes: tuple = ()
    spec_lines: dict = field(default_factory=dict)  # (input, dim) -> line that fixed it
    numbers: dict = field(default_factory=dict)  # arg position -> Python number kind (_numargs)
    pinned: dict = field(default_factory=dict)  # arg position -> (name, line): compiled on value


_SIGS: dict = {}


def _signature(fn):
    """inspect.signature, cached per function (it costs tens of microseconds per call)."""
    key = (getattr(fn, "__func__", fn), hasattr(fn, "__self__"))
    sig = _SIGS.get(key)
    if sig is None:
        sig = _SIGS[key] = inspect.signature(fn)
    return sig


def normalize_args(fn, args, kwargs, exc=TypeError):
    """(args, kwargs) bound to ``fn``'s signature, as one ordered tuple of argument values."""
    try:
        sig = _signature(fn)
    except (TypeError, ValueError):
        return (tuple(args), dict(kwargs))
    params = sig.parameters
    if not kwargs and len(args) == len(params) and \
            all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params.values()):
        return tuple(args)  # the common call: every argument given by position
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise exc(f"{getattr(fn, '__qualname__', fn)}(): {e}") from None
    bound.apply_defaults()
    out = []
    for name, p in sig.parameters.items():
        v = bound.arguments.get(name)
        if p.kind is p.VAR_POSITIONAL:
            out.extend(v or ())
        elif p.kind is p.VAR_KEYWORD:
            out.append(dict(sorted((v or {}).items())))
        else:
            out.append(v)
    return tuple(out)


def _input_names(fn, flat_count, norm):
    try:
        names = [n for n, p in inspect.signature(fn).parameters.items()
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    out = []
    for i, arg in enumerate(norm):
        leaves, _ = P.flatten(arg)
        base = names[i] if i < len(names) else f"input{i}"
        if len(leaves) == 1 and isinstance(arg, Tensor):
            out.append(base)
        else:
            out.extend(f"{base}.{j}" for j in range(len(leaves)))
    out.extend(f"input{i}" for i in range(len(out), flat_count))
    return out[:flat_count]


def record(fn, args, kwargs, module=None, *, strict=True, dynamic=True, sig_fn=None):
    """Trace ``fn(*args, **kwargs)``; ``module``'s parameters and buffers become named inputs."""
    args, kwargs = _unalias(args, kwargs)
    norm = normalize_args(sig_fn or fn, args, kwargs)
    flat, in_spec = P.flatten(norm)
    graph = Graph()
    tr = Tracer(graph)
    names = _input_names(sig_fn or fn, len(flat), norm)
    for t, name in zip(flat, names):
        tr.bind_input(t, name.replace("-", "_"), dynamic)
    state, state_tensors = [], []
    if module is not None:
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if tr.lookup(t) is None:
                tr.bind_input(t, name, dynamic=False)
                state.append(name)
                state_tensors.append(t)
    inputs = list(graph.inputs)
    before = [tr.lookup(t) for t in list(flat) + state_tensors]
    with tr, _scopes(tr, module):
        out = fn(*args, **kwargs)
        out_leaves, out_spec = P.flatten(out)
        if strict and P.has_dict(out_spec):
            raise RuntimeError(_STRICT_MSG)
        outs = [tr.value_of(x) for x in out_leaves]
        writebacks = []
        for i, t in enumerate(list(flat) + state_tensors):
            now = tr.lookup(t)
            if now is not None and now is not before[i]:
                writebacks.append((len(outs), i))
                outs.append(now)
    graph.block.returns = outs
    spec_lines = {}
    for i, v in enumerate(inputs):
        for d, e in enumerate(getattr(v.type, "shape", None) or ()):
            name = S.bare_symbol(e)
            if name in tr.spec_lines:
                spec_lines[(i, d)] = tr.spec_lines[name]
    tr.finish()
    modes = tuple(m.training for m in module.modules()) if module is not None else ()
    return Trace(graph, in_spec, out_spec, len(flat), state, len(out_leaves), writebacks,
                 modes, spec_lines), inputs



def _unalias(args, kwargs):
    """The same tensor passed twice (``trace(f, (x, x))``) must become two graph inputs that
    the function uses separately: later occurrences are replaced by aliases sharing memory
    (with one object, every use of the second argument was recorded as the first)."""
    leaves, spec = P.flatten((args, kwargs))
    seen = set()
    if len({id(t) for t in leaves}) == len(leaves):
        return args, kwargs
    new = []
    for t in leaves:
        if id(t) in seen and isinstance(t, Tensor):
            a = t.detach()
            a.requires_grad_(t.requires_grad)
            t = a
        seen.add(id(t))
        new.append(t)
    return P.unflatten(spec, new)


_STRICT_MSG = ("Encountering a dict at the output of the tracer might cause the trace to be "
               "incorrect, this is only valid if the container structure does not change based "
               "on the module's inputs. Consider using a constant container instead (e.g. for "
               "`list`, use a `tuple` instead. for `dict`, use a `NamedTuple` instead). If you "
               "absolutely need this and know the side effects, pass strict=False to trace() "
               "to allow this behavior.")


class _scopes:
    """While tracing a module, nodes carry the path of the submodule whose forward made them."""

    def __init__(self, tr, module):
        self.tr, self.module = tr, module
        self.saved = None

    def __enter__(self):
        if self.module is None:
            return self
        from ..nn.modules.module import Module
        paths = {id(m): n for n, m in self.module.named_modules()}
        orig = Module.__call__
        tr = self.tr

        def call(mod, *a, **k):
            path = paths.get(id(mod))
            if not path:
                return orig(mod, *a, **k)
            tr.scope.append(path)
            try:
                return orig(mod, *a, **k)
            finally:
                tr.scope.pop()

        self.saved = orig
        Module.__call__ = call
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            from ..nn.modules.module import Module
            Module.__call__ = self.saved
        return False

