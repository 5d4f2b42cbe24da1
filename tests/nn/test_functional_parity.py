"""nn.functional against torch 2.13: outputs and gradients (w.r.t. every differentiable input)
for each functional on a few shapes and options, plus the grad_fn names."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import graphtorch as gt  # noqa: E402
import graphtorch.nn.functional as GF  # noqa: E402

R = np.random.RandomState(0)


def arr(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, size=shape)


def run_both(fn_name, arrays, kwargs=None, grad=(0,), ints=()):
    kwargs = kwargs or {}
    outs, grads, names = [], [], []
    for lib, F in ((torch, TF), (gt, GF)):
        ts = []
        for i, a in enumerate(arrays):
            if a is None:
                ts.append(None)
            elif i in ints:
                ts.append(lib.tensor(a))
            else:
                ts.append(lib.tensor(a, requires_grad=i in grad))
        out = getattr(F, fn_name)(*ts, **kwargs)
        if isinstance(out, tuple):
            out = out[0]
        outs.append(out.detach().numpy())
        names.append(type(out.grad_fn).__name__ if out.grad_fn is not None else None)
        if grad:
            g = np.random.RandomState(1).standard_normal(out.shape)
            out.backward(lib.tensor(g))
            grads.append([ts[i].grad.numpy() for i in grad])
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6, atol=1e-8)
    for a, b in zip(grads[1] if grads else [], grads[0] if grads else []):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
    return names


CASES = [
    ("linear", [arr(4, 3), arr(2, 3), arr(2)], {}, (0, 1, 2)),
    ("linear", [arr(2, 5, 3), arr(2, 3), None], {}, (0, 1)),
    ("softmax", [arr(3, 4)], {"dim": 1}, (0,)),
    ("log_softmax", [arr(2, 3, 4)], {"dim": 0}, (0,)),
    ("conv2d", [arr(2, 3, 7, 6), arr(4, 3, 3, 2), arr(4)], {"padding": 1}, (0, 1, 2)),
    ("conv2d", [arr(1, 4, 9, 9), arr(4, 2, 3, 3)], {"stride": 2, "groups": 2, "dilation": 2},
     (0, 1)),
    ("conv2d", [arr(1, 2, 6, 5), arr(3, 2, 2, 3)], {"padding": "same"}, (0, 1)),
    ("conv1d", [arr(2, 2, 10), arr(3, 2, 3)], {"stride": 3}, (0, 1)),
    ("max_pool2d", [arr(2, 3, 7, 6)], {"kernel_size": 2}, (0,)),
    ("avg_pool2d", [arr(1, 2, 9, 8)], {"kernel_size": 3, "stride": 2, "padding": 1,
                                       "ceil_mode": True, "count_include_pad": False}, (0,)),
    ("adaptive_avg_pool2d", [arr(1, 2, 7, 5)], {"output_size": (3, 2)}, (0,)),
    ("layer_norm", [arr(4, 5), (5,), arr(5), arr(5)], {}, (0, 2, 3)),
    ("group_norm", [arr(2, 4, 3), 2, arr(4), arr(4)], {}, (0, 2, 3)),
    ("gelu", [arr(3, 4)], {}, (0,)),
    ("gelu", [arr(3, 4)], {"approximate": "tanh"}, (0,)),
    ("silu", [arr(3, 4)], {}, (0,)),
    ("elu", [arr(3, 4)], {"alpha": 1.5}, (0,)),
    ("selu", [arr(3, 4)], {}, (0,)),
    ("leaky_relu", [arr(3, 4)], {"negative_slope": 0.2}, (0,)),
    ("softplus", [arr(3, 4)], {"beta": 2, "threshold": 3}, (0,)),
    ("hardtanh", [arr(3, 4)], {}, (0,)),
    ("hardswish", [arr(3, 4, lo=-5, hi=5)], {}, (0,)),
    ("mish", [arr(3, 4)], {}, (0,)),
    ("glu", [arr(3, 4)], {}, (0,)),
    ("logsigmoid", [arr(3, 4)], {}, (0,)),
    ("mse_loss", [arr(3, 4), arr(3, 4)], {}, (0, 1)),
    ("smooth_l1_loss", [arr(3, 4), arr(3, 4)], {"beta": 0.7}, (0, 1)),
    ("huber_loss", [arr(3, 4), arr(3, 4)], {"delta": 0.3, "reduction": "sum"}, (0, 1)),
    ("binary_cross_entropy", [arr(3, 4, lo=0.1, hi=0.9), arr(3, 4, lo=0, hi=1)], {}, (0, 1)),
    ("binary_cross_entropy_with_logits", [arr(3, 4), arr(3, 4, lo=0, hi=1)], {}, (0, 1)),
    ("soft_margin_loss", [arr(3, 4), arr(3, 4)], {}, (0,)),
    ("pad", [arr(1, 2, 3, 4)], {"pad": (1, 2, 0, 1), "mode": "reflect"}, (0,)),
    ("pad", [arr(2, 3, 4)], {"pad": (1, 2), "mode": "replicate"}, (0,)),
    ("pad", [arr(1, 2, 3, 4)], {"pad": (1, 2, 2, 1), "mode": "circular"}, (0,)),
    ("pad", [arr(2, 3, 4)], {"pad": (1, -1, 2, 0), "value": 1.5}, (0,)),
]


@pytest.mark.parametrize("name,arrays,kwargs,grad", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_functional_matches_torch(name, arrays, kwargs, grad):
    arrays = [a if isinstance(a, np.ndarray) or a is None else a for a in arrays]
    tensors = [a for a in arrays]
    if name in ("layer_norm", "group_norm"):
        # non-array positional arguments (normalized_shape / num_groups) pass through
        def wrap_call():
            outs, grads = [], []
            for lib, F in ((torch, TF), (gt, GF)):
                ts = [lib.tensor(a, requires_grad=i in grad) if isinstance(a, np.ndarray) else a
                      for i, a in enumerate(tensors)]
                out = getattr(F, name)(*ts, **kwargs)
                out.backward(lib.ones(out.shape, dtype=out.dtype))
                outs.append(out.detach().numpy())
                grads.append([ts[i].grad.numpy() for i in grad])
            np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6, atol=1e-8)
            for a, b in zip(grads[1], grads[0]):
                np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
        wrap_call()
        return
    names = run_both(name, tensors, kwargs, grad)
    if name not in ("pad", "adaptive_avg_pool2d", "selu", "linear"):
        assert names[1] == names[0]


def test_cross_entropy_variants():
    x, t = arr(5, 4), R.randint(0, 4, size=5)
    w = arr(4, lo=0.5, hi=1.5)
    for kw in ({}, {"reduction": "sum"}, {"reduction": "none"}, {"ignore_index": 1},
               {"label_smoothing": 0.2}, {"weight": w}, {"weight": w, "label_smoothing": 0.1}):
        res = []
        for lib, F in ((torch, TF), (gt, GF)):
            xt = lib.tensor(x, requires_grad=True)
            k = dict(kw)
            if "weight" in k:
                k["weight"] = lib.tensor(k["weight"])
            out = F.cross_entropy(xt, lib.tensor(t), **k)
            out.sum().backward()
            res.append((out.detach().numpy(), xt.grad.numpy(), type(out.grad_fn).__name__))
        np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6, atol=1e-8)
    probs = R.dirichlet(np.ones(4), size=5)
    a = TF.cross_entropy(torch.tensor(x), torch.tensor(probs))
    b = GF.cross_entropy(gt.tensor(x), gt.tensor(probs))
    np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6)


def test_pad_unsupported_combination_raises_like_torch():
    x = arr(1, 2, 3, 4)
    with pytest.raises(NotImplementedError):
        TF.pad(torch.tensor(x), (1, 2), mode="replicate")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported"):
        GF.pad(gt.tensor(x), (1, 2), mode="replicate")


def test_loss_errors_match_torch():
    x = arr(4, 3)
    for target, exc in ((np.array([0, 3, 1, 1]), IndexError), (np.array([0.0, 1, 1, 1]),
                                                               RuntimeError),
                        (np.array([0, 1]), ValueError)):
        with pytest.raises(exc):
            TF.cross_entropy(torch.tensor(x), torch.tensor(target))
        with pytest.raises(exc):
            GF.cross_entropy(gt.tensor(x), gt.tensor(target))


def test_batchnorm_module_training_and_eval_match_torch():
    x = arr(4, 3, 5).astype(np.float32)
    res = []
    for lib in (torch, gt):
        bn = lib.nn.BatchNorm1d(3)
        xs = lib.tensor(x, requires_grad=True)
        out = bn(xs)
        out.backward(lib.ones(out.shape))
        for i in range(2):
            bn(lib.tensor(x + i))
        bn.eval()
        res.append((out.detach().numpy(), xs.grad.numpy(), bn(lib.tensor(x)).detach().numpy(),
                    bn.running_mean.numpy().copy(), bn.running_var.numpy().copy(),
                    int(bn.num_batches_tracked)))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
