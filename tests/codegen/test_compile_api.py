"""torch.compile's behaviour: backends, recompilation per signature, guard failures that
recapture, fullgraph, decorator form, and gradients through the interpreter path."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as torch


def _close(a, b):
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["llvm", "interpreter", "eager"])
def test_backends_agree(backend):
    def f(x, y):
        return torch.tanh(x @ y) + x.sum(-1, keepdim=True)
    c = torch.compile(f, backend=backend)
    for n in (3, 6):
        x, y = torch.randn(n, 4), torch.randn(4, 4)
        with torch.no_grad():
            _close(c(x, y), f(x, y))


def test_new_dtype_recompiles():
    c = torch.compile(lambda x: x * 2 + 1)
    with torch.no_grad():
        a = c(torch.arange(5, dtype=torch.float32))
        b = c(torch.arange(5, dtype=torch.float64))
        i = c(torch.arange(5))
    assert a.dtype == torch.float32 and b.dtype == torch.float64 and i.dtype == torch.int64
    np.testing.assert_array_equal(i.numpy(), np.arange(5) * 2 + 1)
    assert len(c._gt_cache.entries) == 3


def test_data_guard_failure_recaptures():
    def f(x):
        if x.sum() > 0:  # a data-dependent branch: a guard in the trace
            return x + 1
        return x - 1
    c = torch.compile(f)
    pos, neg = torch.ones(3), -torch.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            _close(c(pos), f(pos))
            _close(c(neg), f(neg))  # the guard fails: captured again, right answer
            _close(c(pos), f(pos))


def test_fullgraph_rejects_data_dependent_python():
    def f(x):
        return x + 1 if x.sum() > 0 else x - 1
    c = torch.compile(f, fullgraph=True)
    with pytest.raises(RuntimeError, match="fullgraph"):
        with torch.no_grad():
            c(torch.ones(2))


def test_capture_failure_falls_back_to_eager_once():
    def f(x):
        if torch.jit.is_tracing():
            raise ValueError("not capturable")
        return x * 3
    c = torch.compile(f)
    with pytest.warns(UserWarning, match="runs eagerly"):
        out = c(torch.ones(2))
    np.testing.assert_array_equal(out.numpy(), [3.0, 3.0])
    with pytest.raises(RuntimeError, match="fullgraph"):
        torch.compile(f, fullgraph=True)(torch.ones(2))


def test_decorator_and_module_attributes():
    @torch.compile(backend="llvm")
    def g(x):
        return torch.relu(x)
    x = torch.randn(7)
    with torch.no_grad():
        _close(g(x), torch.relu(x))
    m = torch.nn.Linear(3, 2)
    cm = torch.compile(m)
    assert cm._orig_mod is m and cm.weight is m.weight
    assert set(cm.state_dict()) == set(m.state_dict())


def test_training_through_compiled_module_matches_eager():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    ref.load_state_dict(m.state_dict())
    cm = torch.compile(m)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    for model in (cm, ref):
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    for a, b in zip(m.parameters(), ref.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    with torch.no_grad():  # inference after training sees the new weights natively
        _close(cm(x), ref(x))


def test_unknown_backend():
    with pytest.raises(ValueError, match="unknown backend"):
        torch.compile(lambda x: x, backend="nope")
