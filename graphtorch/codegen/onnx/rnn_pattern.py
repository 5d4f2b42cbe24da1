"""Recurrent layers as native ONNX ``LSTM`` / ``GRU`` / ``RNN`` ops.

``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` trace as, per layer and direction, a ``linear`` of the
whole input sequence followed by a ``Loop`` with one scan output whose body selects step ``t``
of that projection and runs one cell (``lstm_cell``, ``gru_cell``, or ``linear`` + ``add`` +
``tanh``/``relu``).  ``fuse_rnns`` recognizes exactly that shape and replaces the loop (and the
projection, once nothing else reads it) by one ``onnx_rnn`` node, lowered by ``lower_rnn`` to
the ONNX operator: its sequence length is the input's, so it stays dynamic, and runtimes run it
with their fused kernels.  Anything else (a projection ``proj_size``, extra work in the body,
other dtypes) keeps the generic ``Loop`` lowering, which is exact for any body.

The ONNX operators order gates differently from PyTorch (LSTM ``i o f c`` vs ``i f g o``; GRU
``z r h`` vs ``r z n``, with ``linear_before_reset=1`` being PyTorch's GRU).  The parameters
stay initializers under their ``named_parameters`` names and the reordering is a ``Gather``
on them, which ONNX Runtime folds once when the session is created."""
from __future__ import annotations

import numpy as np

from ...ir import symbolic as S
from ...ir.graph import Node, Value
from ...ir.types import TensorType
from ...ops import dtypes as D

__all__ = ["fuse_rnns", "lower_rnn", "KIND"]

KIND = "onnx_rnn"
_NGATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
# ONNX gate k is PyTorch gate _PERM[mode][k]
_PERM = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2), "RNN_TANH": (0,), "RNN_RELU": (0,)}
_DTYPES = (D.float32,)  # onnxruntime's CPU recurrent kernels are float32 only


class _NoMatch(Exception):
    pass


def _need(cond):
    if not cond:
        raise _NoMatch


# ------------------------------------------------------------------ matching
def fuse_rnns(graph) -> int:
    """Replace every recognized recurrent ``Loop`` in ``graph`` by an ``onnx_rnn`` node (in
    place); returns how many were replaced."""
    n = 0
    for blk in list(graph.blocks()):
        for node in list(blk.nodes):
            if node.kind != "Loop" or node.owner is not blk:
                continue
            try:
                m = _match(graph, node)
            except _NoMatch:
                continue
            _rewrite(graph, node, m)
            n += 1
    if n:
        from ...ir.passes import dce
        dce.run(graph)
    return n


def _inside(v: Value, blk) -> bool:
    """Whether ``v`` is defined in ``blk`` (or a block nested in it)."""
    b = v.block if v.node is None else v.node.owner
    while b is not None:
        if b is blk:
            return True
        b = b.owner.owner if b.owner is not None else None
    return False


def _const(v):
    if v is None:
        return None
    if v.node is not None and v.node.kind == "Constant":
        return ("const", v.node.attrs.get("value"))
    return ("value", v)


def _is_none(v, blk):
    return v is None or (_const(v) == ("const", None))


def _match(graph, loop):
    _need(len(loop.blocks) == 1 and int(loop.attrs.get("n_scan", 0) or 0) == 1)
    blk = loop.blocks[0]
    trip, cond, *carried = loop.inputs
    _need(len(carried) in (1, 2) and _const(cond) == ("const", True))
    _need(len(blk.params) == 1 + len(carried))
    it, hp = blk.params[0], blk.params[1]
    nodes = [n for n in blk.nodes if not (n.kind == "Constant" and not n.inputs and
                                          n.attrs.get("value") is None)]
    # the step index: i (forward) or (n - 1) - i (reverse)
    reverse = False
    if nodes and nodes[0].kind == "Constant":
        _need(len(nodes) > 1 and nodes[1].kind == "scalar.sub")
        last, sub = nodes[0], nodes[1]
        _need(sub.inputs == [last.outputs[0], it])
        reverse, nodes = True, nodes[2:]
        idx = sub.outputs[0]
    else:
        idx = it
    _need(nodes and nodes[0].kind == "select" and nodes[0].inputs[1:] == [])
    sel = nodes[0]
    _need(sel.attrs.get("dim") == 0 and sel.attrs.get("index") is idx)
    xp = sel.inputs[0]
    _need(not _inside(xp, blk) and isinstance(xp.type, TensorType) and xp.type.shape
          and len(xp.type.shape) == 3 and xp.type.dtype in _DTYPES)
    n = xp.type.shape[0]
    tc = _const(trip)
    _need(tc is not None and tc[0] == "const" and S.expr_of(tc[1]) == S.expr_of(n))
    if reverse:
        _need(S.expr_of(last.attrs.get("value")) == S.sub(S.expr_of(n), 1))
    mode, cell = _cell(blk, nodes[1:], sel.outputs[0], blk.params[1:])
    _need(len(carried) == (2 if mode == "LSTM" else 1))
    proj = xp.node
    _need(proj is not None and proj.kind == "linear" and proj.owner is loop.owner)
    x, w_ih = proj.inputs[0], proj.inputs[1]
    b_ih = proj.inputs[2] if len(proj.inputs) > 2 else None
    b_ih = None if _is_none(b_ih, blk) else b_ih
    _need(isinstance(x.type, TensorType) and x.type.shape and len(x.type.shape) == 3
          and S.expr_of(x.type.shape[0]) == S.expr_of(n) and x.type.dtype == xp.type.dtype)
    w_hh, b_hh = cell["w_hh"], cell["b_hh"]
    for w in (w_ih, w_hh, b_ih, b_hh):
        _need(w is None or (not _inside(w, blk) and isinstance(w.type, TensorType) and
                            w.type.dtype == xp.type.dtype and w.type.shape is not None and
                            all(type(d) is int for d in w.type.shape)))
    hid = hp.type.shape[-1] if isinstance(hp.type, TensorType) and hp.type.shape else None
    _need(type(hid) is int and tuple(w_hh.type.shape) == (_NGATES[mode] * hid, hid))
    _need(tuple(w_ih.type.shape)[0] == _NGATES[mode] * hid)
    for b in (b_ih, b_hh):
        _need(b is None or tuple(b.type.shape) == (_NGATES[mode] * hid,))
    # returns: (cond, h', [c',] h')
    ret = blk.returns
    want = [None, cell["h"]] + ([cell["c"]] if mode == "LSTM" else []) + [cell["h"]]
    _need(len(ret) == len(want) and _const(ret[0]) == ("const", True) and ret[1:] == want[1:])
    y = loop.outputs[-1]
    flip = None
    if reverse:
        users = graph.uses().get(y, [])
        _need(len(users) == 1 and isinstance(users[0], Node) and users[0].kind == "flip")
        flip = users[0]
        _need(tuple(flip.attrs.get("dims", ())) in ((0,), (-3,)) and flip.owner is loop.owner)
    return dict(mode=mode, reverse=reverse, x=x, w_ih=w_ih, w_hh=w_hh, b_ih=b_ih, b_hh=b_hh,
                hidden=hid, carried=carried, flip=flip)


def _cell(blk, nodes, xt, params):
    """(mode, parts) of the loop body after the ``select``: one recurrent cell reading the
    step ``xt`` and the carried states ``params`` only."""
    _need(nodes)
    first = nodes[0]
    if first.kind == "lstm_cell":
        _need(len(nodes) == 1 and len(params) == 2)
        xi, h, c, w, *b = first.inputs
        _need(xi is xt and h is params[0] and c is params[1])
        return "LSTM", dict(h=first.outputs[0], c=first.outputs[1], w_hh=w,
                            b_hh=_bias(b, blk))
    if first.kind == "gru_cell":
        _need(len(nodes) == 1 and len(params) == 1)
        xi, h, w, *b = first.inputs
        _need(xi is xt and h is params[0])
        return "GRU", dict(h=first.outputs[0], w_hh=w, b_hh=_bias(b, blk))
    # Elman RNN: act(xt + linear(h, w_hh, b_hh))
    _need(len(nodes) == 3 and first.kind == "linear" and len(params) == 1)
    add, act = nodes[1], nodes[2]
    _need(first.inputs[0] is params[0] and add.kind == "add" and act.kind in ("tanh", "relu"))
    _need(add.attrs.get("alpha", 1) == 1 and sorted(map(id, add.inputs)) ==
          sorted(map(id, [xt, first.outputs[0]])) and act.inputs == [add.outputs[0]])
    w = first.inputs[1]
    b = _bias(first.inputs[2:], blk)
    return ("RNN_TANH" if act.kind == "tanh" else "RNN_RELU"), dict(h=act.outputs[0], w_hh=w,
                                                                      b_hh=b)


def _bias(rest, blk):
    b = rest[0] if rest else None
    return None if _is_none(b, blk) else b


def _rewrite(graph, loop, m):
    """Put an ``onnx_rnn`` node where ``loop`` was; it takes over the loop's outputs."""
    blk = loop.owner
    # a zero initial state is ONNX's default: leaving it out lets its producers go dead
    states = [None if _zero_state(v) else v for v in m["carried"]]
    ins = [m["x"], m["w_ih"], m["w_hh"], m["b_ih"], m["b_hh"]] + states
    node = Node(KIND, ins, {"mode": m["mode"], "reverse": m["reverse"],
                            "hidden": m["hidden"]}, loop.source, loop.scope)
    node.owner = blk
    outs = list(loop.outputs)
    if m["flip"] is not None:  # ONNX's reverse direction already returns time order
        flip = m["flip"]
        outs[-1] = flip.outputs[0]
        graph.remove(flip)
    for k, v in enumerate(outs):
        v.node, v.index = node, k
    node.outputs = outs
    blk.nodes[blk.nodes.index(loop)] = node
    loop.owner = None


# ------------------------------------------------------------------ lowering
def _zero_state(v):
    """Whether ``v`` is known to be all zeros (the default initial state ONNX assumes)."""
    seen = 0
    while v is not None and v.node is not None and seen < 4:
        n = v.node
        if n.kind == "select" or n.kind == "squeeze":
            v, seen = n.inputs[0], seen + 1
            continue
        if n.kind in ("full", "full_like"):
            return n.attrs.get("fill_value") == 0
        if n.kind in ("zeros", "zeros_like"):
            return True
        if n.kind == "Constant" and isinstance(n.attrs.get("value"), np.ndarray):
            return not np.any(n.attrs["value"])
        return False
    return False


def _packed(ctx, name, perm, hid, axis0=True):
    """PyTorch-ordered gate rows of ``name`` in ONNX order, with a leading direction axis."""
    idx = np.concatenate([np.arange(k * hid, (k + 1) * hid) for k in perm]).astype(np.int64)
    if not np.array_equal(idx, np.arange(idx.size)):
        name = ctx.emit("Gather", [name, ctx.ints(idx)], axis=0)
    return ctx.emit("Unsqueeze", [name, ctx.ints([0])]) if axis0 else name


def lower_rnn(ctx, node, _lower_block):
    """Lower an ``onnx_rnn`` node to ONNX ``LSTM`` / ``GRU`` / ``RNN``."""
    mode, hid, rev = node.attrs["mode"], node.attrs["hidden"], node.attrs["reverse"]
    perm = _PERM[mode]
    dt = ctx.dtype(0)
    x = ctx.inp(0)
    w = _packed(ctx, ctx.tin(1, dt), perm, hid)
    r = _packed(ctx, ctx.tin(2, dt), perm, hid)
    b = None
    if ctx.has(3) or ctx.has(4):
        zero = ctx.const(np.zeros(_NGATES[mode] * hid, np.float32))
        bi = ctx.tin(3, dt) if ctx.has(3) else zero
        bh = ctx.tin(4, dt) if ctx.has(4) else zero
        b = ctx.emit("Unsqueeze", [ctx.emit("Concat", [
            _packed(ctx, bi, perm, hid, False), _packed(ctx, bh, perm, hid, False)], axis=0),
            ctx.ints([0])])
    states = []
    for i in range(5, len(node.inputs)):
        states.append(ctx.emit("Unsqueeze", [ctx.tin(i, dt), ctx.ints([0])])
                      if ctx.has(i) else None)
    op = "RNN" if mode.startswith("RNN") else mode
    attrs = dict(hidden_size=hid, direction="reverse" if rev else None)
    if mode == "GRU":
        attrs["linear_before_reset"] = 1
    if mode == "RNN_RELU":
        attrs["activations"] = ["Relu"]
    n_out = 3 if mode == "LSTM" else 2
    outs = ctx.emit(op, [x, w, r, b, None] + states, n_out=n_out, **attrs)
    y = ctx.emit("Squeeze", [outs[0], ctx.ints([1])])
    finals = [ctx.emit("Squeeze", [o, ctx.ints([0])]) if _used(ctx, node, k) else None
              for k, o in enumerate(outs[1:])]
    return finals + [y]


def _used(ctx, node, k):
    if ctx._uses is None:
        ctx._uses = ctx.graph.uses()
    return node.outputs[k] in ctx._uses
