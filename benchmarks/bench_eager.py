"""Eager benchmarks (issue: eager core): graphtorch next to PyTorch and numpy in one process.

Targets: dispatch (add of two 1-element tensors) <= 3x torch eager, with and without
requires_grad; large elementwise and matmul <= 1.1x numpy; MLP training step (784-512-512-10,
batch 64, forward + backward + SGD) <= 1.5x torch eager.  Run: ``python benchmarks/bench_eager.py``
(PyTorch is optional; without it the torch columns are missing)."""
from __future__ import annotations

import os
import sys

THREADS = os.environ.get("BENCH_THREADS", "1")
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, THREADS)  # same thread count for every framework

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from harness import best_time, table  # noqa: E402

import graphtorch as gt  # noqa: E402

try:
    import torch
    torch.set_num_threads(int(THREADS))
except ImportError:  # pragma: no cover
    torch = None


def dispatch_rows():
    rows = []
    a, b = gt.ones(1), gt.ones(1)
    na, nb = np.ones(1, np.float32), np.ones(1, np.float32)
    t = {"graphtorch": best_time(lambda: a + b), "numpy": best_time(lambda: na + nb)}
    ag = gt.ones(1, requires_grad=True)
    tg = {"graphtorch": best_time(lambda: ag + b)}
    if torch is not None:
        ta, tb = torch.ones(1), torch.ones(1)
        t["torch"] = best_time(lambda: ta + tb)
        tag = torch.ones(1, requires_grad=True)
        tg["torch"] = best_time(lambda: tag + tb)
    rows.append(("dispatch: add 1-elem", t))
    rows.append(("dispatch: add 1-elem, requires_grad", tg))
    return rows


def elementwise_rows(n=1 << 22):
    x = np.random.rand(n).astype(np.float32)
    y = np.random.rand(n).astype(np.float32)
    gx, gy = gt.from_numpy(x), gt.from_numpy(y)
    rows = []
    for name, f_gt, f_np in [("add", lambda: gx + gy, lambda: x + y),
                             ("mul", lambda: gx * gy, lambda: x * y),
                             ("exp", lambda: gx.exp(), lambda: np.exp(x))]:
        t = {"graphtorch": best_time(f_gt), "numpy": best_time(f_np)}
        if torch is not None:
            tx, ty = torch.from_numpy(x), torch.from_numpy(y)
            f_t = {"add": lambda: tx + ty, "mul": lambda: tx * ty, "exp": lambda: tx.exp()}[name]
            t["torch"] = best_time(f_t)
        rows.append((f"elementwise {name} 4M f32", t))
    return rows


def matmul_rows(n=512):
    a = np.random.rand(n, n).astype(np.float32)
    b = np.random.rand(n, n).astype(np.float32)
    ga, gb = gt.from_numpy(a), gt.from_numpy(b)
    t = {"graphtorch": best_time(lambda: ga @ gb), "numpy": best_time(lambda: a @ b)}
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        t["torch"] = best_time(lambda: ta @ tb)
    return [(f"matmul {n}x{n} f32", t)]


def _mlp_step(lib, params, x, y, lr=0.01):
    w1, b1, w2, b2, w3, b3 = params
    h = lib.relu(x @ w1 + b1)
    h = lib.relu(h @ w2 + b2)
    out = h @ w3 + b3
    loss = ((out - y) ** 2).mean()
    loss.backward()
    with lib.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


def mlp_rows(batch=64):
    rng = np.random.RandomState(0)
    shapes = [(784, 512), (512,), (512, 512), (512,), (512, 10), (10,)]
    init = [rng.standard_normal(s).astype(np.float32) * 0.05 for s in shapes]
    xs = rng.standard_normal((batch, 784)).astype(np.float32)
    ys = rng.standard_normal((batch, 10)).astype(np.float32)
    gp = [gt.tensor(v).requires_grad_() for v in init]
    gx, gy = gt.tensor(xs), gt.tensor(ys)
    t = {"graphtorch": best_time(lambda: _mlp_step(gt, gp, gx, gy), min_time=0.5)}
    if torch is not None:
        tp = [torch.tensor(v).requires_grad_() for v in init]
        tx, ty = torch.tensor(xs), torch.tensor(ys)
        t["torch"] = best_time(lambda: _mlp_step(torch, tp, tx, ty), min_time=0.5)
    return [(f"MLP 784-512-512-10 step, batch {batch}", t)]


def main():
    rows = dispatch_rows() + elementwise_rows() + matmul_rows() + mlp_rows()
    table(rows, ["torch", "numpy"])


if __name__ == "__main__":
    main()
