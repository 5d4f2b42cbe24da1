"""Constant folding: evaluate at compile time what depends only on constants.

- a pure registry op whose positional inputs are all ``Constant`` values (tensors, numbers,
  None) and whose attributes hold no Values or size symbols runs once through its eager kernel
  (``eager.dispatch.call`` under no_grad) and becomes ``Constant`` nodes, one per output;
- ``scalar.*`` nodes on constant numbers become constants;
- ``size(%x, dim=k)`` / ``numel(%x)`` become constants when that dim / every dim of ``%x``'s
  type is a static int;
- ``If`` on a constant condition is replaced by the nodes of the taken block.

Results bigger than ``limit`` elements (default 1e6) are not folded, so weights are not
duplicated into huge constants; results whose shape or dtype disagree with the declared type
(or whose declared type has symbols: data-dependent sizes) are left alone.

Why it is safe: the folded value is exactly what the interpreter would compute at run time
from the same constant inputs with the same kernel, and only pure nodes are folded (guards,
random and in-place ops stay).  Folding an If keeps the taken branch's nodes in their order."""
from __future__ import annotations

from collections import deque

import numpy as np

from ...ops import registry as R
from .. import symbolic as S
from ..graph import Node, Value, map_attr_values
from ..prim import IMPLS, constant_type, is_pure
from ..types import TensorType, type_of_value

__all__ = ["run"]

_NO = object()  # "not a constant"


def run(graph, limit: float = 1e6, **_options):
    """Fold constants in ``graph`` in place and return it.

    Args:
        limit: the largest number of elements a folded tensor constant may have.
    """
    repl: dict = {}
    _fold_block(graph.block, {}, repl, limit)
    if repl:
        graph.replace_uses(repl)
    return graph


def _fold_block(block, consts, repl, limit):
    def sub(v):
        while v in repl:
            v = repl[v]
        return v

    pending = deque(block.nodes)
    out = []
    while pending:
        node = pending.popleft()
        node.inputs = [sub(v) for v in node.inputs]
        if node.attrs:
            node.attrs = {k: map_attr_values(a, sub) for k, a in node.attrs.items()}
        if node.kind == "If":
            taken = _taken(node, consts)
            if taken is not None:
                for o, r in zip(node.outputs, taken.returns):
                    repl[o] = r
                pending.extendleft(reversed(taken.nodes))  # fold the taken branch in place
                node.owner = None
                continue
        for b in node.blocks:
            _fold_block(b, consts, repl, limit)
        new = _fold(node, consts, limit)
        for n in new:
            n.owner = block
            if n.kind == "Constant":
                val = _const_value(n)
                if val is not _NO:
                    consts[n.outputs[0]] = val
        out.extend(new)
    block.nodes = out
    block.returns = [sub(v) for v in block.returns]


def _const_value(node):
    v = node.attrs.get("value", _NO)
    if _has_symbol(v):
        return _NO
    return v


def _has_symbol(a) -> bool:
    if type(a) in (S.Expr, S.SymInt, Value):
        return True
    if type(a) in (list, tuple):
        return any(_has_symbol(x) for x in a)
    return False


def _truth(v):
    if isinstance(v, np.ndarray):
        return bool(v.reshape(-1)[0]) if v.size == 1 else None
    if isinstance(v, (bool, int, float, np.generic)):
        return bool(v)
    return None


def _taken(node, consts):
    """The block an If on a constant condition runs, or None."""
    if len(node.blocks) != 2 or not node.inputs:
        return None
    c = consts.get(node.inputs[0], _NO)
    t = None if c is _NO else _truth(c)
    if t is None:
        return None
    return node.blocks[0] if t else node.blocks[1]


def _fold(node, consts, limit) -> list:
    """The nodes replacing ``node``: constants if it folds, else ``[node]``."""
    kind = node.kind
    if kind in ("size", "numel"):
        val = _fold_size(node)
        return [node] if val is None else _constants(node, [val])
    if kind.startswith("scalar.") and kind in IMPLS:
        args = [consts.get(v, _NO) for v in node.inputs]
        if any(a is _NO or isinstance(a, np.ndarray) for a in args):
            return [node]
        try:
            val = IMPLS[kind](*args)
        except Exception:  # noqa: BLE001 - e.g. 1 // 0: leave it to run time
            return [node]
        return _constants(node, [val])
    if not R.has(kind) or not node.outputs or not is_pure(node):
        return [node]
    if any(_has_symbol(a) for a in node.attrs.values()):
        return [node]
    args = [consts.get(v, _NO) for v in node.inputs]
    if any(a is _NO for a in args) or not _small_enough(node, limit):
        return [node]
    vals = _evaluate(R.get(kind), args, node.attrs)
    if vals is None or len(vals) != len(node.outputs):
        return [node]
    for o, a in zip(node.outputs, vals):
        if not _fits(o.type, a, limit):
            return [node]
    return _constants(node, vals)


def _fold_size(node):
    t = node.inputs[0].type if node.inputs else None
    shape = getattr(t, "shape", None)
    if not isinstance(t, TensorType) or shape is None:
        return None
    if node.kind == "numel":
        return int(np.prod(shape)) if all(type(d) is int for d in shape) else None
    d = node.attrs.get("dim")
    if type(d) is not int or not -max(len(shape), 1) <= d < max(len(shape), 1) or not shape:
        return None
    size = shape[d]
    return size if type(size) is int else None


def _small_enough(node, limit) -> bool:
    """Refuse before computing when the declared output types are already too big."""
    for o in node.outputs:
        t = o.type
        if isinstance(t, TensorType):
            if t.shape is None or not t.is_static():
                return False  # unknown or data-dependent sizes: keep the run-time node
            if int(np.prod(t.shape)) > limit:
                return False
    return True


def _fits(t, arr, limit) -> bool:
    if not isinstance(arr, np.ndarray) or arr.size > limit:
        return False
    if isinstance(t, TensorType):
        ct = constant_type(arr)
        if t.device != "cpu" or (t.dtype is not None and t.dtype is not ct.dtype):
            return False
        return t.shape is None or tuple(t.shape) == tuple(ct.shape)
    return False  # a registry op declared to return a non-tensor: not ours to fold


def _evaluate(op, args, attrs):
    """Run ``op`` eagerly on the constant arguments; a list of numpy arrays, or None."""
    from ...eager import dispatch as DP
    from ...eager.grad_mode import STATE
    from ...eager.tensor import Tensor, wrap
    inputs = [wrap(np.array(a, copy=True)) if isinstance(a, np.ndarray) else
              (a.item() if isinstance(a, np.generic) else a) for a in args]
    call = getattr(DP, "_call_plain", DP.call)  # never record into an active tracer
    saved = STATE.enabled
    STATE.enabled = False
    try:
        res = call(op, *inputs, **attrs)
    except Exception:  # noqa: BLE001 - an op failing on constants fails at run time instead
        return None
    finally:
        STATE.enabled = saved
    outs = res if type(res) is tuple else (res,)
    if not all(isinstance(r, Tensor) for r in outs):
        return None
    return [np.array(r._data, copy=True) for r in outs]


def _constants(node, vals) -> list:
    """One Constant node per output of ``node``, reusing its output Values (no renaming)."""
    out = []
    for o, val in zip(node.outputs, vals):
        c = Node("Constant", (), {"value": val}, node.source, node.scope)
        o.node, o.index = c, 0
        if isinstance(val, np.ndarray):
            dev = getattr(o.type, "device", "cpu")
            o.type = TensorType(constant_type(val).dtype, val.shape, dev)
        else:
            o.type = type_of_value(val)
        c.outputs.append(o)
        out.append(c)
    return out
