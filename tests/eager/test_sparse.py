"""Sparse COO tensors: creation, attributes, products, reductions, autograd, printing and
serialization, checked against numpy references (parity with torch is in
tests/parity/test_sparse_parity.py)."""
import copy
import io
import pickle
import re

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close

IDX = [[0, 1, 1], [2, 0, 2]]
VAL = [3.0, 4.0, 5.0]
DENSE = np.array([[0.0, 0.0, 3.0], [4.0, 0.0, 5.0]], dtype=np.float32)


def _S(dtype=gt.float32, requires_grad=False):
    return gt.sparse_coo_tensor(IDX, VAL, (2, 3), dtype=dtype, requires_grad=requires_grad)


def test_creation_and_attributes():
    s = _S()
    assert isinstance(s, gt.Tensor) and s.is_sparse and s.layout is gt.sparse_coo
    assert repr(gt.sparse_coo) == "torch.sparse_coo"
    assert s.shape == (2, 3) and s.size() == (2, 3) and s.dim() == 2 and s.numel() == 6
    assert s.dtype is gt.float32 and str(s.device) == "cpu" and not s.is_cuda
    assert s.sparse_dim() == 2 and s.dense_dim() == 0 and s._nnz() == 3
    assert not s.is_coalesced()
    assert_close(s.to_dense(), DENSE)
    assert not gt.ones(2).is_sparse and gt.ones(2).layout is gt.strided


def test_inferred_size_and_dense_dims():
    s = gt.sparse_coo_tensor(gt.tensor([[0, 3]]), gt.ones(2, 4))
    assert s.shape == (4, 4) and s.sparse_dim() == 1 and s.dense_dim() == 1
    ref = np.zeros((4, 4), np.float32)
    ref[[0, 3]] = 1
    assert_close(s.to_dense(), ref)
    e = gt.sparse_coo_tensor(gt.zeros(2, 0, dtype=gt.int64), gt.zeros(0), (2, 3))
    assert e._nnz() == 0 and e.to_dense().sum().item() == 0


@pytest.mark.parametrize("idx,vals,size,msg", [
    ([[0, 5]], [1.0, 1.0], (3,), "size is inconsistent with indices"),
    ([[0, -1]], [1.0, 1.0], (3,), "negative index"),
    ([[0, 1]], [1.0, 1.0, 1.0], (3,), "same nnz"),
    ([[0, 1]], [1.0, 1.0], (3, 3), "len(size) == sparse_dim + dense_dim"),
])
def test_bad_inputs(idx, vals, size, msg):
    with pytest.raises(RuntimeError, match=re.escape(msg)):
        gt.sparse_coo_tensor(idx, vals, size)


def test_coalesce_and_uncoalesced_access():
    d = gt.sparse_coo_tensor([[0, 0, 1], [1, 1, 0]], [1.0, 2.0, 3.0], (2, 2))
    with pytest.raises(RuntimeError, match="uncoalesced"):
        d.indices()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        d.values()
    assert d._indices().shape == (2, 3)
    c = d.coalesce()
    assert c.is_coalesced() and c.coalesce() is c
    assert c.indices().tolist() == [[0, 1], [1, 0]] and c.values().tolist() == [3.0, 3.0]
    assert c.indices().dtype is gt.int64 and c._nnz() == 2
    assert_close(d.to_dense(), c.to_dense())


def test_to_sparse_roundtrip():
    x = gt.tensor([[0.0, 2.0, 0.0], [0.0, 0.0, -1.0]])
    s = x.to_sparse()
    assert s.is_coalesced() and s.indices().tolist() == [[0, 1], [1, 2]]
    assert_close(s.to_dense(), x)
    s1 = gt.eye(3).to_sparse(1)
    assert s1.sparse_dim() == 1 and s1.values().shape == (3, 3)
    assert x.to_sparse_coo()._nnz() == 2 and x.to_dense() is x
    assert gt.zeros(2, 3).to_sparse()._nnz() == 0


def test_products_match_dense():
    s = _S()
    rng = np.random.default_rng(0)
    dn = rng.standard_normal((3, 4)).astype(np.float32)
    d = gt.tensor(dn)
    ref = DENSE @ dn
    for out in (gt.sparse.mm(s, d), gt.mm(s, d), s @ d, gt.matmul(s, d), s.mm(d)):
        assert not out.is_sparse
        assert_close(out, ref, rtol=1e-5, atol=1e-5)
    bias = gt.ones(2, 4)
    assert_close(gt.addmm(bias, s, d, beta=2, alpha=3), 2 + 3 * ref, rtol=1e-5, atol=1e-5)
    assert_close(gt.sparse.addmm(bias, s, d), 1 + ref, rtol=1e-5, atol=1e-5)
    left = rng.standard_normal((5, 2)).astype(np.float32)
    assert_close(gt.tensor(left) @ s, left @ DENSE, rtol=1e-5, atol=1e-5)
    ss = gt.mm(s, s.t())
    assert ss.is_sparse
    assert_close(ss.to_dense(), DENSE @ DENSE.T)


def test_product_errors():
    s = _S()
    with pytest.raises(RuntimeError, match="Expected dim 0 size 3, got 4"):
        gt.sparse.mm(s, gt.ones(4, 2))
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        gt.sparse.mm(s, gt.ones(3, 2, dtype=gt.float64))


def test_elementwise():
    s = _S()
    assert_close((s * 2).to_dense(), DENSE * 2)
    assert_close((2 * s).to_dense(), DENSE * 2)
    assert_close((s / 2).to_dense(), DENSE / 2)
    assert_close((-s).to_dense(), -DENSE)
    assert_close((s + s).to_dense(), DENSE * 2)
    # torch's merge walk: uncoalesced inputs give an uncoalesced sum on the same pattern
    assert (s + s).is_sparse and not (s + s).is_coalesced() and (s + s)._nnz() == 3
    assert_close((s - s).to_dense(), DENSE * 0)
    assert_close((s * s).to_dense(), DENSE * DENSE)
    assert_close((gt.ones(2, 3) + s), DENSE + 1)
    assert_close((s * gt.full((2, 3), 2.0)).to_dense(), DENSE * 2)
    assert_close(s.sqrt().to_dense(), np.sqrt(DENSE))
    assert_close((s ** 2).to_dense(), DENSE ** 2)
    with pytest.raises(RuntimeError, match=r"add\(sparse, dense\) is not supported"):
        s + gt.ones(2, 3)
    with pytest.raises(RuntimeError, match="same size"):
        s + gt.sparse_coo_tensor([[0]], [1.0], (4,))
    iv = gt.sparse_coo_tensor(IDX, [1, 2, 3])
    assert iv.dtype is gt.int64 and (iv / 2).dtype is gt.float32 and (iv * 2.5).dtype is gt.float32


def test_shape_and_conversions():
    s = _S()
    assert_close(s.t().to_dense(), DENSE.T)
    assert_close(s.transpose(0, 1).to_dense(), DENSE.T)
    assert s.double().dtype is gt.float64 and s.to(gt.float64).dtype is gt.float64
    assert s.to(gt.float32) is s
    c = s.clone()
    assert c is not s and c._data.values is not s._data.values
    assert_close(c.to_dense(), DENSE)
    assert s.detach().is_sparse


def test_sum_and_softmax():
    s = _S()
    tot = gt.sparse.sum(s)
    assert not tot.is_sparse and tot.item() == 12.0 and s.sum().item() == 12.0
    s0 = gt.sparse.sum(s, 0)
    assert s0.is_sparse and s0.shape == (3,)
    assert_close(s0.to_dense(), DENSE.sum(0))
    assert_close(gt.sparse.sum(s, dim=1).to_dense(), DENSE.sum(1))
    assert not gt.sparse.sum(s, (0, 1)).is_sparse
    sm = gt.sparse.softmax(s, 1).to_dense()._data
    row1 = np.exp([4.0, 5.0]) / np.exp([4.0, 5.0]).sum()
    np.testing.assert_allclose(sm[1, [0, 2]], row1, rtol=1e-6)
    assert sm[0, 2] == pytest.approx(1.0) and sm[0, 0] == 0
    lsm = gt.sparse.log_softmax(s, 1).to_dense()._data
    np.testing.assert_allclose(lsm[1, [0, 2]], np.log(row1), rtol=1e-6)


def test_dense_only_ops_raise():
    s = _S()
    for f in (lambda: s.exp(), lambda: s.view(-1), lambda: s[0], lambda: s.mean(),
              lambda: gt.cat([s, s])):
        with pytest.raises(NotImplementedError, match="SparseCPU"):
            f()
    with pytest.raises(TypeError, match="Sparse layout"):
        s.numpy()
    with pytest.raises(RuntimeError, match="storage"):
        s.data_ptr()


def test_autograd_sparse_mm():
    s = _S(gt.float64, requires_grad=True)
    d = gt.arange(6.0, dtype=gt.float64).reshape(3, 2).requires_grad_()
    gt.sparse.mm(s, d).sum().backward()
    g = s.grad
    assert g.is_sparse and g._indices().tolist() == IDX
    assert g._values().tolist() == [9.0, 1.0, 9.0]
    assert d.grad.tolist() == [[4.0, 4.0], [0.0, 0.0], [8.0, 8.0]]
    gt.sparse.mm(s, d).sum().backward()  # accumulates
    assert s.grad._values().tolist() == [18.0, 2.0, 18.0]


def test_autograd_through_values_and_gradcheck():
    v = gt.tensor(VAL, dtype=gt.float64, requires_grad=True)
    d = gt.tensor(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True)

    def f(v, d):
        s = gt.sparse_coo_tensor(IDX, v, (2, 3))
        return gt.sparse.mm(s, d) + s.to_dense().sum()
    assert gt.autograd.gradcheck(f, (v, d))
    s = gt.sparse_coo_tensor(IDX, v, (2, 3))
    assert not s.is_leaf and s.requires_grad
    assert "SparseCooTensorWithDimsAndTensorsBackward0" in repr(s)

    def g(v):
        s = gt.sparse_coo_tensor([[0, 0, 1], [1, 1, 0]], v, (2, 2))
        return gt.sparse.softmax(s.coalesce(), 1).to_dense() * gt.tensor([[1.0, 2.0], [3.0, 4.0]],
                                                                          dtype=gt.float64)
    assert gt.autograd.gradcheck(g, (v,))


def test_to_dense_and_to_sparse_backward():
    s = gt.sparse_coo_tensor([[0, 0, 1], [1, 1, 0]], [1.0, 2.0, 3.0], (2, 2), requires_grad=True)
    (s.coalesce().to_dense() * gt.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    # as torch: the gradient sits on the unique pattern (the duplicate (0, 1) once)
    assert s.grad._indices().tolist() == [[0, 1], [1, 0]]
    assert s.grad._values().tolist() == [2.0, 3.0] and not s.grad.is_coalesced()
    assert_close(s.grad.to_dense(), np.array([[0.0, 2.0], [3.0, 0.0]], np.float32))
    x = gt.tensor([[0.0, 2.0], [3.0, 0.0]], requires_grad=True)
    x.to_sparse().to_dense().sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_repr_forms():
    s = _S()
    assert repr(s) == ("tensor(indices=tensor([[0, 1, 1],\n                       [2, 0, 2]]),\n"
                       "       values=tensor([3., 4., 5.]),\n"
                       "       size=(2, 3), nnz=3, layout=torch.sparse_coo)")
    r = repr(_S(gt.float64, requires_grad=True))
    assert r.endswith("dtype=torch.float64, layout=torch.sparse_coo,\n       requires_grad=True)")


def test_serialization_roundtrip():
    s = _S()
    for back in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s)):
        assert back.is_sparse and repr(back) == repr(s)
    buf = io.BytesIO()
    gt.save({"a": s, "b": s.coalesce()}, buf)
    buf.seek(0)
    out = gt.load(buf)
    assert repr(out["a"]) == repr(s) and out["b"].is_coalesced()


def test_trace_refuses_sparse():
    s = _S()

    def f(x):
        return gt.sparse.mm(s, x)
    with pytest.raises(RuntimeError, match="sparse"):
        gt.jit.trace(f, (gt.ones(3, 2),))
