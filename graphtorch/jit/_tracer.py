"""The tracer: a hook in eager dispatch that records every op as an IR node.

While tracing, ``dispatch.call`` hands each op to ``Tracer.call``, which runs it eagerly with
concrete sizes and appends a node whose attributes keep the *symbolic* sizes the user computed
(``x.shape[0] * 2`` is a ``SymInt``).  Every tensor seen is mapped to the Value that computes
it; tensors the graph did not produce become constants.  Decisions taken in Python on traced
data (``bool(t)``, ``t.item()``) or sizes (``if x.size(0) > 4``) become guards checked on every
call; in-place writes become new SSA values (through views: scatter ops back into the base), and
writes to graph inputs are reported so the caller can write them back."""
from __future__ import annotations

import os
import sys
import warnings

import numpy as np

from ..eager import dispatch as DP
from ..eager.tensor import Tensor
from ..eager import tensor as T
from ..ir import symbolic as S
from ..ir.graph import Graph, Value
from ..ir.types import TensorType, type_of_value, INT
from ..ops import registry as R
from ..ops.meta import TensorSpec
from ._tracer_subst import _retype, _substitute, _trivial

__all__ = ["Tracer", "TracerWarning", "current", "source_line"]

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# frames in these directories are library code, not the user's line (np.prod on sizes...)
_LIB_DIRS = (_PKG, os.path.dirname(os.path.abspath(np.__file__)))
_CURRENT: list = []


class TracerWarning(Warning):
    """A Python value computed from traced data was used: the trace may not generalize."""


def current():
    """The active Tracer, or None."""
    return _CURRENT[-1] if _CURRENT else None


def source_line() -> str:
    """``file:line`` of the innermost frame outside the graphtorch (and numpy) package."""
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_LIB_DIRS):
            return f"{os.path.basename(fn)}:{f.f_lineno}"
        f = f.f_back
    return ""


def _sym_shape(tr, v: Value, arr_shape):
    """The shape of a traced tensor as ints and SymInts (symbolic dims carry their hint)."""
    shape = getattr(v.type, "shape", None)
    if shape is None or len(shape) != len(arr_shape):
        return tuple(arr_shape)
    shape = [tr.subst(e) for e in shape]
    return tuple(S.SymInt(h, e) if type(e) is S.Expr else h for h, e in zip(arr_shape, shape))


def _concrete(v):
    t = type(v)
    if t is S.SymInt:
        return int.__int__(v)
    if t is list or t is tuple:
        return t(_concrete(x) for x in v)
    return v


def _symbolic(v):
    t = type(v)
    if t is S.SymInt:
        return v._expr
    if t is list or t is tuple:
        return t(_symbolic(x) for x in v)
    return v


def _has_sym(v) -> bool:
    t = type(v)
    if t is S.SymInt:
        return True
    if t is list or t is tuple:
        return any(_has_sym(x) for x in v)
    return False


class Tracer:
    """Records eager ops into ``graph``.  ``env`` maps id(tensor) -> (tensor, Value, version)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.env: dict = {}
        self.views: dict = {}       # id(view) -> (parent tensor, opdef, attrs, output index)
        self.repl: dict = {}        # symbol -> expression it was specialized to
        self.spec_lines: dict = {}  # symbol -> user line whose decision specialized it
        self.hints: dict = {}       # symbol -> value while tracing
        self.scope: list = []
        self.in_meta = False
        self.meta_scale = 1
        self.constraints: dict = {}  # (lhs, cmp, rhs) size decisions meta took (not guarded)
        self.data_syms: set = set()  # symbols bound from an op's actual output (u0...)
        self.warned: set = set()
        self.numbers: set = set()   # 0-dim Values scripted calls returned as Python numbers
        self._nsym = 0
        self._saved = None

    # ---------------------------------------------------------------- activation
    def __enter__(self):
        self._saved = (DP.HOOKS.tracer, T._scalar_hook[0], S.GUARD_HOOK[0])
        DP.HOOKS.tracer = self
        T._scalar_hook[0] = self.on_scalar
        S.GUARD_HOOK[0] = self.on_guard
        _CURRENT.append(self)
        from ._tracer_sizes import patch_sizes
        patch_sizes(True)
        return self

    def __exit__(self, *exc):
        DP.HOOKS.tracer, T._scalar_hook[0], S.GUARD_HOOK[0] = self._saved
        _CURRENT.pop()
        if not _CURRENT:
            from ._tracer_sizes import patch_sizes
            patch_sizes(False)
        return False

    # ---------------------------------------------------------------- values
    def new_symbol(self, hint: int, prefix="s") -> S.Expr:
        name = f"{prefix}{self._nsym}"
        self._nsym += 1
        self.hints[name] = hint
        return S.sym(name)

    def _data_symbol(self, hint: int) -> S.Expr:
        e = self.new_symbol(hint, "u")
        self.data_syms.add(S.bare_symbol(e))
        return e

    def bind_input(self, t: Tensor, name: str, dynamic=True) -> Value:
        """Make ``t`` a graph input; with ``dynamic`` its dims (other than 0 and 1) are
        symbols."""
        shape = tuple(self.new_symbol(d) if dynamic and d > 1 else d for d in t._data.shape)
        v = self.graph.add_input(TensorType(t._dtype, shape, str(t.device)), name)
        self.env[id(t)] = (t, v, t._vc[0])
        return v

    def bind(self, t: Tensor, v: Value):
        self.env[id(t)] = (t, v, t._vc[0])

    def lookup(self, t: Tensor):
        """The Value currently computing ``t``, or None if ``t`` is not traced."""
        e = self.env.get(id(t))
        if e is None or e[0] is not t:
            return None
        if e[2] != t._vc[0]:
            return self._refresh(t)
        return e[1]

    def value_of(self, x) -> Value:
        """The Value for an op input: traced tensor, constant tensor, or Python scalar."""
        if isinstance(x, Tensor):
            v = self.lookup(x)
            return v if v is not None else self.constant(x)
        return self.scalar(x)

    def constant(self, t: Tensor) -> Value:
        arr = np.array(t._data, copy=True)
        n = self._node("Constant", [], {"value": arr},
                       [TensorType(t._dtype, arr.shape, str(t.device))])
        v = n.outputs[0]
        self.bind(t, v)
        return v

    def scalar(self, x) -> Value:
        if type(x) is S.SymInt:
            return self._node("Constant", [], {"value": x._expr}, [INT]).outputs[0]
        return self._node("Constant", [], {"value": x}, [type_of_value(x)]).outputs[0]

    def _refresh(self, t: Tensor) -> Value:
        """``t`` was written through an alias: recompute it from its parent view chain."""
        info = self.views.get(id(t))
        if info is None or info[0] is None:
            e = self.env[id(t)]
            if e[2] != t._vc[0]:
                raise RuntimeError(
                    "jit.trace: a traced tensor was modified in place by code the tracer cannot "
                    f"see (at {source_line()}); write it with tensor operations instead")
            return e[1]
        parent, op, attrs, idx = info
        pv = self.value_of(parent)
        node = self._node(op.name, [pv], attrs, None, result_arrays=[t._data])
        v = node.outputs[idx] if idx is not None else node.outputs[0]
        self.bind(t, v)
        return v

    # ---------------------------------------------------------------- recording
    def _node(self, kind, inputs, attrs, types, result_arrays=None, op=None):
        if types is None:
            types = self._out_types(op or R.get(kind), inputs, attrs, result_arrays)
        return self.graph.create(kind, inputs, attrs, types, source=source_line(),
                                 scope=self.scope[-1] if self.scope else "")

    def _out_types(self, op, inputs, attrs, arrays):
        """Output types from meta on symbolic specs.  Meta runs twice, at the trace-time sizes
        and with every symbol doubled: a dim that meta returns as a plain int in both runs
        but with different values depends on the symbols through code that dropped them
        (``range``, numpy), so it gets a fresh symbol bound from the actual output at run
        time; a dim meta cannot explain at all gets one too."""
        first = self._meta(op, inputs, attrs, 1)
        symbolic = any(isinstance(v.type, TensorType) and v.type.symbols() for v in inputs) \
            or any(_has_expr(a) for a in attrs.values())
        second = self._meta(op, inputs, attrs, 2) if symbolic and first is not None else None
        out = []
        for i, arr in enumerate(arrays):
            m1 = _nth(first, i)
            m2 = _nth(second, i) if symbolic else m1
            out.append(TensorType(_dtype_of(arr), self._dims(m1, m2, arr.shape), _dev(arr)))
        return out

    def _meta(self, op, inputs, attrs, scale):
        hints = {k: v * scale for k, v in self.hints.items()}
        specs = []
        for v in inputs:
            t = v.type
            if isinstance(t, TensorType) and t.shape is not None:
                specs.append(TensorSpec(self._symints(t.shape, hints), t.dtype, t.device))
            elif v.node is not None and v.node.kind == "Constant":
                specs.append(self._symints(v.node.attrs["value"], hints))
            else:
                specs.append(None)
        sattrs = {k: self._symints(a, hints) for k, a in attrs.items()}
        self.in_meta, self.meta_scale = True, scale
        try:
            return op.meta(*specs, **sattrs)
        except Exception:  # noqa: BLE001 - meta is a best effort for types
            return None
        finally:
            self.in_meta, self.meta_scale = False, 1

    def _symints(self, a, hints):
        if type(a) is S.Expr:
            e = self.subst(a)
            return S.SymInt(S.evaluate(e, hints), e) if type(e) is S.Expr else e
        if type(a) in (list, tuple):
            return type(a)(self._symints(x, hints) for x in a)
        return a

    def subst(self, e):
        """``e`` with the size specializations taken so far applied."""
        return _substitute(e, self.repl) if self.repl and type(e) is S.Expr else e

    def _hint(self, e):
        return S.evaluate(e, self.hints) if type(e) is S.Expr else e

    def _dims(self, m1, m2, shape):
        s1, s2 = getattr(m1, "shape", None), getattr(m2, "shape", None)
        if s1 is None or len(s1) != len(shape):
            return tuple(self._data_symbol(d) for d in shape)
        out = []
        for i, (d, e) in enumerate(zip(shape, s1)):
            e = S.expr_of(e) if isinstance(e, int) or type(e) is S.Expr else None
            if e is not None and type(e) is int and s2 is not None and len(s2) == len(s1):
                e2 = s2[i]
                if type(e2) is S.Expr or not isinstance(e2, int) or int.__int__(e2) != e:
                    e = None  # meta dropped a symbol
            ok = e is not None and self._hint(e) == d
            out.append(e if ok else self._data_symbol(d))
        return tuple(out)

    # ---------------------------------------------------------------- dispatch hooks
    def _number_attrs(self, attrs):
        """A traced one-element tensor passed as an attribute (``F.leaky_relu(x, slope)`` with
        ``slope`` a run-time number) is read as its Python value with a guard: the graph
        cannot keep a tensor there (it would reuse this call's value on every call)."""
        if not attrs or not any(isinstance(a, Tensor) for a in attrs.values()):
            return attrs
        return {k: a.item() if isinstance(a, Tensor) and a._data.size == 1 and
                self.lookup(a) is not None else a for k, a in attrs.items()}

    def call(self, op, args, attrs):
        """Run ``op`` eagerly (concrete sizes) and record it."""
        attrs = self._number_attrs(attrs)
        cattrs = {k: _concrete(a) for k, a in attrs.items()} if attrs else attrs
        cargs = [_concrete(a) if type(a) is S.SymInt else a for a in args]
        inputs = [self.value_of(a) for a in args]
        result = DP._call_plain(op, *cargs, **cattrs)
        outs = result if type(result) is tuple else (result,)
        if type(result) is tuple and op.name in _COUNT_FROM_SIZE and inputs:
            self._fix_count(inputs[0], attrs)
        sattrs = {k: _symbolic(a) for k, a in attrs.items()} if attrs else {}
        node = self._node(op.name, inputs, sattrs, None, [o._data for o in outs], op)
        for i, o in enumerate(outs):
            self.bind(o, node.outputs[i])
            if op.view and args and isinstance(args[0], Tensor):
                self.views[id(o)] = (args[0], op, sattrs, i if type(result) is tuple else None)
        return result

    def _fix_count(self, v, attrs):
        """unbind/split/chunk: the number of outputs comes from a size, which is therefore a
        constant of the graph (guarded)."""
        shape = getattr(v.type, "shape", None)
        if shape is None:
            return
        d = attrs.get("dim", 0)
        d = d + len(shape) if d < 0 else d
        e = self.subst(shape[d]) if 0 <= d < len(shape) else None
        if type(e) is S.Expr:
            self.on_guard("int", e, S.evaluate(e, self.hints))

    def call_inplace(self, op, target, args, attrs):
        """``target.op_(*args)``: run it eagerly, record the functional op and make its result
        the new value of ``target`` (and of the base ``target`` is a view of)."""
        attrs = self._number_attrs(attrs)
        cattrs = {k: _concrete(a) for k, a in attrs.items()} if attrs else attrs
        cargs = [_concrete(a) if type(a) is S.SymInt else a for a in args]
        inputs = [self.value_of(target)] + [self.value_of(a) for a in args]
        DP._call_inplace_plain(op, target, *cargs, **cattrs)
        sattrs = {k: _symbolic(a) for k, a in attrs.items()} if attrs else {}
        node = self._node(op.name, inputs, sattrs, None, [target._data], op)
        v = node.outputs[0]
        if v.type.dtype is not target._dtype:
            v = self._node("_to_copy", [v], {"dtype": target._dtype}, None,
                           [target._data]).outputs[0]
        self.assign(target, v)
        return target

    def assign(self, t: Tensor, v: Value):
        """``t`` now holds ``v``; propagate the write to the base of a view."""
        info = self.views.get(id(t))
        self.bind(t, v)
        if info is None:
            return
        parent, op, attrs, idx = info
        # the parent's own entry is stale now (the eager write bumped the shared version
        # counter): its recorded Value is exactly the "before" state the scatter needs
        e = self.env.get(id(parent))
        pv = e[1] if e is not None and e[0] is parent else self.constant(parent)
        from ._tracer_views import scatter_back
        new_parent = scatter_back(self, parent, pv, v, op, attrs, idx)
        self.assign(parent, new_parent)
        # siblings sharing the base are refreshed lazily (their version is stale now)
        self.bind(t, v)

    # ---------------------------------------------------------------- guards
    def on_guard(self, kind, lhs, rhs):
        """A SymInt decision (comparison or conversion to int) taken while tracing."""
        if self.meta_scale != 1:
            return  # meta's run at doubled sizes only probes how dims depend on sizes
        lhs, rhs = self.subst(lhs), self.subst(rhs)
        if type(S.sub(lhs, rhs)) is not S.Expr:
            return  # s0 - 1 < s0: the same at every size, nothing to check
        if kind == "int":
            kind = "eq"
            if self.in_meta:  # not a user decision (no guard), but meta's checks used it
                self._meta_constraint(lhs, kind, rhs)
                return
        if kind == "eq" and (S.free_symbols(lhs) | S.free_symbols(rhs)) & self.data_syms:
            # a data-dependent size (``u3``, bound from an op's actual output: nonzero...)
            # is no input size the entry checks could hold fixed: specializing either side
            # would silently bake the trace's count in, so a Guard checks it right here
            self._node("Guard", [], {"lhs": lhs, "cmp": "eq", "rhs": rhs,
                                     "msg": "a data-dependent size was used as a constant"}, [])
            return
        if kind == "eq":
            for a, b in ((lhs, rhs), (rhs, lhs)):
                name = S.bare_symbol(a)
                # never s0 -> 2*(s0//2) (reshape's numel check): the symbol would vanish from
                # the input types and nothing could bind it at run time
                if name is not None and name not in self.repl and \
                        name not in S.free_symbols(b):
                    self.repl[name] = b  # specialize: every later use sees the same size
                    if not self.in_meta:
                        self.spec_lines[name] = source_line()
                    return
        if self.in_meta:
            self._meta_constraint(lhs, kind, rhs)
            return
        self._node("Guard", [], {"lhs": lhs, "cmp": kind, "rhs": rhs}, [])

    def _meta_constraint(self, lhs, kind, rhs):
        """Meta's shape checks are not guarded (the op checks them again when it runs), but
        the graph only holds where they hold, so they are kept for the verifier, which picks
        sizes satisfying them.  Only meta's run at the trace-time sizes decides (the run at
        doubled sizes is a probe, see ``on_guard``)."""
        self.constraints[(lhs, kind, rhs)] = None

    def on_scalar(self, t: Tensor, kind: str):
        """``bool(t)``/``int(t)``/``float(t)``/``t.item()``/``t.tolist()`` on a traced tensor."""
        v = self.lookup(t)
        if v is None:
            return
        line = source_line()
        if line not in self.warned:
            self.warned.add(line)
            warnings.warn(
                f"Converting a tensor to {_WHAT.get(kind, 'a Python ' + kind)} at {line} might "
                "cause the trace to be "
                "incorrect; graphtorch records a guard and raises if a later call disagrees. Use "
                "torch.jit.script or torch.cond for data-dependent control flow.",
                TracerWarning, stacklevel=3)
        arr = t._data
        expected = {"bool": lambda: bool(arr), "int": lambda: int(arr),
                    "float": lambda: float(arr), "item": lambda: arr.item(),
                    "tolist": lambda: arr.tolist(),
                    "numpy": lambda: np.array(arr, copy=True)}[kind]()
        self._node("Guard", [v], {"kind": kind, "expected": expected}, [])

    # ---------------------------------------------------------------- finishing
    def finish(self, extra_blocks=()):
        """Apply size specializations to every type, attribute and guard in the graph (and in
        ``extra_blocks``: a detached block being recorded into, see ``trace_into``); record
        meta's size constraints and the trace-time sizes in ``graph.meta`` (for the
        verifier, which must pick sizes the graph is valid at)."""
        if self.numbers and not extra_blocks:  # returned as Python numbers, as in eager
            from .script._numbers import restore_outputs
            restore_outputs(self.graph, len(self.graph.block.returns), self.numbers)
        self._record_constraints()
        if not self.repl:
            return
        repl = dict(self.repl)

        def sub(e):
            if type(e) is S.Expr:
                return _substitute(e, repl)
            if type(e) in (list, tuple):
                return type(e)(sub(x) for x in e)
            return e

        blocks = list(self.graph.blocks())
        for blk in extra_blocks:
            if blk not in blocks:
                blocks.append(blk)
        for blk in blocks:
            for v in blk.params:
                _retype(v, sub)
            for n in list(blk.nodes):
                n.attrs = {k: sub(a) for k, a in n.attrs.items()}
                for v in n.outputs:
                    _retype(v, sub)
                if n.kind == "Guard" and not n.inputs and _trivial(n.attrs):
                    blk.nodes.remove(n)


    def _record_constraints(self):
        meta = self.graph.meta
        cons = meta.setdefault("size_constraints", [])
        for lhs, cmp, rhs in self.constraints:
            c = (self.subst(lhs), cmp, self.subst(rhs))
            if (type(c[0]) is S.Expr or type(c[2]) is S.Expr) and c not in cons:
                cons.append(c)
        hints = meta.setdefault("size_hints", {})
        for k, v in self.hints.items():
            hints.setdefault(k, v)


_WHAT = {"numpy": "a NumPy array", "tolist": "a Python list"}
_COUNT_FROM_SIZE = frozenset({"unbind", "split", "split_with_sizes"})


def _nth(m, i):
    if m is None:
        return None
    return m[i] if type(m) is tuple else (m if i == 0 else None)


def _has_expr(a) -> bool:
    if type(a) is S.Expr:
        return True
    if type(a) in (list, tuple):
        return any(_has_expr(x) for x in a)
    return False


def _dtype_of(arr):
    from ..ops import dtypes as D
    return D.from_numpy_dtype(arr.dtype)


def _dev(arr):
    return "cpu" if type(arr) is np.ndarray else f"cuda:{arr.device.id}"
