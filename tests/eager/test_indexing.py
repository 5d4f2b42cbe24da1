"""Indexing against numpy: getitem/setitem (views, advanced indices, masks), the indexing
functions on edge cases (0-dim, empty, non-contiguous, dtypes), errors, and the autograd of
in-place writes through views."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import T, assert_close

A = np.arange(60.0).reshape(3, 4, 5)


@pytest.mark.parametrize("key", [
    0, -1, (1, 2, 3), slice(1, None), (slice(None), slice(0, 4, 3)), (Ellipsis, 2),
    ([0, 2],), (slice(None), [3, 0, 3]), ([0, 1], slice(None), [4, 0]), (slice(None), 1, [1, 2]),
    (np.array([True, False, True]),), (A[..., 0] > 20,), (np.array([[0], [2]]), [1, 3]),
    (slice(10, 20),), ([],)])
def test_getitem_matches_numpy(key):
    assert_close(T(A)[key], A[key])


def test_basic_indexing_returns_views():
    x = T(A)
    for v in (x[1], x[:, 1:3], x[..., ::2], x[None], x[...], x[1, None, 2:]):
        assert v._base is x
        assert np.shares_memory(v._data, x._data)
    v = x[0, 1:3]
    v.fill_(-1.0) if hasattr(v, "fill_") else v.__setitem__(Ellipsis, -1.0)
    assert (x._data[0, 1:3] == -1).all()
    assert x._version == v._version > 0
    assert x[True].shape == (1, 3, 4, 5) and x[False].shape == (0, 3, 4, 5)
    assert x[[0, 1]]._base is None


def test_getitem_noncontiguous_and_0dim():
    x = T(A)[:, ::2, 1:]
    assert_close(x[[1, 2], :, [0, 3]], A[:, ::2, 1:][[1, 2], :, [0, 3]])
    s = T(np.array(3.5))
    assert s[...].shape == () and s[None].shape == (1,)
    assert_close(s[None, None], np.array(3.5)[None, None])
    assert_close(T(A)[T(np.array(2))], A[2])


@pytest.mark.parametrize("key,err", [
    (3, IndexError), ((0, -5), IndexError), (slice(None, None, -1), ValueError),
    ((0, 0, 0, 0), IndexError), (1.5, IndexError), ("a", IndexError),
    (np.array([True, False]), IndexError), (np.array([9]), IndexError),
    (np.array([0.5]), IndexError)])
def test_getitem_errors(key, err):
    with pytest.raises(err):
        T(A)[key]


def test_setitem_matches_numpy():
    x, a = T(A.copy()), A.copy()
    for key, val in [((0, 1), 7.0), ((slice(None), 0), np.arange(5.0)), ((..., 4), -1.0),
                     (([0, 2], [1, 1]), np.array([[1.0], [2.0]])), ((a > 50,), 0.5),
                     ((1, slice(None), [0, 0]), 3.0), ((None, 2, 3), np.ones((1, 1, 5)))]:
        x[key] = T(val) if isinstance(val, np.ndarray) else val
        a[key] = val
        assert_close(x, a)


def test_setitem_casts_and_errors():
    x = T(np.zeros((2, 3), np.int32))
    x[0] = 2.9
    x[1] = T(np.array([1.5, -1.5, 7.0]))
    assert x.dtype is gt.int32
    assert x._data.tolist() == [[2, 2, 2], [1, -1, 7]]
    with pytest.raises(RuntimeError):
        x[0] = T(np.ones(4))
    with pytest.raises(IndexError):
        x[5] = 1


def test_setitem_autograd():
    x = T(np.arange(12.0).reshape(3, 4), requires_grad=True)
    w = T(np.array([1.0, 2, 3, 4]), requires_grad=True)
    y = x.clone()
    y[0] = w * 2
    assert y.grad_fn.name() == "CopySlices"
    y.sum().backward()
    assert_close(x.grad, np.array([[0.0] * 4, [1.0] * 4, [1.0] * 4]))
    assert_close(w.grad, np.full(4, 2.0))
    z = x.clone()
    z[[0, 0], [1, 1]] = w[:2]
    assert z.grad_fn.name() == "IndexPutBackward0"


def test_inplace_through_view():
    a = T(np.arange(12.0).reshape(3, 4), requires_grad=True)
    b = a.clone()
    b[:, 1].mul_(2)
    b.sum().backward()
    exp = np.ones((3, 4))
    exp[:, 1] = 2
    assert_close(a.grad, exp)


def test_view_chain_and_stale_views():
    a = T(np.arange(12.0).reshape(3, 4), requires_grad=True)
    w = T(np.array(5.0), requires_grad=True)
    b = a * 1
    v = b.view(-1)
    v[2] = w
    assert v.grad_fn.name() == "AsStridedBackward0"
    r = b[1]
    b[1, 1:3].mul_(w)
    (v.sum() + r.sum()).backward()  # v and r must see both writes
    exp = np.ones((3, 4))
    exp[0, 2] = 0
    exp[1] = [2, 10, 10, 2]
    assert_close(a.grad, exp)
    assert_close(w.grad, np.array(1.0 + 2 * (5 + 6)))


def test_double_backward_copyslices():
    a = T(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = a.clone()
    b[1:].mul_(a[:2])  # b = [a0, a1*a0, a2*a1]
    (g,) = gt.autograd.grad((b * b).sum(), a, create_graph=True)
    x = a._data
    exp = np.array([2 * x[0] + 2 * x[1] ** 2 * x[0], 2 * x[1] * x[0] ** 2 + 2 * x[2] ** 2 * x[1],
                    2 * x[2] * x[1] ** 2])
    assert_close(g, exp)
    g.sum().backward()
    assert a.grad is not None


def test_gather_scatter_family_numpy():
    x = np.arange(12.0).reshape(3, 4)
    idx = np.array([[0, 3], [2, 2], [1, 0]])
    assert_close(T(x).gather(1, T(idx)), np.take_along_axis(x, idx, 1))
    assert_close(T(x).index_select(0, T(np.array([2, 0]))), x[[2, 0]])
    exp = x.copy()
    np.add.at(exp, (np.arange(3)[:, None], idx), 1.0)
    assert_close(T(x).scatter_add(1, T(idx), T(np.ones((3, 2)))), exp)
    exp = x.copy()
    exp[np.arange(3)[:, None], idx] = -1
    assert_close(T(x).scatter(1, T(idx), -1.0), exp)
    assert_close(gt.take(T(x), T(np.array([[11, -1]]))), np.array([[11.0, 11.0]]))
    assert_close(T(x).index_fill(1, T(np.array([0, 3])), 0.0), x * np.array([0, 1, 1, 0]))
    assert_close(T(x[:, ::2]).masked_select(T(x[:, ::2] > 4)), x[:, ::2][x[:, ::2] > 4])
    assert gt.nonzero(T(x > 9)).tolist() == [[2, 2], [2, 3]]
    assert_close(T(x).masked_fill(T(np.array([True, False, False, True])), 9.0),
                 np.where([True, False, False, True], 9.0, x))


def test_empty_and_zero_dim_cases():
    e = T(np.zeros((0, 3)))
    assert e[[]].shape == (0, 3)
    assert e.index_select(1, T(np.array([0, 0]))).shape == (0, 2)
    assert gt.nonzero(e).shape == (0, 2)
    s = T(np.array(4.0))
    assert s.gather(0, T(np.array(0))).shape == ()
    assert gt.nonzero(s).shape == (1, 0)
    assert [t.tolist() for t in gt.nonzero(s, as_tuple=True)] == [[0]]
    assert s.masked_fill(T(np.array(True)), 1.0).item() == 1.0


def test_where_promotion_and_nonzero_tuple():
    c = T(np.array([True, False, True]))
    assert gt.where(c, 1, 0).dtype is gt.int64
    assert gt.where(c, 1.0, 0).dtype is gt.float32
    assert gt.where(c, T(np.ones(3, np.int32)), 2.5).dtype is gt.float32
    with pytest.raises(RuntimeError):
        gt.where(T(np.ones(3)), 1.0, 0.0)
    rows, = gt.where(c)
    assert rows.tolist() == [0, 2]


def test_gather_errors():
    x = T(np.zeros((3, 4)))
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.gather(1, T(np.array([[4]])))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.gather(1, T(np.array([0])))
    with pytest.raises(IndexError, match="out of range"):
        x.take(T(np.array([12])))
    with pytest.raises(RuntimeError, match="Expected dtype int32 or int64"):
        x.index_select(0, T(np.array([0.0])))
    with pytest.raises(RuntimeError, match="boolean masks"):
        x.masked_fill(T(np.ones(4)), 1.0)
    with pytest.raises(RuntimeError, match="Number of elements of source"):
        x.masked_scatter(T(np.ones(4, bool)), T(np.ones(3)))


def test_no_grad_setitem_is_in_place_without_copy():
    x = T(np.zeros((1000,)))
    data = x._data
    x[5:10] = 1.0
    assert x._data is data and x._version == 1 and data[5:10].sum() == 5
