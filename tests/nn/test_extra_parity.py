"""RMSNorm, LocalResponseNorm, Bilinear, EmbeddingBag, margin losses, LazyLinear, DataParallel
against torch 2.13 (values and gradients)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402

R = np.random.RandomState(0)


def _both(build, call, grads=True):
    res = []
    for lib in (torch, gt):
        mod, inputs = build(lib)
        out = call(lib, mod, inputs)
        if grads:
            out.sum().backward()
            res.append([out.detach().numpy()] + [i.grad.numpy() for i in inputs
                                                 if getattr(i, "requires_grad", False)])
        else:
            res.append([out.detach().numpy()])
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def _copy(tm, gm):
    gm.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def test_rms_norm_and_lrn():
    x = R.randn(2, 6, 3, 4)
    for kw in ({"normalized_shape": 4}, {"normalized_shape": (3, 4), "eps": 1e-3}):
        _both(lambda lib: (lib.nn.RMSNorm(**kw).double(), [lib.tensor(x, requires_grad=True)]),
              lambda lib, m, i: m(i[0]))
    _both(lambda lib: (lib.nn.LocalResponseNorm(3), [lib.tensor(x, requires_grad=True)]),
          lambda lib, m, i: m(i[0]))
    _both(lambda lib: (lib.nn.LocalResponseNorm(2), [lib.tensor(x[:, :, :, 0],
                                                                requires_grad=True)]),
          lambda lib, m, i: m(i[0]))


def test_bilinear():
    tm = torch.nn.Bilinear(2, 3, 4).double()
    gm = gt.nn.Bilinear(2, 3, 4).double()
    _copy(tm, gm)
    a, b = R.randn(5, 2), R.randn(5, 3)
    mods = {torch: tm, gt: gm}
    _both(lambda lib: (mods[lib], [lib.tensor(a, requires_grad=True),
                                   lib.tensor(b, requires_grad=True)]),
          lambda lib, m, i: m(i[0], i[1]))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    w = R.randn(10, 3)
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    offs = np.array([0, 3, 3, 5])
    res = []
    for lib in (torch, gt):
        bag = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(w), freeze=False, mode=mode)
        out = bag(lib.tensor(idx), lib.tensor(offs))
        out.sum().backward()
        res.append((out.detach().numpy(), bag.weight.grad.numpy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-7)


def test_margin_losses():
    x, t = R.randn(4, 5), np.array([1, 0, 4, 2])
    for p in (1, 2):
        _both(lambda lib: (lib.nn.MultiMarginLoss(p=p, margin=0.7),
                           [lib.tensor(x, requires_grad=True)]),
              lambda lib, m, i: m(i[0], lib.tensor(t)))
    tl = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, -1], [0, -1, 1, 1, 1], [4, 3, 2, 1, 0]])
    _both(lambda lib: (lib.nn.MultiLabelMarginLoss(), [lib.tensor(x, requires_grad=True)]),
          lambda lib, m, i: m(i[0], lib.tensor(tl)))


def test_lazy_linear_and_data_parallel():
    lazy = gt.nn.LazyLinear(4)
    out = lazy(gt.ones(2, 3))
    assert type(lazy) is gt.nn.Linear and lazy.weight.shape == (4, 3) and out.shape == (2, 4)
    assert repr(lazy) == repr(torch.nn.Linear(3, 4))
    dp = gt.nn.DataParallel(gt.nn.Linear(2, 2))
    assert list(dp.state_dict()) == list(torch.nn.DataParallel(torch.nn.Linear(2, 2))
                                         .state_dict())
    assert dp(gt.ones(1, 2)).shape == (1, 2)
