"""Indexing parity with torch: getitem/setitem values, shapes, grad_fn names and gradients,
in-place writes through views (CopySlices), the gather/scatter/mask families and errors."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close

torch = pytest.importorskip("torch")

X = np.arange(60.0).reshape(3, 4, 5) / 7.0
KEYS = [
    0, -1, (1, 2), (slice(None), 1), slice(1, None), slice(None, None, 2), (Ellipsis, 1),
    (None, 0), (0, None, slice(1, 3)), ([0, 2],), ([0, 2], [1, 3]), (slice(None), [1, 1, 0]),
    ([0, 1], slice(None), [2, 3]), (0, slice(None), [1, 2]), ([[0], [2]], [1, 3]),
    (np.array([True, False, True]),), (slice(None), np.array([True, False, True, False])),
    (True,), (False,), (Ellipsis,), (), (1, Ellipsis, None), (slice(5, 1),), ([],),
    (np.array([0, 2]), 1), (slice(-2, None), [0, -1]),
]


def _key(key, lib):
    """The same key for graphtorch or torch (numpy arrays become tensors of each library)."""
    def conv(k):
        if isinstance(k, np.ndarray):
            return lib.tensor(k)
        return k
    return tuple(conv(k) for k in key) if isinstance(key, tuple) else conv(key)


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem_values_and_grads(key):
    xt = torch.tensor(X, requires_grad=True)
    xg = gt.tensor(X, requires_grad=True)
    rt, rg = (xt * 1)[_key(key, torch)], (xg * 1)[_key(key, gt)]
    assert_close(rg, rt)
    name_t, name_g = type(rt.grad_fn).__name__, type(rg.grad_fn).__name__
    if name_t != "UnsqueezeBackward0":  # graphtorch may use a view op for None
        assert name_g == name_t
    w = np.linspace(-1, 1, rt.numel()).reshape(tuple(rt.shape))
    (rt * torch.tensor(w)).sum().backward()
    (rg * gt.tensor(w)).sum().backward()
    assert_close(xg.grad, xt.grad)


@pytest.mark.parametrize("key", [k for i, k in enumerate(KEYS) if i not in (18, 22, 23)],
                         ids=repr)
def test_setitem_grads(key):
    xt = torch.tensor(X, requires_grad=True)
    xg = gt.tensor(X, requires_grad=True)
    shape = tuple((xt * 1)[_key(key, torch)].shape)
    vt = torch.tensor(np.linspace(1, 2, int(np.prod(shape))).reshape(shape), requires_grad=True)
    vg = gt.tensor(vt.detach().numpy(), requires_grad=True)
    yt, yg = xt.clone(), xg.clone()
    yt[_key(key, torch)] = vt * 2
    yg[_key(key, gt)] = vg * 2
    assert type(yg.grad_fn).__name__ == type(yt.grad_fn).__name__
    assert_close(yg, yt)
    (yt * yt).sum().backward()
    (yg * yg).sum().backward()
    assert_close(xg.grad, xt.grad)
    assert_close(vg.grad, vt.grad)


def _inplace_views(lib):
    a = lib.tensor(np.arange(24.0).reshape(4, 6), requires_grad=True)
    w = lib.tensor(np.array([1.5, -2.0, 3.0]), requires_grad=True)
    b = a * 1
    v = b.view(-1)
    v[2] = w[0]
    c = b[1:, ::2]
    c.mul_(w)
    d = c[1]
    d.add_(w * w)
    e = b.t() if hasattr(b, "t") else b
    out = (b ** 2).sum() + (c * 3).sum() + (d ** 3).sum()
    out.backward()
    return a.grad, w.grad, b, type(b.grad_fn).__name__, type(c.grad_fn).__name__, e


def test_inplace_on_view_chains():
    rt, rg = _inplace_views(torch), _inplace_views(gt)
    for a, b in zip(rg[:3], rt[:3]):
        assert_close(a, b)
    assert rg[3] == rt[3] == "CopySlices"
    assert rg[4] == rt[4] == "AsStridedBackward0"


def _double(lib):
    a = lib.tensor(np.arange(6.0).reshape(2, 3) / 3, requires_grad=True)
    b = a.clone()
    b[0].mul_(a[1])
    b[1, 1:] = a[0, :2] ** 2
    s = (b * b).sum()
    (g,) = lib.autograd.grad(s, a, create_graph=True)
    (g * g).sum().backward()
    return g, a.grad


def test_double_backward_through_copyslices():
    for a, b in zip(_double(gt), _double(torch)):
        assert_close(a, b)


IDX = np.array([[0, 2, 1], [3, 0, 0]])


def _pair(fn):
    """fn(lib) -> (outputs...) computed with both libraries and compared, grads included."""
    ins_t = [torch.tensor(np.arange(12.0).reshape(3, 4) / 5 + 0.5, requires_grad=True),
             torch.tensor(np.linspace(0.6, 1.9, 6).reshape(2, 3), requires_grad=True)]
    ins_g = [gt.tensor(t.detach().numpy(), requires_grad=True) for t in ins_t]
    rt, rg = fn(torch, *ins_t), fn(gt, *ins_g)
    assert_close(rg, rt)
    assert type(rg.grad_fn).__name__ == type(rt.grad_fn).__name__
    w = np.cos(np.arange(rt.numel())).reshape(tuple(rt.shape))
    (rt * torch.tensor(w)).sum().backward()
    (rg * gt.tensor(w)).sum().backward()
    for a, b in zip(ins_g, ins_t):
        if b.grad is None:
            assert a.grad is None
        else:
            assert_close(a.grad, b.grad)


FNS = {
    "index_select": lambda L, x, s: x.index_select(1, L.tensor([3, 0, 3])),
    "gather": lambda L, x, s: x.gather(1, L.tensor(IDX[:, :2])),
    "scatter": lambda L, x, s: x.scatter(1, L.tensor([[0, 2, 1], [3, 1, 0]]), s),
    "scatter_value": lambda L, x, s: x.scatter(0, L.tensor([[0, 2], [1, 1]]), 2.5),
    "scatter_add": lambda L, x, s: x.scatter_add(1, L.tensor(IDX), s),
    "index_add": lambda L, x, s: x.index_add(1, L.tensor([1, 1, 0]), s[0].expand(3, 3),
                                             alpha=2),
    "index_copy": lambda L, x, s: x.index_copy(0, L.tensor([2, 0]),
                                               s.sum(1, keepdim=True).expand(2, 4)),
    "index_fill": lambda L, x, s: x.index_fill(1, L.tensor([0, 2]), s[0, 1]),
    "index_put": lambda L, x, s: x.index_put((L.tensor([0, 0, 2]), L.tensor([1, 1, 3])),
                                             s[0], accumulate=True),
    "masked_fill": lambda L, x, s: x.masked_fill(x > 1.2, s[1, 2]),
    "masked_fill_num": lambda L, x, s: x.masked_fill(L.tensor([True, False, True, False]), -1.),
    "masked_select": lambda L, x, s: x.masked_select(x > 1.2),
    "masked_scatter": lambda L, x, s: x.masked_scatter(x < 1.0, s),
    "take": lambda L, x, s: x.take(L.tensor([[0, 11], [-1, 0]])),
    "take_along_dim": lambda L, x, s: L.take_along_dim(x, L.tensor([[0], [3], [1]]), 1),
    "take_along_dim_flat": lambda L, x, s: L.take_along_dim(x, L.tensor([0, 5, 5])),
    "put": lambda L, x, s: x.put(L.tensor([0, 5, 6]), s[0] * 2),
    "put_acc": lambda L, x, s: x.put(L.tensor([0, 5, 5]), s[1], accumulate=True),
    "where": lambda L, x, s: L.where(x > 1, x, s.sum()),
    "where_scalar": lambda L, x, s: L.where(x > 1, x, 0.0),
}
for r in ("sum", "prod", "mean", "amax", "amin"):
    for inc in (True, False):
        FNS[f"scatter_reduce_{r}_{inc}"] = (
            lambda L, x, s, r=r, inc=inc: x.scatter_reduce(1, L.tensor(IDX), s, r,
                                                           include_self=inc))


@pytest.mark.parametrize("name", sorted(FNS))
def test_function_parity(name):
    _pair(FNS[name])


def test_inplace_variants():
    def go(L):
        x = L.tensor(np.arange(12.0).reshape(3, 4))
        x.scatter_(1, L.tensor([[0], [1], [2]]), 9.0)
        x.index_fill_(0, L.tensor([1]), -1.0)
        x.masked_fill_(x > 8, 0.5)
        x.index_add_(1, L.tensor([0, 0]), L.ones(3, 2, dtype=L.float64))
        x.put_(L.tensor([0, 0]), L.tensor([1.0, 2.0], dtype=L.float64), accumulate=True)
        x.index_put_((L.tensor([2]), L.tensor([3])), L.tensor(7.0, dtype=L.float64))
        x.scatter_add_(0, L.tensor([[2, 1]]), L.ones(1, 2, dtype=L.float64))
        x.masked_scatter_(x < 1, L.arange(12.0, dtype=L.float64))
        x.index_copy_(0, L.tensor([0]), L.zeros(1, 4, dtype=L.float64))
        x.scatter_reduce_(1, L.tensor([[1, 1]] * 3), L.ones(3, 2, dtype=L.float64), "amax")
        return x
    assert_close(go(gt), go(torch))


def test_nonzero_where_argwhere():
    a = np.array([[0, 1.5, 0], [2, 0, -1]])
    for fn in (lambda L, t: L.nonzero(t), lambda L, t: L.argwhere(t),
               lambda L, t: L.nonzero(t, as_tuple=True), lambda L, t: L.where(t != 0),
               lambda L, t: L.nonzero(t[0, 1]), lambda L, t: L.nonzero(t[0, 0], as_tuple=True),
               lambda L, t: L.where(t > 0, 1, 0), lambda L, t: L.where(t > 0, 1.0, 0),
               lambda L, t: L.where(t > 0, t.int(), 2.5)):
        rg, rt = fn(gt, gt.tensor(a)), fn(torch, torch.tensor(a))
        if isinstance(rt, tuple):
            assert len(rg) == len(rt)
            for u, v in zip(rg, rt):
                assert_close(u, v)
        else:
            assert_close(rg, rt)


def test_setitem_dtypes_and_broadcast():
    def go(L):
        x = L.zeros(3, 4, dtype=L.int64)
        x[0] = 2.7
        x[1, 1:] = L.tensor([1.9, 2.2, -3.5])
        x[:, 0] = L.tensor([[5]])
        x[x > 4] = 8
        x[[2, 2], [3, 3]] = L.tensor([4, 6])
        return x
    assert_close(go(gt), go(torch))


ERRORS = [
    lambda L: L.zeros(3)[5],
    lambda L: L.zeros(3, 4)[:, -5],
    lambda L: L.zeros(3)[::-1],
    lambda L: L.zeros(3)[0, 0],
    lambda L: L.zeros(3)[1.5],
    lambda L: L.zeros(3)[L.tensor([1.0])],
    lambda L: L.zeros(3)[L.tensor([3])],
    lambda L: L.zeros(3)[L.tensor([True, False])],
    lambda L: L.zeros(3, 4).gather(1, L.tensor([[0.0]])),
    lambda L: L.zeros(3, 4).gather(1, L.tensor([[5]])),
    lambda L: L.zeros(3, 4).gather(1, L.tensor([0])),
    lambda L: L.zeros(3, 4).index_select(0, L.tensor([0.0])),
    lambda L: L.zeros(3, 4).index_select(0, L.tensor([[0]])),
    lambda L: L.zeros(3, 4).index_select(0, L.tensor([7])),
    lambda L: L.zeros(3, 4).take(L.tensor([12])),
    lambda L: L.zeros(3, 4).masked_fill(L.tensor([1, 0, 1, 0]), 1.0),
    lambda L: L.zeros(3, 4).masked_select(L.ones(4)),
    lambda L: L.zeros(3, 4).scatter(1, L.tensor([[0]]), L.ones(1, 1, dtype=L.float64)),
    lambda L: L.zeros(3, 4).scatter_reduce(1, L.tensor([[0]]), L.ones(1, 1), "foo"),
    lambda L: L.zeros(3, 4).index_put((L.tensor([0, 1]),), L.ones(3)),
    lambda L: L.zeros(3, 4).index_put((L.tensor([0]),), L.ones(4, dtype=L.float64)),
    lambda L: L.zeros(3, 4).put(L.tensor([0, 1]), L.ones(3)),
    lambda L: L.where(L.zeros(3), L.zeros(3), 1.0),
    lambda L: L.zeros(3).select(0, 3),
    lambda L: L.zeros(3, 4).index_add(0, L.tensor([0, 1]), L.ones(3, 4)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_error_types(i):
    with pytest.raises(Exception) as et:
        ERRORS[i](torch)
    with pytest.raises(type(et.value)) as eg:
        ERRORS[i](gt)
    assert type(eg.value) is type(et.value), (eg.value, et.value)
