"""torch.jit.trace benchmarks (issue #6): per zoo model, the time to trace, the per-call time of
the traced module (graph interpreter) next to eager graphtorch (ratio traced/eager), then each
pass's effect: the node count after every pass of PIPELINE, the time each pass takes, and the
memory plan's peak bytes (with buffer reuse) next to the bytes without reuse.
Eval mode, no grad.  Run: python benchmarks/bench_jit.py [model ...]"""
from __future__ import annotations

import os
import sys
import time
import warnings

THREADS = os.environ.get("BENCH_THREADS", "1")
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, THREADS)

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests"))
from harness import best_time, fmt  # noqa: E402

import graphtorch as gt  # noqa: E402
from jit.zoo import ZOO, build, example  # noqa: E402

BATCH, SEQ = 16, 8


def _trace(m, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        t = gt.jit.trace(m, args, check_trace=False)
        return t, time.perf_counter() - t0


def _pipeline(graph, env):
    """Per pass of PIPELINE: (name, total node count after it, seconds); then the memory plan's
    (peak bytes with reuse, bytes without reuse) at the benchmark sizes, and a note."""
    from graphtorch.ir.passes import PIPELINE, count_nodes, run_pipeline
    g = graph.copy()
    steps = [("traced", count_nodes(g)["total"], 0.0)]
    for name, _ in PIPELINE:
        t0 = time.perf_counter()
        try:
            g = run_pipeline(g, [name], env=env)
        except Exception as e:  # noqa: BLE001 - report the failing pass in the table
            return steps, None, f"{name}: {type(e).__name__}: {str(e).splitlines()[0][:60]}"
        steps.append((name, count_nodes(g)["total"], time.perf_counter() - t0))
    plan = g.meta.get("memory_plan")
    mem = None
    if plan is not None:
        try:
            mem = (int(plan.peak_bytes(env)), int(plan.total_bytes(env)))
        except Exception:  # noqa: BLE001 - symbolic sizes the env does not bind
            mem = None
    return steps, mem, ""


def _env(graph, args):
    """Symbol -> size of the benchmark inputs, from the graph's input types."""
    env = {}
    flat = [a for a in args if isinstance(a, gt.Tensor)]
    for v, x in zip(graph.inputs, flat):
        for e, d in zip(getattr(v.type, "shape", ()) or (), x.shape):
            if not isinstance(e, int):
                env[str(e)] = int(d)
    return env


def bench(name):
    m = build(name, gt).eval()
    args = example(name, gt, BATCH, SEQ)
    t, trace_s = _trace(m, args)
    with gt.no_grad():
        eager = best_time(lambda: m(*args), min_time=0.3, repeat=5)
        traced = best_time(lambda: t(*args), min_time=0.3, repeat=5)
    env = _env(t.graph, args)
    frozen = _frozen_graph(t)
    _pipeline(t.graph, env)  # warm-up: the pass modules are imported on first use
    passes = [_pipeline(t.graph, env)]
    if frozen is not None:  # weights as constants: what folding and bn_fold can do
        passes.append(_pipeline(frozen, env))
    return name, trace_s, eager, traced, passes


def _frozen_graph(t):
    """The traced graph with parameters and buffers as constants, before any pass."""
    try:
        from graphtorch.jit._freeze import _frozen
        return _frozen(t, set(), [])._forward_trace().graph
    except Exception:  # noqa: BLE001 - freezing unavailable: only the plain row
        return None


def main(names):
    print(f"graphtorch jit.trace, batch {BATCH}, seq {SEQ}, {THREADS} thread(s), eval, no_grad")
    head = f"{'model':<12}{'trace':>12}{'eager/call':>13}{'traced/call':>13}{'ratio':>8}"
    print(head)
    print("-" * len(head))
    rows = []
    for name in names:
        n, tr, e, t, passes = bench(name)
        rows += [(n + (" frozen" if k else ""),) + p for k, p in enumerate(passes)]
        print(f"{n:<12}{fmt(tr):>12}{fmt(e):>13}{fmt(t):>13}{t / e:>7.2f}x")
    _pass_table(rows)


def _pass_table(rows):
    """Node count (whole graph, nested blocks included) after each pass, then the memory
    plan's peak (with buffer reuse) next to the bytes one buffer per value would take; a
    "frozen" row runs the pipeline on the graph with the weights as constants."""
    from graphtorch.ir.passes import pass_names
    cols = ["traced"] + pass_names()
    short = {"constant_fold": "cfold", "shape_prop": "shape", "decompose": "decomp",
             "memory_plan": "mplan", "simplify": "simpl"}
    print("\nnode count after each pass of PIPELINE (sizes of the benchmark inputs)")
    head = f"{'model':<19}" + "".join(f"{short.get(c, c):>8}" for c in cols) + \
        f"{'peak KiB':>10}{'no-reuse':>10}  note"
    print(head)
    print("-" * len(head))
    for name, steps, mem, note in rows:
        counts = {s[0]: s[1] for s in steps}
        cells = "".join(f"{counts.get(c, '-'):>8}" for c in cols)
        kib = f"{mem[0] / 1024:>10.1f}{mem[1] / 1024:>10.1f}" if mem else f"{'-':>10}{'-':>10}"
        print(f"{name:<19}{cells}{kib}  {note}")
    print("\ntime per pass (ms)")
    print(f"{'model':<19}" + "".join(f"{short.get(c, c):>8}" for c in cols[1:]))
    for name, steps, _, _ in rows:
        print(f"{name:<19}" + "".join(f"{s[2] * 1e3:>8.2f}" for s in steps[1:]))


if __name__ == "__main__":
    main(sys.argv[1:] or list(ZOO))
