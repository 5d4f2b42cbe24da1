"""DataLoader throughput, graphtorch vs PyTorch, in one run.

Workloads: (a) a TensorDataset of 50k x 32 floats, batch 64 (the gather fast path);
(b) a Python map-style dataset whose items are numpy arrays (per-sample collate); each with
num_workers 0 and 2. Prints seconds per epoch, batches/s and the graphtorch/torch time ratio.

Run: /work/venv/bin/python benchmarks/bench_dataloader.py [--quick]"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import graphtorch  # noqa: E402
import graphtorch.utils.data as gdata  # noqa: E402

try:
    import torch
    import torch.utils.data as tdata
except ImportError:  # the graphtorch numbers alone
    torch = tdata = None

N, D, BATCH = 50_000, 32, 64


class NumpyItems:
    """A map-style dataset built the way users write them: __getitem__ returns arrays."""

    def __init__(self, n, d):
        self.x = np.random.default_rng(0).standard_normal((n, d)).astype(np.float32)
        self.y = np.arange(n) % 10

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def _make_loader(fw, workload, workers, n):
    x = np.random.default_rng(0).standard_normal((n, D)).astype(np.float32)
    y = (np.arange(n) % 10).astype(np.int64)
    mod, data = (graphtorch, gdata) if fw == "graphtorch" else (torch, tdata)
    if workload == "tensor":
        ds = data.TensorDataset(mod.from_numpy(x), mod.from_numpy(y))
    else:
        base = NumpyItems(n, D)
        ds = type("Items", (data.Dataset,), {"__len__": lambda s: len(base),
                                             "__getitem__": lambda s, i: base[i]})()
    kw = {"persistent_workers": True} if workers else {}
    return data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=workers, **kw)


def epoch_time(loader, repeat=3):
    """Best wall time of a full pass (the first pass, which starts the workers, is a warmup)."""
    for _ in loader:
        pass
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in loader:
            pass
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    quick = "--quick" in sys.argv
    n = N // 5 if quick else N
    rows = []
    for workload in ("tensor", "numpy-items"):
        for workers in (0, 2):
            times = {}
            for fw in ("graphtorch", "torch"):
                if fw == "torch" and torch is None:
                    continue
                loader = _make_loader(fw, workload, workers, n)
                times[fw] = epoch_time(loader)
                del loader
            rows.append((f"{workload} n={n} batch={BATCH} workers={workers}", times))
    nb = (n + BATCH - 1) // BATCH
    for name, times in rows:
        parts = [f"{fw} {t * 1e3:8.1f} ms/epoch ({nb / t:8.0f} batches/s)"
                 for fw, t in times.items()]
        ratio = (f"   => {times['graphtorch'] / times['torch']:.2f}x torch time"
                 if "torch" in times else "")
        print(f"{name:42s} " + " | ".join(parts) + ratio)


if __name__ == "__main__":
    main()
