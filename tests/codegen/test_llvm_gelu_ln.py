"""The llvm backend's native GELU (rules_unary.py: kept whole, not decomposed) and the
GELU/LayerNorm chain of the benchmark: compiled == eager / float64 numpy within float32
rounding on odd row lengths (vector tails), a symbolic batch, special values, 1 vs 2 threads."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erf as sp_erf

import graphtorch as gt


def _compiled(fn, *args, dynamic=False):
    c = gt.compile(fn, backend="llvm", dynamic=dynamic)
    with gt.no_grad():
        out = c(*args)
    entry = next(iter(c._gt_cache.entries.values()))
    comp = (list(getattr(entry, "_compiled", {}).values()) or [entry._comp])[0]
    return out, comp.interp.native, c


def _gelu64(x, approximate="none"):
    x = x.astype(np.float64)
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + sp_erf(x / np.sqrt(2)))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 37), (5,), (2, 3, 17), ()])
def test_gelu_native_matches_reference(approximate, dt, shape):
    x = np.asarray(np.random.default_rng(len(shape)).standard_normal(shape) * 3).astype(dt)
    got, native, _ = _compiled(lambda t: gt.nn.functional.gelu(t, approximate=approximate),
                               gt.from_numpy(x))
    assert native is not None
    assert "gelu" in str(native.graph) and "erf(" not in str(native.graph)  # not decomposed
    ref = gt.nn.functional.gelu(gt.from_numpy(x), approximate=approximate).numpy()
    assert got.dtype == gt.from_numpy(x).dtype and got.shape == ref.shape
    tol = 3e-7 if dt == np.float32 else 1e-14
    np.testing.assert_allclose(got.numpy(), ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(got.numpy(), _gelu64(x, approximate), rtol=tol, atol=tol)


def test_gelu_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 1e30, -1e30, 5.5, -5.5,
                  -9.0, 1.0, 1.4142135, -1.4142135, 2.8284271, 5.656854], np.float32)
    got, _, _ = _compiled(lambda t: gt.nn.functional.gelu(t), gt.from_numpy(x))
    ref = gt.nn.functional.gelu(gt.from_numpy(x)).numpy()
    g = got.numpy()
    assert np.array_equal(np.isnan(g), np.isnan(ref))
    ok = ~np.isnan(ref)
    # far left, 1 + erf cancels: eager (scipy) and torch differ by ulps of 1 there too
    np.testing.assert_allclose(g[ok], ref[ok], rtol=3e-7, atol=2e-7)
    assert np.signbit(g[1]) == np.signbit(ref[1])


def _chain(ln1, ln2):
    F = gt.nn.functional

    def f(x):
        h = ln1(F.gelu(x))
        return ln2(F.gelu(h * 2.0 + 1.0) + x)
    return f


def _chain64(x, w1, b1, w2, b2):
    def ln(v, w, b):
        m = v.mean(-1, keepdims=True)
        var = ((v - m) ** 2).mean(-1, keepdims=True)
        return (v - m) / np.sqrt(var + 1e-5) * w + b
    x = x.astype(np.float64)
    h = ln(_gelu64(x), w1, b1)
    return ln(_gelu64(h * 2 + 1) + x, w2, b2)


@pytest.mark.parametrize("d", [512, 37, 1])
def test_gelu_ln_chain_symbolic_batch(d):
    gt.manual_seed(0)
    ln1, ln2 = gt.nn.LayerNorm(d), gt.nn.LayerNorm(d)
    with gt.no_grad():
        for m in (ln1, ln2):
            m.weight.copy_(gt.randn(d))
            m.bias.copy_(gt.randn(d))
    params = [p.detach().numpy().astype(np.float64) for m in (ln1, ln2)
              for p in (m.weight, m.bias)]
    f = _chain(ln1, ln2)
    c = gt.compile(f, backend="llvm", dynamic=True)
    for b in (3, 8, 13):
        x = (np.random.default_rng(b).standard_normal((b, d)) * 2 + 0.5).astype(np.float32)
        with gt.no_grad():
            got = c(gt.from_numpy(x)).numpy()
            eager = f(gt.from_numpy(x)).numpy()
        ref = _chain64(x, *params)
        tol = 2e-5 if d > 1 else 1e-5
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
        np.testing.assert_allclose(got, eager, rtol=tol, atol=tol)


def test_layer_norm_large_mean_rows():
    # two-pass variance: rows with a mean far above their spread stay accurate
    x = (1000.0 + np.random.default_rng(1).standard_normal((4, 301))).astype(np.float32)
    got, _, _ = _compiled(lambda t: gt.nn.functional.layer_norm(t, (301,)), gt.from_numpy(x))
    x64 = x.astype(np.float64)
    ref = (x64 - x64.mean(-1, keepdims=True)) / np.sqrt(x64.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-3, atol=2e-4)


def test_gelu_ln_threads_same_result(team):
    d = 512
    ln1, ln2 = gt.nn.LayerNorm(d), gt.nn.LayerNorm(d)
    f = _chain(ln1, ln2)
    x = gt.from_numpy(np.random.default_rng(5).standard_normal((256, d)).astype(np.float32))
    c = gt.compile(f, backend="llvm", dynamic=False)
    team(1)
    with gt.no_grad():
        one = c(x).numpy()
    team(2)
    with gt.no_grad():
        two = c(x).numpy()
    assert np.array_equal(one, two)
