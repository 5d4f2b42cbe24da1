"""torch.jit.script benchmarks (issue #8): the time to script (convert + record the first
call) each model of the control-flow corpus, and the per-call time of the scripted graph in
the interpreter next to eager graphtorch (ratio scripted/eager; target <= 1.5x for loops).
No grad.  Run: python benchmarks/bench_script.py"""
from __future__ import annotations

import os
import sys
import time

THREADS = os.environ.get("BENCH_THREADS", "1")
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, THREADS)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, ROOT)
from harness import best_time, fmt  # noqa: E402

import graphtorch as gt  # noqa: E402
from graphtorch.jit.script import script  # noqa: E402
from tests.jit.script.test_corpus import Decoder, TimeLoop, early_exit, tree  # noqa: E402


def clipped(x):
    while x.abs().max() > 1:
        x = x * 0.5
    return x


def running(x):
    acc = gt.zeros(x.size(1))
    for i in range(x.size(0)):
        acc = acc * 0.9 + x[i]
    return acc


def rnn_outputs(x, w):
    outs = []
    h = gt.zeros(x.size(1))
    for t in range(x.size(0)):
        h = gt.tanh(x[t] + h @ w)
        outs.append(h)
    return gt.stack(outs)


def _corpus():
    gt.manual_seed(0)
    return [
        ("rnn time loop (T=32)", TimeLoop(), (gt.randn(32, 4, 4),)),
        ("running sum loop (T=64)", running, (gt.randn(64, 16),)),
        ("rnn outputs list (T=64)", rnn_outputs, (gt.randn(64, 16), gt.randn(16, 16))),
        ("while on data", clipped, (gt.randn(16) * 1000,)),
        ("early exit", early_exit, (gt.randn(24, 4), 5.0)),
        ("greedy decoding", Decoder(), (gt.randn(1, 8) * 3,)),
        ("tree of calls", tree, (gt.randn(8),)),
    ]


def main():
    rows = []
    with gt.no_grad():
        for name, obj, args in _corpus():
            if isinstance(obj, gt.nn.Module):
                obj.eval()
            t0 = time.perf_counter()
            sf = script(obj)
            sf(*args)
            t_script = time.perf_counter() - t0
            eager = best_time(lambda: obj(*args), min_time=0.3)
            comp = best_time(lambda: sf(*args), min_time=0.3)
            nodes = sum(1 for _ in sf.graph.walk())
            rows.append((name, t_script, eager, comp, nodes))
    print(f"{'model':26} {'script':>9} {'eager':>9} {'scripted':>9} {'ratio':>6} {'nodes':>6}")
    for name, ts, e, c, n in rows:
        print(f"{name:26} {fmt(ts):>9} {fmt(e):>9} {fmt(c):>9} {c / e:>5.2f}x {n:>6}")


if __name__ == "__main__":
    main()
