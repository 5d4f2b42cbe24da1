"""Parity with torch 2.13: linear algebra values, dtypes, gradients, grad_fn names, errors."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close

torch = pytest.importorskip("torch")
R = np.random.RandomState(3)


def pair(*shape, dtype=np.float64, requires_grad=False, shift=0.0):
    a = np.asarray(R.randn(*shape)).astype(dtype)
    if shift:
        a = a + shift * np.eye(shape[-1], dtype=dtype)
    g = gt.tensor(a, requires_grad=requires_grad)
    t = torch.tensor(a, requires_grad=requires_grad)
    return g, t


PRODUCTS = [
    ("matmul", [(3,), (3,)]), ("matmul", [(2, 3), (3,)]), ("matmul", [(3,), (3, 4)]),
    ("matmul", [(2, 3), (3, 4)]), ("matmul", [(5, 2, 3), (3, 4)]),
    ("matmul", [(2, 2, 3), (2, 3, 4)]), ("matmul", [(2, 1, 2, 3), (5, 3, 4)]),
    ("mm", [(2, 3), (3, 4)]), ("bmm", [(2, 2, 3), (2, 3, 4)]), ("mv", [(2, 3), (3,)]),
    ("dot", [(3,), (3,)]), ("addmm", [(4,), (2, 3), (3, 4)]), ("addmv", [(2,), (2, 3), (3,)]),
    ("baddbmm", [(2, 2, 4), (2, 2, 3), (2, 3, 4)]), ("addbmm", [(2, 4), (3, 2, 3), (3, 3, 4)]),
    ("addr", [(2, 4), (2,), (4,)]), ("trace", [(3, 3)]),
]


@pytest.mark.parametrize("name,shapes", PRODUCTS, ids=lambda v: str(v))
def test_products(name, shapes):
    pairs = [pair(*s, requires_grad=True) for s in shapes]
    g = getattr(gt, name)(*[p[0] for p in pairs])
    t = getattr(torch, name)(*[p[1] for p in pairs])
    assert_close(g, t)
    assert type(g.grad_fn).__name__ == type(t.grad_fn).__name__
    g.sum().backward()
    t.sum().backward()
    for (a, b) in pairs:
        assert_close(a.grad, b.grad)


def test_product_errors():
    for args in [((2, 3), (4, 5)), ((2, 3), (4,)), ((3,), (4,))]:
        with pytest.raises(RuntimeError) as e1:
            gt.matmul(*[pair(*s)[0] for s in args])
        with pytest.raises(RuntimeError) as e2:
            torch.matmul(*[pair(*s)[1] for s in args])
        assert str(e1.value) == str(e2.value)
    a32 = pair(2, 3, dtype=np.float32)
    b64 = pair(3, 4)
    with pytest.raises(RuntimeError) as e1:
        gt.mm(a32[0], b64[0])
    with pytest.raises(RuntimeError) as e2:
        torch.mm(a32[1], b64[1])
    assert str(e1.value) == str(e2.value)


@pytest.mark.parametrize("eq,shapes", [("ij,jk->ik", [(2, 3), (3, 4)]),
                                       ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
                                       ("ii->i", [(3, 3)]), ("...ij,...j", [(2, 3, 4), (4,)]),
                                       ("ij->", [(2, 3)])])
def test_einsum(eq, shapes):
    pairs = [pair(*s, requires_grad=True) for s in shapes]
    g = gt.einsum(eq, *[p[0] for p in pairs])
    t = torch.einsum(eq, *[p[1] for p in pairs])
    assert_close(g, t)
    g.sum().backward()
    t.sum().backward()
    for a, b in pairs:
        assert_close(a.grad, b.grad)


def _both(fn_g, fn_t, *shapes, shift=3.0, dtype=np.float64):
    pairs = [pair(*s, requires_grad=True, shift=shift if len(s) > 1 and s[-1] == s[-2] else 0,
                  dtype=dtype) for s in shapes]
    g = fn_g(*[p[0] for p in pairs])
    t = fn_t(*[p[1] for p in pairs])
    return pairs, g, t


@pytest.mark.parametrize("name", ["inv", "det", "matrix_exp"])
def test_square_functions(name):
    pairs, g, t = _both(getattr(gt.linalg, name), getattr(torch.linalg, name), (2, 3, 3))
    assert_close(g, t, rtol=1e-6)
    assert type(g.grad_fn).__name__ == type(t.grad_fn).__name__
    g.sum().backward()
    t.sum().backward()
    assert_close(pairs[0][0].grad, pairs[0][1].grad, rtol=1e-6, atol=1e-8)


def test_slogdet_solve_grads():
    pairs, g, t = _both(lambda a: gt.linalg.slogdet(a).logabsdet,
                        lambda a: torch.linalg.slogdet(a).logabsdet, (3, 3))
    assert_close(g, t)
    g.backward()
    t.backward()
    assert_close(pairs[0][0].grad, pairs[0][1].grad)
    for left in (True, False):
        pairs, g, t = _both(lambda a, b: gt.linalg.solve(a, b, left=left),
                            lambda a, b: torch.linalg.solve(a, b, left=left), (3, 3), (3, 3))
        assert_close(g, t)
        (g * g).sum().backward()
        (t * t).sum().backward()
        for a, b in pairs:
            assert_close(a.grad, b.grad, rtol=1e-6)


def test_invariants_of_decompositions():
    a = R.randn(4, 3)
    ga, ta = gt.tensor(a), torch.tensor(a)
    assert_close(gt.linalg.svdvals(ga), torch.linalg.svdvals(ta))
    U, S, Vh = gt.linalg.svd(ga, full_matrices=True)
    assert tuple(U.shape) == (4, 4) and tuple(Vh.shape) == (3, 3)
    Q, Rr = gt.linalg.qr(ga)
    tQ, tR = torch.linalg.qr(ta)
    assert_close(np.abs(Rr.numpy()), np.abs(tR.numpy()))
    spd = a.T @ a + np.eye(3)
    assert_close(gt.linalg.cholesky(gt.tensor(spd)), torch.linalg.cholesky(torch.tensor(spd)))
    assert_close(gt.linalg.cholesky(gt.tensor(spd), upper=True),
                 torch.linalg.cholesky(torch.tensor(spd), upper=True))
    w, V = gt.linalg.eigh(gt.tensor(spd))
    tw, tV = torch.linalg.eigh(torch.tensor(spd))
    assert_close(w, tw)
    assert_close(np.abs(V.numpy()), np.abs(tV.numpy()))
    ev = gt.linalg.eigvals(gt.tensor(spd))
    assert ev.dtype is gt.complex128
    assert_close(np.sort(ev.numpy().real), np.sort(torch.linalg.eigvals(torch.tensor(spd))
                                                   .numpy().real))
    assert_close(gt.linalg.pinv(ga), torch.linalg.pinv(ta))
    assert int(gt.linalg.matrix_rank(ga)) == int(torch.linalg.matrix_rank(ta))
    assert_close(gt.linalg.cond(gt.tensor(spd)), torch.linalg.cond(torch.tensor(spd)))
    LU, piv = gt.linalg.lu_factor(gt.tensor(spd))
    tLU, tpiv = torch.linalg.lu_factor(torch.tensor(spd))
    assert_close(LU, tLU)
    assert (piv.numpy() == tpiv.numpy()).all() and piv.dtype is gt.int32
    sol = gt.linalg.lstsq(ga, gt.tensor(a[:, :2])).solution
    assert_close(sol, torch.linalg.lstsq(ta, torch.tensor(a[:, :2])).solution)
    U1, S1, V1 = gt.svd(ga)
    assert_close(S1, torch.svd(ta).S)
    assert tuple(V1.shape) == (3, 3)


def test_svd_and_eigh_grads_match_torch():
    a = R.randn(4, 3)
    ga, ta = gt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    gt.linalg.svdvals(ga).sum().backward()
    torch.linalg.svdvals(ta).sum().backward()
    assert_close(ga.grad, ta.grad)
    spd = a.T @ a + np.eye(3)
    gs, ts = gt.tensor(spd, requires_grad=True), torch.tensor(spd, requires_grad=True)
    (gt.linalg.eigh(gs).eigenvalues * gt.tensor([1.0, 2.0, 3.0], dtype=gt.float64)).sum() \
        .backward()
    (torch.linalg.eigh(ts).eigenvalues * torch.tensor([1.0, 2.0, 3.0],
                                                      dtype=torch.float64)).sum().backward()
    assert_close(gs.grad, ts.grad)
    gs.grad = None
    ts.grad = None
    gt.linalg.cholesky(gs).sum().backward()
    torch.linalg.cholesky(ts).sum().backward()
    assert_close(gs.grad, ts.grad)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")])
def test_matrix_norms(ord):
    a = R.randn(2, 3, 4)
    assert_close(gt.linalg.matrix_norm(gt.tensor(a), ord),
                 torch.linalg.matrix_norm(torch.tensor(a), ord))
    assert_close(gt.linalg.norm(gt.tensor(a[0]), ord), torch.linalg.norm(torch.tensor(a[0]), ord))


def test_errors_match():
    cases = [lambda m: m.linalg.inv(m.zeros(2, 3)), lambda m: m.linalg.inv(m.zeros(3, 3)),
             lambda m: m.linalg.inv(m.zeros(2, 3, 3)),
             lambda m: m.linalg.cholesky(-m.eye(3)),
             lambda m: m.linalg.det(m.ones(3, 3, dtype=m.int64)),
             lambda m: m.linalg.solve(m.eye(3), m.ones(4, 2))]
    for f in cases:
        with pytest.raises(RuntimeError) as e1:
            f(gt)
        with pytest.raises(RuntimeError) as e2:
            f(torch)
        assert str(e1.value).replace("torch.linalg", "linalg") == \
            str(e2.value).replace("torch.linalg", "linalg")
        assert isinstance(e1.value, gt.linalg.LinAlgError) == \
            isinstance(e2.value, torch.linalg.LinAlgError)
