"""The export driver: an IR graph -> an ONNX ModelProto.

Ops without a rule at the requested opset are first replaced by their registry
decompositions (``ir/passes/decompose.py``); an op with neither raises naming the op, the
lowest opset that has a rule for it (if any) and the user's source line.  Then every node is
lowered by its rule (registry ops) or by ``control.py`` (structural kinds)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ...ir import symbolic as S
from ...ir.types import TensorType
from ...ops import registry as R
from . import registry as RR
from .context import ExportContext, ExportError
from .control import lower_structural
from .rnn_pattern import fuse_rnns
from .types import value_info

__all__ = ["export_graph", "newest_opset", "check_exportable"]

_NEWEST = []


def newest_opset() -> int:
    """The newest default-domain opset both the installed onnx and onnxruntime support."""
    if _NEWEST:
        return _NEWEST[0]
    top = onnx.defs.onnx_opset_version()
    try:
        import onnxruntime as ort
    except ImportError:
        _NEWEST.append(top)
        return top
    for op in range(top, RR.MIN_OPSET - 1, -1):
        g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "probe",
                              [helper.make_tensor_value_info("x", 1, [1])],
                              [helper.make_tensor_value_info("y", 1, [1])])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", op)])
        try:
            ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - this opset is too new for onnxruntime
            continue
        _NEWEST.append(op)
        return op
    _NEWEST.append(RR.MIN_OPSET)
    return RR.MIN_OPSET


def _missing(node, opset):
    lo = RR.min_opset(node.kind)
    where = f" at {node.source}" if node.source else ""
    scope = f" [{node.scope}]" if node.scope else ""
    if lo is not None and lo > opset:
        return (f"ONNX export: op '{node.kind}'{where}{scope} needs opset >= {lo}, but "
                f"opset_version={opset} was requested")
    return (f"ONNX export: op '{node.kind}'{where}{scope} has no ONNX export rule at opset "
            f"{opset} and no decomposition")


def check_exportable(graph, opset, decomposable=True):
    """Raise ExportError for the first registry op that has no rule at ``opset`` (and, when
    ``decomposable``, no decomposition either)."""
    for node in graph.walk():
        if R.has(node.kind) and RR.lookup(node.kind, opset) is None:
            if decomposable and R.get(node.kind).decomp is not None:
                continue
            raise ExportError(_missing(node, opset))


def _decompose(graph, opset):
    from ...ir.passes import decompose
    check_exportable(graph, opset)
    if any(R.has(n.kind) and RR.lookup(n.kind, opset) is None for n in graph.walk()):
        decompose.run(graph, supported=lambda name: RR.lookup(name, opset) is not None,
                      backend=f"onnx (opset {opset})")
        check_exportable(graph, opset, decomposable=False)
    return graph


def export_graph(graph, opset=None, *, input_names=None, output_names=None, static=None,
                 rename=None, params=None, keep_initializers_as_inputs=False,
                 graph_name="main_graph", producer="graphtorch"):
    """Export IR ``graph`` to an ONNX ModelProto.

    Args:
        opset: the default-domain opset (17 .. ``newest_opset()``); honoured exactly.
        input_names / output_names: ONNX names of the graph's non-parameter inputs / outputs.
        static: symbol -> int for sizes exported as constants (axes not declared dynamic).
        rename: symbol -> dim_param name for dynamic axes.
        params: graph input name -> numpy array: inputs stored as initializers.
        keep_initializers_as_inputs: also list initializers as graph inputs.
    """
    RR.load_all()
    opset = newest_opset() if opset is None else int(opset)
    if not RR.MIN_OPSET <= opset <= max(newest_opset(), RR.MIN_OPSET):
        raise ValueError(f"ONNX export: opset_version={opset} is not supported: graphtorch "
                         f"exports opsets {RR.MIN_OPSET} to {newest_opset()}")
    graph = _decompose(graph.copy(), opset)
    fuse_rnns(graph)
    ctx = ExportContext(graph, opset, static, rename)
    params = params or {}
    user = [v for v in graph.inputs if v.name not in params]
    names = list(input_names or [])
    inputs, inits = [], []
    k = 0
    for v in graph.inputs:
        if v.name in params:
            name = v.name
            ctx.reserve(name)
            inits.append(numpy_helper.from_array(np.ascontiguousarray(params[v.name]), name))
            if keep_initializers_as_inputs:
                inputs.append(value_info(name, v.type, ctx.rename, ctx.static))
        else:
            name = names[k] if k < len(names) else v.name
            k += 1
            ctx.reserve(name)
            inputs.append(value_info(name, v.type, ctx.rename, ctx.static))
        ctx.names[v] = name
    del user
    for s, (i, d) in graph.symbol_sources().items():
        if s not in ctx.static:
            ctx.sym_src[s] = (ctx.names[graph.inputs[i]], d, ctx.root)
    lower_block(ctx, graph.block)
    ctx.node = None
    outputs = []
    ctx._renamed_outputs = {}  # producer output renamed to a graph output name
    onames = list(output_names or [])
    for k, v in enumerate(graph.outputs):
        want = onames[k] if k < len(onames) else f"output_{k}" if len(graph.outputs) > 1 \
            else "output"
        src = ctx.name_of(v)
        src = ctx._renamed_outputs.get(src, src)
        if want in ctx._used:
            want = ctx.fresh(want)
        ctx.reserve(want)
        if not _rename_output(ctx, src, want):
            ctx.emit("Identity", [src])
            ctx.root.nodes[-1].output[0] = want
        outputs.append(value_info(want, v.type if isinstance(v.type, TensorType) else v.type,
                                  ctx.rename, ctx.static))
    # parameters/buffers the graph never reads (BatchNorm's num_batches_tracked...) are left
    # out, as torch does: ONNX Runtime would warn about each one on every session
    read = _names_read(ctx.root.nodes) | {o.name for o in outputs}
    unused = {t.name for t in inits if t.name not in read}
    inits = [t for t in inits if t.name not in unused]
    inputs = [i for i in inputs if i.name not in unused]
    g = helper.make_graph(ctx.root.nodes, graph_name, inputs, outputs,
                          initializer=inits + ctx.initializers)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name=producer, producer_version=_version())
    model.ir_version = min(model.ir_version, 10)
    return model


def _rename_output(ctx, src, want):
    """Give the root node producing ``src`` the output name ``want`` (renaming its readers,
    subgraphs included) instead of adding an Identity; False when ``src`` is a graph input,
    an initializer, a shared constant or already an output."""
    if src in ctx._renamed_outputs.values() or src in ctx._consts.values():
        return False
    producer = next((n for n in ctx.root.nodes if src in n.output), None)
    if producer is None or producer.op_type == "Constant":
        return False
    ctx._renamed_outputs[src] = want
    _rename_inputs(ctx.root.nodes, src, want)
    producer.output[list(producer.output).index(src)] = want
    return True


def _names_read(nodes) -> set:
    """Every name the ``nodes`` (and their subgraphs) read."""
    out = set()
    for n in nodes:
        out.update(n.input)
        for a in n.attribute:
            for g in ([a.g] if a.HasField("g") else []) + list(a.graphs):
                out |= _names_read(g.node)
    return out


def _rename_inputs(nodes, old, new):
    for n in nodes:
        for k, name in enumerate(n.input):
            if name == old:
                n.input[k] = new
        for a in n.attribute:
            for g in ([a.g] if a.HasField("g") else []) + list(a.graphs):
                _rename_inputs(g.node, old, new)


def _version():
    try:
        from ... import __version__
        return str(__version__)
    except ImportError:
        return "0"


def lower_block(ctx, block):
    """Lower every node of ``block`` into ``ctx.scope``."""
    def again(b):
        lower_block(ctx, b)
    for node in block.nodes:
        ctx.node = node
        if R.has(node.kind) and not node.kind.startswith("scalar."):
            fn = RR.lookup(node.kind, ctx.opset)
            if fn is None:
                raise ExportError(_missing(node, ctx.opset))
            outs = fn(ctx)
        else:
            outs = lower_structural(ctx, node, again)
            ctx.node = node
        if outs is None:
            continue
        if len(outs) < len(node.outputs):
            outs = list(outs) + [None] * (len(node.outputs) - len(outs))
        for v, name in zip(node.outputs, outs):
            if name is None:
                continue
            ctx.names[v] = name
            _bind_symbols(ctx, v, name)


def _bind_symbols(ctx, v, name):
    """A symbol first appearing in a node's output type (data-dependent size) is read from
    that output's shape."""
    for d, e in enumerate(getattr(v.type, "shape", None) or ()):
        s = S.bare_symbol(e)
        if s is not None and s not in ctx.sym_src and s not in ctx.static:
            ctx.sym_src[s] = (name, d, ctx.scope)
