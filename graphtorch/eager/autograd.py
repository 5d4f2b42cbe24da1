"""The autograd graph (grad_fn nodes) and its engine.

The engine runs nodes in dependency order with an explicit heap (no recursion, so graphs of any
depth work), sums the gradients that reach one input, and reduces every gradient to its input's
shape and dtype in one place (``_fit``): derivative formulas never unbroadcast themselves."""
from __future__ import annotations

import heapq
import itertools
import traceback
import weakref

from .grad_mode import STATE
# saved_tensors_hooks (saved_hooks.py), read here and by dispatch / function.py as AG.*
from .saved_hooks import SAVED_HOOKS, _Packed, pack_saved  # noqa: F401

__all__ = ["Node", "OpNode", "AccumulateGrad", "run_backward", "version_error"]

_seq = itertools.count()
_ops = None  # graphtorch.eager.engine_ops, bound lazily to avoid an import cycle


def _engine_ops():
    global _ops
    if _ops is None:
        from . import engine_ops
        _ops = engine_ops
    return _ops


class Node:
    """A function in the backward graph (``tensor.grad_fn``)."""

    __slots__ = ("_edges", "_seq", "_pre_hooks", "_post_hooks", "_tensor_hooks",
                 "_input_meta", "_n_out", "_metadata", "__weakref__")

    def __init__(self, next_functions=(), input_meta=(), n_out=1):
        self._edges = next_functions
        self._input_meta = input_meta
        self._n_out = n_out
        self._seq = next(_seq)
        self._pre_hooks = None
        self._post_hooks = None
        self._tensor_hooks = None
        self._metadata = None

    @property
    def next_functions(self) -> tuple:
        """``(node, output_nr)`` per input of this function (``(None, 0)``: no grad)."""
        return self._edges

    @next_functions.setter
    def next_functions(self, edges):
        # the engine walks ``_edges``: one edge per positional input, matched to the vjp
        self._edges = edges

    @property
    def metadata(self) -> dict:
        """A dict for user annotations (anomaly mode keeps the forward traceback here)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    @metadata.setter
    def metadata(self, value):
        self._metadata = value

    def name(self) -> str:
        n = type(self).__name__
        # torch's C++-only nodes report their namespace
        return "torch::autograd::" + n if n in ("AccumulateGrad", "NotImplemented") else n

    def apply(self, grads):  # pragma: no cover - abstract
        raise NotImplementedError

    def release(self):
        """Free saved tensors (after a backward without retain_graph)."""

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = {}
        return _Handle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return _Handle(self._pre_hooks, fn)

    def _add_tensor_hook(self, output_nr, fn):
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        return _Handle(self._tensor_hooks.setdefault(output_nr, {}), fn)

    def __call__(self, *grads):
        return self.apply(list(grads))

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class _Handle:
    """A removable hook handle (``handle.remove()``)."""

    _ids = itertools.count()

    def __init__(self, table, fn):
        self.table = table
        self.id = next(_Handle._ids)
        table[self.id] = fn

    def remove(self):
        self.table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_FREED = ("Trying to backward through the graph a second time (or directly access saved "
          "tensors after they have already been freed). Saved intermediate values of the graph "
          "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
          "you need to backward through the graph a second time or if you need to access saved "
          "tensors after calling backward.")


# ops whose Python-number operands torch wraps into tensors (they get a ``(None, 0)`` entry)
_WRAPPED_SCALAR_OPS = frozenset({"add", "sub", "mul", "div", "_where_ew", "where"})
_COND_FIRST_OPS = frozenset({"_where_ew", "where"})


class OpNode(Node):
    """Backward of one registry op; subclassed per grad name so ``type(fn).__name__`` is
    PyTorch's (``MulBackward0``).  Doubles as the ``ctx`` passed to the op's vjp."""

    __slots__ = ("op", "attrs", "_inputs", "_versions", "_output", "needs_input_grad", "saved",
                 "_unpack")

    def _check_versions(self):
        if self._inputs is None:
            raise RuntimeError(_FREED)
        for t, v in self._versions:
            if t._vc[0] != v:
                raise RuntimeError(version_error(t, v, self))

    @property
    def inputs(self):
        if self._unpack is not None and self._inputs is not None:
            return tuple(self._unpack(x) if isinstance(x, _Packed) else x
                         for x in self._inputs)
        return self._inputs

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: like torch, it omits inputs that are never
        differentiable (Python scalars of Scalar overloads, index/mask/condition tensors);
        the scalar-wrapping arithmetic ops keep an entry for every operand."""
        edges, metas, name = self._edges, self._input_meta, self.op.name
        cls = type(self).__name__
        if name in _WRAPPED_SCALAR_OPS and cls != "RsubBackward1" or cls == "ClampBackward0":
            # clamp's Tensor overload lists min and max even when one is None
            return edges[1:] if name in _COND_FIRST_OPS else edges
        return tuple(e for e, m in zip(edges, metas)
                     if e[0] is not None or (m is not None and m[1].category >= 2))

    @property
    def output(self):
        out = self._output
        if self._unpack is not None and out is not None:
            if type(out) is tuple:
                return tuple(self._unpack(o) if isinstance(o, _Packed) else o for o in out)
            return self._unpack(out) if isinstance(out, _Packed) else out
        return out

    def __getattr__(self, name):  # PyTorch's grad_fn._saved_self / _saved_result / ...
        from .saved_attrs import saved_attr
        return saved_attr(self, name)

    def apply(self, grads):
        self._check_versions()
        out = self.op.vjp(self, *grads)
        return out if isinstance(out, (tuple, list)) else (out,)

    def release(self):
        self._inputs = None
        self._output = None
        self.saved = None


def _short_name(node) -> str:
    """PyTorch names a node in the version error without its ``Backward<N>`` suffix."""
    name = node.name()
    i = name.rfind("Backward")
    return name[:i] if i > 0 and name[i + 8:].isdigit() or name.endswith("Backward") else name


def _is_output_of(t, node) -> bool:
    out = getattr(node, "_output", None)
    if out is None:
        return False
    return t is out or (type(out) is tuple and any(t is o for o in out))


def version_error(t, expected, node=None) -> str:
    """PyTorch's message for a saved tensor modified in place (``t`` was saved at version
    ``expected`` by ``node``)."""
    from ..ops.dtypes import TYPE_NAMES
    from .grad_mode import STATE as _S
    desc = f"[torch.{TYPE_NAMES[t._dtype]} [{', '.join(map(str, t._data.shape))}]]"
    fn = node if node is not None and (_is_output_of(t, node) or t.grad_fn is node) \
        else t.grad_fn
    where = f", which is output {t._output_nr} of {_short_name(fn)}," if fn is not None else ""
    hint = ("Hint: the backtrace further above shows the operation that failed to compute its "
            "gradient. The variable in question was changed in there or anywhere later. Good "
            "luck!") if _S.anomaly else (
        "Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {desc}{where} is at version {t._vc[0]}; expected version "
            f"{expected} instead. {hint}")


_version_error = version_error  # the older private name


_node_classes: dict = {}


def node_class(grad_name: str):
    cls = _node_classes.get(grad_name)
    if cls is None:
        cls = _node_classes[grad_name] = type(grad_name, (OpNode,), {"__slots__": ()})
    return cls


_LEAF_FIRST = 1 << 62  # AccumulateGrad runs as soon as it is ready (as in PyTorch)


class AccumulateGrad(Node):
    """Sink for a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__((), ((tuple(variable._data.shape), variable._dtype),))
        self._seq += _LEAF_FIRST
        self.variable = variable

    def apply(self, grads):
        return ()


def accumulator(t) -> AccumulateGrad:
    """The (cached) AccumulateGrad node of leaf ``t``."""
    ref = t._acc
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(t)
        t._acc = weakref.ref(node)
    return node


def edge_of(t):
    """(node, output_nr) through which a gradient reaches tensor ``t``; (None, 0) if none."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t._requires_grad:
        return (accumulator(t), 0)
    return (None, 0)


def anomaly_traceback():
    """The forward call stack, minus graphtorch's own dispatch frames (anomaly mode)."""
    frames = traceback.extract_stack()[:-1]
    while frames and ("/graphtorch/eager/" in frames[-1].filename
                      or "/graphtorch/api/" in frames[-1].filename):
        frames.pop()
    return traceback.format_list(frames)

# ------------------------------------------------------------------------------- the engine
# Ownership of gradient buffers (so no two .grad tensors ever share memory, yet nothing is
# copied needlessly): ``seen`` holds the ids of arrays now placed in exactly one buffer slot,
# ``shared`` those placed more than once or that came from outside the engine (user grads,
# hook results, custom Function backwards).  A leaf's first .grad steals an engine-made dense
# array that is not shared; anything else is copied.  ``fresh`` holds the ids of sums the
# engine made itself and nobody else has seen: further gradients are added into them in place.
class _Run:
    __slots__ = ("ops", "create", "seen", "shared", "fresh", "captures", "results", "inputs",
                 "accumulate")

    def __init__(self, ops, create, captures, inputs, accumulate):
        self.ops, self.create, self.captures = ops, create, captures
        self.inputs, self.accumulate = inputs, accumulate
        self.seen, self.shared, self.fresh = set(), set(), set()
        self.results = [None] * (len(inputs) if inputs is not None else 0)

    def place(self, buffers, node, nr, g):
        """Add gradient ``g`` (already fitted to the input's shape/dtype) into slot ``nr``."""
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_out
        old = buf[nr]
        if old is None:
            buf[nr] = g
            key = id(g._data)
            if key in self.seen:
                self.shared.add(key)
            else:
                self.seen.add(key)
        elif self.create:
            buf[nr] = self.ops.add(old, g)
        elif id(old) in self.fresh:
            self.ops.add_into(old, g)
        else:
            self.seen.discard(id(old._data))
            s = buf[nr] = self.ops.fresh_sum(old, g)
            self.fresh.add(id(s))
            self.seen.add(id(s._data))

    def foreign(self, g):
        if g is not None:
            self.shared.add(id(g._data))

    def consumed(self, buf):
        seen, fresh = self.seen, self.fresh
        for g in buf:
            if g is not None:
                seen.discard(id(g._data))
                if fresh:
                    fresh.discard(id(g))


def _graph_order(roots, capture_nodes):
    """Dependency counts of every node reachable from ``roots``; with ``capture_nodes``, also
    the nodes from which one of them is reachable through at least one edge (only those run)."""
    deps, seen = {}, set(roots)
    stack = list(seen)
    parents = {} if capture_nodes is not None else None
    while stack:
        node = stack.pop()
        for nxt, _ in node._edges:
            if nxt is None:
                continue
            if nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
            if parents is not None:
                parents.setdefault(nxt, []).append(node)
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    if parents is None:
        return deps, None
    needed, todo = set(), list(capture_nodes)
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in needed:
                needed.add(p)
                todo.append(p)
    return deps, needed


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True, allow_unused=False):
    """Back-propagate ``grad_tensors`` from ``tensors``.  With ``accumulate`` the leaves' .grad
    receive the gradients; otherwise the gradients of ``inputs`` are returned."""
    ops = _engine_ops()
    captures = _captures(inputs, accumulate, allow_unused)
    run = _Run(ops, bool(create_graph), captures, inputs, accumulate)
    buffers, roots = {}, []
    for t, g in zip(tensors, grad_tensors):
        node, nr = edge_of(t)
        if node is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
        if not create_graph and g.grad_fn is not None:
            g = g.detach()
        run.foreign(g)
        run.place(buffers, node, nr, g)
        roots.append(node)
    roots = list(dict.fromkeys(roots))
    deps, needed = _graph_order(roots, None if captures is None else {n for n, _ in captures})
    prev_enabled = STATE.enabled
    STATE.enabled = bool(create_graph)
    try:
        _loop(run, roots, buffers, deps, needed, retain_graph)
    finally:
        STATE.enabled = prev_enabled
    if inputs is not None and not accumulate and not allow_unused:
        if any(r is None for r in run.results):
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior.")
    return run.results


def _captures(inputs, accumulate, allow_unused):
    if inputs is None:
        return None
    captures = {}
    for i, t in enumerate(inputs):
        node, nr = edge_of(t)
        if node is None:
            if accumulate or not allow_unused:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            continue
        captures.setdefault((node, nr), []).append(i)
    return captures


def _loop(run, roots, buffers, deps, needed, retain_graph):
    """The hot loop: pop the latest-created ready node, run it, hand its gradients on."""
    heap = [(-r._seq, id(r), r) for r in roots if deps.get(r, 0) == 0]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    ops, place, create = run.ops, run.place, run.create
    sum_to, cast = ops.sum_to, ops.cast
    special = run.captures is not None
    anomaly = STATE.anomaly
    while heap:
        node = pop(heap)[2]
        buf = buffers.pop(node, None)
        if buf is not None:
            run.consumed(buf)
        else:
            buf = [None] * node._n_out
        if special or node._tensor_hooks:
            if _special(run, node, buf, needed):
                _release_subgraph(node, deps, heap)
                continue
        if node.__class__ is AccumulateGrad:
            if buf[0] is not None:
                _accumulate(run, node, _leaf_hooks(run, node, buf[0]))
            continue
        if node._pre_hooks or node._post_hooks or anomaly or not isinstance(node, OpNode):
            in_grads = _apply(run, node, buf, anomaly)
        else:  # the common case, inlined
            try:
                in_grads = node.apply(buf)
            except Exception as e:
                _annotate(node, e)
                raise
            if len(in_grads) < len(node._edges):
                in_grads = _pad(in_grads, len(node._edges))
        if not retain_graph:
            node.release()
        metas = node._input_meta
        for i, (nxt, nr) in enumerate(node._edges):
            if nxt is None:
                continue
            g = in_grads[i]
            if g is not None:
                shape, dt = metas[i]
                if g._data.shape != shape:
                    g = sum_to(g, shape)
                if g._dtype is not dt:
                    g = cast(g, dt)
                place(buffers, nxt, nr, g)
            d = deps[nxt] - 1
            deps[nxt] = d
            if d == 0:
                push(heap, (-nxt._seq, id(nxt), nxt))


def _apply(run, node, grads, anomaly):
    if node._pre_hooks:
        for fn in list(node._pre_hooks.values()):
            r = fn(tuple(grads))
            if r is not None:
                grads = list(r)
    try:
        in_grads = node.apply(grads)
    except Exception as e:
        _annotate(node, e)
        raise
    if node._post_hooks:
        for fn in list(node._post_hooks.values()):
            r = fn(tuple(in_grads), tuple(grads))
            if r is not None:
                in_grads = r
        for g in in_grads:
            run.foreign(g)
    elif not isinstance(node, OpNode):
        for g in in_grads:  # a user's backward may hand back tensors it keeps
            run.foreign(g)
    if anomaly and STATE.anomaly_nan:
        run.ops.check_nan(node, in_grads)
    return _pad(in_grads, len(node._edges))


def _pad(in_grads, n):
    return in_grads if len(in_grads) >= n else list(in_grads) + [None] * (n - len(in_grads))


def _special(run, node, buf, needed) -> bool:
    """Tensor hooks and captured inputs; True if the node must not run (autograd.grad /
    backward(inputs=) only run the nodes that lead to the inputs)."""
    if node._tensor_hooks:
        for nr, table in node._tensor_hooks.items():
            if table and buf[nr] is not None:
                buf[nr] = _call_hooks(table, buf[nr])
                run.foreign(buf[nr])
    caps = run.captures
    if caps is None:
        return False
    for nr in range(len(buf)):
        idx = caps.get((node, nr))
        if idx is None:
            continue
        g = buf[nr]
        if node.__class__ is AccumulateGrad and g is not None:
            g = buf[nr] = _leaf_hooks(run, node, g)
            if run.accumulate:
                _accumulate(run, node, g)
                continue
        if run.accumulate:
            _retain(run, run.inputs[idx[0]], g)
        else:
            run.foreign(g)
            for i in idx:
                run.results[i] = g
    return node not in needed or node.__class__ is AccumulateGrad


def _retain(run, t, g):
    """backward(inputs=[non_leaf]) accumulates into the non-leaf's .grad."""
    if g is None:
        return
    if t._grad is None:
        t._grad = g if run.create else run.ops.detach_copy(g)
    else:
        t._grad = run.ops.add(t._grad, g) if run.create else t._grad + g.detach()


def _release_subgraph(node, deps, heap):
    for nxt, _ in node._edges:
        if nxt is None:
            continue
        deps[nxt] -= 1
        if deps[nxt] == 0:
            heapq.heappush(heap, (-nxt._seq, id(nxt), nxt))


def _call_hooks(table, value):
    fns = list(table.values())
    if len(fns) > 1:  # retain_grad's hook sees the final gradient (runs last), as in PyTorch
        fns.sort(key=lambda f: getattr(f, "__name__", "") == "_retain")
    for fn in fns:
        r = fn(value)
        if r is not None:
            value = r
    return value


def _leaf_hooks(run, node, g):
    hooks = node.variable._hooks
    if hooks:
        g = _call_hooks(hooks, g)
        run.foreign(g)
    return g


def _accumulate(run, node, g):
    var, ops = node.variable, run.ops
    if var._grad is None:
        if run.create:
            var._grad = g if id(g._data) not in run.shared else ops.clone(g)
        elif id(g._data) not in run.shared and ops.owned(g):
            var._grad = g
            run.shared.add(id(g._data))  # it belongs to the leaf now
        else:
            var._grad = ops.detach_copy(g)
    elif run.create:
        var._grad = ops.add(var._grad, g)
    else:
        ops.add_inplace(var._grad, g)
    if var._post_acc_hooks:
        for fn in list(var._post_acc_hooks.values()):
            fn(var)


def _annotate(node, e):
    tb = node._metadata.get("traceback_") if node._metadata else None
    if tb and STATE.anomaly:
        import warnings
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                      f"the error:\n{''.join(tb)}", UserWarning, stacklevel=4)
