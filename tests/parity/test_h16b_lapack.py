"""Parity with torch 2.13 for LAPACK-format factorizations (helper H16b): geqrf, orgqr,
ormqr (values and gradients), linalg.ldl_factor(_ex) / ldl_solve (LD and pivots exactly as
LAPACK's ?sytrf/?hetrf), and the backward nodes torch gives them."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close
from tests.parity.test_h16b_gaps import both, same_error

torch = pytest.importorskip("torch")

RS = np.random.RandomState(0)


# ------------------------------------------------------------------------------ geqrf family
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 4, 3), (0, 3)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_geqrf_matches_lapack(shape, dtype):
    a = RS.randn(*shape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * RS.randn(*shape)
    g, t = both(a.astype(dtype))
    rg, rt = gt.geqrf(g), torch.geqrf(t)
    assert type(rg).__name__ == "geqrf" and rg._fields if hasattr(rg, "_fields") else True
    assert_close(rg.a, rt.a, rtol=1e-5, atol=1e-5)
    assert_close(rg.tau, rt.tau, rtol=1e-5, atol=1e-5)
    assert_close(g.geqrf()[0], rt[0], rtol=1e-5, atol=1e-5)


def test_geqrf_backward_raises_as_torch():
    x = RS.randn(4, 3)
    g, t = both(x, requires_grad=True)
    ag, at = gt.geqrf(g).a, torch.geqrf(t).a
    assert type(ag.grad_fn).__name__ == type(at.grad_fn).__name__ == "GeqrfBackward0"
    same_error(lambda: ag.sum().backward(), lambda: at.sum().backward())


def test_geqrf_errors():
    same_error(lambda: gt.geqrf(gt.zeros(3)), lambda: torch.geqrf(torch.zeros(3)))
    same_error(lambda: gt.geqrf(gt.ones(3, 3, dtype=gt.int64)),
               lambda: torch.geqrf(torch.ones(3, 3, dtype=torch.int64)))


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (2, 4, 3)])
def test_orgqr_is_householder_product(shape):
    a = RS.randn(*shape)
    at, tt = torch.geqrf(torch.tensor(a))
    g, t = both(at.numpy())
    gtau, ttau = both(tt.numpy())
    assert_close(gt.orgqr(g, gtau), torch.orgqr(t, ttau))
    assert_close(g.orgqr(gtau), t.orgqr(ttau))


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_ormqr_values_and_grads(left, transpose, shape):
    a = RS.randn(*shape)
    at, tt = torch.geqrf(torch.tensor(a))
    m = shape[-2]
    cshape = shape[:-2] + ((m, 2) if left else (2, m))
    c = RS.randn(*cshape)
    ga, ta = both(at.numpy(), True)
    gtau, ttau = both(tt.numpy(), True)
    gc, tc = both(c, True)
    rg = gt.ormqr(ga, gtau, gc, left, transpose)
    rt = torch.ormqr(ta, ttau, tc, left, transpose)
    assert_close(rg, rt)
    w = RS.randn(*rt.shape)
    rg.backward(gt.tensor(w))
    rt.backward(torch.tensor(w))
    for x, y in ((ga, ta), (gtau, ttau), (gc, tc)):
        assert_close(x.grad, y.grad, rtol=1e-6, atol=1e-8)
    assert_close(ga.detach().ormqr(gtau.detach(), gc.detach(), left=left, transpose=transpose),
                 rt)


def test_ormqr_complex():
    a = RS.randn(4, 3) + 1j * RS.randn(4, 3)
    c = RS.randn(4, 2) + 1j * RS.randn(4, 2)
    at, tt = torch.geqrf(torch.tensor(a))
    for tr in (False, True):
        rg = gt.ormqr(gt.tensor(at.numpy()), gt.tensor(tt.numpy()), gt.tensor(c), True, tr)
        assert_close(rg, torch.ormqr(at, tt, torch.tensor(c), True, tr))


def test_ormqr_errors():
    a, tau = RS.randn(4, 3), RS.randn(3)
    cases = [
        (a, tau, RS.randn(2, 4), False, {}),  # valid
        (a, tau[:2], RS.randn(2, 4), False, {}),
        (a, tau, RS.randn(4, 2).astype(np.float32), True, {}),
        (a, tau, RS.randn(4), True, {}),
        (a[0], tau, RS.randn(4, 2), True, {}),
        (a, tau[None], RS.randn(4, 2), True, {}),
        (RS.randn(2, 4, 3), RS.randn(2, 3), RS.randn(4, 2), True, {}),
        (a, tau, RS.randn(3, 2), True, {}),
    ]
    for A, t, C, left, _ in cases[1:]:
        same_error(lambda: gt.ormqr(gt.tensor(A), gt.tensor(t), gt.tensor(C), left),
                   lambda: torch.ormqr(torch.tensor(A), torch.tensor(t), torch.tensor(C),
                                       left))


# ------------------------------------------------------------------------------ LDL
def _sym(shape, dtype=np.float64, herm=True):
    a = RS.randn(*shape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * RS.randn(*shape)
    at = np.swapaxes(a.conj() if herm else a, -1, -2)
    return (a + at).astype(dtype)


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (6, 6), (0, 0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("hermitian", [False, True])
def test_ldl_factor_matches_torch(shape, dtype, hermitian):
    a = _sym(shape, dtype, herm=hermitian)
    g, t = both(a)
    rg = gt.linalg.ldl_factor(g, hermitian=hermitian)
    rt = torch.linalg.ldl_factor(t, hermitian=hermitian)
    assert type(rg).__name__ == type(rt).__name__
    assert_close(rg.LD, rt.LD, rtol=1e-4, atol=1e-5)
    assert rg.pivots.dtype == gt.int32
    np.testing.assert_array_equal(rg.pivots.numpy(), rt.pivots.numpy())
    rge = gt.linalg.ldl_factor_ex(g, hermitian=hermitian)
    rte = torch.linalg.ldl_factor_ex(t, hermitian=hermitian)
    np.testing.assert_array_equal(rge.info.numpy(), rte.info.numpy())
    assert rge.info.dtype == gt.int32 and tuple(rge.info.shape) == tuple(rte.info.shape)
    b = RS.randn(*(shape[:-1] + (2,))).astype(dtype)
    gb, tb = both(b)
    xg = gt.linalg.ldl_solve(rg.LD, rg.pivots, gb, hermitian=hermitian)
    xt = torch.linalg.ldl_solve(rt.LD, rt.pivots, tb, hermitian=hermitian)
    assert_close(xg, xt, rtol=1e-3, atol=1e-4)
    if shape[-1]:
        assert_close(g @ xg, gb, rtol=1e-3, atol=1e-4)


def test_ldl_pivoting_2x2_blocks():
    # a zero diagonal forces Bunch-Kaufman 2x2 pivots (negative pivot entries)
    a = np.array([[0., 1., 2.], [1., 0., 3.], [2., 3., 0.]])
    g, t = both(a)
    rg, rt = gt.linalg.ldl_factor(g), torch.linalg.ldl_factor(t)
    np.testing.assert_array_equal(rg.pivots.numpy(), rt.pivots.numpy())
    assert (rt.pivots.numpy() < 0).any()
    assert_close(rg.LD, rt.LD)
    b = RS.randn(3, 1)
    assert_close(gt.linalg.ldl_solve(rg.LD, rg.pivots, gt.tensor(b)),
                 torch.linalg.ldl_solve(rt.LD, rt.pivots, torch.tensor(b)))
    # int64 pivots are accepted too
    assert_close(gt.linalg.ldl_solve(rg.LD, rg.pivots.long(), gt.tensor(b)),
                 torch.linalg.ldl_solve(rt.LD, rt.pivots.long(), torch.tensor(b)))


def test_ldl_singular_and_out():
    z = np.zeros((3, 3))
    g, t = both(z)
    rg, rt = gt.linalg.ldl_factor_ex(g), torch.linalg.ldl_factor_ex(t)
    assert int(rg.info) == int(rt.info) == 1
    with pytest.raises(RuntimeError):
        gt.linalg.ldl_factor(g)
    a = _sym((3, 3))
    ld, piv = gt.empty(3, 3, dtype=gt.float64), gt.empty(3, dtype=gt.int32)
    r = gt.linalg.ldl_factor(gt.tensor(a), out=(ld, piv))
    assert r.LD is ld and r.pivots is piv
    assert_close(ld, torch.linalg.ldl_factor(torch.tensor(a)).LD)


def test_ldl_backward_raises_as_torch():
    a = _sym((3, 3))
    g, t = both(a, True)
    lg, lt = gt.linalg.ldl_factor(g).LD, torch.linalg.ldl_factor(t).LD
    assert type(lg.grad_fn).__name__ == type(lt.grad_fn).__name__ == "NotImplemented"
    same_error(lambda: lg.sum().backward(), lambda: lt.sum().backward())
    ld, piv = torch.linalg.ldl_factor(torch.tensor(a))
    bg, bt = both(RS.randn(3, 2), True)
    xg = gt.linalg.ldl_solve(gt.tensor(ld.numpy()), gt.tensor(piv.numpy()), bg)
    xt = torch.linalg.ldl_solve(ld, piv, bt)
    assert type(xg.grad_fn).__name__ == type(xt.grad_fn).__name__
    same_error(lambda: xg.sum().backward(), lambda: xt.sum().backward())


def test_ldl_errors():
    for mk in (lambda m: m.randn(3), lambda m: m.randn(2, 3),
               lambda m: m.ones(3, 3, dtype=m.int64)):
        same_error(lambda: gt.linalg.ldl_factor(mk(gt)), lambda: torch.linalg.ldl_factor(mk(torch)))
    a = _sym((4, 4))
    ld, piv = torch.linalg.ldl_factor(torch.tensor(a))
    gld, gpiv = gt.tensor(ld.numpy()), gt.tensor(piv.numpy())
    same_error(lambda: gt.linalg.ldl_solve(gld, gpiv, gt.ones(3, 2, dtype=gt.float64)),
               lambda: torch.linalg.ldl_solve(ld, piv, torch.ones(3, 2, dtype=torch.float64)))
    same_error(lambda: gt.linalg.ldl_solve(gld, gpiv, gt.ones(4, 2)),
               lambda: torch.linalg.ldl_solve(ld, piv, torch.ones(4, 2)))
