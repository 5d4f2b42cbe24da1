"""Every zoo model traced: equal to eager at the trace shape and at other batch / sequence
sizes (eval), BatchNorm models in train mode over three calls (running stats equal to an eager
copy's), gradients of inputs and parameters, and an optimizer step on the original seen by the
traced module."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import graphtorch as torch

from jit.zoo import BN_MODELS, ZOO, build, example

SIZES = [(4, 5), (2, 3), (7, 8)]   # (batch, seq): the first is the trace shape
OTHER_BATCH = (2, 5)                # another batch at the trace sequence length


def _trace(m, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return torch.jit.trace(m, args)


def _leaves(out):
    return list(out) if isinstance(out, tuple) else [out]


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", list(ZOO))
def test_eval_matches_eager_at_other_sizes(name):
    m = build(name, torch).eval()
    t = _trace(m, example(name, torch, *SIZES[0]))
    for b, s in SIZES:
        x = example(name, torch, b, s)
        for got, want in zip(_leaves(t(*x)), _leaves(m(*x))):
            assert got.shape == want.shape
            _close(got, want)


@pytest.mark.parametrize("name", BN_MODELS)
def test_train_mode_running_stats_over_three_calls(name):
    m = build(name, torch).train()
    if name == "mnist":
        m.drop.p = 0.0
    ref = copy.deepcopy(m)
    x0 = example(name, torch, *SIZES[0])
    t = _trace(m, x0)
    ref(*x0)  # tracing ran forward once on the original
    for b, s in SIZES:
        x = example(name, torch, b, s)
        _close(t(*x), ref(*x), 1e-4)
        for (n, a), (_, e) in zip(m.named_buffers(), ref.named_buffers()):
            _close(a, e, 1e-5)


@pytest.mark.parametrize("name", list(ZOO))
def test_gradients_match_eager(name):
    m = build(name, torch).eval()
    if name in BN_MODELS:
        m.train()
        if name == "mnist":
            m.drop.p = 0.0
    ref = copy.deepcopy(m)
    t = _trace(m, example(name, torch, *SIZES[0]))
    if name in BN_MODELS:  # undo the running-stat updates of tracing and checking
        m.load_state_dict(ref.state_dict())
    x = example(name, torch, *OTHER_BATCH)[0].requires_grad_()
    x2 = x.detach().clone().requires_grad_()
    sum(o.pow(2).sum() for o in _leaves(t(x))).backward()
    sum(o.pow(2).sum() for o in _leaves(ref(x2))).backward()
    _close(x.grad, x2.grad, 1e-4)
    for (n, p), (_, q) in zip(m.named_parameters(), ref.named_parameters()):
        assert p.grad is not None, n
        _close(p.grad, q.grad, 1e-4)


@pytest.mark.parametrize("name", list(ZOO))
def test_optimizer_step_on_original_changes_traced(name):
    m = build(name, torch).eval()
    t = _trace(m, example(name, torch, *SIZES[0]))
    assert [n for n, _ in t.named_parameters()] == [n for n, _ in m.named_parameters()]
    x = example(name, torch, *OTHER_BATCH)
    before = [o.detach().clone() for o in _leaves(t(*x))]
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    opt.zero_grad()
    sum(o.sum() for o in _leaves(m(*x))).backward()
    opt.step()
    after = _leaves(t(*x))
    for a, b, e in zip(after, before, _leaves(m(*x))):
        _close(a, e)
    assert any(not np.allclose(a.detach().numpy(), b.numpy()) for a, b in zip(after, before))


def test_traced_module_trains():
    m = build("mlp", torch).eval()
    t = _trace(m, example("mlp", torch, 4))
    opt = torch.optim.SGD(t.parameters(), lr=0.05)
    x = example("mlp", torch, 8)[0]
    y = torch.arange(8) % 10
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(t(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_dropout_model_train_mode_drops_per_call():
    m = build("mnist", torch).train()
    m.drop.p = 0.5
    t = _trace(m, example("mnist", torch, 4))
    x = example("mnist", torch, 3)
    a, b = t(*x), t(*x)
    assert a.shape == (3, 10)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # fresh mask per call
