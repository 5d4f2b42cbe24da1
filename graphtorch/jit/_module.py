"""ScriptFunction and ScriptModule: compiled callables over a recorded graph.

A traced module mirrors the original's hierarchy and *shares* its parameter and buffer
dictionaries, so an optimizer step on either is seen by both; parameters and buffers are bound
as graph inputs on every call.  A trace is kept per training-mode pattern: calling after
``.eval()`` (or ``.train()``) traces again in that mode instead of computing the other one."""
from __future__ import annotations

from ..eager.grad_mode import no_grad
from ..eager.tensor import Tensor
from ..ir.errors import GuardError
from ..ir.types import TensorType
from ..nn.modules.module import Module
from . import _pytree as P
from ._numargs import code_of, lift, mismatch, pinned_note
from ._record import Trace, normalize_args, record

__all__ = ["ScriptFunction", "ScriptModule", "TracedModule", "run_trace"]


_REPLACED = [0]  # bumped when a traced module's submodule is replaced: owner caches go stale


class _Compiled:
    """A Trace plus its interpreter and the entry checks, built once."""

    def __init__(self, trace: Trace):
        from ..ir.interpreter import Interpreter
        self.trace = trace
        self.interp = Interpreter(trace.graph)
        self.checks = []
        for i, v in enumerate(trace.graph.inputs[:trace.n_user]):
            t = v.type
            if isinstance(t, TensorType) and t.shape is not None:
                static = [(d, n) for d, n in enumerate(t.shape) if type(n) is int]
                self.checks.append((i, v.name, t.dtype, len(t.shape), static))

    def check(self, flat):
        for i, name, dt, nd, static in self.checks:
            x = flat[i]
            if not isinstance(x, Tensor):
                raise TypeError(f"traced graph: input '{name}' must be a Tensor, got "
                                f"{type(x).__name__}")
            shape = x._data.shape
            if x._dtype is not dt or len(shape) != nd or any(shape[d] != n for d, n in static):
                for d, n in static:
                    line = self.trace.spec_lines.get((i, d))
                    if line and len(shape) == nd and shape[d] != n:
                        raise GuardError(
                            f"traced graph: input '{name}' has size {shape[d]} at dim {d}, but "
                            f"the trace fixed it to {n} at {line} (a size used as a Python "
                            "int); use torch.jit.script or size-independent code there")
                want = TensorType(dt, self.trace.graph.inputs[i].type.shape)
                got = TensorType(x._dtype, shape)
                # the trace specialized this input's dtype, rank or a size (0 and 1 stay
                # static): a guard, so torch.compile captures again instead of failing
                raise GuardError(f"traced graph: input '{name}' expected {want}, got {got} "
                                   "(trace again for other dtypes/ranks, or keep those sizes)")


def run_trace(comp: _Compiled, norm_args, state_tensors, canon=None, what="traced graph",
              lifted=False):
    """Call a compiled trace with normalized arguments and the current parameters/buffers.
    ``canon`` maps input specs to the form they are compared in (loaded graphs compare
    namedtuples by name and fields, not class); ``lifted``: the number arguments are already
    0-dim tensors (``_numargs.lift``)."""
    tr = comp.trace
    if tr.numbers and not lifted:  # Python number arguments are 0-dim tensor inputs of the graph
        lifted = lift(norm_args, tr.numbers)
        if lifted is None:
            raise RuntimeError(f"{what}: {mismatch(norm_args, tr.numbers, _names(tr))}")
        norm_args = lifted
    flat, spec = P.flatten(norm_args)
    if (spec != tr.in_spec) if canon is None else (canon(spec) != canon(tr.in_spec)):
        raise RuntimeError(f"{what}: expected inputs {P.spec_str(tr.in_spec)}, got "
                           f"{P.spec_str(spec)}" + pinned_note(tr, norm_args))
    comp.check(flat)
    inputs = list(flat) + list(state_tensors)
    outs = comp.interp.run(inputs)
    if tr.writebacks:
        with no_grad():
            for oi, ii in tr.writebacks:
                target = inputs[ii]
                target._data[...] = outs[oi]._data
                target._vc[0] += 1
    return P.unflatten(tr.out_spec, outs[:tr.n_out])


def _names(tr):
    """Graph input names of the top-level arguments (for messages), when each is one leaf."""
    if tr.in_spec == P.LEAF or tr.in_spec[0] != "tuple":
        return None
    names, k = [], 0
    for kid in tr.in_spec[2]:
        names.append(tr.graph.inputs[k].name if k < len(tr.graph.inputs) else f"#{len(names)}")
        k += _leaves(kid)
    return names


def _leaves(spec) -> int:
    return 1 if spec == P.LEAF else sum(_leaves(k) for k in spec[2])


class ScriptFunction:
    """A traced function: call it like the original; ``.graph`` shows the IR."""

    def __init__(self, trace: Trace, fn=None):
        self._comp = _Compiled(trace)
        self._fn = fn
        self.__name__ = self.name = getattr(fn, "__name__", "forward")
        self.__qualname__ = getattr(fn, "__qualname__", self.name)
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args, **kwargs):
        norm = normalize_args(self._fn, args, kwargs, RuntimeError) \
            if self._fn is not None else (args, kwargs)
        return run_trace(self._comp, norm, ())

    @property
    def graph(self):
        return self._comp.trace.graph

    @property
    def inlined_graph(self):
        from ..ir.passes import run_pipeline
        return run_pipeline(self.graph.copy(), ["inline"])

    @property
    def code(self) -> str:
        return code_of(self._comp.trace, self.name)

    def graph_for(self, *args, **kwargs):
        return self.graph

    def save(self, f, _extra_files=None):
        from .serialization import save
        save(self, f, _extra_files)

    def __repr__(self):
        return f"<graphtorch.jit.ScriptFunction {self.name}>"


class ScriptModule(Module):
    """Base class of compiled modules (traced now; scripted with torch.jit.script)."""

    def save(self, f, _extra_files=None):
        from .serialization import save
        save(self, f, _extra_files)

    @property
    def graph(self):
        return self._forward_trace().graph

    @property
    def inlined_graph(self):
        from ..ir.passes import run_pipeline
        return run_pipeline(self.graph.copy(), ["inline"])

    @property
    def code(self) -> str:
        tr = self._forward_trace()
        return code_of(tr, "forward", tr.n_user)


class TracedModule(ScriptModule):
    """A module traced by ``torch.jit.trace``; shares parameters and buffers with the
    original and keeps its submodule hierarchy."""

    def __init__(self, orig: Module):
        super().__init__()
        d = self.__dict__
        d["_parameters"] = orig._parameters
        d["_buffers"] = orig._buffers
        d["_non_persistent_buffers_set"] = orig._non_persistent_buffers_set
        d["_orig"] = orig
        d["_compiled"] = {}  # (method, modes) -> _Compiled
        d["original_name"] = type(orig).__name__
        d["training"] = orig.training
        for name, child in orig._modules.items():
            self._modules[name] = None if child is None else TracedModule(child)

    # ------------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):
        return self._call_method("forward", args, kwargs)

    def _call_method(self, method, args, kwargs):
        fn = getattr(self._orig, method)
        norm = normalize_args(fn, args, kwargs, RuntimeError)
        comp = self._compiled.get((method, self._modes()))
        if comp is None:
            comp = self._trace_now(method, args, kwargs)
        return run_trace(comp, norm, self._state(comp.trace.state))

    def _modes(self):
        mods = self.__dict__.get("_mods")
        if mods is None or mods[0] != _REPLACED[0]:
            mods = self.__dict__["_mods"] = (_REPLACED[0], list(self.modules()))
        return tuple(m.training for m in mods[1])

    def _trace_now(self, method, args, kwargs, strict=True):
        """Trace ``method`` of the original in this wrapper's training modes."""
        originals = list(self._orig.modules())
        saved = [m.training for m in originals]
        for m, mine in zip(originals, self.modules()):
            m.training = mine.training
        try:
            trace, _ = record(getattr(self._orig, method), args, kwargs, self._orig,
                              strict=strict)
        finally:
            for m, t in zip(originals, saved):
                m.training = t
        comp = _Compiled(trace)
        self._compiled[(method, self._modes())] = comp
        return comp

    def _state(self, names):
        """The current parameter/buffer tensors for ``names`` (looked up on every call, so
        replaced parameters are seen; the owning submodules are resolved once, and again
        after a submodule is replaced, see ``__setattr__``)."""
        cache = self.__dict__.get("_owners")
        if cache is None or cache.get("_gen") != _REPLACED[0]:
            cache = self.__dict__["_owners"] = {"_gen": _REPLACED[0]}
        owners = cache.get(tuple(names))
        if owners is None:
            owners = []
            for name in names:
                mod, _, leaf = name.rpartition(".")
                owner = self.get_submodule(mod) if mod else self
                owners.append((owner._parameters, owner._buffers, leaf))
            cache[tuple(names)] = owners
        out = []
        for (params, bufs, leaf), name in zip(owners, names):
            t = params.get(leaf)
            if t is None:
                t = bufs.get(leaf)
                if t is None:
                    raise RuntimeError(f"{self.original_name}: the traced graph reads '{name}', "
                                       "which the module no longer has")
            out.append(t)
        return out

    def __setattr__(self, name, value):
        # as in PyTorch, a submodule may only be replaced by a compiled module; the graph then
        # reads the parameters of the replacement (same names), so the cached owners go
        old = self.__dict__.get("_modules", {}).get(name)
        if old is not None and isinstance(value, Module):
            if not isinstance(value, ScriptModule):
                raise RuntimeError(f"Cannot re-assign modules in a ScriptModule with "
                                   f"non-scripted module, tried to replace existing module "
                                   f"'{name}': {value!r}")
            _REPLACED[0] += 1  # any traced module above this one may hold the old owners
        super().__setattr__(name, value)

    def _forward_trace(self):
        for (method, modes), comp in self._compiled.items():
            if method == "forward" and modes == self._modes():
                return comp.trace
        for (method, _), comp in self._compiled.items():
            if method == "forward":
                return comp.trace
        raise RuntimeError(f"{self.original_name} has not been traced yet: call it once or use "
                           "torch.jit.trace(module, example_inputs)")

    def __getattr__(self, name):
        # methods traced with trace_module(mod, {"name": inputs}) are callable by name
        d = self.__dict__
        comp = d.get("_compiled")
        if comp and any(m == name for m, _ in comp):
            return lambda *a, **k: self._call_method(name, a, k)
        return super().__getattr__(name)

    def extra_repr(self):
        return f"original_name={self.original_name}"

    def _get_name(self):
        return self.original_name

