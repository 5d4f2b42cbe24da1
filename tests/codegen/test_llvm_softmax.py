"""The llvm backend's native softmax / log_softmax (codegen/llvm/rules_softmax.py): every dim
(contiguous and strided rows), float32 and float64, the ``dtype`` argument, NaN and infinity
rows, empty tensors; compared with eager, and checked to be one native kernel (no decomposition
into amax / sum / div)."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt


def _compiled(fn, *args):
    c = gt.compile(fn, backend="llvm", dynamic=False)
    with gt.no_grad():
        out = c(*args)
    entry = next(iter(c._gt_cache.entries.values()))
    comp = (list(getattr(entry, "_compiled", {}).values()) or [entry._comp])[0]
    native = comp.interp.native
    return out, native


@pytest.mark.parametrize("kind", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dim", [((4, 33), -1), ((3, 5, 7), 1), ((3, 5, 7), 0),
                                       ((6,), 0), ((2, 3, 40), 2), ((2, 0, 3), 2)])
def test_matches_eager(kind, dt, shape, dim):
    x = gt.from_numpy((np.random.default_rng(len(shape) + dim).standard_normal(shape) * 4)
                      .astype(dt))
    fn = getattr(gt, kind)
    got, native = _compiled(lambda t: fn(t, dim), x)
    ref = fn(x, dim)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    tol = 1e-6 if dt == np.float32 else 1e-12
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=tol * 4, atol=tol)
    assert native is not None and "gt_softmax" in native.llvm_ir
    assert "amax" not in str(native.graph)  # not decomposed


def test_dtype_argument_upcasts():
    x = gt.from_numpy(np.random.default_rng(0).standard_normal((3, 9)).astype(np.float32))
    got, _ = _compiled(lambda t: gt.softmax(t, 1, dtype=gt.float64), x)
    ref = gt.softmax(x, 1, dtype=gt.float64)
    assert got.dtype == gt.float64
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-12, atol=1e-14)


def test_nan_and_inf_rows():
    a = np.zeros((4, 5), np.float32)
    a[0, 2] = np.nan
    a[1, 1] = np.inf
    a[2, :] = -np.inf
    a[3, 3] = -np.inf
    x = gt.from_numpy(a)
    for kind in ("softmax", "log_softmax"):
        fn = getattr(gt, kind)
        got, _ = _compiled(lambda t, fn=fn: fn(t, -1), x)
        ref = fn(x, -1).numpy()
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-6, atol=1e-7)
        assert np.array_equal(np.isnan(got.numpy()), np.isnan(ref))


def test_attention_pattern_batches():
    """Softmax between two bmm's, as in attention; several batch sizes share one function."""
    c = gt.compile(lambda q, k: gt.bmm(gt.softmax(gt.bmm(q, k.transpose(1, 2)) * 0.125, -1), k),
                   backend="llvm", dynamic=True)
    rng = np.random.default_rng(3)
    for b in (2, 5, 9):
        q = gt.from_numpy(rng.standard_normal((b, 11, 16)).astype(np.float32))
        k = gt.from_numpy(rng.standard_normal((b, 11, 16)).astype(np.float32))
        with gt.no_grad():
            got = c(q, k)
        ref = gt.bmm(gt.softmax(gt.bmm(q, k.transpose(1, 2)) * 0.125, -1), k)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)
