"""The helpers converted code calls (``_gt_rt.<name>``).

Each helper looks at its operands: Python values (and tensors the graph does not compute) get
ordinary Python semantics, so loops over lists or ModuleLists unroll and Python branches pick a
side; a traced tensor condition (or a symbolic size as a loop bound) records an If or Loop
node.  When a branch or loop body cannot be recorded as a block the helper falls back to
Python with a guard on the decision, which the compiled function re-checks on every call."""
from __future__ import annotations

import builtins
import operator

from ...eager.tensor import Tensor
from ...ir import symbolic as S
from ...ops import dtypes as D
from ._calls import call  # noqa: F401  (used by converted code)
from ...ir.types import INT, TensorType
from .._tracer import source_line
from ._context import replay, replaying, staged, tracer
from ._effects import fstring  # noqa: F401
from ._iterate import for_stmt, iterate  # noqa: F401
from ._numbers import NUMBERS, is_number as number_value, mark as mark_number
from ._scalars import ARITH_OPS, arith  # noqa: F401  (arith: used by converted code)
from ._stage_if import stage_if
from ._stage_loop import COUNTERS, Plan, stage_loop
from ._state import RETRACE_OK, WHOLE_LOOP, StageWhile, Undefined, alias, undefined  # noqa: F401

__all__ = ["RETURNED_NONE", "retval", "if_stmt", "if_exp", "while_stmt", "for_stmt", "iterate", "keep_going", "not_",
           "and_", "or_", "call", "getitem", "setitem", "augitem", "slice", "undefined", "fmt",
           "truth", "fstring", "mul", "aug", "arith"]

slice = builtins.slice
_DEPTH = [0]
_MAX_DEPTH = 32  # nested staged branches (a recursion on a tensor condition stops here)


def _as_bool(t):
    t = t if t._data.size != 1 or t.ndim == 0 else t.reshape(())
    return t if t.dtype is D.bool else t.bool()


# ------------------------------------------------------------------ return values
class _ReturnedNone:
    """What ``return`` / ``return None`` stores in the return-value variable: a None there
    means "not returned yet" when data-dependent paths are merged (a returned None merged
    with a number would become a zero placeholder); a path that returned None on one side
    only is decided in Python (with a guard) instead."""

    def __repr__(self):
        return "None"

    def __reduce__(self):
        return "RETURNED_NONE"


RETURNED_NONE = _ReturnedNone()


def retval(v):
    """The function's result from its return-value variable."""
    return None if v is RETURNED_NONE else v


# ------------------------------------------------------------------ boolean operators
def keep_going(*flags):
    """``not (f1 or f2 or ...)`` for the return/break/continue flags."""
    acc = None
    for f in flags:
        if staged(f):
            acc = _as_bool(f) if acc is None else acc.logical_or(_as_bool(f))
        elif f:
            return False
    return True if acc is None else acc.logical_not()


def not_(x):
    if staged(x):
        out = _as_bool(x).logical_not()
        mark_number(tracer().lookup(out))  # ``not t`` is a Python bool
        return out
    return not x


def and_(a, *rest, test=False):
    """``a and b and ...`` (later operands are thunks); on a traced tensor, a bool tensor.
    A run-time Python number ``a`` used as a value is tested with a guard: Python returns
    one of the operands, whose type may depend on it (``flag and t`` is False or ``t``)."""
    for i, th in enumerate(rest):
        if staged(a) and (test or not _runtime_number(a)):
            return _tensor_logic(_truth_tested(a), rest[i:], "logical_and")
        if not a:
            return a
        a = th()
    return a


def or_(a, *rest, test=False):
    for i, th in enumerate(rest):
        if staged(a) and (test or not _runtime_number(a)):
            return _tensor_logic(_truth_tested(a), rest[i:], "logical_or")
        if a:
            return a
        a = th()
    return a


def test_and(a, *rest):
    """``and`` in a condition: only its truth is used, so a run-time number stays one."""
    return and_(a, *rest, test=True)


def test_or(a, *rest):
    return or_(a, *rest, test=True)


def _runtime_number(a) -> bool:
    tr = tracer()
    v = tr.lookup(a) if tr is not None and a.ndim == 0 and NUMBERS else None
    return v is not None and number_value(v, NUMBERS[-1])


def _truth_tested(a):
    """``a`` (an operand Python's ``and``/``or`` tests with ``bool``): a tensor of more
    than one element raises eager's error here, not later at an unrelated operand."""
    if a._data.size != 1:
        with replay():
            bool(a)  # RuntimeError: the truth value is ambiguous
    return a


def _tensor_logic(acc, thunks, op):
    acc = _as_bool(acc)
    for th in thunks:
        b = th()
        if isinstance(b, Tensor):
            acc = getattr(acc, op)(_as_bool(b))
        elif (op == "logical_and") != bool(b):
            return bool(b)  # False for and, True for or: decided whatever acc is
    return acc


# ------------------------------------------------------------------ if
def _stageable(cond):
    tr = tracer()
    return tr if tr is not None and staged(cond) and _DEPTH[0] < _MAX_DEPTH else None


def if_stmt(cond, then, other, get, set_, names):
    """``if cond: then() else: other()``; an If node when ``cond`` is a traced tensor."""
    tr = _stageable(cond)
    if tr is not None:
        _DEPTH[0] += 1
        try:
            if stage_if(tr, cond, (then, other), get, set_, names):
                return
        finally:
            _DEPTH[0] -= 1
    if cond:  # Python semantics (a guard when cond is traced data)
        then()
    else:
        other()


def if_exp(cond, body, orelse):
    """``body() if cond else orelse()``."""
    tr = _stageable(cond)
    if tr is not None:
        box = [Undefined("<if expression>")]

        def put(fn):
            return lambda: box.__setitem__(0, fn())
        _DEPTH[0] += 1
        try:
            if stage_if(tr, cond, (put(body), put(orelse)), lambda: (box[0],),
                        lambda v: box.__setitem__(0, v[0]), ("<if expression>",)):
                return box[0]
        finally:
            _DEPTH[0] -= 1
    return body() if cond else orelse()


# ------------------------------------------------------------------ while
def _both(a, b):
    if staged(a) or staged(b):
        return and_(a, lambda: b, test=True)
    return bool(a) and bool(b)


def while_stmt(test, body, get, set_, names, extra):
    """``while test(): body()`` (``extra()`` is the break/return flag test); a Loop node
    once the condition is a traced tensor."""
    tr = tracer()
    key = getattr(body, "__code__", None)
    if tr is not None and key in WHOLE_LOOP and \
            _stage_whole(tr, test, body, get, set_, names, extra):
        return
    tried, ran = False, 0
    while True:
        go = extra() if extra is not None else True
        if not staged(go) and not go:
            return
        c = test()
        if tr is not None and not tried and (staged(go) or staged(c)):
            if ran and key is not None and key not in WHOLE_LOOP and RETRACE_OK[0]:
                raise StageWhile(key)  # record the function again: the whole loop one Loop
            tried = True

            def next_cond():
                return _both(extra() if extra is not None else True, test())
            plan = Plan(None, None, _both(go, c), next_cond,
                        lambda: _py_while(test, body, extra))
            if stage_loop(tr, plan, body, get, set_, names):
                return
        if not (go and c):  # Python semantics (guards on traced data)
            return
        body()
        ran += 1


def _stage_whole(tr, test, body, get, set_, names, extra) -> bool:
    """A while loop whose first test is a Python bool and later tests are data-dependent
    (see ``StageWhile``) as one Loop from its first iteration: the first condition is a
    constant and the body's condition must be a traced tensor (else nothing is recorded and
    the loop runs as before)."""
    go = extra() if extra is not None else True
    c = test() if go else False
    if staged(go) or staged(c) or not (go and c):
        return False  # staged anyway, or no iteration at all: the ordinary path

    def next_cond():
        return _both(extra() if extra is not None else True, test())
    plan = Plan(None, None, True, next_cond, lambda: _py_while(test, body, extra))
    plan.need_staged = True
    return stage_loop(tr, plan, body, get, set_, names)


def _py_while(test, body, extra):
    while (extra is None or extra()) and test():
        body()


# ------------------------------------------------------------------ subscripts
def _loop_index(i):
    return isinstance(i, Tensor) and staged(i) and i.ndim == 0 and \
        i.dtype.category <= D._INT and i.dtype is not D.bool


def _index_dim(x, idx):
    """(dim, index tensor) when ``idx`` selects one position of a tensor with a traced
    0-dim integer tensor (a loop counter) and full slices elsewhere; else None."""
    if _loop_index(idx):
        return 0, idx
    if type(idx) is tuple:
        pos = [k for k, e in enumerate(idx) if _loop_index(e)]
        full = all(k in pos or (type(e) is builtins.slice and e == builtins.slice(None))
                   for k, e in enumerate(idx))
        if len(pos) == 1 and full:
            return pos[0], idx[pos[0]]
    return None


def getitem(x, idx):
    """``x[idx]``; a tensor indexed by loop counters reads with select / index_select."""
    if isinstance(x, Tensor) and tracer() is not None:
        items = idx if type(idx) is tuple else (idx,)
        if any(_loop_index(e) for e in items) and all(
                _loop_index(e) or type(e) is int or
                (type(e) is builtins.slice and e == builtins.slice(None)) for e in items):
            out, d = x, 0
            for e in items:  # x[i, j]: one select per counter, full slices keep their dim
                if _loop_index(e):
                    out = _select_counter(out, d, e)
                elif type(e) is int:
                    out = out.select(d, e)
                else:
                    d += 1
            return out
        hit = _runtime_slice_dim(items)
        if hit is not None:
            return _slice_at(x, *hit)
    return x[idx]


def _runtime_slice_dim(items):
    """(dim, slice) when one slice of the index has a bound that is a traced 0-dim int tensor
    (a loop-carried Python int: ``x[:n]``) and the other entries are full slices."""
    pos = [k for k, e in enumerate(items) if type(e) is builtins.slice and
           (_loop_index(e.start) or _loop_index(e.stop))]
    if len(pos) != 1:
        return None
    k, e = pos[0], items[pos[0]]
    if not all(j == k or (type(f) is builtins.slice and f == builtins.slice(None))
               for j, f in enumerate(items)):
        return None
    if not (e.step is None or type(e.step) is int and e.step > 0) or not all(
            b is None or type(b) is int or _loop_index(b) for b in (e.start, e.stop)):
        return None
    return k, e


def _slice_at(x, d, e):
    """``x[..., a:b]`` with run-time bounds: one ``slice`` node whose start/end attributes
    are int Values (``scalar.int`` of the carried tensor), so a loop stays one Loop; the
    result's size along ``d`` is a data-dependent symbol."""
    tr = tracer()
    xv = tr.value_of(x)
    if x.ndim <= d:
        return x[(builtins.slice(None),) * d + (e,)]  # eager's error
    src, scope = source_line(), tr.scope[-1] if tr.scope else ""

    def bound(b):
        if not _loop_index(b):
            return b
        return tr.graph.create("scalar.int", [tr.value_of(b)], {}, [INT], source=src,
                               scope=scope).outputs[0]

    def now(b):
        return int(b._data) if isinstance(b, Tensor) else b
    with replay():
        out = alias(x[(builtins.slice(None),) * d +
                      (builtins.slice(now(e.start), now(e.stop), e.step),)])
    t = xv.type
    shape = None if t.shape is None else \
        t.shape[:d] + (tr._data_symbol(out._data.shape[d]),) + t.shape[d + 1:]
    node = tr.graph.create("slice", [xv], {"dim": d, "start": bound(e.start),
                                           "end": bound(e.stop), "step": e.step or 1},
                           [TensorType(out._dtype, shape, t.device)], source=src, scope=scope)
    tr.bind(out, node.outputs[0])
    return out


def _select_counter(x, d, i):
    e = COUNTERS.get(id(i))
    if e is not None and e[0] is i:
        return _select_at(x, d, i, e[1])
    return x.index_select(d, i.reshape(1)).squeeze(d)


def _select_at(x, d, i, iteration):
    """``x.select(d, i)`` for the loop counter ``i``: one select node whose index is the
    Loop's iteration Value."""
    tr = tracer()
    xv = tr.value_of(x)
    with replay():
        out = alias(x.select(d, int(i._data)))
    t = xv.type
    shape = None if t.shape is None else t.shape[:d] + t.shape[d + 1:]
    node = tr.graph.create("select", [xv], {"dim": d, "index": iteration},
                           [TensorType(out._dtype, shape, t.device)], source=source_line(),
                           scope=tr.scope[-1] if tr.scope else "")
    tr.bind(out, node.outputs[0])
    return out


def setitem(x, idx, v):
    """``x[idx] = v``; a tensor indexed by a loop counter writes with index_copy_."""
    if isinstance(x, Tensor) and tracer() is not None:
        hit = _index_dim(x, idx)
        if hit is not None and hit[0] == 0:
            i = hit[1].reshape(1)
            if isinstance(v, Tensor):
                src = v.to(x.dtype).expand(tuple(x.shape[1:])).unsqueeze(0)
                x.index_copy_(0, i, src)
            else:
                x.index_fill_(0, i, v)
            return
    x[idx] = v


_AUG = {"Add": operator.iadd, "Sub": operator.isub, "Mult": operator.imul,
        "Div": operator.itruediv, "FloorDiv": operator.ifloordiv, "Mod": operator.imod,
        "Pow": operator.ipow, "MatMult": operator.imatmul, "BitAnd": operator.iand,
        "BitOr": operator.ior, "BitXor": operator.ixor, "LShift": operator.ilshift,
        "RShift": operator.irshift}


_PURE = {"Add": operator.add, "Sub": operator.sub, "Mult": operator.mul,
         "Div": operator.truediv, "FloorDiv": operator.floordiv, "Mod": operator.mod,
         "Pow": operator.pow, "MatMult": operator.matmul, "BitAnd": operator.and_,
         "BitOr": operator.or_, "BitXor": operator.xor, "LShift": operator.lshift,
         "RShift": operator.rshift}


def aug(x, op, v):
    """``x <op>= v``: in place, except on a Python number the graph carries as a 0-dim
    tensor (Python numbers are immutable: another name may hold the same tensor)."""
    tr = tracer()
    if type(v) is S.SymInt and isinstance(x, float):
        v = v._concrete("float")  # float <op>= int is computed without asking the size
    if isinstance(x, Tensor) and x.ndim == 0:
        if tr is None and replaying() and x._dtype in (D.int64, D.float64, D.bool):
            return _PURE[op](x, v)  # the eager replay of a staged block: numbers' dtypes
        xv = tr.lookup(x) if tr is not None and NUMBERS else None
        if xv is not None and number_value(xv, NUMBERS[-1]):
            return arith(op, x, v) if op in ARITH_OPS else _PURE[op](x, v)
    return _AUG[op](x, v)


def augitem(x, idx, op, v):
    """``x[idx] <op>= v``."""
    setitem(x, idx, _AUG[op](getitem(x, idx), v))


def mul(a, b):
    """``a * b``; repeating a sequence a symbolic (or run-time) number of times reads the
    number (a guard: Python's sequence repeat takes the int without asking)."""
    if isinstance(b, (list, tuple, str)) and (type(a) is S.SymInt or isinstance(a, Tensor)):
        a = int(a) if type(a) is S.SymInt else operator.index(a)
    elif isinstance(a, (list, tuple, str)) and (type(b) is S.SymInt or isinstance(b, Tensor)):
        b = int(b) if type(b) is S.SymInt else operator.index(b)
    return arith("Mult", a, b)


def truth(fn, x):
    """``bool(x)`` in a condition: a traced tensor stays a tensor (an If/Loop condition)."""
    if fn is builtins.bool and staged(x) and x._data.size == 1:
        return x
    return fn(x)


def fmt(v):
    """A value about to be formatted into a string: a symbolic size is read as its int
    (a guard), since the text cannot stay symbolic."""
    return int(v) if type(v) is S.SymInt else v


def is_symbolic(x) -> bool:
    """A size computed from input shapes while tracing (``x.size(0)``)."""
    return type(x) is S.SymInt
