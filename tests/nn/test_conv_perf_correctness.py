"""The fast convolution / pooling / batch-norm kernels (per-sample im2col GEMMs, strided col2im,
running max over pool taps, folded batch-norm backward) agree with torch on the shapes the
benchmarks use and on the awkward ones (strides, dilation, groups, 1-d/3-d, chunking, ties,
nan, overlapping pool windows, half dtypes, double backward)."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import graphtorch as gt  # noqa: E402
import graphtorch.nn.functional as GF  # noqa: E402
from graphtorch.ops import nn_conv  # noqa: E402
from tests.helpers import assert_close  # noqa: E402

RNG = np.random.RandomState(0)


def _pair(a, requires_grad=True):
    g = gt.tensor(a)
    t = torch.tensor(a)
    if requires_grad:
        g.requires_grad_(True)
        t.requires_grad_(True)
    return g, t


def _check_grads(gs, ts, rtol, atol):
    for g, t in zip(gs, ts):
        if t.grad is None:
            assert g.grad is None
        else:
            assert_close(g.grad, t.grad, rtol=rtol, atol=atol)


CONV_CASES = [
    # (x shape, w shape, kwargs)
    ((3, 4, 11, 9), (6, 4, 3, 3), dict(padding=1)),
    ((2, 4, 12, 10), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                                        groups=2)),
    ((2, 6, 9, 9), (6, 1, 3, 3), dict(stride=2, padding=2, dilation=2, groups=6)),
    ((2, 3, 8, 8), (5, 3, 1, 1), dict(stride=3)),
    ((2, 3, 17), (4, 3, 5), dict(stride=2, padding=3, dilation=2)),
    ((1, 2, 5, 6, 4), (4, 2, 2, 3, 2), dict(padding=(1, 0, 1), stride=(1, 2, 1))),
    ((2, 1, 28, 28), (6, 1, 5, 5), {}),
]


@pytest.mark.parametrize("xs,ws,kw", CONV_CASES)
@pytest.mark.parametrize("bias", [False, True])
def test_conv_forward_backward_float64(xs, ws, kw, bias):
    nd = len(ws) - 2
    gx, tx = _pair(RNG.standard_normal(xs))
    gw, tw = _pair(RNG.standard_normal(ws))
    gb, tb = _pair(RNG.standard_normal(ws[0])) if bias else (None, None)
    g_fn, t_fn = getattr(GF, f"conv{nd}d"), getattr(TF, f"conv{nd}d")
    gy, ty = g_fn(gx, gw, gb, **kw), t_fn(tx, tw, tb, **kw)
    assert_close(gy, ty, rtol=1e-10, atol=1e-10)
    up = RNG.standard_normal(tuple(ty.shape))
    (gy * gt.tensor(up)).sum().backward()
    (ty * torch.tensor(up)).sum().backward()
    _check_grads([gx, gw] + ([gb] if bias else []), [tx, tw] + ([tb] if bias else []),
                 1e-9, 1e-9)


def test_conv_float32_resnet_shape_and_chunking(monkeypatch):
    # tiny chunk budget: every sample its own im2col chunk, results unchanged
    monkeypatch.setattr(nn_conv, "_CHUNK_BYTES", 1)
    x = RNG.standard_normal((3, 8, 14, 14)).astype(np.float32)
    w = RNG.standard_normal((8, 8, 3, 3)).astype(np.float32) * 0.1
    gx, tx = _pair(x)
    gw, tw = _pair(w)
    gy, ty = GF.conv2d(gx, gw, padding=1), TF.conv2d(tx, tw, padding=1)
    assert gy.dtype == gt.float32
    assert_close(gy, ty, rtol=1e-4, atol=1e-4)
    gy.sum().backward()
    ty.sum().backward()
    _check_grads([gx, gw], [tx, tw], 1e-4, 1e-3)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_conv_half_dtypes(dt):
    x = RNG.standard_normal((2, 3, 7, 7)).astype(np.float32)
    w = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.3
    gx, gw = gt.tensor(x).to(getattr(gt, dt)), gt.tensor(w).to(getattr(gt, dt))
    tx, tw = torch.tensor(x).to(getattr(torch, dt)), torch.tensor(w).to(getattr(torch, dt))
    gy, ty = GF.conv2d(gx, gw, padding=1), TF.conv2d(tx, tw, padding=1)
    assert gy.dtype == getattr(gt, dt)
    tol = 2e-2 if dt == "float16" else 1e-1
    assert_close(gy.float(), ty.float(), rtol=tol, atol=tol)


def test_conv_double_backward():
    x = RNG.standard_normal((1, 2, 5, 5))
    w = RNG.standard_normal((3, 2, 3, 3))
    gx, gw = gt.tensor(x, requires_grad=True), gt.tensor(w, requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda a, b: GF.conv2d(a, b, stride=2, padding=1),
                                     (gx, gw))


POOL_CASES = [
    ((4, 6, 24, 24), dict(kernel_size=2)),
    ((2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1)),           # overlapping windows
    ((2, 3, 9, 9), dict(kernel_size=(3, 2), stride=1, dilation=(1, 2), ceil_mode=True)),
    ((2, 3, 10), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 5, 6, 4), dict(kernel_size=2, stride=(1, 2, 1))),
]


@pytest.mark.parametrize("shape,kw", POOL_CASES)
def test_max_pool_values_indices_grads(shape, kw):
    # a coarse grid of values makes ties inside windows common: indices must pick the first
    a = RNG.randint(-3, 4, size=shape).astype(np.float64)
    nd = len(shape) - 2
    gx, tx = _pair(a)
    gy, gi = getattr(GF, f"max_pool{nd}d")(gx, return_indices=True, **kw)
    ty, ti = getattr(TF, f"max_pool{nd}d")(tx, return_indices=True, **kw)
    assert_close(gy, ty, rtol=0, atol=0)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())
    up = RNG.standard_normal(tuple(ty.shape))
    (gy * gt.tensor(up)).sum().backward()
    (ty * torch.tensor(up)).sum().backward()
    assert_close(gx.grad, tx.grad, rtol=1e-12, atol=1e-12)


def test_max_pool_nan_and_float32():
    a = RNG.standard_normal((2, 2, 6, 6)).astype(np.float32)
    a[0, 0, 1, 1] = np.nan
    gy, gi = GF.max_pool2d(gt.tensor(a), 2, return_indices=True)
    ty, ti = TF.max_pool2d(torch.tensor(a), 2, return_indices=True)
    assert gy.dtype == gt.float32
    assert_close(gy, ty, rtol=0, atol=0)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(4, 3, 5, 6), (6, 3)])
def test_batch_norm_grads(training, affine, shape):
    c = shape[1]
    gx, tx = _pair(RNG.standard_normal(shape))
    gw, tw = _pair(RNG.uniform(0.5, 1.5, c)) if affine else (None, None)
    gb, tb = _pair(RNG.standard_normal(c)) if affine else (None, None)
    rm, rv = RNG.standard_normal(c), RNG.uniform(0.5, 1.5, c)
    gy = GF.batch_norm(gx, gt.tensor(rm), gt.tensor(rv), gw, gb, training=training)
    ty = TF.batch_norm(tx, torch.tensor(rm), torch.tensor(rv), tw, tb, training=training)
    assert_close(gy, ty, rtol=1e-10, atol=1e-10)
    up = RNG.standard_normal(shape)
    (gy * gt.tensor(up)).sum().backward()
    (ty * torch.tensor(up)).sum().backward()
    _check_grads([gx] + ([gw, gb] if affine else []), [tx] + ([tw, tb] if affine else []),
                 1e-9, 1e-9)


def test_batch_norm_double_backward():
    x = gt.tensor(RNG.standard_normal((4, 2, 3)), requires_grad=True)
    w = gt.tensor(RNG.uniform(0.5, 1.5, 2), requires_grad=True)
    b = gt.tensor(RNG.standard_normal(2), requires_grad=True)
    assert gt.autograd.gradgradcheck(
        lambda a, ww, bb: GF.batch_norm(a, None, None, ww, bb, training=True), (x, w, b))


def test_batch_norm_float32_resnet_like():
    a = RNG.standard_normal((4, 8, 10, 10)).astype(np.float32) * 3 + 1
    gx, tx = _pair(a)
    gm, tm = gt.nn.BatchNorm2d(8), torch.nn.BatchNorm2d(8)
    gy, ty = gm(gx), tm(tx)
    assert gy.dtype == gt.float32
    assert_close(gy, ty, rtol=1e-5, atol=1e-5)
    assert_close(gm.running_mean, tm.running_mean, rtol=1e-5, atol=1e-6)
    assert_close(gm.running_var, tm.running_var, rtol=1e-5, atol=1e-6)
    gy.relu().sum().backward()
    ty.relu().sum().backward()
    assert_close(gx.grad, tx.grad, rtol=1e-4, atol=1e-5)
