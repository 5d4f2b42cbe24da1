"""Semantics of the structural node kinds (the kinds that are not registry ops).

For every structural kind this module gives its *type rule* (input types + attributes ->
output types, used by the verifier) and, for the simple ones, a Python implementation on
run-time values (used by the interpreter and by constant folding).  The kinds with blocks or
run-time state (``If``, ``Loop``, ``FusionGroup``, ``Call``, ``Guard``) are executed by the
interpreter itself; here they only have type rules.

``is_structural(kind)`` says whether a kind is one of these; ``is_pure(node)`` whether a node
may be removed, deduplicated, folded or reordered by passes."""
from __future__ import annotations

import math
import operator

import numpy as np

from ..ops import dtypes as D
from ..ops import registry as R
from ..ops.meta import spec_of
from .graph import STRUCTURAL
from . import symbolic as S
from .types import (ANY, BOOL, FLOAT, INT, NONE, ListType, OptionalType, ScalarType,
                    TensorType, TupleType, Type, type_of_value)

__all__ = ["TypeRuleError", "SCALAR_OPS", "STRUCTURAL_KINDS", "is_structural", "is_pure",
           "output_types", "IMPLS", "constant_type", "compatible", "GUARD_CMPS",
           "guard_checker", "may_return_seq", "loop_scans", "loop_trip_dim"]


class TypeRuleError(ValueError):
    """A structural node whose inputs or attributes break its kind's type rule."""


_CMP_TEXT = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
GUARD_CMPS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
              "gt": operator.gt, "ge": operator.ge}

# scalar.<name>: (python implementation, number of inputs, result rule)
_ARITH = "arith"      # int op int -> int; any float -> float
_CMP = "cmp"          # -> bool
_SAME = "same"        # type of the operand
SCALAR_OPS = {
    "add": (operator.add, 2, _ARITH), "sub": (operator.sub, 2, _ARITH),
    "mul": (operator.mul, 2, _ARITH), "floordiv": (operator.floordiv, 2, _ARITH),
    "mod": (operator.mod, 2, _ARITH), "neg": (operator.neg, 1, _SAME),
    "eq": (operator.eq, 2, _CMP), "ne": (operator.ne, 2, _CMP), "lt": (operator.lt, 2, _CMP),
    "le": (operator.le, 2, _CMP), "gt": (operator.gt, 2, _CMP), "ge": (operator.ge, 2, _CMP),
    "and": (lambda a, b: bool(a) and bool(b), 2, _CMP),
    "or": (lambda a, b: bool(a) or bool(b), 2, _CMP),
    "not": (lambda a: not a, 1, _CMP),
    "float": (float, 1, FLOAT), "int": (int, 1, INT), "bool": (bool, 1, BOOL),
}
STRUCTURAL_KINDS = frozenset(STRUCTURAL | {f"scalar.{k}" for k in SCALAR_OPS})


def is_structural(kind: str) -> bool:
    """Whether ``kind`` is a structural kind (``If``, ``Constant``, ``scalar.add``...)."""
    return kind in STRUCTURAL_KINDS


def is_pure(node) -> bool:
    """Whether ``node`` (and everything in its blocks) has no effect besides its outputs.

    Impure: guards, registry ops tagged ``"random"`` or ``"inplace"``, kinds ending in ``_``
    (in-place variants), nodes with an ``inplace=True`` attribute, and calls of functions or
    blocks containing any of these."""
    kind = node.kind
    if kind in ("Guard", "PythonCall", "Print") or kind.endswith("_") or \
            node.attrs.get("inplace") is True:
        return False
    if R.has(kind):
        tags = R.get(kind).tags
        if "random" in tags or "inplace" in tags:
            return False
    for b in node.blocks:
        if not all(is_pure(n) for n in b.nodes):
            return False
    if kind == "Call":
        g = node.owner.graph if node.owner is not None else None
        fn = getattr(g, "functions", {}).get(node.attrs.get("fn")) if g is not None else None
        if fn is None or not all(is_pure(n) for n in fn.walk()):
            return False
    return True


# ------------------------------------------------------------------ type helpers
def constant_type(value) -> Type:
    """The IR type of a ``Constant``'s value (numpy arrays are tensor constants)."""
    if isinstance(value, np.ndarray):
        return TensorType(D.from_numpy_dtype(value.dtype), value.shape)
    if isinstance(value, np.generic):
        return type_of_value(value.item())
    return type_of_value(value)


def compatible(declared: Type, actual: Type) -> bool:
    """Whether a value of type ``actual`` may be declared as ``declared`` (unknown parts and
    ``Any`` match anything; tensor dims are compared only where both are known)."""
    if declared == ANY or actual == ANY or declared == actual:
        return True
    if isinstance(declared, OptionalType):
        return actual == NONE or compatible(declared.elem, getattr(actual, "elem", actual))
    if isinstance(actual, OptionalType):
        return compatible(declared, actual.elem)
    if isinstance(declared, TensorType) and isinstance(actual, TensorType):
        if declared.dtype is not None and actual.dtype is not None and \
                declared.dtype is not actual.dtype:
            return False
        if declared.shape is not None and actual.shape is not None:
            return len(declared.shape) == len(actual.shape) and all(
                a == b for a, b in zip(declared.shape, actual.shape))
        return True
    if isinstance(declared, ListType) and isinstance(actual, ListType):
        return compatible(declared.elem, actual.elem)
    if isinstance(declared, TupleType) and isinstance(actual, TupleType):
        return len(declared.elems) == len(actual.elems) and all(
            compatible(d, a) for d, a in zip(declared.elems, actual.elems))
    return False


def _is_tensor(t) -> bool:
    return isinstance(t, TensorType) or t == ANY


def _is_number(t) -> bool:
    return t in (INT, FLOAT, BOOL, ANY) or (isinstance(t, TensorType) and t.shape in (None, ()))


def _need(cond, msg):
    if not cond:
        raise TypeRuleError(msg)


def _count(node, types, n, what="inputs"):
    _need(len(types) == n, f"{node.kind} takes {n} {what}, got {len(types)}")


# ------------------------------------------------------------------ type rules
def _rule_constant(node, ts):
    _count(node, ts, 0)
    _need("value" in node.attrs, "Constant needs a value= attribute")
    return [constant_type(node.attrs["value"])]


def _rule_if(node, ts):
    _count(node, ts, 1)
    # any tensor is accepted: whether it has one element is checked when it runs
    _need(_is_number(ts[0]) or isinstance(ts[0], TensorType),
          f"If condition must be bool, int or a one-element tensor, not {ts[0]}")
    return None  # outputs come from the blocks; the verifier checks them


def _rule_loop(node, ts):
    _need(len(ts) >= 2, f"Loop takes (max_trip_count, initial_cond, *carried), got "
                        f"{len(ts)} inputs")
    _need(ts[0] in (INT, ANY) or isinstance(ts[0], TensorType),
          f"Loop max_trip_count must be int, not {ts[0]}")
    _need(_is_number(ts[1]), f"Loop condition must be bool or a one-element tensor, not {ts[1]}")
    k = node.attrs.get("n_scan", 0)
    _need(type(k) is int and k >= 0, f"Loop n_scan must be an int >= 0, not {k!r}")
    carried = list(ts[2:])
    if not k:
        return carried
    body = node.blocks[0] if node.blocks else None
    _need(body is not None and len(body.returns) == 1 + len(carried) + k,
          f"Loop with n_scan={k} needs a body returning (cond, {len(carried)} carried, {k} "
          f"scan values)")
    lead = loop_trip_dim(node)
    for j, r in enumerate(body.returns[1 + len(carried):]):
        t = r.type
        _need(_is_tensor(t), f"Loop scan value {j} must be a tensor, not {t}")
        d = lead
        if d is None:  # the iteration count is known only at run time: the declared symbol
            pos = len(carried) + j
            out = node.outputs[pos].type if pos < len(node.outputs) else None
            d = out.shape[0] if isinstance(out, TensorType) and out.shape else None
        if not isinstance(t, TensorType) or t.shape is None or d is None:
            carried.append(TensorType(getattr(t, "dtype", None), None, getattr(t, "device", None)))
        else:
            carried.append(TensorType(t.dtype, (d,) + tuple(t.shape), t.device))
    return carried


def loop_scans(node) -> int:
    """The number of scan outputs of Loop ``node`` (its ``n_scan`` attribute, default 0)."""
    return node.attrs.get("n_scan", 0) or 0


def _is_true(v) -> bool:
    n = v.node
    return n is not None and n.kind == "Constant" and n.attrs.get("value") is True


def loop_trip_dim(node):
    """The number of iterations of Loop ``node`` as an int or size expression, when it runs
    exactly ``max_trip_count`` times (its initial and next conditions are the constant True and
    the trip count is a constant); None when it is known only at run time."""
    if len(node.inputs) < 2 or not node.blocks or not node.blocks[0].returns:
        return None
    trip = node.inputs[0].node
    if not (_is_true(node.inputs[1]) and _is_true(node.blocks[0].returns[0])) or \
            trip is None or trip.kind != "Constant":
        return None
    v = trip.attrs.get("value")
    return v if type(v) is S.Expr or (type(v) is int and v >= 0) else None


def _rule_tuple_construct(node, ts):
    return [TupleType(ts)]


def _tuple_elems(node, t):
    _need(isinstance(t, TupleType) or t == ANY, f"{node.kind} needs a tuple input, not {t}")
    return None if t == ANY else list(t.elems)


def _rule_tuple_index(node, ts):
    _count(node, ts, 1)
    k = node.attrs.get("index")
    _need(type(k) is int, "TupleIndex needs an int index= attribute")
    elems = _tuple_elems(node, ts[0])
    if elems is None:
        return [ANY]
    _need(-len(elems) <= k < len(elems), f"tuple index {k} out of range for {ts[0]}")
    return [elems[k]]


def _rule_tuple_unpack(node, ts):
    _count(node, ts, 1)
    elems = _tuple_elems(node, ts[0])
    if elems is None:
        return [ANY] * len(node.outputs)
    _need(len(elems) == len(node.outputs),
          f"TupleUnpack of {ts[0]} into {len(node.outputs)} values")
    return elems


def _common(ts):
    return ts[0] if ts and all(t == ts[0] for t in ts) else ANY


def _rule_list_construct(node, ts):
    if ts and all(isinstance(t, TensorType) for t in ts) and not all(t == ts[0] for t in ts):
        return [ListType(TensorType())]  # a list of tensors of different shapes
    return [ListType(_common(ts))]


def _list_elem(node, t):
    _need(isinstance(t, ListType) or t == ANY, f"{node.kind} needs a list input, not {t}")
    return ANY if t == ANY else t.elem


def _rule_list_unpack(node, ts):
    _count(node, ts, 1)
    return [_list_elem(node, ts[0])] * len(node.outputs)


def _rule_list_index(node, ts):
    _count(node, ts, 2)
    _need(ts[1] in (INT, ANY), f"ListIndex index must be int, not {ts[1]}")
    return [_list_elem(node, ts[0])]


DATA_GUARD_KINDS = ("bool", "int", "float", "item", "tolist", "numpy")


def _rule_guard(node, ts):
    _need(not node.outputs, "Guard has no outputs")
    a = node.attrs
    if not ts:
        _need("lhs" in a and "rhs" in a, "size Guard needs lhs= and rhs= attributes")
        _need(a.get("cmp") in GUARD_CMPS, f"Guard cmp must be one of {sorted(GUARD_CMPS)}, "
                                          f"not {a.get('cmp')!r}")
    else:
        _count(node, ts, 1)
        _need(_is_tensor(ts[0]), f"data Guard needs a tensor input, not {ts[0]}")
        _need(a.get("kind") in DATA_GUARD_KINDS,
              f"data Guard kind must be bool/int/float/item/tolist/numpy, not {a.get('kind')!r}")
        _need("expected" in a, "data Guard needs an expected= attribute")
    return []


def _rule_call(node, ts):
    fn = node.attrs.get("fn")
    g = node.owner.graph if node.owner is not None else None
    fns = getattr(g, "functions", None) or {}
    _need(fn in fns, f"Call of unknown function {fn!r}")
    sub = fns[fn]
    _need(len(ts) == len(sub.inputs),
          f"Call of {fn!r} with {len(ts)} arguments; it takes {len(sub.inputs)}")
    return [v.type for v in sub.outputs]


def _rule_fusion(node, ts):
    return None  # outputs are the block's returns; checked by the verifier


def _rule_size(node, ts):
    _count(node, ts, 1)
    _need(_is_tensor(ts[0]), f"size needs a tensor input, not {ts[0]}")
    d = node.attrs.get("dim")
    nd = getattr(ts[0], "ndim", None)
    if type(d) is int and nd is not None:
        _need(-max(nd, 1) <= d < max(nd, 1), f"size dim {d} out of range for {ts[0]}")
    return [INT]


def _rule_numel(node, ts):
    _count(node, ts, 1)
    _need(_is_tensor(ts[0]), f"numel needs a tensor input, not {ts[0]}")
    return [INT]


def _scalar_rule(name):
    _, nin, res = SCALAR_OPS[name]

    def rule(node, ts):
        _count(node, ts, nin)
        for t in ts:
            # int/float/bool also convert a 0-dim tensor (a Python number the graph carried)
            _need(t in (INT, FLOAT, BOOL, ANY) or isinstance(t, ScalarType) and t.name ==
                  "complex" or isinstance(res, Type) and isinstance(t, TensorType) and
                  t.shape == (), f"{node.kind} needs int/float/bool inputs, not {t}")
        if isinstance(res, Type):
            return [res]
        if res == _CMP:
            return [BOOL]
        if ANY in ts:
            return [ANY]
        if FLOAT in ts:
            return [FLOAT]
        if res == _SAME:
            return [ts[0]]
        return [INT]  # bool arithmetic gives int, as in Python
    return rule


def _rule_python_call(node, ts):
    _need(isinstance(node.attrs.get("fn"), str), "PythonCall needs an fn= attribute")
    return [o.type for o in node.outputs]  # declared when the call was recorded


def _rule_print(node, ts):
    _need(not node.outputs, "Print has no outputs")
    _need(isinstance(node.attrs.get("template"), str), "Print needs a template= attribute")
    return []


RULES = {"Constant": _rule_constant, "If": _rule_if, "Loop": _rule_loop,
         "TupleConstruct": _rule_tuple_construct, "TupleIndex": _rule_tuple_index,
         "TupleUnpack": _rule_tuple_unpack, "ListConstruct": _rule_list_construct,
         "ListUnpack": _rule_list_unpack, "ListIndex": _rule_list_index, "Guard": _rule_guard,
         "Call": _rule_call, "FusionGroup": _rule_fusion, "size": _rule_size,
         "numel": _rule_numel, "PythonCall": _rule_python_call, "Print": _rule_print}
RULES.update({f"scalar.{k}": _scalar_rule(k) for k in SCALAR_OPS})


def output_types(node, in_types=None):
    """The output types ``node``'s kind gives for ``in_types`` (default: its inputs' types),
    or None where the outputs are defined by the node's blocks (If, FusionGroup).
    Raises TypeRuleError for inputs or attributes the kind does not accept."""
    ts = [v.type for v in node.inputs] if in_types is None else list(in_types)
    return RULES[node.kind](node, ts)


# ------------------------------------------------------------------ run-time implementations
def _size(x, dim):
    return x.shape[dim]


def _numel(x):
    return math.prod(x.shape)


def _tuple_index(t, index):
    return t[index]


def _unpack(t):
    return tuple(t)


def _list_index(lst, i):
    return lst[int(i)]


def _print(*xs, template, end="\n"):
    print(template.format(*xs), end=end)


def _python_call(*xs, fn):
    # jit.script registers the real implementation (it owns the Python functions)
    raise RuntimeError(f"the graph calls the Python function {fn.split('#')[0]} "
                       "(torch.jit.ignore), which is not defined in this process")


IMPLS = {
    "Print": _print, "PythonCall": _python_call,
    "TupleConstruct": lambda *xs: tuple(xs),
    "TupleIndex": _tuple_index,
    "TupleUnpack": _unpack,
    "ListConstruct": lambda *xs: list(xs),
    "ListUnpack": _unpack,
    "ListIndex": _list_index,
    "size": _size,
    "numel": _numel,
}
IMPLS.update({f"scalar.{k}": v[0] for k, v in SCALAR_OPS.items()})
"""Python implementations ``fn(*inputs, **attrs)`` of the simple structural kinds; multi-output
kinds (TupleUnpack, ListUnpack) return a tuple."""


# ------------------------------------------------------------------ guards
from .guards import guard_checker as _guard_checker  # noqa: E402 - checks live in ir/guards.py
GUARD_ERRORS = {"RuntimeError": RuntimeError, "ValueError": ValueError, "IndexError": IndexError}


def guard_checker(node):
    """The run-time check of Guard ``node``.  A size Guard with ``error='RuntimeError'`` (or
    ValueError / IndexError) is an assertion, not a trace decision: when it fails it raises
    that exception with ``msg`` exactly (eager's error, e.g. ``torch.stack`` of a scan loop that
    ran zero times), never GuardError, so torch.compile does not capture again."""
    err = node.attrs.get("error")
    if err is None or node.inputs:
        return _guard_checker(node)
    exc, msg, cmp = GUARD_ERRORS.get(err, RuntimeError), node.attrs.get("msg", ""), \
        GUARD_CMPS[node.attrs.get("cmp", "eq")]

    def assertion(args, attrs, vals, env):
        if not cmp(attrs["lhs"], attrs["rhs"]):
            raise exc(msg)
    return assertion


_SEQ: dict = {}


def may_return_seq(op) -> bool:
    """Whether a single-output op returns a sequence (split, unbind...): judged once per op
    from its meta on its first sample (unknown: assume it may)."""
    r = _SEQ.get(op.name)
    if r is None:
        r = True
        try:
            smp = next(iter(op.samples(op.dtypes[0])))
            out = op.meta(*[spec_of(a) if isinstance(a, np.ndarray) else a for a in smp.args],
                          **smp.kwargs)
            r = isinstance(out, (tuple, list))
        except Exception:  # noqa: BLE001 - no usable sample: keep the run-time check
            pass
        _SEQ[op.name] = r
    return r
