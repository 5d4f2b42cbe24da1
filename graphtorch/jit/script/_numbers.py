"""Python numbers that data-dependent control flow turned into 0-dim tensors.

``n = 0; if x.sum() > 0: n = 1`` (or ``n += 1`` in a staged loop) has to carry ``n`` through
an If/Loop node, so the graph holds it as a 0-dim tensor.  The staging code marks those
outputs (``mark``); after recording, ``restore_outputs`` follows them through arithmetic and
further If/Loop nodes, and a graph output that is still such a number is converted back to a
Python ``int``/``float``/``bool`` by a ``scalar.int``/``scalar.float``/``scalar.bool`` node, so
the scripted function returns what Python (and TorchScript) returns."""
from __future__ import annotations

from ...ir.types import BOOL, FLOAT, INT, TensorType
from ...ops import dtypes as D

__all__ = ["NUMBERS", "mark", "restore_outputs", "is_number", "as_python", "inline_call",
           "split_number_outputs"]

NUMBERS: list = []  # one set of marked Values per compilation in progress

# ops on numbers whose result is a number again (a 0-dim result of number operands)
_ARITH = frozenset({
    "add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "neg",
    "pow", "abs", "rsub", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
    "logical_and", "logical_or", "logical_not", "logical_xor", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "where", "clone", "_indexing_alias", "trunc", "floor",
    "ceil", "round"})


def mark(value) -> None:
    """Record that ``value`` (an If/Loop output) holds a Python number."""
    if NUMBERS:
        NUMBERS[-1].add(value)


def _zero_dim(v) -> bool:
    t = v.type
    return isinstance(t, TensorType) and t.shape == ()


def _scalar_input(v) -> bool:
    return v.type in (INT, FLOAT, BOOL)


def _walk(block, nums):
    for node in block.nodes:
        kind = node.kind
        if kind == "Loop":
            nc = len(node.inputs) - 2
            body = node.blocks[0]
            # optimistic: a carried value starting as a number stays one if the body keeps it
            for k in range(nc):
                if node.inputs[2 + k] in nums:
                    nums.add(body.params[1 + k])
            _walk(body, nums)
            for k in range(min(nc, len(node.outputs))):
                if node.inputs[2 + k] in nums and body.returns[1 + k] in nums:
                    nums.add(node.outputs[k])
        elif kind == "If":
            for b in node.blocks:
                _walk(b, nums)
            for i, o in enumerate(node.outputs):
                if all(i < len(b.returns) and b.returns[i] in nums for b in node.blocks):
                    nums.add(o)
        elif kind in _ARITH and node.outputs and all(_zero_dim(o) for o in node.outputs):
            ins = list(node.inputs)
            if ins and any(v in nums for v in ins) and \
                    all(v in nums or _scalar_input(v) for v in ins):
                nums.update(node.outputs)
        else:
            for b in node.blocks:
                _walk(b, nums)


def is_number(v, marked, _depth=0, _memo=None) -> bool:
    """Whether Value ``v`` is a marked number, arithmetic on numbers, or an If/Loop output
    that is a number on every path (checked on its own, while recording)."""
    if v in marked:
        return True
    memo = {} if _memo is None else _memo
    if v not in memo:
        memo[v] = False  # (a cycle through a Loop body is not a number until shown)
        memo[v] = _number(v, marked, _depth, memo)
    return memo[v]


def _number(v, marked, depth, memo) -> bool:
    n = v.node
    if n is None or not _zero_dim(v) or depth > 32:
        return False
    d = depth + 1
    if n.kind == "If":
        return all(v.index < len(b.returns) and is_number(b.returns[v.index], marked, d, memo)
                   for b in n.blocks)
    if n.kind == "Loop":
        k, nc = v.index, len(n.inputs) - 2
        return k < nc and is_number(n.inputs[2 + k], marked, d, memo) and \
            is_number(n.blocks[0].returns[1 + k], marked, d, memo)
    if n.kind not in _ARITH:
        return False
    tensors = [x for x in n.inputs if not _scalar_input(x)]
    return bool(tensors) and all(is_number(x, marked, d, memo) for x in tensors)


def as_python(graph, v, block=None):
    """A ``scalar.int/float/bool`` node converting number Value ``v``; returns its output."""
    kind, typ = _conversion(v.type.dtype)
    return graph.create(kind, [v], {}, [typ], source=v.node.source if v.node else "",
                        block=block).outputs[0]


def _conversion(dtype):
    if dtype is D.bool:
        return "scalar.bool", BOOL
    if dtype.category <= D._INT:
        return "scalar.int", INT
    return "scalar.float", FLOAT


def restore_outputs(graph, n_out: int, marked) -> None:
    """Convert the first ``n_out`` outputs of ``graph`` that are marked numbers (or computed
    from them) back to Python numbers."""
    if not marked:
        return
    nums = set(marked)
    _walk(graph.block, nums)
    rets = list(graph.block.returns)
    for i, v in enumerate(rets[:n_out]):
        if v in nums and _zero_dim(v) and v.type.dtype is not None and \
                not v.type.dtype.is_complex:
            rets[i] = as_python(graph, v, graph.block)
    graph.block.returns = rets


def inline_call(tr, fn, *args, **kwargs):
    """Run scripted ``fn`` recorded inline into ``tr``'s graph (a scripted function called
    while tracing, or under ``torch.compile``): its Python-number results are 0-dim tensors
    in the graph; they are noted in ``tr.numbers``, so the enclosing trace returns them as
    Python numbers too (``Tracer.finish`` converts the graph outputs they reach)."""
    from ...eager.tensor import Tensor
    from .. import _pytree as P
    own = not NUMBERS
    if own:  # a plain trace collects no marks: collect this call's
        NUMBERS.append(set())
    try:
        out = fn(*args, **kwargs)
        for x in P.flatten(out)[0]:
            v = tr.lookup(x) if isinstance(x, Tensor) and x.ndim == 0 else None
            if v is not None and is_number(v, NUMBERS[-1]):
                tr.numbers.add(v)
    finally:
        if own:
            NUMBERS.pop()
    return out


_PY_TYPES = {"scalar.int": int, "scalar.float": float, "scalar.bool": bool}


def split_number_outputs(graph):
    """(graph', {output index: int | float | bool}): for a backend whose graphs return only
    tensors, a copy of ``graph`` returning the 0-dim tensor of each Python-number output
    (``scalar.int/float/bool`` of a 0-dim tensor, see ``restore_outputs``); the caller
    converts those outputs after running it.  ``graph`` itself when it has none."""
    conv = {}
    for i, v in enumerate(graph.block.returns):
        n = v.node
        if n is not None and n.kind in _PY_TYPES and n.owner is graph.block and \
                _zero_dim(n.inputs[0]):
            conv[i] = _PY_TYPES[n.kind]
    if not conv:
        return graph, conv
    g = graph.copy()
    rets = list(g.block.returns)
    for i in conv:
        node = rets[i].node
        rets[i] = node.inputs[0]
        if node in g.block.nodes:  # made for the return only (as_python)
            g.block.nodes.remove(node)
    g.block.returns = rets
    return g, conv
