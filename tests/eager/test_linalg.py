"""Linear algebra: products (all matmul rules), einsum, decompositions, solvers and norms
against numpy, their errors, and gradients of the ops differentiable only on a manifold."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.ops.linalg import mT
from tests.helpers import T, assert_close

R = np.random.RandomState(0)


def rnd(*shape, dtype=np.float64):
    return np.asarray(R.randn(*shape)).astype(dtype)


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                   ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
                                   ((2, 1, 2, 3), (5, 3, 2)), ((0, 3), (3, 2))])
def test_matmul_rules(sa, sb):
    a, b = rnd(*sa), rnd(*sb)
    r = gt.matmul(T(a), T(b))
    assert_close(r, np.matmul(a, b))
    assert_close(T(a) @ T(b), np.matmul(a, b))


def test_matmul_float32_no_promotion_and_errors():
    a = rnd(2, 3, dtype=np.float32)
    assert (T(a) @ T(rnd(3, 4, dtype=np.float32))).dtype is gt.float32
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but "
                                           "got: float != double"):
        gt.mm(T(a), T(rnd(3, 4)))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 4x5\)"):
        gt.mm(T(rnd(2, 3)), T(rnd(4, 5)))
    with pytest.raises(RuntimeError, match=r"size mismatch, got input \(2\), mat \(2x3\), "
                                           r"vec \(4\)"):
        gt.mv(T(rnd(2, 3)), T(rnd(4)))
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        gt.matmul(T(rnd()), T(rnd(3)))
    with pytest.raises(RuntimeError):
        gt.matmul(T(rnd(3)), T(rnd(4)))


def test_non_contiguous_and_int():
    a = rnd(4, 3).T
    assert_close(gt.mm(T(a), T(rnd(4, 2) * 0 + 1)), a @ np.ones((4, 2)))
    i = np.arange(6).reshape(2, 3)
    assert_close(gt.mm(T(i), T(i.T.copy())), i @ i.T)


def test_add_products():
    i, a, b = rnd(2, 4), rnd(2, 3), rnd(3, 4)
    assert_close(gt.addmm(T(i), T(a), T(b), beta=0.5, alpha=2), 0.5 * i + 2 * a @ b)
    nan = np.full((2, 4), np.nan)
    assert_close(gt.addmm(T(nan), T(a), T(b), beta=0), a @ b)  # beta=0 ignores input
    v = rnd(3)
    assert_close(gt.addmv(T(rnd(2) * 0), T(a), T(v)), a @ v)
    b1, b2 = rnd(5, 2, 3), rnd(5, 3, 4)
    assert_close(gt.baddbmm(T(rnd(5, 2, 4) * 0), T(b1), T(b2)), b1 @ b2)
    assert_close(gt.addbmm(T(i), T(b1), T(b2)), i + (b1 @ b2).sum(0))
    x, y = rnd(2), rnd(4)
    assert_close(gt.addr(T(i), T(x), T(y), alpha=3), i + 3 * np.outer(x, y))
    t = T(i.copy())
    t.addmm_(T(a), T(b))
    assert_close(t, i + a @ b)


def test_vector_products():
    x, y = rnd(3), rnd(3)
    assert_close(gt.dot(T(x), T(y)), np.dot(x, y))
    c = (rnd(3) + 1j * rnd(3)).astype(np.complex128)
    assert_close(gt.vdot(T(c), T(c)), np.vdot(c, c))
    assert_close(gt.outer(T(x), T(rnd(4) * 0 + 1)), np.outer(x, np.ones(4)))
    assert_close(gt.inner(T(rnd(2, 3) * 0 + 1), T(y)), np.ones((2, 3)) @ y)
    assert_close(gt.kron(T(rnd(2, 3) * 0 + 2), T(np.eye(2))), np.kron(np.full((2, 3), 2.0),
                                                                      np.eye(2)))
    assert_close(gt.trace(T(np.arange(9.0).reshape(3, 3))), np.array(12.0))
    assert gt.trace(T(np.arange(9).reshape(3, 3))).dtype is gt.int64
    u, v = rnd(4, 3), rnd(4, 3)
    assert_close(gt.linalg.cross(T(u), T(v)), np.cross(u, v))
    assert_close(gt.linalg.vecdot(T(u), T(v)), (u * v).sum(-1))


@pytest.mark.parametrize("eq,shapes", [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii", [(3, 3)]),
                                       ("ii->i", [(3, 3)]), ("...ij->...ji", [(2, 3, 4)]),
                                       ("bij,bjk", [(2, 2, 3), (2, 3, 2)]),
                                       ("i,j", [(2,), (3,)]), ("ij,ij,j->i", [(2, 3)] * 2 +
                                                                        [(3,)])])
def test_einsum(eq, shapes):
    ops = [rnd(*s) for s in shapes]
    assert_close(gt.einsum(eq, *[T(o) for o in ops]), np.einsum(eq, *ops))
    assert_close(gt.einsum(eq, [T(o) for o in ops]), np.einsum(eq, *ops))


def test_einsum_grad_and_errors():
    a = T(rnd(3, 3), requires_grad=True)
    assert gt.autograd.gradcheck(lambda x: gt.einsum("ii->i", x), [a])
    with pytest.raises(RuntimeError, match="einsum"):
        gt.einsum("ij,jk->ik", T(rnd(2, 3)), T(rnd(4, 5)))
    with pytest.raises(RuntimeError, match="fewer operands"):
        gt.einsum("ij,jk->ik", T(rnd(2, 3)))


def test_tensordot_multi_dot_matrix_power():
    a, b = rnd(2, 3, 4), rnd(3, 4, 5)
    assert_close(gt.tensordot(T(a), T(b)), np.tensordot(a, b))
    assert_close(gt.tensordot(T(a), T(b), dims=([1], [0])), np.tensordot(a, b, ([1], [0])))
    m = [rnd(2, 3), rnd(3, 4), rnd(4, 5)]
    assert_close(gt.linalg.multi_dot([T(x) for x in m]), m[0] @ m[1] @ m[2])
    s = rnd(3, 3)
    assert_close(gt.linalg.matrix_power(T(s), 3), s @ s @ s)
    assert_close(gt.matrix_power(T(s), 0), np.eye(3))
    assert_close(gt.linalg.matrix_power(T(s), -2), np.linalg.inv(s @ s), rtol=1e-6)


def test_inverses_and_dets():
    a = rnd(2, 3, 3) + 3 * np.eye(3)
    assert_close(gt.linalg.inv(T(a)), np.linalg.inv(a))
    assert_close(gt.inverse(T(a)), np.linalg.inv(a))
    assert_close(gt.linalg.det(T(a)), np.linalg.det(a))
    s, l = gt.linalg.slogdet(T(a))
    ns, nl = np.linalg.slogdet(a)
    assert_close(s, ns)
    assert_close(l, nl)
    assert_close(gt.logdet(T(a[0])), np.log(np.linalg.det(a[0])))
    inv, info = gt.linalg.inv_ex(T(np.zeros((3, 3))))
    assert int(info) == 1


def test_linalg_errors():
    with pytest.raises(RuntimeError, match="linalg.inv: A must be batches of square matrices, "
                                           "but they are 2 by 3 matrices"):
        gt.linalg.inv(T(rnd(2, 3)))
    with pytest.raises(gt.linalg.LinAlgError, match="singular"):
        gt.linalg.inv(T(np.zeros((2, 3, 3))))
    assert issubclass(gt.linalg.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor"):
        gt.linalg.det(T(np.ones((3, 3), dtype=np.int64)))
    with pytest.raises(gt.linalg.LinAlgError, match="not positive-definite"):
        gt.linalg.cholesky(T(-np.eye(3)))
    with pytest.raises(gt.linalg.LinAlgError, match="singular"):
        gt.linalg.solve(T(np.zeros((3, 3))), T(rnd(3)))


def test_solvers():
    a = rnd(2, 3, 3) + 3 * np.eye(3)
    b = rnd(2, 3, 2)
    assert_close(gt.linalg.solve(T(a), T(b)), np.linalg.solve(a, b))
    v = rnd(2, 3)
    assert_close(gt.linalg.solve(T(a), T(v)), np.linalg.solve(a, v[..., None])[..., 0])
    bl = rnd(2, 2, 3)
    assert_close(gt.linalg.solve(T(a), T(bl), left=False) @ T(a), bl)
    u = np.triu(a[0])
    assert_close(gt.linalg.solve_triangular(T(u), T(b[0]), upper=True), np.linalg.solve(u, b[0]))
    spd = a[0] @ a[0].T + np.eye(3)
    L = gt.linalg.cholesky(T(spd))
    assert_close(L, np.linalg.cholesky(spd))
    assert_close(gt.cholesky_solve(T(b[0]), L), np.linalg.solve(spd, b[0]), rtol=1e-6)
    assert_close(gt.cholesky_inverse(L), np.linalg.inv(spd), rtol=1e-6)
    LU, piv = gt.linalg.lu_factor(T(a))
    assert_close(gt.linalg.lu_solve(LU, piv, T(b)), np.linalg.solve(a, b))
    P, Lw, U = gt.linalg.lu(T(a))
    assert_close(P @ Lw @ U, a)
    x = gt.linalg.lstsq(T(rnd(5, 3)), T(rnd(5, 2))).solution
    assert tuple(x.shape) == (3, 2)


def test_decompositions():
    a = rnd(4, 3)
    U, S, Vh = gt.linalg.svd(T(a), full_matrices=False)
    assert_close((U * S.reshape(1, 3)) @ Vh, a)
    assert_close(gt.linalg.svdvals(T(a)), np.linalg.svd(a, compute_uv=False))
    Q, Rr = gt.linalg.qr(T(a))
    assert_close(Q @ Rr, a)
    assert tuple(gt.linalg.qr(T(a), mode="complete").Q.shape) == (4, 4)
    spd = a.T @ a
    w, V = gt.linalg.eigh(T(spd))
    assert_close(w, np.linalg.eigvalsh(spd))
    assert_close((V * w.reshape(1, 3)) @ mT(V), spd)
    ev = gt.linalg.eigvals(T(spd))
    assert ev.dtype is gt.complex128
    assert_close(gt.linalg.pinv(T(a)), np.linalg.pinv(a))
    assert int(gt.linalg.matrix_rank(T(a))) == 3
    assert_close(gt.linalg.matrix_exp(T(np.zeros((2, 2)))), np.eye(2))


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")])
def test_matrix_norm(ord):
    a = rnd(3, 4)
    assert_close(gt.linalg.matrix_norm(T(a), ord), np.linalg.norm(a, ord))


def test_vector_norm_and_norm():
    a = rnd(3, 4)
    assert_close(gt.linalg.vector_norm(T(a), 3), (np.abs(a) ** 3).sum() ** (1 / 3))
    assert_close(gt.linalg.norm(T(a)), np.linalg.norm(a))
    assert_close(gt.linalg.norm(T(a), dim=1), np.linalg.norm(a, axis=1))


def _sym(x):
    return (x + mT(x)) * 0.5


def test_manifold_grads():
    a = rnd(3, 3)
    spd = T(a @ a.T + 3 * np.eye(3), requires_grad=True)
    assert gt.autograd.gradcheck(lambda x: gt.linalg.cholesky(_sym(x)), [spd])
    assert gt.autograd.gradcheck(lambda x: gt.linalg.eigh(_sym(x)).eigenvalues, [spd])
    assert gt.autograd.gradcheck(
        lambda x: gt.linalg.eigh(_sym(x)).eigenvectors.abs(), [spd])
    m = T(rnd(4, 3), requires_grad=True)
    assert gt.autograd.gradcheck(lambda x: gt.linalg.svd(x, full_matrices=False).S, [m])
    assert gt.autograd.gradcheck(lambda x: gt.linalg.pinv(x), [m])


def test_double_backward_matmul():
    a = T(rnd(2, 3), requires_grad=True)
    b = T(rnd(3, 2), requires_grad=True)
    assert gt.autograd.gradgradcheck(lambda x, y: x @ y, [a, b])
