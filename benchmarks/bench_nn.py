"""torch.nn benchmarks (issue: nn): forward + backward at batch 32, graphtorch next to torch
eager in one process, same thread count.  Targets: LeNet <= 2x, ResNet basic block (64 ch,
56x56) <= 2.5x, 2-layer LSTM (hidden 256, seq 32) <= 2x.  Run: python benchmarks/bench_nn.py"""
from __future__ import annotations

import os
import sys

THREADS = os.environ.get("BENCH_THREADS", "1")
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, THREADS)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from harness import best_time, table  # noqa: E402

import graphtorch as gt  # noqa: E402

try:
    import torch
    torch.set_num_threads(int(THREADS))
except ImportError:  # pragma: no cover
    torch = None


def lenet(lib):
    nn = lib.nn

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
            self.f1, self.f2, self.f3 = nn.Linear(256, 120), nn.Linear(120, 84), nn.Linear(84, 10)

        def forward(self, x):
            x = lib.nn.functional.max_pool2d(lib.relu(self.c1(x)), 2)
            x = lib.nn.functional.max_pool2d(lib.relu(self.c2(x)), 2)
            x = x.flatten(1)
            return self.f3(lib.relu(self.f2(lib.relu(self.f1(x)))))
    return LeNet(), (32, 1, 28, 28)


def resblock(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, c=64):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c)

        def forward(self, x):
            out = lib.relu(self.bn1(self.conv1(x)))
            return lib.relu(self.bn2(self.conv2(out)) + x)
    return Block(), (32, 64, 56, 56)


def lstm(lib):
    return lib.nn.LSTM(256, 256, num_layers=2), (32, 32, 256)


def _step(lib, model, x):
    out = model(x)
    out = out[0] if isinstance(out, tuple) else out
    out.sum().backward()


def main():
    rows = []
    for name, build in (("LeNet fwd+bwd, batch 32", lenet),
                        ("ResNet basic block fwd+bwd, batch 32", resblock),
                        ("LSTM 2x256, seq 32, batch 32 fwd+bwd", lstm)):
        times = {}
        for label, lib in (("graphtorch", gt), ("torch", torch)):
            if lib is None:
                continue
            model, shape = build(lib)
            x = lib.tensor(np.random.RandomState(0).standard_normal(shape).astype(np.float32))
            times[label] = best_time(lambda: _step(lib, model, x), min_time=1.0, repeat=3)
        rows.append((name, times))
    table(rows, ["torch"])


if __name__ == "__main__":
    main()
