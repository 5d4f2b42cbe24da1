"""Optimizers on sparse gradients (Embedding(sparse=True)), against numpy references:
SGD (with and without momentum), Adagrad and SparseAdam update only the looked-up rows;
the other optimizers refuse sparse gradients with torch's RuntimeError."""
import math

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close

W0 = (np.arange(12, dtype=np.float64).reshape(6, 2) - 5.5) / 3
BATCHES = [[1, 3, 1], [0, 5, 5], [3]]


def _grad_rows(w, idx):
    """d/dw of sum(w[idx] ** 2): rows listed once per lookup (duplicates summed)."""
    g = np.zeros_like(w)
    for i in idx:
        g[i] += 2 * w[i]
    return g


def _run(name, **kw):
    m = gt.nn.Embedding(6, 2, sparse=True, _weight=gt.tensor(W0))
    opt = getattr(gt.optim, name)(list(m.parameters()), **kw)
    for b in BATCHES:
        opt.zero_grad()
        (m(gt.tensor(b)) ** 2).sum().backward()
        assert m.weight.grad.is_sparse
        opt.step()
    return m.weight.detach().numpy()


def test_sgd_plain_and_momentum():
    w = W0.copy()
    for b in BATCHES:
        w = w - 0.1 * _grad_rows(w, b)
    assert_close(_run("SGD", lr=0.1), w, rtol=1e-12)
    w, buf = W0.copy(), None
    for b in BATCHES:
        g = _grad_rows(w, b)
        buf = g if buf is None else 0.9 * buf + g
        w = w - 0.1 * buf
    assert_close(_run("SGD", lr=0.1, momentum=0.9), w, rtol=1e-12)


def test_adagrad_touches_only_present_rows():
    w, acc = W0.copy(), np.zeros_like(W0)
    for step, b in enumerate(BATCHES, 1):
        g = _grad_rows(w, b)
        rows = sorted(set(b))
        acc[rows] += g[rows] ** 2
        clr = 0.1 / (1 + (step - 1) * 0.01)
        w[rows] -= clr * g[rows] / (np.sqrt(acc[rows]) + 1e-10)
    assert_close(_run("Adagrad", lr=0.1, lr_decay=0.01), w, rtol=1e-12)


def test_sparse_adam_masked_moments():
    w, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    b1, b2, lr, eps = 0.9, 0.999, 0.05, 1e-8
    for step, b in enumerate(BATCHES, 1):
        g = _grad_rows(w, b)
        rows = sorted(set(b))
        m[rows] = b1 * m[rows] + (1 - b1) * g[rows]
        v[rows] = b2 * v[rows] + (1 - b2) * g[rows] ** 2
        size = lr * math.sqrt(1 - b2 ** step) / (1 - b1 ** step)
        w[rows] -= size * m[rows] / (np.sqrt(v[rows]) + eps)
    assert_close(_run("SparseAdam", lr=lr), w, rtol=1e-10)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adadelta", "Adamax", "NAdam",
                                  "RAdam", "ASGD", "Rprop"])
def test_dense_only_optimizers_refuse_sparse_grads(name):
    with pytest.raises(RuntimeError, match="does not support sparse gradients"):
        _run(name)


def test_zero_grad_keeps_an_empty_sparse_grad():
    m = gt.nn.Embedding(6, 2, sparse=True, _weight=gt.tensor(W0))
    m(gt.tensor([1, 2])).sum().backward()
    m.zero_grad(set_to_none=False)
    g = m.weight.grad
    assert g.is_sparse and g._nnz() == 0 and g.is_coalesced()
    m(gt.tensor([2])).sum().backward()
    assert_close(m.weight.grad.to_dense(), _grad_rows(np.full_like(W0, 0.5), [2]))
