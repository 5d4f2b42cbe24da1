"""Shape and view ops against numpy: aliasing and version counters of views, strides, in-place
view variants, resize_, dtypes, empty/0-dim inputs and error types."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import T, assert_close

X = np.arange(24.0).reshape(2, 3, 4)


def x_():
    return T(X)


# ------------------------------------------------------------------------------ views alias
VIEWS = {
    "permute": lambda x: x.permute(2, 0, 1),
    "transpose": lambda x: x.transpose(0, 2),
    "T": lambda x: x[0].T,
    "mT": lambda x: x.mT,
    "squeeze": lambda x: x[:, :1].squeeze(1),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "narrow": lambda x: x.narrow(2, 1, 2),
    "unfold": lambda x: x.unfold(2, 2, 1),
    "diagonal": lambda x: x.diagonal(1, 1, 2),
    "as_strided": lambda x: x.as_strided((2, 2), (1, 5), 3),
    "flatten": lambda x: x.flatten(),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "movedim": lambda x: x.movedim(0, -1),
    "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(2, 2)[1],
    "unbind": lambda x: x.unbind(1)[2],
    "tensor_split": lambda x: x.tensor_split(3, 2)[1],
    "hsplit": lambda x: x.hsplit([1])[1],
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "view_as_real": lambda x: gt.view_as_real(gt.view_as_complex(x.reshape(2, 3, 2, 2))),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_shares_memory_and_version(name):
    x = x_()
    v = VIEWS[name](x)
    assert v._base is x
    assert np.shares_memory(v.numpy(), x.numpy())
    before = x._version
    if name != "expand":
        v.add_(1) if name != "view_as_real" else v.mul_(2)
        assert x._version == v._version == before + 1
        assert not np.array_equal(x.numpy(), X)  # the write is visible in the base
    x.zero_()
    assert v._version == x._version
    assert (v.numpy() == 0).all()


def test_write_through_diagonal_and_unbind():
    x = gt.zeros(3, 4)
    x.diagonal().add_(1)
    assert_close(x, T(np.eye(3, 4, dtype=np.float32)))
    rows = x.unbind(0)
    rows[2].fill_(7)
    assert x._version == 2 and (x.numpy()[2] == 7).all()


def test_view_strides_and_offsets():
    x = x_()
    assert x.permute(2, 0, 1).stride() == (1, 12, 4)
    assert x.unsqueeze(1).stride() == (12, 12, 4, 1)
    assert x.unsqueeze(3).stride() == (12, 4, 1, 1)
    d = x.diagonal(-1, 1, 2)
    assert d.stride() == (12, 5) and d.storage_offset() == 4
    assert x.diagonal(5, 1, 2).storage_offset() == 0
    u = x.unfold(2, 2, 1)
    assert u.shape == (2, 3, 3, 2) and u.stride() == (12, 4, 1, 1)
    assert x.narrow(1, -1, 1).storage_offset() == 8
    assert not x.transpose(0, 1).is_contiguous() and x.flatten(1).is_contiguous()
    assert x.split(2, 1)[1].data_ptr() == x.data_ptr() + 8 * 8


def test_as_strided_is_relative_to_storage():
    base = gt.arange(12.0)
    tail = base[2:]
    assert tail.as_strided((2,), (1,), 0).tolist() == [0.0, 1.0]
    assert tail.as_strided((2,), (1,)).tolist() == [2.0, 3.0]
    assert tail.as_strided((2,), (1,)).storage_offset() == 2
    with pytest.raises(RuntimeError, match="out of bounds for storage"):
        base.as_strided((4,), (4,), 0)


def test_as_strided_gradient_overlapping():
    x = gt.arange(12.0).requires_grad_()
    x[2:].as_strided((3, 3), (1, 1), 0).sum().backward()
    assert x.grad.tolist() == [0, 0, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0]


def test_complex_views():
    r = T(np.arange(12.0).reshape(3, 2, 2))
    c = gt.view_as_complex(r)
    assert c.dtype == gt.complex128 and c.shape == (3, 2)
    np.testing.assert_array_equal(c.numpy(), r.numpy()[..., 0] + 1j * r.numpy()[..., 1])
    back = gt.view_as_real(c)
    assert back.stride() == r.stride() and back.dtype == gt.float64
    with pytest.raises(RuntimeError, match="storage_offset divisible by 2"):
        gt.view_as_complex(gt.arange(8.0)[1:7].reshape(3, 2))


def test_complex_view_gradients():
    z = T(np.array([1 + 2j, 3 - 1j]), requires_grad=True)
    (gt.view_as_real(z) * T(np.array([[1.0, 2.0], [3.0, 4.0]]))).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [1 + 2j, 3 + 4j])


# ------------------------------------------------------------------------------ in-place views
def test_inplace_view_ops():
    a = gt.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        a.t_()
    b = a * 1
    assert b.t_() is b and b.shape == (3, 2) and b._version == 1
    assert type(b.grad_fn).__name__ == "TBackward1"
    b.unsqueeze_(0)
    assert b.shape == (1, 3, 2) and type(b.grad_fn).__name__ == "UnsqueezeBackward1"
    b.squeeze_()
    assert type(b.grad_fn).__name__ == "SqueezeBackward3"
    b.transpose_(0, 1)
    assert type(b.grad_fn).__name__ == "TransposeBackward1"
    b.sum().backward()
    assert_close(a.grad, gt.ones(2, 3))
    c = gt.arange(6.0)
    v = c[1:3]
    v.t_()
    assert c._version == 1 and v.storage_offset() == 1
    s = gt.zeros(1, 3, 1)
    s.squeeze_((0, 2))
    assert s.shape == (3,)
    w = gt.zeros(2, 3)
    w.swapaxes_(0, 1)
    assert w.shape == (3, 2) and w.stride() == (1, 3)


def test_resize_():
    r = gt.arange(6.0)
    r.resize_(2, 2)
    assert r.tolist() == [[0, 1], [2, 3]] and r._version == 1
    r.resize_(3, 3)
    assert r.shape == (3, 3) and r.reshape(-1)[:6].tolist() == [0, 1, 2, 3, 4, 5]
    w = gt.arange(6.0).reshape(2, 3).t()
    assert w.resize_(3, 2).stride() == (1, 3)  # same shape: untouched
    assert w.resize_(2, 2).stride() == (2, 1)
    assert gt.empty(0).resize_(2, 3).shape == (2, 3)
    g = gt.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        g.resize_(3)
    q = gt.arange(6.0)
    q[:4].resize_as_(gt.zeros(5))
    assert q.tolist() == [0, 1, 2, 3, 4, 5]


# ------------------------------------------------------------------------------ numpy references
def test_joins_match_numpy():
    a, b = np.random.rand(2, 3), np.random.rand(2, 5)
    assert_close(gt.cat([T(a), T(b)], 1), T(np.concatenate([a, b], 1)))
    assert_close(gt.stack([T(a), T(a)], -1), T(np.stack([a, a], -1)))
    assert_close(gt.hstack([T(a), T(b)]), T(np.hstack([a, b])))
    assert_close(gt.vstack([T(a), T(a)]), T(np.vstack([a, a])))
    assert_close(gt.dstack([T(a), T(a)]), T(np.dstack([a, a])))
    assert_close(gt.column_stack([T(a[0]), T(a[1])]), T(np.column_stack([a[0], a[1]])))
    assert gt.cat([T(np.zeros(0)), T(a)]).shape == (2, 3)  # legacy empty skip
    out = gt.empty(0)
    gt.cat([T(a), T(a)], out=out)
    assert out.shape == (4, 3)


def test_cat_promotion():
    i = T(np.arange(6).reshape(2, 3))
    assert gt.cat([i, i.to(gt.uint8)]).dtype == gt.int64
    assert gt.cat([i.bool(), i.to(gt.int8)]).dtype == gt.int8
    assert gt.cat([i, T(np.ones((2, 1), np.float16))], 1).dtype == gt.float16
    assert gt.stack([i, i.double()]).dtype == gt.float64
    assert gt.cat([T(np.zeros(0)), T(np.ones((1, 1), np.float32))]).dtype == gt.float64


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_, np.int8, np.complex64])
def test_copies_match_numpy(dtype):
    a = (np.random.rand(3, 4) * 5).astype(dtype)
    t = T(a)
    assert_close(t.flip(0, 1), T(np.flip(a, (0, 1)).copy()))
    assert_close(t.roll(2), T(np.roll(a, 2)))
    assert_close(t.roll((1, -1), (0, 1)), T(np.roll(a, (1, -1), (0, 1))))
    assert_close(t.rot90(1), T(np.rot90(a).copy()))
    assert_close(t.rot90(3, (1, 0)), T(np.rot90(a, 3, (1, 0)).copy()))
    assert_close(t.repeat(2, 1, 3), T(np.tile(a, (2, 1, 3))))
    assert_close(t.repeat_interleave(2, 0), T(np.repeat(a, 2, 0)))
    assert_close(t.repeat_interleave(T(np.array([1, 0, 2, 1])), 1),
                 T(np.repeat(a, [1, 0, 2, 1], 1)))
    assert_close(t.tril(-1), T(np.tril(a, -1)))
    assert_close(t.triu(1), T(np.triu(a, 1)))
    assert_close(t.diag(1), T(np.diag(a, 1).copy()))
    assert_close(t.flip(0).reshape(-1), T(np.flip(a, 0).reshape(-1)))


def test_tri_and_diag_builders():
    np.testing.assert_array_equal(gt.tril_indices(3, 4, 1).numpy(),
                                  np.stack(np.tril_indices(3, 1, 4)))
    np.testing.assert_array_equal(gt.triu_indices(4, 3, -1).numpy(),
                                  np.stack(np.triu_indices(4, -1, 3)))
    assert gt.tril_indices(3, 3, dtype=gt.int32).dtype == gt.int32
    v = np.array([1.0, 2.0, 3.0])
    assert_close(gt.diag(T(v), -1), T(np.diag(v, -1)))
    assert_close(gt.diagflat(T(v.reshape(3, 1)), 1), T(np.diagflat(v, 1)))
    emb = gt.diag_embed(T(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_array_equal(emb.numpy()[1], np.diag([3.0, 4.0, 5.0]))
    bd = gt.block_diag(T(np.array(1.0)), T(np.ones((2, 2))), T(np.array([5.0, 6.0])))
    assert bd.shape == (4, 5) and bd.numpy()[3, 3:].tolist() == [5.0, 6.0]
    x = T(np.arange(4.0).reshape(2, 2))
    x.tril_()
    assert x.tolist() == [[0, 0], [2, 3]] and x._version == 1


def test_meshgrid_and_broadcast():
    a, b = T(np.arange(2)), T(np.arange(3))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ga, gb = gt.meshgrid(a, b)
    assert any("indexing argument" in str(m.message) for m in w)
    ra, rb = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    assert_close(ga, T(ra))
    assert_close(gb, T(rb))
    xa, xb = gt.meshgrid(a, b, indexing="xy")
    ra, rb = np.meshgrid(np.arange(2), np.arange(3), indexing="xy")
    assert_close(xa, T(ra))
    assert_close(xb, T(rb))
    assert gt.broadcast_shapes((2, 1), 4) == (2, 4)
    assert gt.broadcast_shapes((2, 1), (3,)) == (2, 3)
    p, q = gt.broadcast_tensors(T(np.ones((3, 1))), T(np.ones(4)))
    assert p.shape == q.shape == (3, 4) and p.stride() == (1, 0)
    assert gt.broadcast_to(T(np.ones(3)), (2, 3)).stride() == (0, 1)


def test_atleast_and_combinatorics():
    s = T(np.array(2.0))
    assert gt.atleast_1d(s).shape == (1,)
    assert [t.shape for t in gt.atleast_2d(s, T(np.ones(3)))] == [(1, 1), (1, 3)]
    assert gt.atleast_3d(T(np.ones((2, 3)))).shape == (2, 3, 1)
    cp = gt.cartesian_prod(T(np.arange(3)), T(np.arange(2)))
    assert cp.tolist() == [[i, j] for i in range(3) for j in range(2)]
    assert gt.combinations(T(np.arange(4)), 3).tolist() == [[0, 1, 2], [0, 1, 3], [0, 2, 3],
                                                              [1, 2, 3]]
    assert gt.combinations(T(np.arange(3)), with_replacement=True).shape == (6, 2)
    assert gt.combinations(T(np.arange(3)), 5).shape == (0, 5)
    assert gt.repeat_interleave(T(np.array([2, 0, 1]))).tolist() == [0, 0, 2]


def test_splits():
    v = T(np.arange(6.0))
    assert [p.tolist() for p in v.tensor_split([4, 1])] == [[0, 1, 2, 3], [], [1, 2, 3, 4, 5]]
    assert [len(p) for p in v.chunk(4)] == [2, 2, 2]
    assert [p.shape for p in gt.empty(0, 3).chunk(2)] == [(0, 3), (0, 3)]
    assert [len(p) for p in gt.split(v, [2, 4])] == [2, 4]
    assert [len(p) for p in v.split(T(np.array(4)))] == [4, 2]
    assert len(list(iter(T(np.ones((3, 2)))))) == 3  # Tensor.__iter__ uses unbind


def test_gradients_of_joins():
    a = T(np.random.rand(2, 3), requires_grad=True)
    b = T(np.random.rand(2, 2), requires_grad=True)
    out = gt.cat([a, b], 1)
    assert type(out.grad_fn).__name__ == "CatBackward0"
    (out * T(np.arange(10.0).reshape(2, 5))).sum().backward()
    assert a.grad.tolist() == [[0, 1, 2], [5, 6, 7]] and b.grad.tolist() == [[3, 4], [8, 9]]
    c = T(np.random.rand(3, 4), requires_grad=True)
    c.repeat(2, 3).sum().backward()
    assert (c.grad.numpy() == 6).all()
    d = T(np.random.rand(3), requires_grad=True)
    d.repeat_interleave(T(np.array([1, 0, 3]))).sum().backward()
    assert d.grad.tolist() == [1, 0, 3]
    e = T(np.random.rand(4), requires_grad=True)
    e.split(2)[1].sum().backward()
    assert e.grad.tolist() == [0, 0, 1, 1]


ERRORS = [
    (lambda x: x.permute(0, 1), RuntimeError, "input.dim() = 3 is not equal to len(dims) = 2"),
    (lambda x: x.transpose(0, 3), IndexError, "Dimension out of range"),
    (lambda x: x.t(), RuntimeError, "t() expects a tensor with <= 2 dimensions"),
    (lambda x: x.narrow(1, 2, 2), RuntimeError, "exceeds dimension size"),
    (lambda x: x.unfold(2, 5, 1), RuntimeError, "maximum size for tensor at dimension 2 is 4"),
    (lambda x: gt.cat([x, x[:, :2]], 0), RuntimeError,
     "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for "
     "tensor number 1 in the list."),
    (lambda x: gt.cat([x[0], x[0, 0]], 1), RuntimeError, "same number of dimensions"),
    (lambda x: gt.cat([]), ValueError, "expected a non-empty list"),
    (lambda x: gt.stack([x, x[0]]), RuntimeError, "stack expects each tensor to be equal size"),
    (lambda x: x.flip(0, 0), RuntimeError, "appears multiple times"),
    (lambda x: x.repeat(2), RuntimeError, "can not be smaller"),
    (lambda x: x[0, 0].tril(), RuntimeError, "at least 2 dimensions"),
    (lambda x: x.diag(), RuntimeError, "Supports 1D or 2D tensors. Got 3D"),
    (lambda x: gt.view_as_real(x), RuntimeError, "only supported for complex tensors"),
    (lambda x: x.split([1, 1], 1), RuntimeError, "sum exactly to 3"),
    (lambda x: x[0, 0, 0].unbind(), IndexError, "no dimensions"),
    (lambda x: gt.block_diag(x), RuntimeError, "2 or fewer dimensions"),
    (lambda x: gt.broadcast_shapes((2, 1), (3, 4)), RuntimeError, "Attempting to broadcast"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    fn, exc, msg = ERRORS[i]
    with pytest.raises(exc) as info:
        fn(x_())
    assert msg in str(info.value)


def test_t_warnings_and_0d():
    s = T(np.array(3.0))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert s.T.shape == () and x_().T.shape == (4, 3, 2)
    assert len(w) == 2
    assert s.t().shape == () and s.unsqueeze(0).stride() == (1,)
    assert s.flatten().shape == (1,) and s.flatten().stride() == (1,)
    assert s.flip(0).item() == 3.0 and s.roll(1).item() == 3.0
