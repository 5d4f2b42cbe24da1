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

__all__ = ["Node", "OpNode", "AccumulateGrad", "run_backward"]

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

    __slots__ = ("next_functions", "_seq", "_pre_hooks", "_post_hooks", "_tensor_hooks",
                 "_input_meta", "_n_out", "metadata", "__weakref__")

    def __init__(self, next_functions=(), input_meta=(), n_out=1):
        self.next_functions = next_functions
        self._input_meta = input_meta
        self._n_out = n_out
        self._seq = next(_seq)
        self._pre_hooks = None
        self._post_hooks = None
        self._tensor_hooks = None
        self.metadata = None

    def name(self) -> str:
        return type(self).__name__

    def apply(self, grads):  # pragma: no cover - abstract
        raise NotImplementedError

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
        return f"<{self.name()} object at {hex(id(self))}>"


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


class OpNode(Node):
    """Backward of one registry op; subclassed per grad name so ``type(fn).__name__`` is
    PyTorch's (``MulBackward0``).  Doubles as the ``ctx`` passed to the op's vjp."""

    __slots__ = ("op", "attrs", "_inputs", "_versions", "_output", "needs_input_grad", "saved")

    def _check_versions(self):
        if self._inputs is None:
            raise RuntimeError(_FREED)
        for t, v in self._versions:
            if t._vc[0] != v:
                raise RuntimeError(_version_error(t, v))

    @property
    def inputs(self):
        return self._inputs

    @property
    def output(self):
        return self._output

    def apply(self, grads):
        self._check_versions()
        out = self.op.vjp(self, *grads)
        return out if isinstance(out, (tuple, list)) else (out,)

    def release(self):
        self._inputs = None
        self._output = None
        self.saved = None


def _version_error(t, expected):
    from ..ops.dtypes import TYPE_NAMES
    desc = f"[torch.{TYPE_NAMES[t._dtype]} [{', '.join(map(str, t._data.shape))}]]"
    fn = t.grad_fn
    where = f", which is output {t._output_nr} of {fn.name()}," if fn is not None else ""
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {desc}{where} is at version {t._vc[0]}; expected version "
            f"{expected} instead. Hint: enable anomaly detection to find the operation that "
            "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).")


_node_classes: dict = {}


def node_class(grad_name: str):
    cls = _node_classes.get(grad_name)
    if cls is None:
        cls = _node_classes[grad_name] = type(grad_name, (OpNode,), {"__slots__": ()})
    return cls


class AccumulateGrad(Node):
    """Sink for a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__((), ((tuple(variable._data.shape), variable._dtype),))
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


# ------------------------------------------------------------------------------- the engine
def _fit(g, meta, ops):
    """Reduce a gradient to the shape and dtype of the input it flows to."""
    shape, dt = meta
    if tuple(g._data.shape) != shape:
        g = ops.sum_to(g, shape)
    if g._dtype is not dt:
        g = ops.cast(g, dt)
    return g


def _call_hooks(table, value):
    if table:
        for fn in list(table.values()):
            r = fn(value)
            if r is not None:
                value = r
    return value


def _graph_order(roots, capture_nodes):
    """Dependency counts of every node reachable from ``roots``; with ``capture_nodes``, also
    the set of nodes from which one of them is reachable (only those need to run)."""
    deps, seen, order = {}, set(), []
    stack = [r for r in roots if r is not None]
    for r in stack:
        seen.add(r)
    while stack:
        node = stack.pop()
        order.append(node)
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    needed = None
    if capture_nodes is not None:
        needed = set(capture_nodes)
        changed = True
        while changed:  # fixed point; graphs are DAGs so this ends after depth passes at most
            changed = False
            for node in reversed(order):
                if node not in needed and any(n in needed for n, _ in node.next_functions):
                    needed.add(node)
                    changed = True
    return deps, needed


def run_backward(tensors, grad_tensors, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True, allow_unused=False):
    """Back-propagate ``grad_tensors`` from ``tensors``.  With ``accumulate`` the leaves' .grad
    receive the gradients; otherwise the gradients of ``inputs`` are returned."""
    ops = _engine_ops()
    roots, buffers = [], {}
    handed = set()
    for t, g in zip(tensors, grad_tensors):
        node, nr = edge_of(t)
        if node is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
        g = ops.detach_copy(g) if not create_graph else g
        handed.add(id(g))
        buf = buffers.setdefault(node, {})
        buf[nr] = g if nr not in buf else ops.add(buf[nr], g)
        roots.append(node)
    captures = None
    if inputs is not None:
        captures = {}
        for i, t in enumerate(inputs):
            node, nr = edge_of(t)
            if node is None:
                if accumulate or not allow_unused:
                    raise RuntimeError("One of the differentiated Tensors does not require grad")
                continue
            captures.setdefault((node, nr), []).append(i)
    capture_nodes = None if captures is None else {n for n, _ in captures}
    deps, needed = _graph_order(roots, capture_nodes)
    results = [None] * (len(inputs) if inputs is not None else 0)

    prev_enabled = STATE.enabled
    STATE.enabled = bool(create_graph)
    try:
        heap = []
        for r in dict.fromkeys(roots):
            if deps.get(r, 0) == 0:
                heapq.heappush(heap, (-r._seq, id(r), r))
        while heap:
            _, _, node = heapq.heappop(heap)
            buf = buffers.pop(node, {})
            if needed is not None and node not in needed:
                _release_subgraph(node, deps, heap, buffers, retain_graph)
                continue
            _run_node(node, buf, ops, retain_graph, create_graph, captures, results,
                      accumulate, buffers, deps, heap, handed)
    finally:
        STATE.enabled = prev_enabled
    if inputs is not None and not accumulate:
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
    return results


def _release_subgraph(node, deps, heap, buffers, retain_graph):
    for nxt, _ in node.next_functions:
        if nxt is None:
            continue
        deps[nxt] -= 1
        if deps[nxt] == 0:
            heapq.heappush(heap, (-nxt._seq, id(nxt), nxt))


def _run_node(node, buf, ops, retain_graph, create_graph, captures, results, accumulate,
              buffers, deps, heap, handed):
    if node._tensor_hooks:
        for nr, table in node._tensor_hooks.items():
            if nr in buf:
                buf[nr] = _call_hooks(table, buf[nr])
    if captures is not None:
        for nr, g in buf.items():
            for i in captures.get((node, nr), ()):
                results[i] = g
    if isinstance(node, AccumulateGrad):
        if 0 in buf and accumulate and (captures is None or (node, 0) in captures):
            _accumulate(node, buf[0], ops, create_graph)
        return
    grads = _output_grads(node, buf, ops)
    if node._pre_hooks:
        for fn in list(node._pre_hooks.values()):
            r = fn(tuple(grads))
            if r is not None:
                grads = list(r)
    try:
        in_grads = list(node.apply(grads))
    except Exception as e:
        _annotate(node, e)
        raise
    if node._post_hooks:
        for fn in list(node._post_hooks.values()):
            r = fn(tuple(in_grads), tuple(grads))
            if r is not None:
                in_grads = list(r)
    if not retain_graph and isinstance(node, OpNode):
        node.release()
    if STATE.anomaly and STATE.anomaly_nan:
        ops.check_nan(node, in_grads)
    for i, (nxt, nr) in enumerate(node.next_functions):
        if nxt is None:
            continue
        g = in_grads[i] if i < len(in_grads) else None
        if g is not None:
            g = _fit(g, node._input_meta[i], ops)
            if id(g) in handed:
                g = ops.detach_copy(g) if not create_graph else ops.clone(g)
            handed.add(id(g))
            nb = buffers.setdefault(nxt, {})
            nb[nr] = g if nr not in nb else ops.add(nb[nr], g)
        deps[nxt] -= 1
        if deps[nxt] == 0:
            heapq.heappush(heap, (-nxt._seq, id(nxt), nxt))


def _output_grads(node, buf, ops):
    return [buf.get(i) for i in range(node._n_out)]


def _accumulate(node, g, ops, create_graph):
    var = node.variable
    if var._hooks:
        g = _call_hooks(var._hooks, g)
    if var._grad is None:
        var._grad = g if create_graph or ops.owned(g) else ops.detach_copy(g)
    elif create_graph:
        var._grad = ops.add(var._grad, g)
    else:
        ops.add_inplace(var._grad, g)
    if var._post_acc_hooks:
        for fn in list(var._post_acc_hooks.values()):
            fn(var)


def _annotate(node, e):
    tb = node.metadata.get("traceback_") if node.metadata else None
    if tb and STATE.anomaly:
        import warnings
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                      f"the error:\n{''.join(tb)}", RuntimeWarning, stacklevel=3)


def anomaly_traceback():
    return traceback.format_stack()[:-3]
