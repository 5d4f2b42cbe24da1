"""Recording a data-dependent ``if`` (or ternary) as an If node.

Both branches run on copies of the state, each recorded into its block; the values they hand
back are merged (same structure, dtypes and ranks; differing Python numbers become tensors;
a variable one branch leaves unassigned is undefined afterwards).  Then the taken branch is
replayed eagerly on the real objects and its results are bound to the If's outputs, so
tracing continues with the right data.  Any failure undoes the recording and the caller falls
back to Python (a guard on the condition)."""
from __future__ import annotations

import numpy as np

from ...eager.tensor import Tensor
from ...ir.types import TensorType
from .. import _pytree as P
from .._tracer import source_line
from ._context import debug, StagingAbort, Undo, in_block, replay
from ._ignore_log import not_taken
from ._jumps import RETV
from ._numbers import NUMBERS, mark as mark_number, is_number as number_value
from ._unify import conform, conform_like, leaf_items, unify
from ._state import (NO_STAGE, Undefined, alias, copy_state, describe, flat_state, is_number,
                     merge_type, number_dtype, number_tensor, output)

__all__ = ["stage_if", "cond_value", "truth"]


def truth(t: Tensor) -> bool:
    """The truth value of a one-element tensor, without recording a guard."""
    if t._data.size != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(t._data.reshape(()))


def cond_value(tr, cond: Tensor):
    """The Value of a one-element condition tensor, reshaped to 0 dims if needed."""
    if cond._data.size != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    if cond.ndim:
        cond = cond.reshape(())
    return tr.value_of(cond)


def _numeric(x) -> bool:
    return is_number(x) or (isinstance(x, Tensor) and x.ndim == 0)


def stage_if(tr, cond, fns, get, set_, names) -> bool:
    """Record ``fns[0]`` / ``fns[1]`` as the blocks of an If on tensor ``cond``; False (with
    nothing recorded and the state restored) if they cannot be blocks."""
    if getattr(fns[0], "__code__", None) in NO_STAGE:
        return False
    init = tuple(get())
    taken = 0 if truth(cond) else 1
    undo = Undo(tr)
    try:
        node, outs, refs = _record(tr, cond, fns, get, set_, names, init, taken)
    except Exception as e:  # noqa: BLE001 - any failure: the caller takes the Python path
        debug(e)
        undo.restore()
        set_(init)
        return False
    set_(init)
    with replay():
        fns[taken]()
    set_(_bind(tr, node, init, tuple(get()), outs, names, refs, fns[0]))
    return True


def _record(tr, cond, fns, get, set_, names, init, taken):
    g = tr.graph
    cv = cond_value(tr, cond)
    node = g.create("If", [cv], {}, [], source=source_line(),
                    scope=tr.scope[-1] if tr.scope else "")
    runs = []
    for k, fn in enumerate(fns):
        blk = g.add_block(node)
        set_(copy_state(tr, init))
        with in_block(tr, blk), not_taken(k != taken):
            fn()
            final = tuple(get())
            flat = flat_state(final)
            vals = [[tr.value_of(x) if isinstance(x, Tensor) else None for x in leaves]
                    for leaves, _ in flat]
        runs.append((blk, final, flat, vals))
    init_vals = [[tr.lookup(x) if isinstance(x, Tensor) else None for x in leaves]
                 for leaves, _ in flat_state(init)]
    outs, rets = [], ([], [])
    for j, name in enumerate(names):
        _merge(tr, j, name, runs, init_vals[j], taken, outs, rets)
    for (blk, *_), r in zip(runs, rets):
        blk.returns = r
    return node, outs, runs[taken][2]


def _merge(tr, j, name, runs, init_vals, taken, outs, rets):
    (b0, f0, fl0, v0), (b1, f1, fl1, v1) = runs
    (l0, s0), (l1, s1) = fl0[j], fl1[j]
    a, b = f0[j], f1[j]
    if s0 == s1:
        for i, (x, y) in enumerate(zip(l0, l1)):
            if isinstance(x, Tensor) and isinstance(y, Tensor):
                iv = init_vals[i] if i < len(init_vals) else None
                if iv is not None and v0[j][i] is iv and v1[j][i] is iv:
                    continue  # unchanged on both paths: the value from before the if
                hint = (x if taken == 0 else y)._data.shape
                t = merge_type(tr, v0[j][i].type, v1[j][i].type, hint, f"'{name}'")
                rets[0].append(v0[j][i])
                rets[1].append(v1[j][i])
                outs.append((j, i, t))
            elif isinstance(x, Tensor) or isinstance(y, Tensor) or x._expr != y._expr:
                raise StagingAbort(f"'{name}' differs in kind between the branches")
        return
    if _numeric(a) and _numeric(b):  # Python numbers (or one already a 0-dim tensor)
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            dt = (a if isinstance(a, Tensor) else b)._dtype
        elif type(a) is type(b):
            dt = number_dtype(a)
        else:  # int on one path, float on the other: Python's type depends on the data
            raise StagingAbort(f"'{name}' is {describe(a)} in one branch and {describe(b)} "
                               "in the other")
        for k, (blk, x, vals) in enumerate(((b0, a, v0), (b1, b, v1))):
            if isinstance(x, Tensor):
                rets[k].append(vals[j][0])
                continue
            arr = np.array(x, dtype=dt.np)
            c = tr.graph.create("Constant", [], {"value": arr}, [TensorType(dt, ())],
                                block=blk).outputs[0]
            mark_number(c)  # a Python number: the If output is one if the other side is too
            rets[k].append(c)
        outs.append((j, "number", TensorType(dt, ())))
        return
    if isinstance(a, Undefined) or isinstance(b, Undefined):
        outs.append((j, "undefined", None))
        return
    _merge_struct(tr, j, name, runs, taken, outs, rets)


def _merge_struct(tr, j, name, runs, taken, outs, rets):
    """Values whose structures differ only where a path has a Python number (or, for the
    return value, no value at all): the numbers (and zero placeholders) become 0-dim
    Constants in their block, so every leaf is carried (see ``_unify``)."""
    (b0, f0, _, v0), (b1, f1, _, v1) = runs
    spec, leaves = unify(tr, f0[j], f1[j], none_ok=name == RETV)
    items = [leaf_items(f0[j], spec), leaf_items(f1[j], spec)]
    known = []  # per side, per leaf: its Value (a tensor computed in the block) or None
    for x, got, vals in ((f0[j], items[0], v0), (f1[j], items[1], v1)):
        tv = iter(vals[j])
        known.append([next(tv) if isinstance(item, Tensor) else None for item in got])
    for k, blk in enumerate((b0, b1)):
        for n, (item, leaf) in enumerate(zip(items[k], leaves)):
            if known[k][n] is not None:
                rets[k].append(known[k][n])
                continue
            arr = np.zeros(leaf.shape, leaf.dtype.np) if item is None else \
                np.array(item, dtype=leaf.dtype.np)
            c = tr.graph.create("Constant", [], {"value": arr},
                                [TensorType(leaf.dtype, arr.shape)], block=blk).outputs[0]
            other, o_val = items[1 - k][n], known[1 - k][n]
            if item is not None or is_number(other) or (o_val is not None and NUMBERS and
                                                        number_value(o_val, NUMBERS[-1])):
                mark_number(c)  # a Python number (or stands for one): see _numbers
            rets[k].append(c)
    n0 = len(rets[0]) - len(leaves)
    types = []
    for n, leaf in enumerate(leaves):
        item = items[taken][n]
        hint = item._data.shape if isinstance(item, Tensor) else leaf.shape
        types.append(merge_type(tr, rets[0][n0 + n].type, rets[1][n0 + n].type, hint,
                                f"'{name}'"))
    outs.append((j, "struct", (spec, leaves, types)))


def _bind(tr, node, init, final, outs, names, refs, then=None):
    """Bind the replayed values to the If outputs; returns the new state."""
    final = list(final)
    init_flat = flat_state(init)
    flat = {}
    for j, i, t in outs:
        if i == "number":
            obj = final[j]
            if isinstance(obj, Tensor):
                obj = obj if tr.lookup(obj) is None else alias(obj)
            else:
                obj = number_tensor(obj, t.dtype)
            output(tr, node, t, obj)
            final[j] = obj
        elif i == "undefined":  # no output: the name is unusable after the if
            final[j] = Undefined(names[j], "it is assigned in only one branch of a "
                                           "data-dependent if",
                                 getattr(then, "__code__", None))
        elif i == "struct":
            spec, leaves, types = t
            obj = conform(final[j], spec, leaves)
            flat_leaves, _ = P.flatten(obj)
            new = []
            for x, typ in zip(flat_leaves, types):
                x = x if tr.lookup(x) is None else alias(x)
                output(tr, node, typ, x)
                new.append(x)
            final[j] = P.unflatten(spec, new)
        elif is_number(final[j]):
            # the replay ran Python where the recording had a tensor (a flag that nested
            # staged code made data): the graph carries it as the tensor
            final[j] = number_tensor(final[j], t.dtype)
            output(tr, node, t, final[j])
        else:
            # (the replay runs nested branches in Python: numbers where the recording had
            # tensors are carried as the recorded tensors)
            leaves, spec = flat.get(j) or P.flatten(conform_like(final[j], *refs[j][::-1]))
            leaves = list(leaves)
            obj = leaves[i]
            same = i < len(init_flat[j][0]) and init_flat[j][0][i] is obj
            if not same and tr.lookup(obj) is not None:
                obj = alias(obj)  # another variable's tensor: binding it would rebind that one
            leaves[i] = obj
            output(tr, node, t, obj)
            flat[j] = (leaves, spec)
    for j, (leaves, spec) in flat.items():
        final[j] = P.unflatten(spec, leaves)
    return tuple(final)
