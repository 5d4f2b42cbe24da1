"""Reductions, order statistics and scans against numpy references: dims as int/tuple/negative,
keepdim, 0-dim and empty inputs, non-contiguous inputs, dtype rules, named tuples, errors."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import T, assert_close

R = np.random.RandomState(1)
A = R.randn(3, 4, 5)
NC = np.asfortranarray(R.randn(4, 6))[:, ::2]  # non-contiguous and strided


_REDUCTIONS = [("mean", np.mean), ("sum", np.sum), ("prod", np.prod), ("amax", np.max),
               ("amin", np.min), ("nansum", np.nansum), ("nanmean", np.nanmean),
               ("logsumexp", None)]
# torch.prod takes a single dim (a tuple is an error, checked in test_errors)
_REDUCTION_CASES = [(n, r, d) for n, r in _REDUCTIONS
                    for d in [None, 0, -1, (0, 2), (2, 0, 1)]
                    if not (n == "prod" and isinstance(d, tuple))]


@pytest.mark.parametrize("name,ref,dim", _REDUCTION_CASES)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_match_numpy(name, ref, dim, keepdim):
    if name == "logsumexp" and dim is None:
        dim = (0, 1, 2)
    x = T(A)
    fn = getattr(gt, name)
    r = fn(x, dim, keepdim=keepdim) if dim is not None else fn(x)
    axis = dim if dim is not None else None
    if ref is None:
        e = np.log(np.sum(np.exp(A), axis=axis, keepdims=keepdim))
    else:
        e = ref(A, axis=axis, keepdims=keepdim if dim is not None else False)
    assert_close(r, np.asarray(e))


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("dim", [None, 1, (0, 2)])
def test_var_std_match_numpy(correction, dim):
    x = T(A)
    assert_close(x.var(dim, correction=correction), np.var(A, axis=dim, ddof=correction))
    assert_close(x.std(dim, correction=correction), np.std(A, axis=dim, ddof=correction))
    s, m = gt.std_mean(x, dim, correction=correction)
    assert_close(m, np.mean(A, axis=dim))
    assert_close(s, np.std(A, axis=dim, ddof=correction))


def test_dtype_rules():
    i = T(np.arange(6, dtype=np.int32).reshape(2, 3))
    b = T(np.array([True, False, True]))
    assert i.sum().dtype is gt.int64 and b.sum().dtype is gt.int64
    assert i.prod().dtype is gt.int64 and i.cumsum(0).dtype is gt.int64
    assert b.cumprod(0).dtype is gt.int64
    assert i.argmax().dtype is gt.int64 and i.count_nonzero().dtype is gt.int64
    assert i.mean(dtype=gt.float64).dtype is gt.float64
    assert i.logsumexp(1).dtype is gt.float32
    assert i.all().dtype is gt.bool and T(np.ones(2, np.uint8)).all().dtype is gt.uint8
    assert T(np.ones(3, np.float16)).mean().dtype is gt.float16
    assert i.max().dtype is gt.int32 and i.max(0).values.dtype is gt.int32
    assert i.sum(dtype=gt.float32).dtype is gt.float32


def test_non_contiguous_inputs():
    x = gt.from_numpy(NC)
    assert not NC.flags.c_contiguous
    assert_close(x.sum(0), NC.sum(0))
    assert_close(x.sort(1).values, np.sort(NC, 1))
    assert_close(x.cumsum(0), np.cumsum(NC, 0))
    assert_close(x.max(1).indices, np.argmax(NC, 1))
    assert_close(x.median(), np.sort(NC.ravel())[(NC.size - 1) // 2])


def test_zero_dim_and_empty():
    s = T(np.array(3.0))
    assert s.sum(0).shape == () and s.mean(-1).item() == 3.0
    assert s.max(0).indices.item() == 0 and s.sort().values.item() == 3.0
    assert s.cumsum(0).shape == () and s.argmax().item() == 0
    e = T(np.zeros((0, 3)))
    assert e.sum().item() == 0 and e.prod().item() == 1
    assert np.isnan(e.mean().item()) and e.amax(1).shape == (0,)
    assert e.sum(0).tolist() == [0.0, 0.0, 0.0]
    assert e.max(1).values.shape == (0,) and e.cumsum(0).shape == (0, 3)


def test_max_min_named_tuples_and_ties():
    x = T(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]))
    r = x.max(1)
    assert type(r).__name__ == "max" and isinstance(r, tuple)
    assert r.values.tolist() == [3.0, 2.0] and r.indices.tolist() == [1, 0]
    assert x.min(1).indices.tolist() == [0, 2]
    assert x.argmax().item() == 1
    v, i = x.max(1, keepdim=True)
    assert v.shape == (2, 1) and i.shape == (2, 1)
    assert pickle.loads(pickle.dumps(r)).values.tolist() == [3.0, 2.0]


def test_sort_stable_and_nan():
    x = T(np.array([2.0, 1.0, 2.0, np.nan, 1.0]))
    assert x.sort(stable=True).indices.tolist() == [1, 4, 0, 2, 3]
    assert x.sort(descending=True, stable=True).indices.tolist() == [3, 0, 2, 1, 4]
    assert x.argsort(stable=True).tolist() == [1, 4, 0, 2, 3]
    v = T(np.array([5, 1, 4, 2]))
    assert v.topk(2).values.tolist() == [5, 4]
    assert v.topk(2, largest=False).indices.tolist() == [1, 3]
    assert v.kthvalue(2).values.item() == 2


def test_median_mode_unique():
    x = T(np.array([3.0, 1.0, 4.0, 1.0]))
    assert x.median().item() == 1.0  # the lower median
    assert x.mode().values.item() == 1.0 and x.mode().indices.item() == 3
    n = T(np.array([1.0, np.nan, 3.0]))
    assert np.isnan(n.median().item()) and n.nanmedian().item() == 1.0
    u, inv, cnt = gt.unique(T(np.array([3, 1, 3, 2])), return_inverse=True, return_counts=True)
    assert u.tolist() == [1, 2, 3] and inv.tolist() == [2, 0, 2, 1] and cnt.tolist() == [1, 1, 2]
    uc = gt.unique_consecutive(T(np.array([1, 1, 2, 1])))
    assert uc.tolist() == [1, 2, 1]


def test_scans_match_numpy():
    x = T(A)
    assert_close(x.cumsum(1), np.cumsum(A, 1))
    assert_close(x.cumprod(-1), np.cumprod(A, -1))
    assert_close(x.logcumsumexp(0), np.logaddexp.accumulate(A, 0))
    assert_close(x.cummax(2).values, np.maximum.accumulate(A, 2))
    assert_close(x.cummin(2).values, np.minimum.accumulate(A, 2))
    assert_close(x.diff(2, 1), np.diff(A, 2, 1))
    c = T(np.array([1.0, 2.0, 3.0]))
    c.cumsum_(0)
    assert c.tolist() == [1.0, 3.0, 6.0]


def test_counting_ops():
    idx = T(np.array([0, 2, 2, 5]))
    assert gt.bincount(idx).tolist() == np.bincount([0, 2, 2, 5]).tolist()
    assert gt.bincount(idx, minlength=8).shape == (8,)
    h = gt.histc(T(np.array([0.0, 1.0, 2.0, 3.0])), bins=3, min=0, max=3)
    assert h.tolist() == [1.0, 1.0, 2.0]
    seq = T(np.array([1, 3, 5, 7]))
    assert gt.searchsorted(seq, T(np.array([0, 3, 8]))).tolist() == [0, 1, 4]
    assert gt.searchsorted(seq, T(np.array([3])), right=True).tolist() == [2]
    assert gt.bucketize(T(np.array([3, 6])), seq).tolist() == [1, 3]


def test_norms():
    x = T(A)
    assert_close(x.norm(), np.linalg.norm(A.ravel()))
    assert_close(x.norm(1, dim=2), np.abs(A).sum(2))
    assert_close(x.norm(float("inf")), np.abs(A).max())
    assert_close(gt.norm(x, p=3, dim=(0, 1)), (np.abs(A) ** 3).sum((0, 1)) ** (1 / 3))


@pytest.mark.parametrize("fn,exc", [
    (lambda x: x.sum(3), IndexError), (lambda x: x.max(-4), IndexError),
    (lambda x: x.prod((0, 1)), TypeError), (lambda x: x.long().mean(), RuntimeError),
    (lambda x: x.long().std(), RuntimeError), (lambda x: x.topk(9), RuntimeError),
    (lambda x: x.kthvalue(0), RuntimeError), (lambda x: x.sum((0, 0)), RuntimeError),
    (lambda x: gt.zeros(0).max(), RuntimeError), (lambda x: gt.zeros(0, 2).max(0), IndexError),
    (lambda x: gt.bincount(T(np.array([-1]))), RuntimeError),
    (lambda x: gt.bincount(x), NotImplementedError),
])
def test_errors(fn, exc):
    with pytest.raises(exc):
        fn(T(A))


def test_gradient_routing():
    x = T(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]), requires_grad=True)
    x.max(1).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    x.grad = None
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]
    x.grad = None
    x.sort(1).values[:, :1].sum().backward() if hasattr(gt.Tensor, "__getitem__") else \
        x.sort(1).values.sum().backward()
    assert x.grad.sum().item() in (2.0, 6.0)
