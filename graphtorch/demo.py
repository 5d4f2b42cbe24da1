"""The demo: ordinary PyTorch code run by graphtorch, end to end.

1. trains a small classifier eagerly (nn, optim, autograd) and prints the loss falling;
2. traces it (``torch.jit.trace``), compiles it to native code (``torch.compile``, LLVM),
   scripts a function with data-dependent control flow (``torch.jit.script``), exports it to
   ONNX and saves/loads it (``torch.jit.save``), checking that every path gives eager's numbers
   and timing eager against compiled.

Run with ``python -m graphtorch.demo``; only the import differs from PyTorch code."""
from __future__ import annotations

import os
import tempfile
import time

import graphtorch as torch
from graphtorch import nn


def make_data(n=512, d=8, classes=3, seed=0):
    """Points from three Gaussian blobs; the label is the blob."""
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(classes, d, generator=g) * 2.0
    labels = torch.randint(0, classes, (n,), generator=g)
    x = centers[labels] + torch.randn(n, d, generator=g)
    return x, labels


def train(model, x, y, steps: int = 200, lr: float = 0.1) -> list:
    """Full-batch training with SGD + momentum; prints loss and accuracy every 20 steps."""
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for step in range(steps):
        opt.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % 20 == 0 or step == steps - 1:
            acc = (logits.argmax(dim=1) == y).float().mean().item()
            print(f"step {step:4d}  loss {loss.item():.4f}  accuracy {acc:.3f}")
    return losses


def sharpen(logits, threshold: float):
    """Halve the temperature until the top probability passes ``threshold`` (a data-dependent
    while loop, kept as a Loop node by the script compiler)."""
    t = 1.0
    p = torch.softmax(logits, dim=-1)
    while p.max(dim=-1).values.min() < threshold and t > 1e-3:
        t = t * 0.5
        p = torch.softmax(logits / t, dim=-1)
    return p


def _best(fn, reps=200):
    fn()
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def _diff(a, b) -> float:
    return float((a - b).abs().max())


def compile_and_export(model, x) -> dict:
    """Trace, compile, script, export and reload ``model``; returns the max differences."""
    model.eval()
    diffs = {}
    with torch.no_grad():
        ref = model(x)
        traced = torch.jit.trace(model, x[:4])          # any batch size runs on one trace
        diffs["jit.trace"] = _diff(traced(x), ref)
        compiled = torch.compile(model)                   # native code through LLVM
        diffs["torch.compile (llvm)"] = _diff(compiled(x), ref)
        scripted = torch.jit.script(sharpen)
        diffs["jit.script (while loop)"] = _diff(scripted(ref, 0.99), sharpen(ref, 0.99))
        one = x[:1]
        eager_t, native_t = _best(lambda: model(one)), _best(lambda: compiled(one))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.pt")
        torch.jit.save(traced, path)
        loaded = torch.jit.load(path)                     # runs without the model's source
        with torch.no_grad():
            diffs["jit.save -> jit.load"] = _diff(loaded(x), ref)
        onnx_path = os.path.join(tmp, "model.onnx")
        torch.onnx.export(model, (x[:4],), onnx_path, input_names=["x"],
                          dynamic_axes={"x": {0: "batch"}})
        imported = torch.onnx.load_model(onnx_path)       # back into graphtorch, trainable
        with torch.no_grad():
            diffs["onnx export -> import"] = _diff(imported(x), ref)
        print(f"\nONNX file: {os.path.getsize(onnx_path)} bytes, batch axis dynamic")
    print("\nmax |difference| from eager:")
    for k, v in diffs.items():
        print(f"  {k:26s} {v:.2e}")
    print(f"\nbatch-1 forward: eager {eager_t * 1e6:.1f} us, torch.compile {native_t * 1e6:.1f} us "
          f"({eager_t / native_t:.1f}x)")
    return diffs


def main(steps: int = 200) -> list:
    torch.manual_seed(0)
    x, y = make_data()
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
    losses = train(model, x, y, steps)
    compile_and_export(model, x)
    return losses


if __name__ == "__main__":
    main()
