"""torch.jit.trace benchmarks (issue #6): per zoo model, the time to trace, the per-call time of
the traced module (graph interpreter) next to eager graphtorch (ratio traced/eager), node
counts before and after the pass pipeline, and the planned peak bytes of the memory plan.
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
    """(nodes before, nodes after, peak bytes) or Nones when the pipeline is missing/fails."""
    try:
        from graphtorch.ir.passes import count_nodes, run_pipeline
    except ImportError:
        return len(list(graph.walk())), None, None, "no pipeline"
    before = count_nodes(graph)["total"]
    try:
        g = run_pipeline(graph.copy(), env=env)
    except Exception as e:  # noqa: BLE001 - report the failing pass in the table
        return before, None, None, f"{type(e).__name__}: {str(e).splitlines()[0][:60]}"
    plan = getattr(g, "meta", {}).get("memory_plan")
    peak = None
    if plan is not None:
        try:
            peak = int(plan.peak_bytes(env))
        except Exception:  # noqa: BLE001 - symbolic sizes the env does not bind
            peak = None
    return before, count_nodes(g)["total"], peak, ""


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
        eager = best_time(lambda: m(*args), min_time=0.3, repeat=3)
        traced = best_time(lambda: t(*args), min_time=0.3, repeat=3)
    before, after, peak, note = _pipeline(t.graph, _env(t.graph, args))
    return name, trace_s, eager, traced, before, after, peak, note


def main(names):
    print(f"graphtorch jit.trace, batch {BATCH}, seq {SEQ}, {THREADS} thread(s), eval, no_grad")
    head = (f"{'model':<12}{'trace':>12}{'eager/call':>13}{'traced/call':>13}{'ratio':>8}"
            f"{'nodes':>7}{'->':>4}{'after':>6}{'peak KiB':>10}  note")
    print(head)
    print("-" * len(head))
    for name in names:
        n, tr, e, t, b, a, p, note = bench(name)
        print(f"{n:<12}{fmt(tr):>12}{fmt(e):>13}{fmt(t):>13}{t / e:>7.2f}x{b:>7}{'':>4}"
              f"{a if a is not None else '-':>6}"
              f"{(p / 1024) if p is not None else float('nan'):>10.1f}  {note}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(ZOO))
