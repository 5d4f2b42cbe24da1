"""ONNX export benchmarks (issue #9): per zoo model, graphtorch.onnx.export time next to
torch.onnx.export (TorchScript exporter, dynamo=False; the dynamo exporter is timed when
onnxscript is installed), and ONNX Runtime latency of graphtorch's file next to torch's file
for the same model and weights (target ratio <= 1.0).  Single-threaded ORT, eval mode.
Run: python benchmarks/bench_onnx.py [model ...]"""
from __future__ import annotations

import io
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests"))
from harness import best_time, fmt  # noqa: E402

import graphtorch as gt  # noqa: E402
import graphtorch.onnx as gonnx  # noqa: E402
from jit.zoo import ZOO, build, copy_weights, example  # noqa: E402

BATCH, SEQ = 16, 8


def _session(proto_bytes):
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.inter_op_num_threads = 1
    o.log_severity_level = 3
    return ort.InferenceSession(proto_bytes, o, providers=["CPUExecutionProvider"])


def _once(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench(name, torch):
    uses_seq = ZOO[name][2]
    axes = {0: "batch", 1: "seq"} if uses_seq else {0: "batch"}
    g = build(name, gt).eval()
    t = build(name, torch).eval()
    copy_weights(g, t, torch)
    gargs = example(name, gt, BATCH, SEQ)
    targs = example(name, torch, BATCH, SEQ)
    row = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = {}
        row["export graphtorch"] = _once(lambda: ours.setdefault("p", gonnx.export(
            g, gargs, input_names=["x"], dynamic_axes={"x": axes})))
        buf = io.BytesIO()
        try:
            row["export torch(ts)"] = _once(lambda: torch.onnx.export(
                t, targs, buf, input_names=["x"], dynamic_axes={"x": axes}, dynamo=False))
            theirs = buf.getvalue()
        except Exception as e:  # noqa: BLE001 - report, keep benchmarking
            print(f"  {name}: torch.onnx.export(dynamo=False) failed: {type(e).__name__}")
            theirs = None
        try:
            import onnxscript  # noqa: F401
            row["export torch(dynamo)"] = _once(lambda: torch.onnx.export(
                t, targs, dynamo=True, dynamic_shapes=None))
        except ImportError:
            pass
    feeds = {"x": gargs[0].numpy()}
    s_ours = _session(ours["p"].model_proto.SerializeToString())
    row["ORT graphtorch"] = best_time(lambda: s_ours.run(None, feeds))
    if theirs is not None:
        s_theirs = _session(theirs)
        row["ORT torch"] = best_time(lambda: s_theirs.run(None, feeds))
    return row


def main(names):
    import torch
    torch.set_num_threads(1)
    print(f"batch {BATCH}, seq {SEQ}; export = one call (includes tracing); ORT = best-of "
          "per-call time, 1 thread")
    for name in names:
        r = bench(name, torch)
        parts = [f"{k} {fmt(v)}" for k, v in r.items()]
        ex = r.get("export torch(ts)")
        if ex:
            parts.append(f"export ratio {r['export graphtorch'] / ex:.2f}x")
        if "ORT torch" in r:
            parts.append(f"ORT ratio {r['ORT graphtorch'] / r['ORT torch']:.2f}x")
        print(f"{name:12s} " + " | ".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:] or list(ZOO))
