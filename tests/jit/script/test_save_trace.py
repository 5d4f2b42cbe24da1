"""Scripted functions and modules save and load (also in a fresh process) with their If/Loop
nodes; scripted code called inside torch.jit.trace keeps its control flow; graphs that call
back into Python (torch.jit.ignore) refuse to be saved."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np
import pytest

import graphtorch as torch
import graphtorch.nn as nn
from graphtorch.jit.script import script

from .helpers import kinds, same

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, xs):
        h = torch.zeros(xs.size(1), 3)
        for t in range(xs.size(0)):
            h = torch.tanh(self.lin(xs[t]) + h)
            if h.sum() > 100:
                break
        return h if h.mean() > 0 else -h


def clipped(x):
    while x.abs().max() > 1:
        x = x * 0.5
    return x


def test_scripted_module_round_trip_in_memory():
    torch.manual_seed(0)
    m = Gated()
    sm = script(m)
    xs = torch.randn(4, 2, 3)
    ref = sm(xs)
    buf = io.BytesIO()
    torch.jit.save(sm, buf)
    buf.seek(0)
    ld = torch.jit.load(buf)
    assert {"Loop", "If"} <= set(kinds(ld.graph))
    for T in (4, 9, 2):
        x = torch.randn(T, 2, 3)
        same(m(x), ld(x))
    same(ref, ld(xs))


def test_scripted_function_round_trip_and_fresh_process(tmp_path):
    sf = script(clipped)
    x = torch.tensor([8.0, -3.0, 0.5])
    same(clipped(x), sf(x))
    path = tmp_path / "clipped.pt"
    sf.save(str(path))
    m = Gated()
    sm = script(m)
    xs = torch.randn(5, 2, 3)
    sm(xs)
    mpath = tmp_path / "gated.pt"
    torch.jit.save(sm, str(mpath))
    np.save(tmp_path / "xs.npy", xs.numpy())
    code = (
        "import numpy as np, graphtorch as torch\n"
        f"f = torch.jit.load({str(path)!r})\n"
        "y = f(torch.tensor([40.0, 1.0]))\n"
        "np.save('y.npy', y.numpy())\n"
        f"m = torch.jit.load({str(mpath)!r})\n"
        "xs = torch.from_numpy(np.load('xs.npy'))\n"
        "np.save('h.npy', m(xs).detach().numpy())\n"
        "np.save('h3.npy', m(xs[:3]).detach().numpy())\n"
        "print(type(m).__name__, sorted({n.kind for n in m.graph.walk()}))\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=str(tmp_path), env=env)
    assert res.returncode == 0, res.stderr
    assert "RecursiveScriptModule" in res.stdout and "'Loop'" in res.stdout
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"),
                               clipped(torch.tensor([40.0, 1.0])).numpy())
    np.testing.assert_allclose(np.load(tmp_path / "h.npy"), m(xs).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.load(tmp_path / "h3.npy"), m(xs[:3]).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_saving_before_compiling_says_what_to_do():
    sm = script(Gated())
    with pytest.raises(RuntimeError, match="not been compiled"):
        sm.save(io.BytesIO())


@torch.jit.ignore
def py_only(x):
    return x + 1


def calls_python(x):
    return py_only(x) * 2


def test_ignored_python_call_cannot_be_saved():
    sf = script(calls_python)
    same(calls_python(torch.ones(2)), sf(torch.ones(2)))
    with pytest.raises(RuntimeError, match="py_only"):
        sf.save(io.BytesIO())


scripted_clip = script(clipped)


def traced_user(x):
    return scripted_clip(x * 3) + 1


def test_script_inside_trace_keeps_control_flow():
    tr = torch.jit.trace(traced_user, (torch.ones(3),))
    assert "Loop" in kinds(tr.graph)
    for x in (torch.ones(3), torch.full((3,), 10.0), torch.zeros(3)):
        same(traced_user(x), tr(x))


class TracedOuter(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = script(Gated())
        self.lin = nn.Linear(3, 1)

    def forward(self, xs):
        return self.lin(self.inner(xs))


def test_scripted_submodule_inside_traced_module():
    torch.manual_seed(2)
    m = TracedOuter()
    tr = torch.jit.trace(m, (torch.randn(3, 2, 3),))
    assert "Loop" in kinds(tr.graph)
    for T in (3, 6):
        x = torch.randn(T, 2, 3)
        same(m(x), tr(x))


def test_script_if_tracing():
    @torch.jit.script_if_tracing
    def helper(x):
        return x * 2 if x.sum() > 0 else x

    def f(x):
        return helper(x) + 1
    tr = torch.jit.trace(f, (torch.ones(2),))
    assert "If" in kinds(tr.graph)
    for x in (-torch.ones(2), torch.ones(3)):
        same(f(x), tr(x))
