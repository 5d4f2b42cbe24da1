"""Sparse gradients without torch: Embedding(sparse=True) grads against numpy references,
torch's sparse add layout rules, sparse leaves through dense-gradient ops, in-place ops,
autograd.grad, tracing, and that dense programs never switch the sparse machinery on."""
import subprocess
import sys

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.sparse import _accumulate as A
from tests.helpers import assert_close

W0 = (np.arange(12, dtype=np.float64).reshape(6, 2) - 5.5) / 3


def _dense_ref(idx, gout, n=6, pad=None):
    ref = np.zeros((n, gout.shape[-1]))
    for i, row in zip(np.ravel(idx), gout.reshape(-1, gout.shape[-1])):
        if i != pad:
            ref[i] += row
    return ref


@pytest.mark.parametrize("pad", [None, 3])
def test_embedding_sparse_grad_values(pad):
    w = gt.tensor(W0, requires_grad=True)
    idx = np.array([[3, 1, 3], [0, 5, 3]])
    gout = np.random.default_rng(0).standard_normal((2, 3, 2))
    out = gt.nn.functional.embedding(gt.tensor(idx), w, padding_idx=pad, sparse=True)
    assert_close(out, W0[idx])
    out.backward(gt.tensor(gout))
    g = w.grad
    assert g.is_sparse and g.layout is gt.sparse_coo and g.shape == (6, 2)
    keep = idx.ravel() != pad if pad is not None else np.ones(idx.size, bool)
    assert g._indices().tolist() == [idx.ravel()[keep].tolist()]
    assert_close(g._values(), gout.reshape(-1, 2)[keep])
    assert_close(g.to_dense(), _dense_ref(idx, gout, pad=pad))
    assert not g.is_coalesced() and g.grad_fn is None and not g.requires_grad


def test_embedding_sparse_grad_single_and_empty_are_coalesced():
    w = gt.tensor(W0, requires_grad=True)
    gt.nn.functional.embedding(gt.tensor([4]), w, sparse=True).sum().backward()
    assert w.grad.is_coalesced() and w.grad._nnz() == 1
    w2 = gt.tensor(W0, requires_grad=True)
    gt.nn.functional.embedding(gt.tensor([], dtype=gt.int64), w2, sparse=True).sum().backward()
    assert w2.grad.is_coalesced() and w2.grad._nnz() == 0
    assert_close(w2.grad.to_dense(), np.zeros((6, 2)))


def test_embedding_module_sparse_two_backwards_sum():
    m = gt.nn.Embedding(6, 2, sparse=True, _weight=gt.tensor(W0))
    m(gt.tensor([1, 2])).sum().backward()
    (m(gt.tensor([2, 5])) * 3).sum().backward()
    ref = _dense_ref([1, 2], np.ones((2, 2))) + _dense_ref([2, 5], 3 * np.ones((2, 2)))
    assert_close(m.weight.grad.to_dense(), ref)
    assert "sparse=True" in repr(m)


def test_embedding_sparse_forward_is_traced_dense():
    m = gt.nn.Embedding(6, 2, sparse=True, _weight=gt.tensor(W0))
    f = gt.jit.trace(m, (gt.tensor([1, 2]),))
    assert_close(f(gt.tensor([4, 0])), W0[[4, 0]])


def _sp(idx, val, size=(4,), coalesce=False):
    s = gt.sparse_coo_tensor([idx], gt.tensor(val, dtype=gt.float64), size)
    return s.coalesce() if coalesce else s


def test_add_merge_walk_and_concat():
    # contiguous values: one merge walk (equal indices met together share an entry)
    r = _sp([2, 0], [1.0, 2.0]) + _sp([1, 2], [10.0, 20.0])
    assert r._indices().tolist() == [[1, 2, 0]] and r._values().tolist() == [10.0, 21.0, 2.0]
    assert not r.is_coalesced()
    r = _sp([0, 2], [1.0, 2.0], coalesce=True) + _sp([1, 2], [1.0, 2.0], coalesce=True)
    assert r._indices().tolist() == [[0, 1, 2]] and r.is_coalesced()
    # non-contiguous values (an expanded gradient): concatenation
    v = gt.tensor([1.0], dtype=gt.float64).expand(2)
    s = gt.sparse_coo_tensor([[0, 2]], v, (4,))
    r = s + _sp([1, 2], [10.0, 20.0])
    assert r._indices().tolist() == [[0, 2, 1, 2]] and not r.is_coalesced()
    # ... coalesced once nnz would exceed the number of elements
    big = s + s + s
    assert big._nnz() == 2 or big._nnz() <= 4


def test_merge_positions_sorted_fast_path_equals_walk():
    rng = np.random.default_rng(1)
    for _ in range(30):
        a = np.sort(rng.integers(0, 5, rng.integers(0, 7)))
        b = np.sort(rng.integers(0, 5, rng.integers(0, 7)))
        fast = A._merge_sorted(a, b)
        pt, ps, n = A._merge_walk(a, b)
        assert n == fast[2] and pt.tolist() == fast[0].tolist()
        assert ps.tolist() == fast[1].tolist()
        out = np.zeros(n, dtype=np.int64)
        out[pt], out[ps] = a, b
        assert (np.diff(out) >= 0).all()


def test_sparse_leaf_grads():
    s = gt.sparse_coo_tensor([[0, 0, 1], [1, 1, 0]], gt.tensor([1.0, 2.0, 3.0],
                                                               dtype=gt.float64), (2, 2),
                             requires_grad=True)
    d = gt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=gt.float64)
    gt.sparse.mm(s, d).sum().backward()
    assert s.grad.is_sparse and s.grad._indices().tolist() == [[0, 1], [1, 0]]
    assert_close(s.grad._values(), np.array([7.0, 3.0]))
    s.grad = None
    gt.mm(s, d).sum().backward()  # torch.mm: a dense gradient
    assert not s.grad.is_sparse
    assert_close(s.grad, np.ones((2, 2)) @ d.numpy().T)
    (g,) = gt.autograd.grad(s.sum(), s)
    assert not g.is_sparse and g.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_inplace_ops_numpy_reference():
    s = _sp([2, 0, 2], [1.0, 2.0, 3.0])
    v0 = s._version
    s.mul_(2).div_(4)
    assert_close(s.to_dense(), np.array([1.0, 0.0, 2.0, 0.0]))
    s.add_(_sp([1], [5.0]), alpha=2)
    assert_close(s.to_dense(), np.array([1.0, 10.0, 2.0, 0.0]))
    assert s._version > v0
    s.zero_()
    assert s._nnz() == 0 and s.is_coalesced() and s.to_dense().tolist() == [0.0] * 4
    d = gt.zeros(4, dtype=gt.float64)
    d.add_(_sp([3, 3], [1.0, 2.0]))
    assert d.tolist() == [0.0, 0.0, 0.0, 3.0]
    with pytest.raises(RuntimeError, match="add\\(sparse, dense\\)"):
        s.add_(d)


def test_sparse_leaf_inplace_requires_no_grad():
    s = _sp([1], [1.0]).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        s.mul_(2)
    with gt.no_grad():
        s.mul_(2)
    assert s.requires_grad and s.to_dense().tolist() == [0.0, 2.0, 0.0, 0.0]


def test_dense_program_does_not_activate_sparse_machinery():
    code = ("import graphtorch as t\nfrom graphtorch.eager import engine_ops as E\n"
            "from graphtorch.autograd import api\nf = E.add_inplace, api.run_backward\n"
            "w = t.ones(3, 2, requires_grad=True)\n"
            "t.nn.functional.embedding(t.tensor([1]), w).sum().backward()\n"
            "assert (E.add_inplace, api.run_backward) == f\n"
            "t.nn.functional.embedding(t.tensor([1]), w, sparse=True).sum().backward()\n"
            "assert E.add_inplace is not f[0] and w.grad.is_sparse is False\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert r.returncode == 0, r.stderr


def test_compiled_sparse_embedding_runs_eagerly_with_sparse_grad():
    m = gt.nn.Sequential(gt.nn.Embedding(6, 2, sparse=True, _weight=gt.tensor(W0)),
                         gt.nn.Linear(2, 1, dtype=gt.float64))
    x = gt.tensor([[1, 2], [3, 3]])
    cm = gt.compile(m)
    with pytest.warns(UserWarning, match="runs eagerly"):
        out = cm(x)
    assert_close(out, m(x))
    out.sum().backward()
    g = m[0].weight.grad
    assert g.is_sparse and g._indices().tolist() == [[1, 2, 3, 3]]
    gt.optim.SparseAdam(list(m[0].parameters())).step()
