"""The interpreter backend: runs any graph node by node with the eager kernels.

It is the reference every other backend is compared with, and it runs on graphtorch Tensors
through ``eager.dispatch.call``, so autograd works through it exactly as in eager mode.

Construction flattens the graph into a plan: one step per node holding the OpDef (or the
structural kind's implementation), the slots its inputs are read from, its attributes (static
dicts, or resolvers for size expressions and Values) and the slots its outputs go to.  Constants
are wrapped once and pre-filled into the slot template, so a call costs little more than the
eager calls it makes."""
from __future__ import annotations

import math

import numpy as np

from ..eager.dispatch import call as _call
from ..eager.tensor import Tensor, wrap
from ..ops import registry as R
from . import prim
from . import symbolic as S
from .graph import Value
from .types import TensorType

__all__ = ["Interpreter", "run_graph", "stack_scan"]

_ndarray = np.ndarray
_Expr = S.Expr
_evaluate = S.evaluate
_UNPACK = frozenset({"TupleUnpack", "ListUnpack"})
_STACK = R.get("stack")


def run_graph(graph, *inputs) -> list:
    """Run ``graph`` once on ``inputs``; returns the list of its outputs."""
    return Interpreter(graph).run(inputs)


class Interpreter:
    """Runs ``graph`` with the eager kernels.

    ``interp(*inputs)`` returns the graph's output (a tuple when it has several);
    ``interp.run(inputs)`` returns the list of outputs.  Inputs are Tensors (numpy arrays are
    wrapped), Python scalars, lists or tuples, in the order of ``graph.inputs``."""

    def __init__(self, graph):
        self.graph = graph
        self._slots: dict = {}
        self._template: list = []
        self._subs: dict = {}
        self._consts: dict = {}  # slot -> constant value
        self._sub_plans: dict = {}  # node with blocks -> [(params, plan, returns)] per block
        self._input_slots = [self._slot(v) for v in graph.inputs]
        known = set(graph.symbol_sources())
        self._entry = self._entry_checks(known)
        self._plan = self._compile(graph.block, known)
        self._out_slots = [self._slot(v) for v in graph.outputs]
        self._n_in = len(graph.inputs)
        from .interpreter_codegen import codegen
        self._fast = codegen(self)  # straight-line Python, control flow as if/for/while

    # ----------------------------------------------------------------- running
    def __call__(self, *inputs):
        outs = self._fast(inputs) if self._fast is not None else self._slow(inputs)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def run(self, inputs) -> list:
        """Run the graph on ``inputs`` (a sequence) and return the list of its outputs."""
        if self._fast is not None:
            return self._fast(inputs)
        return self._slow(inputs)

    def _slow(self, inputs) -> list:
        if len(inputs) != self._n_in:
            raise RuntimeError(f"graph expects {self._n_in} inputs "
                               f"({', '.join('%' + v.name for v in self.graph.inputs)}), "
                               f"got {len(inputs)}")
        vals = self._template.copy()
        env: dict = {}
        for s, x in zip(self._input_slots, inputs):
            vals[s] = wrap(x) if type(x) is _ndarray else x
        if self._entry:
            self._bind_inputs(vals, env)
        self._exec(self._plan, vals, env)
        return [vals[s] for s in self._out_slots]

    def _exec(self, plan, vals, env):
        for op, fn, ins, attrs, dyn, outs, multi, node, binds in plan:
            try:
                args = [vals[i] for i in ins]
                if dyn is not None:
                    attrs = dict(attrs)
                    for k, r in dyn:
                        attrs[k] = r(vals, env)
                if op is not None:
                    res = _call(op, *args, **attrs)
                else:
                    res = fn(args, attrs, vals, env)
            except Exception as e:  # noqa: BLE001 - re-raised with the node's source line
                _reraise(e, node)
            if not multi:
                if outs:
                    vals[outs[0]] = res
            elif multi is True or type(res) is tuple:
                for s, r in zip(outs, res):
                    vals[s] = r
            else:  # a sequence op that returned a single tensor
                vals[outs[0]] = res
            if binds is not None:
                for oi, d, name in binds:
                    env[name] = _shape(vals[outs[oi]])[d]

    # ----------------------------------------------------------------- entry checks
    def _entry_checks(self, known):
        """Per input: (slot, name, rank, [(dim, int | symbol | Expr)]) for known shapes."""
        checks = []
        for i, v in enumerate(self.graph.inputs):
            t = v.type
            if isinstance(t, TensorType) and t.shape is not None:
                checks.append((self._input_slots[i], i, v.name, len(t.shape),
                               tuple(enumerate(t.shape))))
        return checks

    def _bind_inputs(self, vals, env):
        where: dict = {}
        late = []
        for slot, i, name, rank, dims in self._entry:
            shape = _shape(vals[slot])
            if shape is None:
                continue
            if len(shape) != rank:
                raise RuntimeError(f"input %{name} (input {i}) must have {rank} dimensions "
                                   f"({self.graph.inputs[i].type}), got shape {list(shape)}")
            for d, want in dims:
                have = shape[d]
                if type(want) is int:
                    if have != want:
                        raise RuntimeError(f"input %{name} (input {i}) must have size {want} "
                                           f"at dim {d}, got shape {list(shape)}")
                    continue
                s = S.bare_symbol(want)
                if s is None:
                    late.append((name, i, d, want, have))
                elif s in env:
                    if env[s] != have:
                        pn, pd = where[s]
                        raise RuntimeError(
                            f"size symbol {s} is {env[s]} from input %{pn} dim {pd} but {have} "
                            f"from input %{name} dim {d}: the inputs' sizes disagree")
                else:
                    env[s] = have
                    where[s] = (name, d)
        for name, i, d, want, have in late:
            try:
                exp = _evaluate(want, env)
            except KeyError:
                continue
            if exp != have:
                raise RuntimeError(f"input %{name} dim {d} must be {S.expr_str(want)} = {exp}, "
                                   f"got {have}")

    # ----------------------------------------------------------------- compilation
    def _slot(self, v) -> int:
        s = self._slots.get(v)
        if s is None:
            s = self._slots[v] = len(self._template)
            self._template.append(None)
        return s

    def _compile(self, block, known) -> list:
        plan = []
        for node in block.nodes:
            step = self._step(node, known)
            if step is not None:
                plan.append(step)
        return plan

    def _step(self, node, known):
        kind = node.kind
        if kind == "Constant" and self._resolver(node.attrs.get("value")) is None:
            s = self._slot(node.outputs[0])
            self._template[s] = self._consts[s] = _constant(node.attrs.get("value"))
            return None
        ins = tuple(self._slot(v) for v in node.inputs)
        static, dyn = {}, []
        for k, a in node.attrs.items():
            r = self._resolver(a)
            if r is None:
                static[k] = a
            else:
                dyn.append((k, r))
        op, fn = None, None
        if R.has(kind) and not prim.is_structural(kind):
            op = R.get(kind)
            multi = op.num_outputs > 1 or len(node.outputs) != 1 or \
                ("seq" if len(node.outputs) == 1 and prim.may_return_seq(op) else False)
        else:
            fn, static, dyn = self._structural(node, known, static, dyn)
            multi = (len(node.outputs) != 1 or kind in _UNPACK or bool(node.blocks) or
                     kind == "Call") and bool(node.outputs)
        outs = tuple(self._slot(v) for v in node.outputs)
        return (op, fn, ins, static, tuple(dyn) or None, outs, multi, node,
                self._binders(node, known))

    def _binders(self, node, known):
        """(output index, dim, symbol) for symbols first appearing in the outputs' types."""
        binds = []
        for oi, o in enumerate(node.outputs):
            t = o.type
            for d, e in enumerate(getattr(t, "shape", None) or ()):
                s = S.bare_symbol(e)
                if s is not None and s not in known:
                    known.add(s)
                    binds.append((oi, d, s))
        return binds or None

    def _resolver(self, a):
        """None for a static attribute, else fn(vals, env) computing it at run time."""
        t = type(a)
        if t is _Expr:
            return lambda vals, env: _evaluate(a, env)
        if t is Value:
            s = self._slot(a)
            return lambda vals, env: vals[s]
        if t in (list, tuple):
            rs = [self._resolver(x) for x in a]
            if all(r is None for r in rs):
                return None
            parts = [r if r is not None else (lambda vals, env, x=x: x) for r, x in zip(rs, a)]
            return lambda vals, env: t(p(vals, env) for p in parts)
        return None

    def _structural(self, node, known, static, dyn):
        kind = node.kind
        if kind == "Constant":  # a size expression: evaluated with the call's symbols
            return (lambda args, attrs, vals, env: attrs["value"]), static, dyn
        if kind in prim.IMPLS:
            impl = prim.IMPLS[kind]
            return (lambda args, attrs, vals, env: impl(*args, **attrs)), static, dyn
        if kind == "If":
            return self._if(node, known), static, dyn
        if kind == "Loop":
            return self._loop(node, known), static, dyn
        if kind == "FusionGroup":
            return self._fusion(node, known), static, dyn
        if kind == "Call":
            return self._callfn(node), {}, []
        if kind == "Guard":
            return prim.guard_checker(node), static, dyn
        raise RuntimeError(f"the interpreter cannot run node kind {kind!r}"
                           + (f" at {node.source}" if node.source else ""))

    def _block_plan(self, block, known):
        params = [self._slot(p) for p in block.params]
        plan = self._compile(block, set(known))
        rets = [self._slot(v) for v in block.returns]
        return params, plan, rets

    def _blocks_of(self, node, known):
        """(params, plan, returns) per block of ``node``, kept for the code generator."""
        subs = self._sub_plans[node] = [self._block_plan(b, known) for b in node.blocks]
        return subs

    def _if(self, node, known):
        (_, then_plan, then_rets), (_, else_plan, else_rets) = self._blocks_of(node, known)
        run = self._exec

        def do_if(args, attrs, vals, env):
            if args[0]:
                run(then_plan, vals, env)
                return [vals[s] for s in then_rets]
            run(else_plan, vals, env)
            return [vals[s] for s in else_rets]
        return do_if

    def _loop(self, node, known):
        ((params, body, rets),) = self._blocks_of(node, known)
        i_slot, carried_slots = params[0], params[1:]
        nc = len(carried_slots)
        cond_slot, next_slots, scan_slots = rets[0], rets[1:1 + nc], rets[1 + nc:]
        scan_types = [o.type for o in node.outputs[nc:]]
        run = self._exec

        def do_loop(args, attrs, vals, env):
            n = args[0]
            n = math.inf if n is None else int(n)
            cond = bool(args[1])
            carried = args[2:]
            scans = [[] for _ in scan_slots]
            i = 0
            while i < n and cond:
                vals[i_slot] = i
                for s, c in zip(carried_slots, carried):
                    vals[s] = c
                run(body, vals, env)
                cond = bool(vals[cond_slot])
                carried = [vals[s] for s in next_slots]
                for acc, s in zip(scans, scan_slots):
                    acc.append(vals[s])
                i += 1
            return list(carried) + [stack_scan(acc, t, env) for acc, t in zip(scans, scan_types)]
        return do_loop

    def _fusion(self, node, known):
        ((params, body, rets),) = self._blocks_of(node, known)
        run = self._exec

        def do_fusion(args, attrs, vals, env):
            for s, a in zip(params, args):
                vals[s] = a
            run(body, vals, env)
            return [vals[s] for s in rets]
        return do_fusion

    def _callfn(self, node):
        name = node.attrs.get("fn")
        fns = getattr(self.graph, "functions", None) or {}
        if name not in fns:
            raise RuntimeError(f"Call of unknown function {name!r}"
                               + (f" at {node.source}" if node.source else ""))
        subs = self._subs

        def do_call(args, attrs, vals, env):
            sub = subs.get(name)
            if sub is None:  # built on first use: a function may call itself
                sub = subs[name] = Interpreter(fns[name])
                if getattr(sub.graph, "functions", None) is None:
                    sub.graph.functions = fns
            return sub.run(args)
        return do_call


# ------------------------------------------------------------------ helpers
def stack_scan(values, t, env):
    """A Loop scan output: the per-iteration ``values`` stacked on a new leading dim (an empty
    tensor of the declared element shape ``t.shape[1:]`` when the loop ran no iteration)."""
    if values:
        return _call(_STACK, *values, dim=0)
    shape = getattr(t, "shape", None)
    if shape is None or getattr(t, "dtype", None) is None:
        raise RuntimeError("a Loop that ran no iteration has a scan output of unknown shape "
                           f"({t}): cannot make its empty result")
    dims = tuple(_evaluate(d, env) if type(d) is _Expr else d for d in shape[1:])
    return wrap(np.zeros((0,) + dims, dtype=t.dtype.np))


def _shape(x):
    if isinstance(x, Tensor):
        return x._data.shape
    return getattr(x, "shape", None)


def _constant(value):
    """A Constant's run-time value; tensor constants are wrapped once, read-only."""
    if isinstance(value, _ndarray):
        arr = value.view()
        arr.flags.writeable = False  # users must not write the graph's constant
        return wrap(arr)
    return value


def _reraise(e, node):
    """Re-raise ``e`` as the same type with the node's kind, source and scope appended."""
    if getattr(e, "_ir_where", False):
        raise e
    where = f"\n  in {node.kind} at {node.source or '<unknown>'}" + \
        (f" [{node.scope}]" if node.scope else "")
    msg = (str(e.args[0]) if len(e.args) == 1 else str(e)) + where
    try:
        new = type(e)(msg)
    except Exception:  # noqa: BLE001 - an exception type with a special constructor
        e.args = (msg,) + tuple(e.args[1:])
        e._ir_where = True
        raise e
    new._ir_where = True
    raise new from e
