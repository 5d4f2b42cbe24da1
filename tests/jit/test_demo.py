"""The demo (`python -m graphtorch.demo`) trains, and every compiled path agrees with eager."""
from __future__ import annotations

import graphtorch as torch
from graphtorch import demo


def test_demo_trains_and_every_path_matches_eager(capsys):
    torch.manual_seed(0)
    x, y = demo.make_data(n=128)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    losses = demo.train(model, x, y, steps=30)
    assert losses[-1] < 0.5 * losses[0]
    diffs = demo.compile_and_export(model, x)
    assert set(diffs) == {"jit.trace", "torch.compile (llvm)", "jit.script (while loop)",
                          "jit.save -> jit.load", "onnx export -> import"}
    assert max(diffs.values()) < 1e-5, diffs
    assert "batch-1 forward" in capsys.readouterr().out
