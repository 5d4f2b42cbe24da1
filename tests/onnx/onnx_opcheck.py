"""Registry samples through the ONNX exporter: trace every sample of an op (one graph per op
and dtype, so one ORT session covers all its samples), export, check, run in ONNX Runtime and
compare with the interpreter."""
from __future__ import annotations

import warnings

import numpy as np
import onnx

import graphtorch as gt
from graphtorch.codegen.onnx import export_graph
from graphtorch.codegen.onnx.runtime import compare, run_ort
from graphtorch.eager.dispatch import call
from graphtorch.ir.interpreter import Interpreter
from graphtorch.jit._record import record
from graphtorch.ops import dtypes as D

ORT_DTYPES = (D.float32, D.float64, D.int64, D.int32, D.bool, D.uint8, D.int8, D.int16)


def pick_dtypes(op):
    """The dtypes an op is checked in: float32 (or its first ORT-friendly dtype), plus int64
    and bool where the op supports them."""
    ok = [d for d in op.dtypes if d in ORT_DTYPES]
    out = []
    for d in (D.float32, D.float64):
        if d in ok:
            out.append(d)
            break
    else:
        if ok:
            out.append(ok[0])
    for d in (D.int64, D.bool):
        if d in ok and d not in out:
            out.append(d)
    return out


def _undefined(op, s):
    """Samples whose values are unspecified (random draws, torch.empty): compared by shape
    and dtype only."""
    return "random" in op.tags or (op.name == "full" and s.kwargs.get("fill_value") is None)


def sample_graph(op, dtype, dynamic=False, keep=None):
    """(Trace, flat input arrays, per-output 'values defined' flags) for the samples of
    ``op`` in ``dtype`` (those ``keep(sample)`` accepts)."""
    samples = [s for s in op.samples(dtype) if keep is None or keep(s)]
    arrays, slots = [], []
    for s in samples:
        idx = []
        for a in s.args:
            if isinstance(a, np.ndarray):
                idx.append(len(arrays))
                arrays.append(a)
            else:
                idx.append(None)
        slots.append(idx)

    defined = []

    def fn(*ts):
        outs = []
        defined.clear()
        for s, idx in zip(samples, slots):
            args = [ts[i] if i is not None else a for a, i in zip(s.args, idx)]
            r = call(op, *args, **s.kwargs)
            r = r if isinstance(r, (tuple, list)) else [r]
            outs.extend(r)
            defined.extend([not _undefined(op, s)] * len(r))
        return tuple(outs)

    tensors = tuple(gt.tensor(a) for a in arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr, _ = record(fn, tensors, {}, None, dynamic=dynamic)
    return tr, arrays, list(defined)


def check_op(op, dtype, opset=None, dynamic=False, keep=None):
    """Export all samples of ``op`` in ``dtype``; returns the failing outputs' reports."""
    tr, arrays, defined = sample_graph(op, dtype, dynamic, keep)
    if not tr.graph.outputs:
        return []
    model = export_graph(tr.graph, opset)
    onnx.checker.check_model(model, full_check=True)
    want = [o.detach().numpy() if hasattr(o, "detach") else np.asarray(o)
            for o in Interpreter(tr.graph).run([gt.tensor(a) for a in arrays])]
    feeds = {i.name: a for i, a in zip(model.graph.input, arrays)}
    got = run_ort(model, feeds)
    bad = []
    for r, ok, g, w in zip(compare(got, want), defined, got, want):
        if ok and not r["ok"]:
            bad.append(r)
        elif not ok and (g.shape != w.shape or g.dtype != w.dtype):
            bad.append(r)
    return bad
