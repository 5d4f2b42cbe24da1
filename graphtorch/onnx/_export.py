"""``torch.onnx.export``: trace the model, map dynamic axes to symbols, export, verify, save."""
from __future__ import annotations

import enum
import os
import tempfile
import warnings


from ..eager.tensor import Tensor
from ..ir import symbolic as S

__all__ = ["export", "TrainingMode", "OnnxExporterError"]


class TrainingMode(enum.IntEnum):
    """Mode the model is exported in (``training=``), as ``torch.onnx.TrainingMode``."""
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OnnxExporterError(RuntimeError):
    """Raised when a model cannot be exported (wraps the reason)."""


_EXPORTING = [False]


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is running (as torch.onnx.is_in_onnx_export)."""
    return _EXPORTING[0]


def _mode(training):
    name = getattr(training, "name", None)
    if name in TrainingMode.__members__:
        return TrainingMode[name]
    return TrainingMode(int(training))


def _record(model, args, kwargs):
    from ..jit._module import ScriptFunction, TracedModule
    from ..jit._record import record
    from ..nn.modules.module import Module
    if isinstance(model, TracedModule):
        model = model._orig
    if isinstance(model, ScriptFunction):
        return _script_variant(model, args, kwargs).trace, model._fn
    if hasattr(model, "_export_trace"):  # scripted modules and imported ONNX models
        return model._export_trace(args, kwargs), getattr(model, "forward", model)
    if isinstance(model, Module):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tr, _ = record(model.forward, args, kwargs, model)
        return tr, model.forward
    if callable(model):
        tr, _ = record(model, args, kwargs, None)
        return tr, model
    raise TypeError(f"torch.onnx.export: expected an nn.Module or a function, got "
                    f"{type(model).__name__}")


def _script_variant(fn, args, kwargs):
    """The compiled variant of scripted/traced function ``fn`` for these arguments (a
    scripted function compiles on its first call per input signature: call it once)."""
    variants = getattr(fn, "_variants", None)
    if variants is None:
        return fn._comp
    from ..eager.grad_mode import no_grad
    from ..jit import _pytree as P
    from ..jit._record import normalize_args
    from ..jit.script._compiled import _signature
    with no_grad():
        fn(*args, **kwargs)
    flat, spec = P.flatten(normalize_args(fn._fn, args, kwargs))
    for s, sig, comp in variants.items:
        if s == spec and sig == _signature(flat):
            return comp
    return fn._comp


def _widen_unit_axes(args, dynamic_axes, input_names):
    """PyTorch keeps a requested dynamic axis dynamic even when the example input has size 1
    there; graphtorch's tracer fixes size-1 dims, so such an input is traced repeated to
    size 2 along that axis (the traced graph is the same for every size)."""
    if not dynamic_axes or not input_names:
        return args
    args = list(args)
    for i, (name, a) in enumerate(zip(input_names, args)):
        spec = dynamic_axes.get(name)
        if spec is None or not isinstance(a, Tensor):
            continue
        for d in spec:
            d = int(d) % max(a.dim(), 1)
            if a.dim() and a.shape[d] == 1:
                a = a.repeat_interleave(2, dim=d)
        args[i] = a
    return tuple(args)


def _dims_requested(dynamic_axes, dynamic_shapes, names, n_user):
    """{input index: {dim: axis name}} and {output name: {dim: axis name}}."""
    ins, outs = {}, {}
    for key, spec in (dynamic_axes or {}).items():
        dims = spec if isinstance(spec, dict) else {d: None for d in spec}
        if key in names[:n_user]:
            ins[names.index(key)] = dims
        else:
            outs[key] = dims
    if dynamic_shapes is not None:
        items = dynamic_shapes.items() if isinstance(dynamic_shapes, dict) else \
            enumerate(dynamic_shapes)
        for k, spec in items:
            i = k if isinstance(k, int) else (names.index(k) if k in names else None)
            if i is None or spec is None:
                continue
            if isinstance(spec, (list, tuple)):
                spec = {d: s for d, s in enumerate(spec) if s is not None}
            ins[i] = {d: (s if isinstance(s, str) else getattr(s, "__name__", None))
                      for d, s in spec.items() if s is not None}
    return ins, outs


def _axes(trace, graph, req_in, names):
    """(static symbol values, symbol renames) for the requested dynamic input axes; raises
    when a requested axis was specialized while tracing, naming the line."""
    rename, dynamic = {}, set()
    for i, dims in req_in.items():
        t = graph.inputs[i].type
        for d, axis in dims.items():
            d = int(d) % len(t.shape)
            e = t.shape[d]
            sym = S.bare_symbol(e)
            if sym is None:
                line = trace.spec_lines.get((i, d), "an unknown line")
                raise OnnxExporterError(
                    f"dynamic axis {d} of input '{names[i]}' was specialized to {e} while "
                    f"tracing at {line}; the exported model could not run at other sizes")
            dynamic.add(sym)
            rename.setdefault(sym, axis or f"{names[i]}_dim_{d}")
    static = {}
    for v in graph.inputs:
        for d, e in enumerate(getattr(v.type, "shape", None) or ()):
            s = S.bare_symbol(e)
            if s is not None and s not in dynamic:
                static[s] = None
    return static, rename, dynamic


def _bind_static(static, graph, flat):
    for i, v in enumerate(graph.inputs[:len(flat)]):
        for d, e in enumerate(getattr(v.type, "shape", None) or ()):
            s = S.bare_symbol(e)
            if s in static and static[s] is None and isinstance(flat[i], Tensor):
                static[s] = int(flat[i].shape[d])
    return {k: v for k, v in static.items() if v is not None}


def _check_guards(graph, dynamic):
    for n in graph.walk():
        if n.kind != "Guard" or n.inputs or n.attrs.get("cmp") != "eq":
            continue
        syms = S.free_symbols(S.expr_of(n.attrs.get("lhs"))) | S.free_symbols(
            S.expr_of(n.attrs.get("rhs")))
        if syms & dynamic:
            raise OnnxExporterError(
                f"a dynamic axis ({', '.join(sorted(syms & dynamic))}) was specialized by a "
                f"size check at {n.source or '<unknown>'}; the exported model would be wrong "
                "at other sizes")


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None,
           output_names=None, opset_version=None, dynamo=True, external_data=True,
           dynamic_shapes=None, custom_translation_table=None, report=False, optimize=True,
           verify=False, profile=False, dump_exported_program=False, artifacts_dir=".",
           export_params=True, keep_initializers_as_inputs=False, dynamic_axes=None,
           training=TrainingMode.EVAL, operator_export_type=None, do_constant_folding=True,
           custom_opsets=None, export_modules_as_functions=False, autograd_inlining=True):
    """Export a model to ONNX, as ``torch.onnx.export``.

    Args:
        model: an nn.Module, a function, or a traced/scripted module or function.
        args: example positional inputs (a single tensor is wrapped in a tuple).
        f: file path or binary file-like object to write; when None the ONNXProgram is
            only returned.
        input_names / output_names: names of the graph's inputs and outputs.
        opset_version: default-domain opset (17 .. newest supported); default the newest.
        dynamic_axes: {input or output name: {dim: axis name} or [dims]}; those axes stay
            dynamic, every other axis is fixed to the example's size.
        dynamic_shapes: torch.export style: per input a {dim: Dim or name} (or list).
        export_params: store parameters as initializers (else they are graph inputs).
        keep_initializers_as_inputs: also list initializers among the graph inputs.
        verify: run ONNX Runtime and graphtorch on ``args``; raise when they differ.
        training: TrainingMode.EVAL (default), PRESERVE or TRAINING.
        do_constant_folding: fold constant subgraphs before export.
        external_data: allow weights in a separate ``.data`` file (used above 2 GB).

    Returns:
        an ``ONNXProgram`` (``.model_proto``, ``.save(path)``), or None when ``dynamo`` is
        False and ``f`` is given (as PyTorch's TorchScript exporter).
    """
    from ..codegen.onnx import export_graph
    from ..codegen.onnx.context import ExportError
    from ._program import ONNXProgram
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    if args and isinstance(args[-1], dict) and kwargs is None:
        args, kwargs = args[:-1], args[-1]
    kwargs = dict(kwargs or {})
    args = _widen_unit_axes(args, dynamic_axes, input_names)
    mode = _mode(training)
    mods = list(model.modules()) if hasattr(model, "modules") else []
    saved = [m.training for m in mods]
    if mode is not TrainingMode.PRESERVE:
        for m in mods:
            m.training = mode is TrainingMode.TRAINING
    _EXPORTING[0] = True
    try:
        trace, fn = _record(model, args, kwargs)
    finally:
        _EXPORTING[0] = False
        for m, t in zip(mods, saved):
            m.training = t
    graph = trace.graph.copy()
    graph.block.returns = graph.block.returns[:trace.n_out]  # buffer write-backs stay out
    from ..jit import _pytree as P
    flat, _ = P.flatten(_norm(fn, args, kwargs))
    n_user = trace.n_user
    names = [v.name for v in graph.inputs[:n_user]]
    names = list(input_names or []) + names[len(input_names or []):]
    req_in, req_out = _dims_requested(dynamic_axes, dynamic_shapes, names, n_user)
    static, rename, dynamic = _axes(trace, graph, req_in, names)
    _check_guards(graph, dynamic)
    static = _bind_static(static, graph, flat)
    params = _params(model, trace, graph, export_params)
    if do_constant_folding or optimize:
        graph = _fold(graph)
    try:
        proto = export_graph(graph, opset_version, input_names=names[:n_user],
                             output_names=output_names, static=static, rename=rename,
                             params=params,
                             keep_initializers_as_inputs=keep_initializers_as_inputs)
    except ExportError as e:
        raise OnnxExporterError(str(e)) from None
    _name_outputs(proto, req_out, graph)
    if verbose:
        import onnx
        print(onnx.helper.printable_graph(proto.graph))
    prog = ONNXProgram(proto, graph=graph, n_user=n_user, dynamic=_dynamic_dims(
        graph, n_user, dynamic, rename))
    if verify:
        prog.verify([x for x in flat if isinstance(x, Tensor)][:n_user], raise_error=True)
    if f is not None:
        if hasattr(f, "write"):  # a file-like object (io.BytesIO, an open file): as torch
            f.write(prog.model_proto.SerializeToString())
        else:
            prog.save(f, external_data=external_data)
        if not dynamo:
            return None
    return prog


def _dynamic_dims(graph, n_user, dynamic, rename):
    """{axis name: [(input index, dim), ...]} for every dynamic axis of the user inputs."""
    out: dict = {}
    for i, v in enumerate(graph.inputs[:n_user]):
        for d, e in enumerate(getattr(v.type, "shape", None) or ()):
            sym = S.bare_symbol(e)
            if sym in dynamic:
                out.setdefault(rename.get(sym, sym), []).append((i, d))
    return out


def _norm(fn, args, kwargs):
    from ..jit._record import normalize_args
    return normalize_args(fn, args, kwargs)


def _params(model, trace, graph, export_params):
    """graph input name -> array for the parameters and buffers (when exported)."""
    if not export_params or not trace.state:
        return {}
    state = dict(model.named_parameters()) if hasattr(model, "named_parameters") else {}
    if hasattr(model, "named_buffers"):
        state.update(dict(model.named_buffers()))
    out = {}
    for v, name in zip(graph.inputs[trace.n_user:], trace.state):
        t = state.get(name)
        if t is not None:
            out[v.name] = t.detach().numpy()
    return out


def _fold(graph):
    from ..ir.passes import run_pipeline
    try:
        return run_pipeline(graph, ["constant_fold", "dce"])
    except Exception:  # noqa: BLE001 - folding is an optimization; export the graph as is
        return graph


def _name_outputs(proto, req_out, graph):
    """Give requested dynamic output axes their names (and fail if they are constant)."""
    for o in proto.graph.output:
        dims = req_out.get(o.name)
        if not dims:
            continue
        shape = o.type.tensor_type.shape.dim
        for d, axis in dims.items():
            d = int(d)
            if shape[d].HasField("dim_value"):
                raise OnnxExporterError(f"dynamic axis {d} of output '{o.name}' has the fixed "
                                        f"size {shape[d].dim_value} in the exported graph")
            shape[d].dim_param = axis or shape[d].dim_param or f"{o.name}_dim_{d}"


def atomic_write(path, write):
    """Call ``write(tmp_path)`` then rename the file into place (never a partial file)."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp_onnx_", dir=d)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
