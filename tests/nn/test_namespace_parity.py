"""Fixes found by the conformance suite: torch-namespace nn functions, cdist, contiguous()
layouts, alpha_dropout's affine form, CTC reduction grad_fn names."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402

R = np.random.RandomState(0)


def test_softmax_methods_and_functions():
    x = R.randn(3, 4)
    for name in ("softmax", "log_softmax"):
        a = getattr(torch, name)(torch.tensor(x), 1)
        b = getattr(gt, name)(gt.tensor(x), 1)
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-12)
        np.testing.assert_allclose(getattr(gt.tensor(x), name)(0).numpy(),
                                   getattr(torch.tensor(x), name)(0).numpy(), rtol=1e-12)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_cdist(p):
    a, b = R.randn(2, 5, 3), R.randn(2, 4, 3)
    res = []
    for lib in (torch, gt):
        x = lib.tensor(a, requires_grad=True)
        d = lib.cdist(x, lib.tensor(b), p=p)
        d.sum().backward()
        res.append((d.detach().numpy(), x.grad.numpy()))
    for u, v in zip(res[1], res[0]):
        np.testing.assert_allclose(u, v, rtol=1e-7)


def test_contiguous_and_clone_layouts():
    for lib in (torch, gt):
        y = lib.arange(12.).view(3, 4).t()
        assert y.contiguous().stride() == (3, 1)
        assert y.clone().stride() == (1, 4)
        assert y.clone(memory_format=lib.contiguous_format).stride() == (3, 1)


def test_alpha_dropout_affine_form():
    alpha, p = 1.7580993408473766, 0.2
    x = gt.tensor(R.randn(200, 50))
    out = gt.nn.functional.alpha_dropout(x, p, training=True).numpy()
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    kept = x.numpy() * a + alpha * a * p
    dropped = -alpha * a * (1 - p)
    ok = np.isclose(out, kept, atol=1e-6) | np.isclose(out, dropped, atol=1e-6)
    assert ok.all() and 0.1 < np.isclose(out, dropped).mean() < 0.3


def test_ctc_reduction_grad_fn_names_match_torch():
    lp = R.randn(6, 2, 5)
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    names = []
    for lib in (torch, gt):
        x = lib.tensor(lp, requires_grad=True)
        args = (lib.tensor([[1, 2, 2], [3, 1, 4]]), lib.tensor([6, 5]), lib.tensor([3, 2]))
        names.append([type(lib.nn.functional.ctc_loss(x, *args, reduction=r).grad_fn).__name__
                      for r in ("mean", "sum", "none")])
    assert names[1] == names[0]
