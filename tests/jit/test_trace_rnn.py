"""Traced recurrent layers: the time loop is one ``Loop`` node per layer and direction whose
outputs include a scan (the stacked hidden states), so a trace runs at any sequence length and
batch, with results and gradients equal to eager; the internal ``_scan`` helper itself, eager and
traced."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.jit._control_flow import _scan

CONFIGS = [
    ("RNN", dict(nonlinearity="tanh")),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(num_layers=2, batch_first=True)),
    ("LSTM", dict(bidirectional=True, proj_size=3)),
]


def _data(*shape, seed=0):
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def _trace(m, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.trace(m, args)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [y for x in out for y in _flat(x)]
    return [out]


def _input(m, batch, seq):
    return _data(batch, seq, 4) if m.batch_first else _data(seq, batch, 4)


@pytest.mark.parametrize("kind,kw", CONFIGS, ids=lambda c: str(c))
def test_traced_rnn_equals_eager_at_other_lengths(kind, kw):
    torch.manual_seed(0)
    m = getattr(torch.nn, kind)(4, 5, **kw).eval()
    t = _trace(m, (_input(m, 3, 5),))
    loops = [n for n in t.graph.walk() if n.kind == "Loop"]
    dirs = 2 if m.bidirectional else 1
    assert len(loops) == m.num_layers * dirs
    for n in loops:  # one select and the cell per step; nothing rewrites a whole buffer
        assert n.attrs["n_scan"] == 1
        kinds = {x.kind for x in n.blocks[0].nodes}
        assert "select" in kinds and not kinds & {"index_copy", "index_select", "stack"}
    for batch, seq in ((3, 5), (2, 1), (4, 9)):
        x = _input(m, batch, seq)
        got, want = _flat(t(x)), _flat(m(x))
        for a, b in zip(got, want):
            assert a.shape == b.shape
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_unbatched_input_and_initial_state():
    torch.manual_seed(1)
    m = torch.nn.GRU(4, 5, bidirectional=True).eval()
    h0 = _data(2, 5, seed=3)
    t = _trace(m, (_data(6, 4), h0))
    for seq in (6, 2):
        x = _data(seq, 4, seed=seq)
        for a, b in zip(_flat(t(x, h0)), _flat(m(x, h0))):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_gradients_through_scan_equal_eager():
    torch.manual_seed(2)
    m = torch.nn.LSTM(4, 5, bidirectional=True, num_layers=2)
    t = _trace(m, (_data(5, 2, 4),))
    x1 = _data(7, 3, 4, seed=1).requires_grad_()
    x2 = x1.detach().clone().requires_grad_()
    out1, (h1, c1) = t(x1)
    (out1.pow(2).sum() + h1.sum() + c1.sum()).backward()
    grads1 = [p.grad.clone() for p in m.parameters()]
    m.zero_grad()
    out2, (h2, c2) = m(x2)
    (out2.pow(2).sum() + h2.sum() + c2.sum()).backward()
    np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-5, atol=1e-6)
    for a, p in zip(grads1, m.parameters()):
        np.testing.assert_allclose(a.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-6)


def _cumulative(x, y, reverse):
    """carried s += x[t] * y[t]; scans s and x[t] - y[t]."""
    def body(xt, yt, s):
        s = s + xt * yt
        return (s,), (s, xt - yt)
    return _scan(body, (torch.zeros(3),), (x, y), reverse)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_helper_eager_and_traced(reverse):
    x, y = _data(4, 3, seed=1), _data(4, 3, seed=2)

    def f(x, y):
        (s,), (run, diff) = _cumulative(x, y, reverse)
        return s, run, diff

    xs, ys = x.numpy(), y.numpy()
    prod = xs * ys
    run = np.cumsum(prod[::-1], 0)[::-1] if reverse else np.cumsum(prod, 0)
    s, r, d = f(x, y)
    np.testing.assert_allclose(s.numpy(), prod.sum(0), rtol=1e-6)
    np.testing.assert_allclose(r.numpy(), run, rtol=1e-6)  # time order either way
    np.testing.assert_array_equal(d.numpy(), xs - ys)
    t = _trace(f, (x, y))
    assert [n.attrs.get("n_scan") for n in t.graph.walk() if n.kind == "Loop"] == [2]
    x2, y2 = _data(7, 3, seed=4), _data(7, 3, seed=5)
    for a, b in zip(t(x2, y2), f(x2, y2)):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
