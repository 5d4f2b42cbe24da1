"""Creation functions against numpy references: dtype inference, sharing, out=, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as gt
from helpers import raises_no_cuda
from graphtorch.eager.tensor import make_view


def test_tensor_dtype_inference():
    assert gt.tensor([1, 2]).dtype is gt.int64
    assert gt.tensor([1.0, 2]).dtype is gt.float32
    assert gt.tensor([True]).dtype is gt.bool
    assert gt.tensor([1, 1j]).dtype is gt.complex64
    assert gt.tensor([np.float32(1), 2]).dtype is gt.float32
    assert gt.tensor([np.float64(1), 2.5]).dtype is gt.float64
    assert gt.tensor([np.int8(1), np.uint8(2)]).dtype is gt.int16
    assert gt.tensor([gt.tensor(1.5, dtype=gt.float64), 2.0]).dtype is gt.float64
    assert gt.tensor([gt.tensor([1, 2]), gt.tensor([3, 4])]).shape == (2, 2)
    assert gt.tensor([]).shape == (0,) and gt.tensor([]).dtype is gt.float32
    assert gt.tensor([[], []]).shape == (2, 0)
    assert gt.tensor(3).shape == () and gt.tensor(3).item() == 3


def test_tensor_copies_and_values():
    a = np.arange(6.0).reshape(2, 3)
    t = gt.tensor(a)
    a[0, 0] = 99
    assert t.dtype is gt.float64 and t.tolist() == [[0, 1, 2], [3, 4, 5]]
    np.testing.assert_array_equal(gt.tensor([[1.5, -2], [3, 4]]).numpy(),
                                  np.array([[1.5, -2], [3, 4]], np.float32))
    assert gt.tensor([1.7, -1.7], dtype=gt.int32).tolist() == [1, -1]
    assert gt.tensor([0.0, 2.0], dtype=gt.bool).tolist() == [False, True]
    assert gt.tensor([1.5], dtype=float).dtype is gt.float64
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c = gt.tensor(gt.ones(2))
    assert c.tolist() == [1.0, 1.0] and w


@pytest.mark.parametrize("data,exc", [
    ([[1, 2], [3]], ValueError), ([[1, 2], 3], TypeError), ([1, [2, 3]], TypeError),
    ([None], RuntimeError), ("abc", TypeError), (2 ** 63, ValueError),
])
def test_tensor_errors(data, exc):
    with pytest.raises(exc):
        gt.tensor(data)


def test_ragged_message():
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 3\)"):
        gt.tensor([[1, 2], [3, 4, 5]])
    with pytest.raises(RuntimeError, match="floating point and complex"):
        gt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="without overflow"):
        gt.tensor(300, dtype=gt.uint8)


def test_default_dtype_effects():
    old = gt.get_default_dtype()
    try:
        gt.set_default_dtype(gt.float64)
        assert gt.tensor([1.5]).dtype is gt.float64
        assert gt.tensor([1j]).dtype is gt.complex128
        assert gt.zeros(2).dtype is gt.float64 and gt.arange(0.5, 2).dtype is gt.float64
        assert gt.full((1,), 2.5).dtype is gt.float64
    finally:
        gt.set_default_dtype(old)


def test_as_tensor_from_numpy_asarray_share_memory():
    a = np.zeros(3)
    for t in (gt.from_numpy(a), gt.as_tensor(a), gt.asarray(a)):
        t.add_(1) if hasattr(t, "add_") else None
    assert a.tolist() == [3.0, 3.0, 3.0]
    assert not np.shares_memory(gt.asarray(a, copy=True).numpy(), a)
    assert gt.as_tensor(a, dtype=gt.float32).dtype is gt.float32
    t = gt.ones(2)
    assert gt.as_tensor(t) is t and gt.asarray(t) is t
    assert gt.asarray(t, copy=True) is not t
    with pytest.raises(ValueError):
        gt.asarray([1, 2], copy=False)
    with pytest.raises(ValueError):
        gt.asarray(t, dtype=gt.float64, copy=False)
    assert gt.asarray([1, 2], requires_grad=False).dtype is gt.int64
    assert gt.asarray([1.0], requires_grad=True).requires_grad
    with pytest.raises(ValueError):
        gt.from_numpy(np.arange(4)[::-1])
    with pytest.raises(TypeError):
        gt.from_numpy([1, 2])


def test_filled_factories():
    assert gt.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert gt.ones((2,), dtype=gt.int8).dtype is gt.int8
    assert gt.empty([0, 4]).shape == (0, 4)
    assert gt.full((2,), 3).dtype is gt.int64
    assert gt.full((2,), True).dtype is gt.bool
    assert gt.full((2,), 2.5).dtype is gt.float32
    assert gt.full((2,), 1 + 1j).dtype is gt.complex64
    assert gt.full([], 7).shape == ()
    x = gt.ones(2, 3, dtype=gt.float64)
    assert gt.zeros_like(x).dtype is gt.float64 and gt.ones_like(x).shape == (2, 3)
    assert gt.full_like(x, 4).tolist() == [[4.0] * 3] * 2
    assert gt.empty_like(x, dtype=gt.int32).dtype is gt.int32
    assert gt.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="negative dimension"):
        gt.zeros(2, -1)
    with pytest.raises(TypeError):
        gt.full(2, 3)
    with pytest.raises(RuntimeError):
        gt.zeros(2, dtype=gt.int64, requires_grad=True)


def test_out_argument():
    out = gt.empty(2, 3)
    v = out._vc[0]
    r = gt.zeros(2, 3, out=out)
    assert r is out and out.tolist() == [[0.0] * 3] * 2 and out._vc[0] == v + 1
    view = make_view(out._data[1], out)
    gt.ones(3, out=view)
    assert out.tolist()[1] == [1.0] * 3
    r = gt.zeros(4, out=out)
    assert r.shape == (4,)
    with pytest.raises(RuntimeError, match="does not match dtype of out"):
        gt.zeros(2, dtype=gt.float64, out=gt.empty(2))
    assert gt.arange(3, out=gt.empty(3, dtype=gt.int64)).tolist() == [0, 1, 2]
    assert gt.eye(2, out=gt.empty(2, 2)).tolist() == [[1, 0], [0, 1]]


def test_arange_and_range():
    np.testing.assert_array_equal(gt.arange(5).numpy(), np.arange(5))
    assert gt.arange(0, 1, 0.1).shape == (10,)
    np.testing.assert_allclose(gt.arange(1, 2.5, 0.5).numpy(), [1, 1.5, 2])
    assert gt.arange(gt.tensor(5)).dtype is gt.int64
    assert gt.arange(gt.tensor(2.5), 5).dtype is gt.float32
    assert gt.arange(5, 0, -1).tolist() == [5, 4, 3, 2, 1]
    assert gt.arange(3, 3).shape == (0,)
    for args in ((0, 5, 0), (0, -5, 1), (0, float("inf"))):
        with pytest.raises(RuntimeError):
            gt.arange(*args)
    with pytest.warns(UserWarning, match="deprecated"):
        r = gt.range(0, 3, 0.5)
    assert r.tolist() == [0, 0.5, 1, 1.5, 2, 2.5, 3] and r.dtype is gt.float32


def test_linspace_logspace_eye():
    np.testing.assert_allclose(gt.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5))
    l7 = gt.linspace(-2, 3, 7, dtype=gt.float64).numpy()
    assert l7[0] == -2 and l7[-1] == 3
    assert gt.linspace(0, 1, 1).tolist() == [0.0] and gt.linspace(0, 1, 0).shape == (0,)
    with pytest.raises(RuntimeError, match="non-negative"):
        gt.linspace(0, 1, -1)
    np.testing.assert_allclose(gt.logspace(0, 2, 3).numpy(), [1, 10, 100], rtol=1e-6)
    np.testing.assert_allclose(gt.logspace(0, 3, 4, base=2).numpy(), [1, 2, 4, 8])
    np.testing.assert_array_equal(gt.eye(3).numpy(), np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal(gt.eye(2, 4, dtype=gt.int64).numpy(), np.eye(2, 4, dtype=int))
    with pytest.raises(RuntimeError):
        gt.eye(-1)


def test_strided_scalar_complex_polar():
    t = gt.empty_strided((2, 3), (1, 2))
    assert t.shape == (2, 3) and t.stride() == (1, 2)
    assert gt.scalar_tensor(3).dtype is gt.float32 and gt.scalar_tensor(3).shape == ()
    c = gt.complex(gt.tensor([1.0, 2.0]), gt.tensor([3.0, -1.0]))
    assert c.dtype is gt.complex64 and c.tolist() == [1 + 3j, 2 - 1j]
    p = gt.polar(gt.tensor([2.0], dtype=gt.float64), gt.tensor([np.pi / 2], dtype=gt.float64))
    np.testing.assert_allclose(p.numpy(), [2j], atol=1e-12)
    with pytest.raises(RuntimeError, match="Half, Float or Double"):
        gt.complex(gt.tensor([1]), gt.tensor([2]))
    with pytest.raises(RuntimeError, match="scalar type"):
        gt.complex(gt.tensor([1.0]), gt.tensor([2.0], dtype=gt.float64))


def test_device_errors_without_gpu():
    if gt.cuda.is_available():
        pytest.skip("a GPU is present")
    with raises_no_cuda():
        gt.zeros(2, device="cuda")
    with raises_no_cuda():
        gt.tensor([1.0], device="cuda:0")
    assert gt.zeros(2, device="cpu").device.type == "cpu"
