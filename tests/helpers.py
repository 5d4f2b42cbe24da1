"""Test helpers: tensors from numpy, closeness checks against numpy and torch."""
from __future__ import annotations

import numpy as np

import graphtorch as gt
from graphtorch.ops import dtypes as D


def T(a, requires_grad=False):
    """A graphtorch tensor copying numpy array (or value) ``a``, keeping its dtype."""
    t = gt.eager.tensor.wrap(np.array(a, copy=True)) if not isinstance(a, (int, float, bool)) \
        else a
    if requires_grad:
        t.requires_grad_(True)
    return t


def to_np(t):
    if isinstance(t, gt.Tensor):
        return t.detach()._data
    if hasattr(t, "detach"):  # a torch tensor
        t = t.detach()
        if str(t.dtype) == "torch.bfloat16":
            return t.float().numpy()
        return t.numpy()
    return np.asarray(t)


def tol(dtype):
    name = str(dtype).replace("torch.", "")
    return {"float16": (1e-3, 1e-3), "bfloat16": (1e-2, 1e-2), "float32": (1e-5, 1e-5),
            "complex64": (1e-5, 1e-5)}.get(name, (1e-7, 1e-7))


def assert_close(actual, expected, rtol=None, atol=None, check_dtype=True):
    """Values (nan-aware), shapes and (optionally) dtype names must agree."""
    a, e = to_np(actual), to_np(expected)
    if check_dtype and hasattr(actual, "dtype") and hasattr(expected, "dtype"):
        assert str(actual.dtype).replace("torch.", "") == \
            str(expected.dtype).replace("torch.", ""), (actual.dtype, expected.dtype)
    assert a.shape == e.shape, (a.shape, e.shape)
    r, t = tol(getattr(actual, "dtype", "float64"))
    np.testing.assert_allclose(np.asarray(a, dtype=np.result_type(a.dtype, np.float32))
                               if a.dtype.kind != "c" else a,
                               np.asarray(e, dtype=np.result_type(e.dtype, np.float32))
                               if e.dtype.kind != "c" else e,
                               rtol=rtol if rtol is not None else r,
                               atol=atol if atol is not None else t, equal_nan=True)


def torch_or_skip():
    import pytest
    return pytest.importorskip("torch")


__all__ = ["T", "to_np", "assert_close", "tol", "torch_or_skip", "D"]


def raises_no_cuda():
    """``pytest.raises`` for PyTorch's error when CUDA is missing: its CPU build's
    AssertionError without cupy, a CUDA build's RuntimeError when cupy finds no GPU."""
    import pytest
    try:
        import cupy  # noqa: F401
    except ImportError:
        return pytest.raises(AssertionError, match="not compiled with CUDA")
    return pytest.raises(RuntimeError, match="NVIDIA driver")
