"""Fused pooling and row-wise normalisation in the llvm backend.

conv -> (bias / BatchNorm / ReLU) -> max_pool: the pool runs in the convolution's per-image
epilogue (no kernel stores the conv or ReLU output); max_pool without indices unrolls its
window; layer_norm is one kernel over rows with its (lazy) input fused; a fusion group feeding
a graph output writes it directly.  Results are compared with graphtorch eager (itself checked
against torch by the parity tests)."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import graphtorch as torch
import graphtorch.nn.functional as F
from graphtorch.codegen.llvm import compile_graph


def _compile(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = torch.jit.trace(fn, args, check_trace=False).graph
    return compile_graph(g, opt_level=1, use_cache=False)


def _run(cg, *args):
    return cg(*[a.numpy() for a in args])


def _kernels(cg):
    return re.findall(r'define internal void @"?(gt_[a-z]+)\d+', cg.llvm_ir)


def _t(*shape, seed=0, scale=0.3):
    rng = np.random.default_rng(seed)
    return torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))


@pytest.mark.parametrize("pool", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                  dict(kernel_size=2, ceil_mode=True),
                                  dict(kernel_size=2, stride=1, dilation=2),
                                  dict(kernel_size=(2, 3), stride=(2, 1))])
def test_conv_relu_maxpool_fused(pool):
    x, w, b = _t(2, 3, 11, 10), _t(4, 3, 3, 3, seed=1), _t(4, seed=2)

    def f(x, w, b):
        return F.max_pool2d(F.relu(F.conv2d(x, w, b)), **pool)
    cg = _compile(f, x, w, b)
    assert _kernels(cg) == ["gt_conv"]  # the pool lives in the conv's epilogue
    np.testing.assert_allclose(_run(cg, x, w, b)[0], f(x, w, b).numpy(), rtol=1e-5, atol=1e-6)


def test_conv_bn_relu_maxpool_fused_and_nan_propagates():
    conv, bn = torch.nn.Conv2d(2, 5, 3, padding=1), torch.nn.BatchNorm2d(5)
    bn.running_mean.copy_(_t(5, seed=3))
    bn.running_var.copy_(_t(5, seed=4).abs() + 0.5)
    m = torch.nn.Sequential(conv, bn, torch.nn.ReLU(), torch.nn.MaxPool2d(2)).eval()
    x = _t(3, 2, 8, 8, seed=5)
    with torch.no_grad():
        c = torch.compile(m)
        np.testing.assert_allclose(c(x).numpy(), m(x).numpy(), rtol=1e-5, atol=1e-6)
        xn = x.clone()
        xn[1, 0, 2, 2] = float("nan")
        got, want = c(xn).numpy(), m(xn).numpy()
    assert np.isnan(want).any()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True)
    (cg,) = torch.compiler.compiled_graphs(c)
    assert "gt_maxpool" not in cg.llvm_ir


def test_relu_output_used_twice_is_not_pooled_in_the_epilogue():
    x, w = _t(1, 2, 6, 6), _t(3, 2, 3, 3, seed=1)

    def f(x, w):
        r = F.relu(F.conv2d(x, w))
        return F.max_pool2d(r, 2), r.sum()
    cg = _compile(f, x, w)
    got = _run(cg, x, w)
    for g, e in zip(got, f(x, w)):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-6)


def test_maxpool_with_indices_keeps_them():
    x, w = _t(2, 2, 6, 6), _t(3, 2, 3, 3, seed=1)

    def f(x, w):
        return F.max_pool2d(F.relu(F.conv2d(x, w)), 2, return_indices=True)
    cg = _compile(f, x, w)
    v, i = _run(cg, x, w)
    ev, ei = f(x, w)
    np.testing.assert_allclose(v, ev.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(i, ei.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
@pytest.mark.parametrize("pool", [dict(kernel_size=3, stride=2, padding=1),
                                  dict(kernel_size=2, ceil_mode=True), dict(kernel_size=2)])
def test_standalone_maxpool_values(dtype, pool):
    rng = np.random.default_rng(7)
    a = (rng.standard_normal((2, 3, 7, 9)) * 10).astype(dtype)
    if dtype != np.int32:
        a[0, 1, 3, 4] = np.nan
    x = torch.from_numpy(a)
    cg = _compile(lambda x: F.max_pool2d(x, **pool), x)
    assert "gt_maxpool" in cg.llvm_ir
    np.testing.assert_array_equal(_run(cg, x)[0], F.max_pool2d(x, **pool).numpy())


def test_maxpool1d_values():
    x = _t(2, 3, 11)
    cg = _compile(lambda x: F.max_pool1d(x, 3, stride=2, padding=1), x)
    np.testing.assert_array_equal(_run(cg, x)[0],
                                  F.max_pool1d(x, 3, stride=2, padding=1).numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape, norm", [((4, 33), (33,)), ((2, 3, 4, 5), (4, 5)),
                                         ((7,), (7,))])
def test_layer_norm_native(dtype, affine, shape, norm):
    rng = np.random.default_rng(3)
    x = torch.from_numpy((rng.standard_normal(shape) * 3 + 1).astype(dtype))
    w = torch.from_numpy(rng.standard_normal(norm).astype(dtype)) if affine else None
    b = torch.from_numpy(rng.standard_normal(norm).astype(dtype)) if affine else None
    args = (x, w, b) if affine else (x,)

    def f(x, w=None, b=None):
        return F.layer_norm(x, norm, w, b, eps=1e-3)
    cg = _compile(f, *args)
    assert _kernels(cg) == ["gt_layernorm"]
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(_run(cg, *args)[0], f(*args).numpy(), rtol=tol, atol=tol)


def test_layer_norm_of_constant_rows_and_fused_input():
    x = torch.from_numpy(np.concatenate([np.full((1, 16), 2.5, np.float32),
                                         _t(3, 16, scale=2).numpy()]))
    w, b = _t(16, seed=1), _t(16, seed=2)

    def f(x, w, b):
        return F.layer_norm(F.gelu(x) * 2 + 1, (16,), w, b)
    cg = _compile(f, x, w, b)
    assert _kernels(cg) == ["gt_layernorm"]  # gelu computed inside the row loop
    got = _run(cg, x, w, b)[0]
    assert np.isfinite(got).all()
    # a constant row gives the bias (up to the rounding of its mean, times 1/sqrt(eps))
    np.testing.assert_allclose(got[0], b.numpy(), atol=2e-4)
    # float64 reference on the same LN input (the inline erf differs from scipy's in ulps)
    h = (F.gelu(x) * 2 + 1).numpy().astype(np.float64)
    want = (h - h.mean(-1, keepdims=True)) / np.sqrt(h.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(got[1:], (want * w.numpy() + b.numpy())[1:], rtol=1e-4,
                               atol=1e-5)


def test_gelu_ln_chain_kernels_and_values():
    ln1, ln2 = torch.nn.LayerNorm(64), torch.nn.LayerNorm(64)

    def f(x):
        h = ln1(F.gelu(x))
        return ln2(F.gelu(h * 2.0 + 1.0) + x)
    x = _t(5, 64, scale=1.0)
    cg = _compile(f, x)
    # gelu is one native op (rules_unary): h * 2 + 1 is read once, not stored between the two
    assert _kernels(cg) == ["gt_layernorm", "gt_layernorm"]
    np.testing.assert_allclose(_run(cg, x)[0], f(x).detach().numpy(), rtol=1e-4, atol=1e-4)


def test_fusion_group_output_is_written_directly():
    x = _t(4, 9)
    cg = _compile(lambda x: F.gelu(x) * 3 - x, x)
    assert _kernels(cg) == ["gt_k"]  # one kernel: no arena copy before the output
    np.testing.assert_allclose(_run(cg, x)[0], (F.gelu(x) * 3 - x).numpy(), rtol=1e-6,
                               atol=1e-6)
