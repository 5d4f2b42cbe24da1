"""Recording a loop as a Loop node.

The body is recorded once into the Loop's block with the loop state as carried values and a
0-dim int64 counter ``k`` made from the Loop's iteration number (the item is computed from it:
``start + k * step``, or row ``k`` of an iterated tensor, read with ``select`` whose index is
the iteration Value).  After the body, the state must have the same structure; when a Python
number changed it is *promoted* to a tensor and the body is recorded again, and when a carried
tensor changed size its sizes are generalized to fresh symbols (bound every iteration) and
the body is recorded again.  Then the whole loop is replayed eagerly and its final values are
bound to the Loop outputs.  A list the body appends one tensor to per iteration becomes a
scan output (``_scan``; found like a promotion: the body is recorded again).  A body that
cannot be a block (a tensor converted to a Python value, a list that is read and grows, a type
that changes) makes ``stage_loop`` return False: the caller unrolls the loop in Python
instead."""
from __future__ import annotations

import contextlib

import numpy as np

from ...eager.tensor import Tensor
from ...ir import symbolic as S
from ...ir.types import INT, TensorType
from ...ops import dtypes as D
from .. import _pytree as P
from .._tracer import source_line
from ._context import debug, StagingAbort, Undo, fresh, in_block, no_python_scalars, replay
from ._ignore_log import not_taken
from ._jumps import RETV
from ._numbers import NUMBERS, mark as mark_number, is_number as number_value
from ._scan import ScanList, StackedList, empty_rows, is_scan_candidate
from ._stage_if import cond_value
from ._state import Undefined, alias, flat_state, is_number, number_tensor, output
from ._unify import conform, conform_like, unify

__all__ = ["stage_loop", "MAX_TRIP"]

MAX_TRIP = (1 << 63) - 1
_ATTEMPTS = 6
COUNTERS: dict = {}  # id(counter tensor) -> (tensor, the Loop's int iteration Value)


class _Retry(Exception):
    pass


class Plan:
    """How a staged loop runs: ``trip`` (int, SymInt, tensor or None for ``while``),
    ``item(k)`` the staged item for counter tensor ``k`` (None: no item), ``cond0`` the
    initial condition, ``next_cond()`` the condition after an iteration (None: always),
    ``replay()`` the eager loop."""

    def __init__(self, trip, item, cond0, next_cond, replay_fn):
        self.trip, self.item, self.cond0 = trip, item, cond0
        self.next_cond, self.replay = next_cond, replay_fn
        self.need_staged = False  # the condition after the body must be a traced tensor


def stage_loop(tr, plan: Plan, body, get, set_, names) -> bool:
    """Record the loop ``plan`` over ``body``; False (nothing recorded) if it cannot be."""
    init = tuple(get())
    promote: dict = {}   # name -> dtype (None: from the Python value)
    general: dict = {}   # carried index -> generalized TensorType
    hints: dict = {}     # trace-time values of the symbols made for generalized sizes
    scans: dict = {}     # name -> True: a list the body appends to (a scan output)
    for _ in range(_ATTEMPTS):
        undo = Undo(tr)
        try:
            res = _record(tr, plan, body, get, set_, names, init, promote, general, hints,
                          scans)
            break
        except _Retry as e:
            debug(e)
            undo.restore()
            tr.hints.update(hints)
            set_(init)
        except Exception as e:  # noqa: BLE001 - any failure: the caller unrolls in Python
            debug(e)
            undo.restore()
            set_(init)
            return False
    else:
        return False
    node, carried, ptypes, scanned = res
    prefixes = {j: list(init[j]) for j, _, _ in scanned}  # the replay appends to the lists
    set_(init)
    with replay():
        plan.replay()
    final = _bind(tr, node, carried, ptypes, init, tuple(get()), names, promote)
    set_(_bind_scans(tr, node, scanned, prefixes, final))
    return True


def _start_state(init, names, promote):
    state = list(init)
    for j, n in enumerate(names):
        if n in promote:
            v, p = init[j], promote[n]
            if type(p) is tuple:  # a structure (the return value): numbers and None leaves
                state[j] = conform(v, p[1], p[2])  # become tensors (placeholders for None)
            else:
                state[j] = number_tensor(v, p) if is_number(v) else v
    return tuple(state)


def _scalar_value(tr, x):
    if isinstance(x, Tensor):
        return cond_value(tr, x) if x.dtype is D.bool else tr.value_of(
            x.reshape(()) if x.ndim else x)
    return tr.scalar(x)


def _record(tr, plan, body, get, set_, names, init, promote, general, hints, scans):
    g = tr.graph
    state = _start_state(init, names, promote)
    lists = {j: ScanList(init[j]) for j, n in enumerate(names) if n in scans}
    state = tuple(lists.get(j, v) for j, v in enumerate(state))
    flat = flat_state(state)
    carried = [(j, i) for j, (leaves, _) in enumerate(flat)
               for i, x in enumerate(leaves) if isinstance(x, Tensor)]
    init_vals = [tr.value_of(flat[j][0][i]) for j, i in carried]
    trip_v = tr.scalar(MAX_TRIP) if plan.trip is None else _scalar_value(tr, plan.trip)
    cond_v = _scalar_value(tr, plan.cond0)
    node = g.create("Loop", [trip_v, cond_v] + init_vals, {}, [],
                    source=source_line(), scope=tr.scope[-1] if tr.scope else "")
    blk = g.add_block(node)
    ip = blk.add_param(INT)
    ptypes = [general.get(n, v.type) for n, v in enumerate(init_vals)]
    params = [blk.add_param(t) for t in ptypes]
    for (j, i), v, p in zip(carried, init_vals, params):
        if is_number(init[j]) or (NUMBERS and number_value(v, NUMBERS[-1])) or \
                _struct_number(promote.get(names[j]), i):
            mark_number(v)  # a promoted Python number (see _numbers)
            mark_number(p)  # inside the body too (print); restore_outputs re-checks the Loop
    with in_block(tr, blk), no_python_scalars(tr), _no_local_guards(tr, general), \
            not_taken(not _runs_now(plan)):
        # the counter as a 0-dim tensor (removed again when the body does not use it):
        # ``0 + i`` rather than ``full(fill_value=i)``, which the LLVM backend cannot lower
        zero = g.create("Constant", [], {"value": np.zeros((), np.int64)},
                        [TensorType(D.int64, ())]).outputs[0]
        kv = g.create("add", [zero, ip], {}, [TensorType(D.int64, ())]).outputs[0]
        k = number_tensor(0)
        tr.bind(k, kv)
        mark_number(kv)  # the loop variable is a Python int
        COUNTERS[id(k)] = (k, ip)
        leaves = {j: list(flat[j][0]) for j in range(len(flat))}
        for n, ((j, i), p) in enumerate(zip(carried, params)):
            src = p
            if n in general:  # a node whose output type binds the generalized sizes
                src = g.create("_indexing_alias", [p], {}, [p.type]).outputs[0]
            leaves[j][i] = fresh(tr, leaves[j][i], src)
        # fresh tensors and rebuilt containers: the body must not touch the originals
        set_(tuple(lists[j] if j in lists else P.unflatten(flat[j][1], leaves[j])
                   for j in range(len(flat))))
        for sl in lists.values():
            sl.active = True
        try:
            if plan.item is not None:
                body(plan.item(k))
            else:
                body()
            c = plan.next_cond() if plan.next_cond is not None else True
        finally:
            for sl in lists.values():
                sl.active = False
        final = tuple(get())
        new_vals = _check(tr, flat, final, carried, ptypes, names, init, promote, general,
                          hints, scans)
        scanned = _scan_values(tr, lists, final, names)
        if plan.need_staged and not (isinstance(c, Tensor) and tr.lookup(c) is not None):
            raise StagingAbort("the loop condition stays a Python value")
        cv = _scalar_value(tr, c)
        blk.returns = [cv] + new_vals + [v for _, v, _ in scanned]
    if scanned:
        node.attrs["n_scan"] = len(scanned)
    COUNTERS.pop(id(k), None)
    if not _uses(blk, kv):
        blk.nodes.remove(kv.node)
        blk.nodes.remove(kv.node.inputs[0].node)
    return node, carried, ptypes, scanned


@contextlib.contextmanager
def _no_local_guards(tr, general):
    """A size decision on a symbol that changes between iterations (a generalized carried
    size, a size first made in the body) would be checked at every iteration but hold only
    for the recorded one: it aborts the staging (the loop unrolls, with ordinary guards)."""
    start = tr._nsym
    names = {S.bare_symbol(d) for t in general.values() for d in t.shape} - {None}
    saved = S.GUARD_HOOK[0]

    def local(e):
        for name in S.free_symbols(S.expr_of(e)) if type(e) is S.Expr else ():
            digits = name.lstrip("su")
            if name in names or (digits.isdigit() and int(digits) >= start):
                return True
        return False

    def hook(kind, lhs, rhs):
        if saved is not None and not tr.in_meta and tr.meta_scale == 1 and \
                (local(tr.subst(lhs)) or local(tr.subst(rhs))):
            raise StagingAbort("a size that changes between iterations decides something "
                               "inside the loop")
        if saved is not None:
            saved(kind, lhs, rhs)
    S.GUARD_HOOK[0] = hook
    try:
        yield
    finally:
        S.GUARD_HOOK[0] = saved


def _uses(blk, v) -> bool:
    """Whether a node of ``blk`` (or of a block nested in it) reads ``v`` or returns it."""
    if v in blk.returns:
        return True
    for n in blk.nodes:
        if v in list(n.operands()) or any(_uses(b, v) for b in n.blocks):
            return True
    return False


def _scan_values(tr, lists, final, names):
    """(state index, Value, trace-time item) of each list the body appended one tensor to."""
    out = []
    for j, sl in sorted(lists.items()):
        if final[j] is not sl or len(sl.items) != 1 or not isinstance(sl.items[0], Tensor):
            raise StagingAbort(f"'{names[j]}' is not appended exactly one tensor per iteration")
        out.append((j, tr.value_of(sl.items[0]), sl.items[0]))
    return out


def _check(tr, flat, final, carried, ptypes, names, init, promote, general, hints, scans):
    """The Values the body hands back; raises _Retry (promote / generalize) or StagingAbort."""
    # body-local names are not flattened: a StackedList there must not be materialized
    new_flat = [([], None) if isinstance(init[j], Undefined) else P.flatten(v)
                for j, v in enumerate(final)]
    for j, name in enumerate(names):
        if isinstance(init[j], Undefined):
            continue  # a body-local name (the loop variable, temporaries)
        if new_flat[j][1] != flat[j][1]:
            v0, v1 = init[j], final[j]
            p = promote.get(name)
            if type(p) is tuple:  # numbers where the carried structure has tensors
                new_flat[j] = _conform_in_body(tr, final[j], p)
                if new_flat[j][1] == flat[j][1]:
                    continue
            if name not in promote and not is_number(v0) and not is_number(v1):
                with contextlib.suppress(StagingAbort):
                    # a structure whose numbers differ (the return value: None before)
                    promote[name] = ("struct",) + unify(tr, v0, v1, none_ok=name == RETV)
                    raise _Retry(f"{name}: carried structure {promote[name][1:]}")
            if name not in promote and is_number(v0) and (
                    is_number(v1) or isinstance(v1, Tensor) and v1.ndim == 0):
                promote[name] = v1._dtype if isinstance(v1, Tensor) else None
                raise _Retry(f"{name}: promoted")
            if name not in scans and is_scan_candidate(v0, v1):
                scans[name] = True
                raise _Retry(f"{name}: scan output")
            raise StagingAbort(f"loop variable '{name}' changes from {P.spec_str(flat[j][1])} "
                               f"to {P.spec_str(new_flat[j][1])}")
    vals, retry = [], False
    for n, (j, i) in enumerate(carried):
        x = new_flat[j][0][i]
        if not isinstance(x, Tensor):
            raise StagingAbort(f"loop variable '{names[j]}' stops being a tensor")
        v = tr.value_of(x)
        want = ptypes[n]
        t = v.type
        if t.dtype is not want.dtype:
            if names[j] in promote and type(promote[names[j]]) is not tuple and \
                    promote[names[j]] is not t.dtype:
                promote[names[j]] = t.dtype
                retry = True
                continue
            raise StagingAbort(f"loop variable '{names[j]}' changes dtype from {want.dtype} "
                               f"to {t.dtype}")
        if t.shape is None or len(t.shape) != len(want.shape):
            raise StagingAbort(f"loop variable '{names[j]}' changes rank")
        if any(tr.subst(a) != tr.subst(b) and not (n in general and _generalized(a, tr))
               for a, b in zip(want.shape, t.shape)):
            hint = flat[j][0][i]._data.shape
            general[n] = TensorType(want.dtype, tuple(
                a if tr.subst(a) == tr.subst(b) else tr.new_symbol(int(h), "u")
                for a, b, h in zip(want.shape, t.shape, hint)), want.device)
            for d in general[n].shape:  # hints survive the undo of this attempt
                name = S.bare_symbol(d)
                if name is not None:
                    hints[name] = tr.hints.get(name, hints.get(name))
            retry = True
            continue
        vals.append(v)
    if retry:
        raise _Retry(f"dtypes {promote} / sizes {general}")
    return vals


def _bind(tr, node, carried, ptypes, init, final, names, promote):
    """Bind the eager results of the replay to the Loop outputs; returns the new state."""
    final = list(final)
    for j, name in enumerate(names):
        p = promote.get(name)
        if type(p) is tuple:  # the replay's Python numbers (or no return value) as tensors
            final[j] = conform(final[j], p[1], p[2])
    init_flat = flat_state(init)
    start = flat_state(_start_state(init, names, promote))
    flat = {}
    for n, (j, i) in enumerate(carried):
        if not isinstance(final[j], (Tensor, tuple, list, dict)):
            # a Python value in the eager replay (a number, or None for a return value
            # that was not set) that the graph carries as a tensor
            final[j] = obj = number_tensor(final[j], ptypes[n].dtype)
        else:
            if j not in flat:  # (Python numbers of nested branches the replay ran)
                leaves, spec = P.flatten(conform_like(final[j], start[j][1], start[j][0]))
                flat[j] = (list(leaves), spec)
            leaves = flat[j][0]
            obj = leaves[i]
            same = i < len(init_flat[j][0]) and init_flat[j][0][i] is obj
            if not same and tr.lookup(obj) is not None:
                obj = alias(obj)
            leaves[i] = obj
        t = ptypes[n]
        dims = tuple(d if type(d) is int else (d if not _generalized(d, tr) else
                                               tr.new_symbol(h, "u"))
                     for d, h in zip(t.shape, obj._data.shape))
        output(tr, node, TensorType(t.dtype, dims, t.device), obj)
    for j, (leaves, spec) in flat.items():
        final[j] = P.unflatten(spec, leaves)
    for j, name in enumerate(names):
        if isinstance(init[j], Undefined):
            final[j] = Undefined(name, "it is assigned only inside a loop that is compiled as "
                                       "a Loop node; assign it before the loop")
    return tuple(final)


def _runs_now(plan) -> bool:
    """Whether eager runs the body at least once on the trace-time values (read without
    recording a guard)."""
    def value(x):
        if isinstance(x, Tensor):
            return x._data.reshape(-1)[0].item()
        return int.__int__(x) if type(x) is S.SymInt else x
    try:
        return bool(value(plan.cond0)) and (plan.trip is None or value(plan.trip) > 0)
    except Exception:  # noqa: BLE001 - unknown: assume it runs
        return True


def _struct_number(p, i) -> bool:
    """Whether leaf ``i`` of a carried structure ``p`` (see ``_unify``) holds a number."""
    return type(p) is tuple and i < len(p[2]) and p[2][i].number


def _conform_in_body(tr, value, p):
    """The body's value of a carried structure with its Python numbers as 0-dim Constants
    in the body (marked as numbers), flattened."""
    def make(x, leaf):
        if x is None:
            raise StagingAbort("a carried value is unset after the body")
        t = number_tensor(x, leaf.dtype)
        mark_number(tr.value_of(t))  # a Python number (see _numbers)
        return t
    return P.flatten(conform(value, p[1], p[2], make))


def _generalized(d, tr) -> bool:
    """Whether size expression ``d`` is a symbol made for a size that changes in the loop."""
    from ...ir import symbolic as S
    name = S.bare_symbol(d)
    return name is not None and name.startswith("u")


def _bind_scans(tr, node, scanned, prefixes, final):
    """Bind each scanned list's stacked eager items to the Loop's scan outputs; the list
    variables become StackedLists."""
    from ...ir import prim
    from ... import stack
    if not scanned:
        return final
    final = list(final)
    lead = prim.loop_trip_dim(node)
    for j, v, item in scanned:
        prefix = prefixes[j]
        rows = list(final[j])[len(prefix):]
        t = v.type
        with replay():
            whole = stack(rows, 0) if rows else empty_rows(item._data.shape, item._dtype)
        n = len(rows) if lead is None else lead
        if lead is None:
            n = tr._data_symbol(len(rows))  # a while loop: the count is known when it runs
        shape = None if t.shape is None else (n,) + tuple(t.shape)
        out = output(tr, node, TensorType(t.dtype, shape, t.device), whole)
        final[j] = StackedList(prefix, rows, whole, out)
    return tuple(final)
