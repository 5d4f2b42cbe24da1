"""ONNX import: a ModelProto -> an IR graph (and the evaluator modules run).

``Evaluator`` computes an ONNX graph with graphtorch ops (``importer_ops`` /
``importer_shape``): ``If`` becomes ``torch.cond`` and ``Loop`` ``torch.while_loop``, so
recording it with the tracer (``import_model``) yields an IR graph with symbolic sizes and
structural If/Loop nodes; running it eagerly gives autograd.  Unsupported operators raise
NotImplementedError naming the op, the node and the model's opset."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from . import importer_shape  # noqa: F401 - registers the shape/nn operators
from .importer_ops import OPS, Host, T

__all__ = ["Evaluator", "import_model", "load_proto", "MIN_IMPORT_OPSET"]

MIN_IMPORT_OPSET = 13


def load_proto(f):
    """A ModelProto from a path, bytes or ModelProto."""
    if isinstance(f, onnx.ModelProto):
        return f
    if isinstance(f, (bytes, bytearray)):
        return onnx.load_model_from_string(bytes(f))
    return onnx.load_model(f)


def _attrs(node):
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, onnx.TensorProto):
            v = numpy_helper.to_array(v)
        elif isinstance(v, list) and v and isinstance(v[0], bytes):
            v = [x.decode() for x in v]
        out[a.name] = v
    return out


class Evaluator:
    """Runs an ONNX model's graph on graphtorch tensors."""

    def __init__(self, model):
        self.model = model
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          None)
        if self.opset is None or self.opset < MIN_IMPORT_OPSET:
            raise NotImplementedError(f"ONNX import: opset {self.opset} is not supported "
                                      f"(graphtorch imports opsets {MIN_IMPORT_OPSET}+)")
        for n in self._all_nodes(model.graph):
            if n.domain not in ("", "ai.onnx") or (n.op_type not in OPS and
                                                   n.op_type not in ("If", "Loop")):
                dom = f" (domain {n.domain})" if n.domain else ""
                raise NotImplementedError(
                    f"ONNX import: op '{n.op_type}'{dom} of node '{n.name or n.output[0]}' is "
                    f"not supported (model opset {self.opset})")

    def _all_nodes(self, g):
        for n in g.node:
            yield n
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    yield from self._all_nodes(a.g)

    def constant(self, arr):
        """An ONNX constant: small int64 vectors become host values (sizes), others
        tensors."""
        from ... import tensor
        arr = np.asarray(arr)
        if arr.dtype == np.int64 and arr.ndim <= 1 and arr.size <= 16:
            return Host([int(v) for v in arr.reshape(-1)], scalar=arr.ndim == 0)
        return tensor(arr.copy())

    def run(self, env, graph=None):
        """Evaluate ``graph`` (default: the model's) with ``env`` (name -> value); returns
        its outputs as tensors."""
        g = graph if graph is not None else self.model.graph
        env = dict(env)
        for n in g.node:
            ins = [env[i] if i else None for i in n.input]
            attrs = _attrs(n)
            if n.op_type == "If":
                outs = self._if(n, ins, attrs, env)
            elif n.op_type == "Loop":
                outs = self._loop(n, ins, attrs, env)
            else:
                try:
                    outs = OPS[n.op_type](self, n, ins, attrs)
                except (NotImplementedError, KeyError) as e:
                    raise NotImplementedError(f"ONNX import: node '{n.name or n.output[0]}' "
                                              f"({n.op_type}, opset {self.opset}): {e}") from e
            for name, v in zip(n.output, outs):
                if name:
                    env[name] = v
        return [T(env[o.name]) for o in g.output]

    def _if(self, n, ins, attrs, env):
        from ...jit._control_flow import cond
        pred = ins[0]
        if isinstance(pred, Host):
            return self.run(env, attrs["then_branch" if pred.vals[0] else "else_branch"])
        out = cond(T(pred).reshape(()).bool(),
                   lambda: tuple(self.run(env, attrs["then_branch"])),
                   lambda: tuple(self.run(env, attrs["else_branch"])))
        return list(out)

    def _loop(self, n, ins, attrs, env):
        from ... import int64, tensor
        from ...jit._control_flow import while_loop
        body = attrs["body"]
        m, c0 = ins[0], ins[1]
        carried = [T(v) for v in ins[2:]]
        n_carried = len(carried)
        n_scan = len(body.output) - 1 - n_carried
        names = [i.name for i in body.input]
        big = (1 << 62)
        trip = T(m).reshape(()) if m is not None else tensor(big, dtype=int64)
        c = T(c0).reshape(()).bool() if c0 is not None else tensor(True)

        def step(i, cnd, *v):
            local = dict(env)
            local.update(zip(names, [i, cnd] + list(v)))
            outs = self.run(local, body)
            return outs

        if n_scan:  # scan outputs: a Python loop (unrolled when traced)
            i, scans, v = 0, [[] for _ in range(n_scan)], carried
            while (m is None or i < int(T(m).item())) and bool(c.item()):
                outs = step(tensor(i, dtype=int64), c, *v)
                c, v = outs[0].reshape(()).bool(), outs[1:1 + n_carried]
                for k in range(n_scan):
                    scans[k].append(outs[1 + n_carried + k])
                i += 1
            from ... import stack
            return list(v) + [stack(s) for s in scans]

        def cond_fn(i, cnd, *v):
            return (i < trip).logical_and(cnd)

        def body_fn(i, cnd, *v):
            outs = step(i, cnd, *v)
            return (i + 1, outs[0].reshape(()).bool()) + tuple(outs[1:])

        res = while_loop(cond_fn, body_fn, (tensor(0, dtype=int64), c) + tuple(carried))
        return list(res[2:])


def import_model(f, example_sizes=None):
    """Read an ONNX model into an IR graph (tracing the evaluator on example inputs: dynamic
    dims (``dim_param``) take ``example_sizes.get(name, 2)`` and stay symbolic)."""
    from ... import zeros
    from ...jit._record import record
    from .types import from_onnx_dtype
    model = load_proto(f)
    ev = Evaluator(model)
    inits = {t.name for t in model.graph.initializer}
    env = {t.name: ev.constant(numpy_helper.to_array(t)) for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    args = []
    for i in inputs:
        tt = i.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else
                 (example_sizes or {}).get(d.dim_param, 2) for d in tt.shape.dim]
        args.append(zeros(shape, dtype=from_onnx_dtype(tt.elem_type)))

    def fn(*xs):
        local = dict(env)
        local.update({i.name: x for i, x in zip(inputs, xs)})
        outs = ev.run(local)
        return outs[0] if len(outs) == 1 else tuple(outs)
    tr, _ = record(fn, tuple(args), {}, None)
    return tr.graph
