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


def median_time(fn, min_time=0.1, repeat=7) -> float:
    """Seconds per call: the median of ``repeat`` rounds of ``n`` calls, ``n`` chosen so a
    round lasts about ``min_time / repeat`` (one call per round for slow functions)."""
    import statistics
    fn()
    target = min_time / repeat
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= target or n >= 1_000_000:
            break
        # jump close to the target instead of doubling from 1 (cheap calls)
        n = min(1_000_000, max(2 * n, int(n * target / max(dt, 1e-9) * 1.2)))
    rounds = [dt / n]
    for _ in range(repeat - 1):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - t0) / n)
    return statistics.median(rounds)


def markdown(header, rows) -> str:
    """A markdown table: ``header`` a list of column names, ``rows`` lists of cell strings."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    return "\n".join([line, sep, *body])
