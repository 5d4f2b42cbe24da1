"""ONNX export benchmarks (issue #9): per zoo model, the time of one graphtorch.onnx.export
call next to both exporters torch offers (the TorchScript exporter, ``dynamo=False``, and the
dynamo exporter, ``dynamo=True``, when onnxscript is installed), and the ONNX Runtime latency
of graphtorch's file next to each of torch's files for the same model and weights (target
ratio <= 1.0).  Single-threaded ORT, eval mode, every exporter warmed up once first; ORT
latencies are the median of ``ROUNDS`` interleaved best-of timings (the machine is shared), and
the files' outputs are checked to agree.
Run: python benchmarks/bench_onnx.py [--no-dynamo] [model ...]"""
from __future__ import annotations

import io
import logging
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests"))
from harness import best_time, fmt  # noqa: E402

import numpy as np  # noqa: E402

import graphtorch as gt  # noqa: E402
import graphtorch.onnx as gonnx  # noqa: E402
from jit.zoo import ZOO, build, copy_weights, example  # noqa: E402

BATCH, SEQ, ROUNDS = 16, 8, 3


def _session(proto_bytes):
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.inter_op_num_threads = 1
    o.log_severity_level = 3
    return ort.InferenceSession(proto_bytes, o, providers=["CPUExecutionProvider"])


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _has_dynamo():
    try:
        import onnxscript  # noqa: F401
    except ImportError:
        return False
    return True


def _exporters(name, torch, dynamo):
    """name -> fn() returning serialized ONNX bytes, for graphtorch and torch's exporters."""
    uses_seq = ZOO[name][2]
    axes = {0: "batch", 1: "seq"} if uses_seq else {0: "batch"}
    g = build(name, gt).eval()
    t = build(name, torch).eval()
    copy_weights(g, t, torch)
    gargs, targs = example(name, gt, BATCH, SEQ), example(name, torch, BATCH, SEQ)

    def ours():
        return gonnx.export(g, gargs, input_names=["x"], dynamic_axes={"x": axes}) \
            .model_proto.SerializeToString()

    def ts():
        buf = io.BytesIO()
        torch.onnx.export(t, targs, buf, input_names=["x"], dynamic_axes={"x": axes},
                          dynamo=False)
        return buf.getvalue()

    def dyn():
        dims = {d: torch.export.Dim(a) for d, a in axes.items()}
        return torch.onnx.export(t, targs, input_names=["x"], dynamo=True, verbose=False,
                                 dynamic_shapes=(dims,)).model_proto.SerializeToString()
    out = {"graphtorch": ours, "torch(ts)": ts}
    if dynamo:
        out["torch(dynamo)"] = dyn
    return out, gargs[0].numpy()


def bench(name, torch, dynamo):
    exporters, x = _exporters(name, torch, dynamo)
    export_t, files = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, fn in exporters.items():
            try:
                export_t[k], files[k] = _timed(fn)
            except Exception as e:  # noqa: BLE001 - report, keep benchmarking
                print(f"  {name}: {k} export failed: {type(e).__name__}: "
                      f"{str(e).splitlines()[0][:100]}")
    feeds = {"x": x}
    sessions = {k: _session(b) for k, b in files.items()}
    ref = sessions["graphtorch"].run(None, feeds)
    for k, s in sessions.items():
        err = max(float(np.max(np.abs(a - b))) for a, b in zip(s.run(None, feeds), ref))
        if err > 1e-3:
            print(f"  {name}: {k}'s file differs from graphtorch's by {err:.2e}")
    lat = {k: [] for k in sessions}
    for _ in range(ROUNDS):  # interleaved so load changes hit every file alike
        for k, s in sessions.items():
            lat[k].append(best_time(lambda s=s: s.run(None, feeds), min_time=0.1))
    return export_t, {k: statistics.median(v) for k, v in lat.items()}


def main(argv):
    import torch
    logging.getLogger("torch").setLevel(logging.ERROR)
    torch.set_num_threads(1)
    dynamo = "--no-dynamo" not in argv and _has_dynamo()
    names = [a for a in argv if not a.startswith("--")] or list(ZOO)
    print(f"batch {BATCH}, seq {SEQ}; export = one call after a warm-up (includes tracing); "
          f"ORT = median of {ROUNDS} interleaved best-of per-call times, 1 thread"
          + ("" if dynamo else "; dynamo exporter skipped (onnxscript not installed)"))
    with warnings.catch_warnings():  # warm every exporter up (lazy imports, registries)
        warnings.simplefilter("ignore")
        for fn in _exporters("mlp", torch, dynamo)[0].values():
            fn()
    for name in names:
        ex, lat = bench(name, torch, dynamo)
        ours_e, ours_l = ex.get("graphtorch"), lat["graphtorch"]
        parts = [f"export {k} {fmt(v)}" for k, v in ex.items()]
        parts += [f"export ratio vs {k} {ours_e / v:.2f}x" for k, v in ex.items()
                  if k != "graphtorch" and ours_e]
        parts += [f"ORT {k} {fmt(v)}" for k, v in lat.items()]
        parts += [f"ORT ratio vs {k} {ours_l / v:.2f}x" for k, v in lat.items()
                  if k != "graphtorch"]
        print(f"{name:12s} " + " | ".join(parts), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
