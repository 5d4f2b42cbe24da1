"""``torch.cond`` and ``torch.while_loop``: data-dependent control flow that tracing keeps.

Run eagerly they are an ``if`` and a ``while``.  While tracing, ``cond`` records an ``If``
node with both branches traced into its blocks, and ``while_loop`` a ``Loop`` node whose body
is the traced ``body_fn`` followed by ``cond_fn``; the eager result of the taken path lets
tracing continue."""
from __future__ import annotations

from ..eager.tensor import Tensor
from ..ir.types import BOOL, INT
from . import _pytree as P
from ._tracer import current

__all__ = ["cond", "while_loop"]

_MAX_TRIP = (1 << 63) - 1


def _pred_value(pred):
    if isinstance(pred, Tensor):
        if pred._data.size != 1:
            raise RuntimeError(f"cond: expected pred to be a bool or a one-element tensor, got a "
                               f"tensor of shape {list(pred._data.shape)}")
        return bool(pred._data.reshape(()))
    return bool(pred)


def cond(pred, true_fn, false_fn, operands=()):
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``; traced as an ``If``
    node that keeps both branches.

    Args:
        pred: a bool or a one-element tensor.
        true_fn, false_fn: functions of the operands returning tensors (or tuples of them)
            of the same structure, dtypes and ranks.
        operands: a tuple or list of tensors passed to the branch functions.
    """
    operands = tuple(operands)
    tr = current()
    if tr is None or not isinstance(pred, Tensor) or tr.lookup(pred) is None:
        return true_fn(*operands) if _pred_value(pred) else false_fn(*operands)
    taken = _pred_value(pred)
    g = tr.graph
    node = g.create("If", [tr.value_of(pred)], {}, [], source=_src(), scope=_scope(tr))
    results = []
    for fn in (true_fn, false_fn):
        blk = g.add_block(node)
        out = _in_block(tr, blk, lambda: fn(*operands))
        leaves, spec = P.flatten(out)
        results.append((out, leaves, spec))
    (o1, l1, s1), (o2, l2, s2) = results
    if s1 != s2 or len(l1) != len(l2):
        raise RuntimeError(f"cond: true_fn and false_fn must return the same structure, got "
                           f"{P.spec_str(s1)} and {P.spec_str(s2)}")
    for a, b in zip(l1, l2):
        if a._dtype is not b._dtype or a.ndim != b.ndim:
            raise RuntimeError(f"cond: branch outputs differ: {a._dtype} of rank {a.ndim} vs "
                               f"{b._dtype} of rank {b.ndim}")
    out, leaves = (o1, l1) if taken else (o2, l2)
    from ..ir.graph import Value
    for i, x in enumerate(leaves):
        v = Value(g.fresh_name(), node.blocks[0 if taken else 1].returns[i].type, node, i)
        node.outputs.append(v)
        tr.bind(x, v)
    return out


def _in_block(tr, blk, thunk):
    """Run ``thunk`` with nodes recorded into ``blk``; tensors it creates stay local."""
    g = tr.graph
    saved_point, saved_env = g.insert_point, dict(tr.env)
    g.insert_point = blk
    try:
        out = thunk()
        leaves, _ = P.flatten(out)
        blk.returns = [tr.value_of(x) for x in leaves]
    finally:
        g.insert_point = saved_point
        tr.env = saved_env
    return out


def while_loop(cond_fn, body_fn, carried_inputs):
    """Run ``body_fn`` while ``cond_fn`` holds; returns the final carried values.

    Args:
        cond_fn: carried values -> a bool or a one-element tensor.
        body_fn: carried values -> new carried values (same structure, dtypes and shapes).
        carried_inputs: a tuple or list of tensors.
    """
    carried = tuple(carried_inputs)
    tr = current()
    if tr is None:
        return _run_loop(cond_fn, body_fn, carried)
    from ..eager import dispatch as DP
    g = tr.graph
    c0 = cond_fn(*carried)
    init = [tr.value_of(x) for x in carried]
    trip = g.create("Constant", [], {"value": _MAX_TRIP}, [INT]).outputs[0]
    cv = tr.value_of(c0) if isinstance(c0, Tensor) else \
        g.create("Constant", [], {"value": bool(c0)}, [BOOL]).outputs[0]
    node = g.create("Loop", [trip, cv] + init, {}, [], source=_src(), scope=_scope(tr))
    blk = g.add_block(node)
    blk.add_param(INT)
    params = [blk.add_param(v.type) for v in init]

    def body():
        for x, p in zip(carried, params):
            tr.bind(x, p)
        new = body_fn(*carried)
        new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
        c = cond_fn(*new)
        cval = tr.value_of(c) if isinstance(c, Tensor) else \
            g.create("Constant", [], {"value": bool(c)}, [BOOL]).outputs[0]
        return (cval,) + tuple(new)

    saved_point, saved_env = g.insert_point, dict(tr.env)
    g.insert_point = blk
    try:
        res = body()
        blk.returns = [res[0]] + [tr.value_of(x) for x in res[1:]]
    finally:
        g.insert_point = saved_point
        tr.env = saved_env
    from ..ir import symbolic as S
    saved, DP.HOOKS.tracer = DP.HOOKS.tracer, None
    saved_guard, S.GUARD_HOOK[0] = S.GUARD_HOOK[0], None  # the eager run decides nothing
    try:
        final = _run_loop(cond_fn, body_fn, carried)
    finally:
        DP.HOOKS.tracer = saved
        S.GUARD_HOOK[0] = saved_guard
    from ..ir.graph import Value
    for i, x in enumerate(final):
        v = Value(g.fresh_name(), params[i].type, node, i)
        node.outputs.append(v)
        tr.bind(x, v)
    return final


def _scan(body_fn, carried, xs, reverse=False):
    """Internal: a loop over the leading dim of the tensors ``xs`` with scan outputs.

    ``body_fn(*x_t, *carried) -> (new_carried, scan_values)`` (tuples of tensors) runs for
    t = 0 .. n-1 (``reverse``: n-1 .. 0); returns ``(final_carried, stacked)`` where each stacked
    tensor holds the step values in time order (index t = the step that read x[t]).  While
    tracing it is one ``Loop`` node with ``n_scan`` outputs running exactly n times (n symbolic),
    so per step it costs the body plus one ``select`` per input, with no buffer rewritten."""
    carried = tuple(carried)
    tr = current()
    if tr is None:
        final, stacked = _scan_eager(body_fn, carried, xs, reverse)
    else:
        final, stacked = _scan_traced(tr, body_fn, carried, xs, reverse)
    if reverse:  # iteration order back to time order
        stacked = tuple(s.flip(0) for s in stacked)
    return final, stacked


def _scan_eager(body_fn, carried, xs, reverse):
    from ..api.shape_join import stack
    steps = list(zip(*[x.unbind(0) for x in xs]))
    outs = []
    for x_t in (reversed(steps) if reverse else steps):
        carried, vals = body_fn(*x_t, *carried)
        carried = tuple(carried)
        outs.append(tuple(vals))
    return carried, tuple(stack(list(col), 0) for col in zip(*outs))


def _scan_traced(tr, body_fn, carried, xs, reverse):
    from ..ir import symbolic as S
    from ..ir.graph import Value
    from ..ir.types import TensorType
    g = tr.graph
    n = xs[0].shape[0]  # a SymInt: the loop runs at any length
    src, scope = _src(), _scope(tr)
    trip = tr.scalar(n)
    true = g.create("Constant", [], {"value": True}, [BOOL], source=src, scope=scope).outputs[0]
    init = [tr.value_of(c) for c in carried]
    xvals = [tr.value_of(x) for x in xs]
    node = g.create("Loop", [trip, true] + init, {}, [], source=src, scope=scope)
    blk = g.add_block(node)
    i = blk.add_param(INT)
    params = [blk.add_param(v.type) for v in init]
    saved_point, saved_env = g.insert_point, dict(tr.env)
    g.insert_point = blk
    try:
        idx = i
        if reverse:  # t = n - 1 - i
            last = tr.scalar(n - 1)
            idx = g.create("scalar.sub", [last, i], {}, [INT], source=src,
                           scope=scope).outputs[0]
        steps = []
        for x, xv in zip(xs, xvals):
            with _untraced():
                x_t = x.select(0, 0)  # a stand-in with the step's shape
            t = xv.type
            shape = None if t.shape is None else tuple(t.shape[1:])
            v = g.create("select", [xv], {"dim": 0, "index": idx},
                         [TensorType(t.dtype, shape, t.device)], source=src, scope=scope)
            tr.bind(x_t, v.outputs[0])
            steps.append(x_t)
        inside, seen = [], set()
        for c, p in zip(carried, params):
            if id(c) in seen:  # the same tensor carried twice: each slot needs its own stand-in
                with _untraced():
                    c = c.clone()
            seen.add(id(c))
            tr.bind(c, p)
            inside.append(c)
        new, vals = body_fn(*steps, *inside)
        new, vals = tuple(new), tuple(vals)
        blk.returns = [true] + [tr.value_of(x) for x in new] + [tr.value_of(x) for x in vals]
    finally:
        g.insert_point = saved_point
        tr.env = saved_env
    node.attrs["n_scan"] = len(vals)
    with _untraced():
        final, stacked = _scan_eager(body_fn, carried, xs, reverse)
    lead = S.expr_of(n)
    for k, x in enumerate(final):
        v = Value(g.fresh_name(), params[k].type, node, k)
        node.outputs.append(v)
        tr.bind(x, v)
    for j, x in enumerate(stacked):
        t = blk.returns[1 + len(new) + j].type
        shape = None if t.shape is None else (lead,) + tuple(t.shape)
        v = Value(g.fresh_name(), TensorType(t.dtype, shape, t.device), node, len(final) + j)
        node.outputs.append(v)
        tr.bind(x, v)
    return final, stacked


class _untraced:
    """Run eagerly with the tracer's hooks off (nothing recorded, no size decisions)."""

    def __enter__(self):
        from ..eager import dispatch as DP
        from ..ir import symbolic as S
        self.saved = DP.HOOKS.tracer, S.GUARD_HOOK[0]
        DP.HOOKS.tracer, S.GUARD_HOOK[0] = None, None

    def __exit__(self, *exc):
        from ..eager import dispatch as DP
        from ..ir import symbolic as S
        DP.HOOKS.tracer, S.GUARD_HOOK[0] = self.saved
        return False


def _run_loop(cond_fn, body_fn, carried):
    while _pred_value(cond_fn(*carried)):
        new = body_fn(*carried)
        carried = tuple(new) if isinstance(new, (tuple, list)) else (new,)
    return carried


def _src():
    from ._tracer import source_line
    return source_line()


def _scope(tr):
    return tr.scope[-1] if tr.scope else ""
