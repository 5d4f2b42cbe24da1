"""CTC loss: a brute-force reference over all alignments, torch parity (values and PyTorch's
gradient convention), gradcheck through log_softmax (where the formula is exact)."""
import itertools

import numpy as np
import pytest

import graphtorch as gt
import graphtorch.nn.functional as F


def _brute_force_nll(lp, target, blank=0):
    """-log sum over every alignment path that collapses to ``target``."""
    T, C = lp.shape
    total = -np.inf
    for path in itertools.product(range(C), repeat=T):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(target):
            total = np.logaddexp(total, sum(lp[t, c] for t, c in enumerate(path)))
    return -total


def _log_softmax(x):
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def test_ctc_matches_brute_force():
    rng = np.random.RandomState(0)
    lp = _log_softmax(rng.randn(5, 2, 4))
    targets = np.array([[1, 2], [3, 3]])
    out = F.ctc_loss(gt.tensor(lp), gt.tensor(targets), [5, 5], [2, 2], reduction="none")
    ref = [_brute_force_nll(lp[:, b], targets[b]) for b in range(2)]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10)


def test_ctc_gradcheck_through_log_softmax():
    rng = np.random.RandomState(1)
    x = gt.tensor(rng.randn(6, 2, 5), requires_grad=True)
    tg, il, tl = gt.tensor([[1, 2, 2], [3, 1, 4]]), gt.tensor([6, 5]), gt.tensor([3, 2])
    for red in ("mean", "sum", "none"):
        assert gt.autograd.gradcheck(
            lambda v: F.ctc_loss(F.log_softmax(v, 2), tg, il, tl, reduction=red), (x,))


def test_ctc_impossible_and_zero_infinity():
    lp = gt.tensor(_log_softmax(np.random.RandomState(2).randn(3, 1, 5)))
    assert F.ctc_loss(lp, gt.tensor([[1, 2, 3, 4]]), [3], [4], reduction="sum").item() == \
        float("inf")
    assert F.ctc_loss(lp, gt.tensor([[1, 2, 3, 4]]), [3], [4], reduction="sum",
                      zero_infinity=True).item() == 0.0
    with pytest.raises(RuntimeError, match="input_lengths"):
        F.ctc_loss(lp, gt.tensor([[1]]), [4], [1])


def test_ctc_matches_torch_values_and_grads():
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(3)
    T, N, C, S = 12, 3, 6, 5
    lp = _log_softmax(rng.randn(T, N, C)).astype(np.float32)
    targets = rng.randint(1, C, (N, S))
    il, tl = np.array([12, 10, 7]), np.array([5, 3, 2])
    for red in ("mean", "sum", "none"):
        res = []
        for lib, FF in ((torch, torch.nn.functional), (gt, F)):
            x = lib.tensor(lp, requires_grad=True)
            out = FF.ctc_loss(x, lib.tensor(targets), lib.tensor(il), lib.tensor(tl),
                              reduction=red)
            out.sum().backward()
            res.append((out.detach().numpy(), x.grad.numpy()))
        np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-5)
        np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-4, atol=1e-6)
