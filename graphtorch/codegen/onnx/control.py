"""Lowering of the structural node kinds: constants, sizes, scalar arithmetic, tuples/lists,
guards, calls, fusion groups, and control flow (``If`` -> ONNX If, ``Loop`` -> ONNX Loop,
including the ``n_scan=K`` scan outputs, which are exactly ONNX Loop's scan outputs)."""
from __future__ import annotations

import warnings

import numpy as np
from onnx import helper

from ...ir import symbolic as S
from ...ir.types import BOOL, FLOAT, INT, TensorType
from ...ops import dtypes as D
from .context import ExportError, Scope
from .rnn_pattern import KIND as RNN_KIND, lower_rnn
from .types import dims_of, scalar_dtype, to_onnx_dtype

__all__ = ["lower_structural", "STRUCTURAL_HANDLERS"]

_INT64_MAX = (1 << 63) - 1


def _constant(ctx, node, lower_block):
    val = node.attrs.get("value")
    out = node.outputs[0]
    if isinstance(val, np.ndarray):
        ctx.names[out] = ctx.const(val)
    else:
        ctx.pyvals[out] = val  # materialized in the dtype its user needs
    return None


def _size(ctx, node, lower_block):
    x = ctx.inp(0)
    d = node.attrs.get("dim")
    r = ctx.rank(0)
    d = d % r if r else d
    return [ctx.scalar(ctx.emit("Shape", [x], start=d, end=d + 1))]


def _numel(ctx, node, lower_block):
    return [ctx.emit("Size", [ctx.inp(0)])]


_SCALAR_BIN = {"add": "Add", "sub": "Sub", "mul": "Mul", "eq": "Equal", "lt": "Less",
               "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual"}


def _scalar_op(ctx, node, lower_block):
    name = node.kind[len("scalar."):]
    if name in ("float", "int", "bool"):
        dst = {"float": D.float64, "int": D.int64, "bool": D.bool}[name]
        src = ctx.dtype(0)
        if name == "int" and src in (D.float32, D.float64):  # Python int() truncates
            from .rules_pointwise import trunc
            return [ctx.cast(trunc(ctx, ctx.inp(0), src), src, dst)]
        return [ctx.emit("Identity", [ctx.cast(ctx.inp(0), src, dst)])]
    if name in ("and", "or", "not"):
        ins = [ctx.tin(i, D.bool) for i in range(len(node.inputs))]
        return [ctx.emit(name.capitalize(), ins)]
    if name == "neg":
        return [ctx.emit("Neg", [ctx.inp(0)])]
    dts = [ctx.dtype(i) for i in range(2)]
    dt = D.float64 if D.float64 in dts or D.float32 in dts else D.int64
    a, b = ctx.tin(0, dt), ctx.tin(1, dt)
    if name == "ne":
        return [ctx.emit("Not", [ctx.emit("Equal", [a, b])])]
    if name in _SCALAR_BIN:
        return [ctx.emit(_SCALAR_BIN[name], [a, b])]
    if name == "mod":
        return [ctx.emit("Mod", [a, b], fmod=0 if dt is D.int64 else 1)]
    if name == "floordiv":
        from .rules_pointwise import floor_div
        return [floor_div(ctx, a, b, dt)]
    raise ExportError(f"ONNX export: scalar op {node.kind} is not supported")


def _seq(ctx, node, lower_block):
    ctx.seqs[node.outputs[0]] = list(node.inputs)  # items resolved when indexed
    return None


def _seq_items(ctx, v):
    if v not in ctx.seqs:
        raise ExportError(f"ONNX export: %{v.name} is not a tuple/list built in the graph "
                          f"({ctx.where()})")
    return ctx.seqs[v]


def _alias(ctx, out, v):
    if v in ctx.seqs:
        ctx.seqs[out] = ctx.seqs[v]
    elif v in ctx.pyvals:
        ctx.pyvals[out] = ctx.pyvals[v]
    else:
        ctx.names[out] = ctx.name_of(v)


def _tuple_index(ctx, node, lower_block):
    items = _seq_items(ctx, node.inputs[0])
    _alias(ctx, node.outputs[0], items[node.attrs["index"]])
    return None


def _unpack(ctx, node, lower_block):
    items = _seq_items(ctx, node.inputs[0])
    for o, v in zip(node.outputs, items):
        _alias(ctx, o, v)
    return None


def _list_index(ctx, node, lower_block):
    items = _seq_items(ctx, node.inputs[0])
    i = ctx.pyval(1, None)
    if not isinstance(i, int):
        raise ExportError(f"ONNX export: indexing a list with a run-time index at "
                          f"{ctx.where()} is not supported")
    _alias(ctx, node.outputs[0], items[i])
    return None


def _guard(ctx, node, lower_block):
    if node.inputs:  # a data decision baked into the trace: ONNX would silently keep it
        warnings.warn(f"ONNX export: the trace converted a tensor to a Python value at "
                      f"{node.source or '<unknown>'} ({node.attrs.get('kind')}() gave "
                      f"{node.attrs.get('expected')!r}); the exported model always takes that "
                      "path. Use torch.cond for data-dependent control flow.", stacklevel=4)
    elif node.attrs.get("error"):  # an assertion (zero-trip scan): ONNX has no way to raise
        warnings.warn(f"ONNX export: {node.source or '<unknown>'} raises "
                      f"{node.attrs['error']}({node.attrs.get('msg', '')!r}) in eager when "
                      f"{node.attrs.get('lhs')} {node.attrs.get('cmp')} {node.attrs.get('rhs')} "
                      "fails; ONNX has no assertion, so the exported model does not check it.",
                      stacklevel=4)
    return None


def _call(ctx, node, lower_block):
    fn = ctx.graph.functions[node.attrs["fn"]]
    for p, v in zip(fn.inputs, node.inputs):
        _alias(ctx, p, v)
    lower_block(fn.block)
    return [ctx.name_of(v) for v in fn.outputs]


def _fusion(ctx, node, lower_block):
    blk = node.blocks[0]
    for p, v in zip(blk.params, node.inputs):
        _alias(ctx, p, v)
    lower_block(blk)
    return [ctx.name_of(v) for v in blk.returns]


# ------------------------------------------------------------------ control flow
def _type_of(ctx, v, name):
    t = v.type
    if isinstance(t, TensorType):
        shape = None if t.shape is None else [
            d if type(d) is int else None for d in dims_of(t.shape, None, ctx.static)]
        return helper.make_tensor_value_info(name, to_onnx_dtype(t.dtype or D.float32), shape)
    dt = scalar_dtype(t) if t in (INT, FLOAT, BOOL) else D.int64
    if v in ctx.pyvals and isinstance(ctx.pyvals[v], bool):
        dt = D.bool
    return helper.make_tensor_value_info(name, to_onnx_dtype(dt), [])


def _subgraph(ctx, blk, lower_block, inputs, name):
    """Build an ONNX GraphProto from IR block ``blk``; ``inputs`` are (Value, dtype-override)
    pairs for the block's params (ONNX's graph inputs)."""
    saved_scope, saved_node = ctx.scope, ctx.node
    ctx.scope = Scope(saved_scope)
    try:
        in_infos = [info for _, info in inputs]
        lower_block(blk)
        ctx.node = saved_node
        outs = []
        for v in blk.returns:
            src = ctx.name_of(v)
            name = ctx.fresh(f"{name}_out")
            ctx.emit("Identity", [src])  # subgraph outputs must be produced inside it
            ctx.scope.nodes[-1].output[0] = name
            outs.append((v, name))
        out_infos = [_type_of(ctx, v, n) for v, n in outs]
        g = helper.make_graph(ctx.scope.nodes, ctx.fresh(name), in_infos, out_infos)
    finally:
        ctx.scope, ctx.node = saved_scope, saved_node
    return g


def _if(ctx, node, lower_block):
    cond = ctx.inp(0)
    cd = ctx.dtype(0)
    cond = ctx.emit("Reshape", [ctx.cast(cond, cd, D.bool), ctx.ints([])])
    branches = [_subgraph(ctx, b, lower_block, [], f"{'then' if k == 0 else 'else'}")
                for k, b in enumerate(node.blocks)]
    return ctx.emit("If", [cond], n_out=len(node.outputs), then_branch=branches[0],
                    else_branch=branches[1]) if len(node.outputs) != 1 else \
        [ctx.emit("If", [cond], then_branch=branches[0], else_branch=branches[1])]


def _loop(ctx, node, lower_block):
    blk = node.blocks[0]
    n_scan = int(node.attrs.get("n_scan", 0) or 0)
    trip = ctx.pyval(0, "dyn")
    if trip is None or (isinstance(trip, int) and trip >= _INT64_MAX):
        m = None  # unbounded: the condition alone stops the loop
    else:
        m = ctx.emit("Reshape", [ctx.tin(0, D.int64), ctx.ints([])])
    cond = ctx.emit("Reshape", [ctx.tin(1, D.bool), ctx.ints([])])
    carried = [ctx.name_of(v) for v in node.inputs[2:]]
    # body inputs: (iteration number, condition, *carried)
    it_name = ctx.fresh("iter")
    ctx.names[blk.params[0]] = it_name
    cond_in = ctx.fresh("cond_in")
    ins = [(blk.params[0], helper.make_tensor_value_info(it_name, to_onnx_dtype(D.int64), [])),
           (None, helper.make_tensor_value_info(cond_in, to_onnx_dtype(D.bool), []))]
    for p, outer in zip(blk.params[1:], node.inputs[2:]):
        name = ctx.fresh(f"{p.name}_in")
        ctx.names[p] = name
        info = _type_of(ctx, outer, name)
        ins.append((p, info))
    body = _subgraph_loop(ctx, blk, lower_block, ins)
    n_out = len(node.outputs)
    outs = ctx.emit("Loop", [m, cond] + carried, n_out=n_out, body=body)
    return [outs] if n_out == 1 else outs


def _subgraph_loop(ctx, blk, lower_block, ins):
    """The Loop body; its condition output is cast to a bool scalar as ONNX requires."""
    saved_scope, saved_node = ctx.scope, ctx.node
    ctx.scope = Scope(saved_scope)
    try:
        lower_block(blk)
        ctx.node = saved_node
        outs = []
        for k, v in enumerate(blk.returns):
            src = ctx.name_of(v)
            if k == 0:
                src = ctx.emit("Reshape", [ctx.cast(src, ctx.value_dtype(v), D.bool),
                                           ctx.ints([])])
            elif v.type in (INT, FLOAT, BOOL) or (v in ctx.pyvals):
                p = blk.params[k] if k < len(blk.params) else None
                want = ctx.value_dtype(p) if p is not None else ctx.value_dtype(v)
                src = ctx.cast(src, ctx.value_dtype(v), want)
            name = ctx.fresh("body_out")
            ctx.emit("Identity", [src])
            ctx.scope.nodes[-1].output[0] = name
            outs.append((v, name))
        out_infos = [helper.make_tensor_value_info(outs[0][1], to_onnx_dtype(D.bool), [])]
        for k, (v, n) in enumerate(outs[1:], start=1):
            info = _type_of(ctx, v, n)
            if k < len(ins) - 1 and ins[k + 1][0] is not None:
                src_info = ins[k + 1][1]
                info = helper.make_tensor_value_info(n, src_info.type.tensor_type.elem_type,
                                                     None)
            out_infos.append(info)
        g = helper.make_graph(ctx.scope.nodes, ctx.fresh("loop_body"), [i for _, i in ins],
                              out_infos)
    finally:
        ctx.scope, ctx.node = saved_scope, saved_node
    return g


STRUCTURAL_HANDLERS = {
    "Constant": _constant, "size": _size, "numel": _numel,
    "TupleConstruct": _seq, "ListConstruct": _seq, "TupleIndex": _tuple_index,
    "TupleUnpack": _unpack, "ListUnpack": _unpack, "ListIndex": _list_index,
    "Guard": _guard, "Call": _call, "FusionGroup": _fusion, "If": _if, "Loop": _loop,
    RNN_KIND: lower_rnn,
}


def lower_structural(ctx, node, lower_block):
    """Lower structural ``node``; returns output names, or None when it bound its outputs."""
    h = STRUCTURAL_HANDLERS.get(node.kind)
    if h is None and node.kind.startswith("scalar."):
        h = _scalar_op
    if h is None:
        raise ExportError(f"ONNX export: node kind {node.kind!r} is not supported "
                          f"({ctx.where()})")
    return h(ctx, node, lower_block)


def _unused():  # keep S imported for type checkers of Expr constants
    return S
