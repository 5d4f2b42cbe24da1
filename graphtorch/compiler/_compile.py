"""``torch.compile``: capture through the tracer, compile with a backend, guard, recompile.

A compiled callable keeps one captured graph per input signature (dtypes, devices and ranks
of the tensor arguments; sizes too when ``dynamic=False``) and training-mode pattern.  Sizes
are symbolic otherwise, so one native function serves every batch size.  When a guard recorded
during capture fails (a size the code branched on, a traced data value), the call captures
again with the new inputs.  Calls that need gradients run the captured graph on the
interpreter, which records autograd; the llvm backend covers ``no_grad`` inference."""
from __future__ import annotations

import functools
import warnings

from ..amp._state import AMP as _AMP
from ..eager.grad_mode import STATE as _GRAD
from ..eager.grad_mode import is_grad_enabled
from ..eager.tensor import Tensor, wrap
from ..ir.errors import GuardError
from ._inspect import dump
from ..jit._module import _REPLACED
from ..nn.modules import module as _M
from ..nn.modules.module import Module

__all__ = ["compile", "OptimizedModule", "GuardFailure", "BACKENDS"]

BACKENDS = ("llvm", "interpreter", "eager")


# A guard recorded at capture time does not hold for this call: capture again.  Every backend
# raises this one type (the interpreter's Guard nodes, the traced module's size checks, native
# size and data guards), so no message is parsed to tell a guard from a real error.
GuardFailure = GuardError


class _Runner:
    """Duck-types ``ir.interpreter.Interpreter.run`` for a captured trace: native code when
    possible, the interpreter when gradients are needed or lowering failed."""

    def __init__(self, trace, backend, owner):
        self.trace = trace
        self._interp = None  # built on first use: a native graph may never need it
        self.native = None
        self.reason = None
        self.py_outs = {}  # output index -> int/float/bool: a scripted Python-number result
        if backend == "llvm":
            from ..codegen.llvm import LoweringError, compile_graph
            from ..jit.script._numbers import split_number_outputs
            graph = trace.graph
            if owner.dynamic is False:
                graph = _specialized(graph)
            graph, self.py_outs = split_number_outputs(graph)  # native returns tensors only
            try:
                self.native = compile_graph(graph, opt_level=owner.opt_level)
                dump(self.native, _name(owner.fn))
            except LoweringError as e:
                self.reason = str(e)
                owner._warn_once(f"torch.compile: the llvm backend runs this graph on the "
                                 f"interpreter: {e}")

    @property
    def interp(self):
        """The interpreter of the captured graph (gradients, graphs without native code)."""
        if self._interp is None:
            from ..ir.interpreter import Interpreter
            self._interp = Interpreter(self.trace.graph)
        return self._interp

    def run(self, inputs):
        if self.native is None or (is_grad_enabled() and
                                   any(t._requires_grad for t in inputs if isinstance(t, Tensor))):
            return self.interp.run(inputs)
        arrays = [t._data if isinstance(t, Tensor) else t for t in inputs]
        arrays = [a if not hasattr(a, "flags") or a.flags.c_contiguous else a.copy()
                  for a in arrays]
        outs = [wrap(o) for o in self.native(*arrays)]
        for i, typ in self.py_outs.items():
            outs[i] = typ(outs[i]._data)
        return outs


def _signature(args, kwargs, dynamic):
    from ..jit import _pytree as P
    leaves, spec = P.flatten((args, kwargs))
    sig = []
    for x in leaves:
        if isinstance(x, Tensor):
            sig.append((x._dtype, str(x.device), x.ndim,
                        tuple(x.shape) if dynamic is False else None))
        else:
            sig.append(type(x).__name__ if not isinstance(x, (int, float, bool, str)) else
                       (type(x).__name__, x))
    return (P.spec_str(spec), tuple(sig))


def _specialized(graph):
    """A copy of ``graph`` with every input size symbol replaced by the size it had at capture
    (``dynamic=False``): constant trip counts and strides let LLVM unroll and vectorize."""
    from ..ir.passes import shape_prop
    hints = graph.meta.get("size_hints") or {}
    env = {s: hints[s] for s in graph.symbol_sources() if s in hints}
    g = graph.copy()
    return shape_prop.run(g, specialize=env) if env else g


class _Cache:
    """Captured graphs per signature for one callable (a module or a function)."""

    def __init__(self, fn, backend, dynamic, fullgraph, opt_level=2):
        self.fn, self.backend, self.dynamic, self.fullgraph = fn, backend, dynamic, fullgraph
        self.opt_level = opt_level
        self.entries: dict = {}
        self.fast: dict = {}      # positional-tensor signature -> direct native call
        self._mods = None
        self._warned: set = set()

    def _warn_once(self, msg):
        if msg not in self._warned:
            self._warned.add(msg)
            warnings.warn(msg, stacklevel=4)

    def call(self, args, kwargs, module=None):
        if self.backend == "eager":
            return self.fn(*args, **kwargs)
        # under autocast the captured graph holds its casts: a key of its own, general path
        fk = self._fast_key(args, kwargs, module) if _AMP.dtype is None else None
        if fk is not None:
            hit = self.fast.get(fk)
            if hit is not None:
                try:
                    out = hit(args)
                except GuardFailure:
                    self.fast.pop(fk, None)
                    self.entries.clear()
                    out = None
                if out is _MISMATCH:
                    # the native entry rejects these sizes (a capture at batch 1 keeps size 1
                    # static): forget it, so the entry the general path captures now is the
                    # one the fast path calls next time (not two native calls per call)
                    self.fast.pop(fk, None)
                elif out is not None:
                    return out
        key = _signature(args, kwargs, self.dynamic) + (_AMP.dtype,)
        if module is not None:
            key = key + (tuple(m.training for m in module.modules()),)
        for attempt in range(2):
            entry = self.entries.get(key)
            if entry is None:
                entry = self.entries[key] = self._capture(args, kwargs, module)
            if entry == "eager":
                return self.fn(*args, **kwargs)
            try:
                out = entry(*args, **kwargs)
                if fk is not None and fk not in self.fast:
                    self.fast[fk] = _fast_path(entry, args) or _NO_FAST
                return out
            except GuardFailure:
                if attempt:
                    raise
                del self.entries[key]  # a guard failed: capture again for these inputs
        raise AssertionError("unreachable")

    def _fast_key(self, args, kwargs, module):
        if kwargs:
            return None
        key = []
        static = self.dynamic is False
        for a in args:
            if type(a) is not Tensor:
                return None
            key.append((a._dtype, a._data.shape if static else a._data.ndim))
        if module is not None:
            if self._mods is None:
                self._mods = list(module.modules())
            key.append(tuple([m.training for m in self._mods]))
        return tuple(key)

    def _capture(self, args, kwargs, module):
        from ..jit._trace import trace
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                traced = trace(module if module is not None else self.fn, tuple(args),
                               check_trace=False, strict=False,
                               example_kwarg_inputs=kwargs or None)
        except Exception as e:  # noqa: BLE001 - capture failures fall back to eager
            if self.fullgraph:
                raise RuntimeError(f"torch.compile(fullgraph=True): cannot capture "
                                   f"{_name(self.fn)}: {type(e).__name__}: {e}") from e
            self._warn_once(f"torch.compile: {_name(self.fn)} runs eagerly: capture failed "
                            f"with {type(e).__name__}: {e}")
            return "eager"
        breaks = [str(w.message) for w in caught if "Tracer" in type(w.message).__name__]
        if breaks and self.fullgraph:
            raise RuntimeError(f"torch.compile(fullgraph=True): {_name(self.fn)} converts "
                               f"tensor data to Python (data-dependent control flow): "
                               f"{breaks[0]}")
        _install_runners(traced, self.backend, self)
        return traced


_MISMATCH = object()  # a fast path's native entry rejected the inputs' sizes


def _NO_FAST(args):
    return None


def _fast_path(entry, args):
    """A direct call of the native graph for positional tensor arguments, or None when the
    captured trace needs the general path (nested inputs, buffer write-backs, no native code)."""
    from ..jit import _pytree as P
    n_args = len(args)
    d = getattr(entry, "__dict__", {})
    comps = list(d.get("_compiled", {}).values()) if "_compiled" in d else \
        [getattr(entry, "_comp", None)]
    if len(comps) != 1 or comps[0] is None:
        return None
    comp = comps[0]
    tr, runner = comp.trace, comp.interp
    if not isinstance(runner, _Runner) or runner.native is None or tr.writebacks or \
            tr.n_user != n_args or runner.py_outs:  # (Python-number outputs: run() converts)
        return None
    if P.flatten(tuple(args))[1] != tr.in_spec:
        return None
    native, names, n_out, out_spec = runner.native, tr.state, tr.n_out, tr.out_spec
    fast = getattr(native, "_fast", None)
    plain = getattr(type(native), "_plain_call", None)  # a replaced __call__ is honoured
    state = _StateReader(entry, names) if names else None
    single = n_out == 1 and out_spec == P.LEAF
    grad = _GRAD

    def call(args):
        if grad.enabled:  # inputs or parameters that need gradients take the interpreter
            if any(a._requires_grad for a in args) or \
                    (names and any(t._requires_grad for t in entry._state(names))):
                return None
        arrays = [a._data for a in args]
        if state is not None:
            arrays += state()
        try:
            # copies non-contiguous inputs itself
            outs = fast(arrays) if type(native).__call__ is plain and fast else native(*arrays)
        except GuardFailure:
            raise
        except RuntimeError as e:
            if "compiled graph: input" in str(e):
                return _MISMATCH  # let the general path report or recapture
            raise
        if single:
            return wrap(outs[0])
        return P.unflatten(out_spec, [wrap(o) for o in outs[:n_out]])
    return call


class _StateReader:
    """The current arrays of a traced module's parameters and buffers ``names``: the owning
    dicts are resolved once (again after a submodule is replaced), then each call is one dict
    lookup per name, so replaced parameters and rebound ``.data`` are still seen."""

    def __init__(self, module, names):
        self.module, self.names, self.gen, self.where = module, list(names), None, ()

    def __call__(self):
        if self.gen != _REPLACED[0]:
            self._resolve()
        try:
            return [d[leaf]._data for d, leaf in self.where]
        except (KeyError, AttributeError):  # a parameter removed or moved: resolve again
            self.gen = None
            return [t._data for t in self.module._state(self.names)]

    def _resolve(self):
        self.module._state(self.names)  # raises the module's error for a missing name
        where = []
        for name in self.names:
            mod, _, leaf = name.rpartition(".")
            owner = self.module.get_submodule(mod) if mod else self.module
            params = owner._parameters
            where.append((params if params.get(leaf) is not None else owner._buffers, leaf))
        self.where, self.gen = where, _REPLACED[0]


def _install_runners(traced, backend, owner):
    """Swap the interpreter of every captured trace in ``traced`` for a backend runner."""
    comps = []
    if hasattr(traced, "_comp"):
        comps.append(traced._comp)
    d = getattr(traced, "__dict__", {})
    comps.extend(d.get("_compiled", {}).values())
    for comp in comps:
        comp.interp = _Runner(comp.trace, backend, owner)
    if "_compiled" in d:  # later retraces (train/eval switch) get a runner too
        orig = traced._trace_now

        def retrace(*a, **k):
            comp = orig(*a, **k)
            comp.interp = _Runner(comp.trace, backend, owner)
            return comp
        d["_trace_now"] = retrace


def _name(fn):
    return getattr(fn, "__qualname__", None) or type(fn).__name__


class OptimizedModule(Module):
    """The result of ``torch.compile(module)``: calls go through the compiled graphs; the
    original is ``_orig_mod`` and shares its parameters."""

    def __init__(self, mod, cache):
        super().__init__()
        self.__dict__["_orig_mod"] = mod
        self.__dict__["_gt_cache"] = cache
        self._modules["_orig_mod"] = mod

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        if d["_forward_hooks"] or d["_forward_pre_hooks"] or d["_backward_hooks"] or \
                d["_backward_pre_hooks"] or _M._global_forward_pre_hooks or \
                _M._global_forward_hooks:
            return super().__call__(*args, **kwargs)
        return d["_gt_cache"].call(args, kwargs, module=d["_orig_mod"])  # no hooks: no detour

    def forward(self, *args, **kwargs):
        return self._gt_cache.call(args, kwargs, module=self._orig_mod)

    def __getattr__(self, name):
        if name in ("_orig_mod", "_gt_cache"):
            return self.__dict__[name]
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_orig_mod"], name)


# PyTorch's mode names (in its order) -> LLVM optimisation level
_MODES = {None: 2, "default": 2, "lite": 1, "reduce-overhead": 2,
          "max-autotune-no-cudagraphs": 3, "max-autotune": 3}


def _opt_level(mode, options):
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           f"{', '.join(m for m in _MODES if m)}")
    level = _MODES[mode]
    if options is not None:
        if not isinstance(options, dict):
            raise RuntimeError(f"torch.compile: options must be a dict, got "
                               f"{type(options).__name__}")
        unknown = set(options) - {"opt_level"}
        if unknown:
            raise RuntimeError(f"torch.compile: unknown options {sorted(unknown)}; the llvm "
                               "backend takes 'opt_level'")
        level = options.get("opt_level", level)
        if level not in (0, 1, 2, 3):
            raise RuntimeError(f"torch.compile: opt_level must be 0-3, got {level!r}")
    return level


def compile(model=None, *, fullgraph=False, dynamic=None, backend="llvm", mode=None,
            options=None, disable=False):
    """Compile a module or function: capture it into a graph on the first call per input
    signature and run the graph on ``backend``.

    Args:
        model: an ``nn.Module`` or a function (omit it to use ``torch.compile(...)`` as a
            decorator).
        fullgraph: raise instead of falling back to eager when the code cannot be captured
            as one graph (or converts tensor data to Python values).
        dynamic: ``False`` compiles a graph per input shape; ``None``/``True`` keep sizes
            symbolic so one graph serves every batch size.
        backend: ``"llvm"`` (default: native CPU code), ``"interpreter"`` (the reference
            path), ``"eager"`` (no capture).
        mode: ``None``/``"default"``/``"reduce-overhead"`` compile at LLVM level 2,
            ``"lite"`` at 1, ``"max-autotune"`` (and ``"max-autotune-no-cudagraphs"``) at 3.
        options: a dict; ``{"opt_level": n}`` (0-3) sets the LLVM optimisation level.
        disable: return ``model`` unchanged.
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic,
                                 backend=backend, mode=mode, options=options, disable=disable)
    if callable(backend) and not isinstance(backend, str):
        raise NotImplementedError("torch.compile: custom backend callables are not supported; "
                                  f"use one of {BACKENDS}")
    if backend == "inductor":
        backend = "llvm"
    if backend not in BACKENDS:
        raise ValueError(f"torch.compile: unknown backend {backend!r}; graphtorch has "
                         f"{', '.join(BACKENDS)}")
    opt_level = _opt_level(mode, options)
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model, _Cache(model, backend, dynamic, fullgraph, opt_level))
    if not callable(model):
        raise RuntimeError(f"torch.compile: expected a module or a function, got "
                           f"{type(model).__name__}")
    cache = _Cache(model, backend, dynamic, fullgraph, opt_level)

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return cache.call(args, kwargs)
    compiled._gt_cache = cache
    compiled._torchdynamo_orig_callable = model
    return compiled
