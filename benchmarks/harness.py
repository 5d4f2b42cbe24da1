"""A tiny timing harness: best-of-N wall time of callables measured side by side in one process."""
from __future__ import annotations

import time


def best_time(fn, min_time=0.2, repeat=5) -> float:
    """Seconds per call: the best of ``repeat`` rounds, each running ``fn`` for >= min_time."""
    fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / repeat or n > 1e6:
            break
        n *= 4
    best = dt / n
    for _ in range(repeat - 1):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def fmt(sec: float) -> str:
    if sec < 1e-3:
        return f"{sec * 1e6:8.2f} us"
    return f"{sec * 1e3:8.3f} ms"


def table(rows, baseline_cols):
    """rows: list of (workload, {framework: seconds}); prints times and ratios to baselines."""
    for name, times in rows:
        parts = [f"{k} {fmt(v)}" for k, v in times.items()]
        ratios = []
        gt = times.get("graphtorch")
        for b in baseline_cols:
            if gt is not None and b in times:
                ratios.append(f"{gt / times[b]:.2f}x {b}")
        print(f"{name:38s} " + " | ".join(parts) + ("   => " + ", ".join(ratios) if ratios
                                                         else ""))
