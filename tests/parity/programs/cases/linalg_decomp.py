"""torch.linalg decompositions and solvers: solve (batched, left=False), lstsq solution,
qr modes, svd(full_matrices=False) reconstruction, eigh UPLO, cholesky(upper), inv_ex info,
cholesky_ex on non-PD, matrix_norm ords, det/slogdet, pinv(hermitian), solve_triangular,
lu_factor/lu_solve, matrix_exp, vecdot, multi_dot; gradients."""
import torch
from casekit import randn, err

RTOL = 1e-4
ATOL = 1e-6


def run():
    r = {}
    A = torch.tensor(randn(2, 3, 3, seed=1), dtype=torch.float64)
    A = A + 3 * torch.eye(3, dtype=torch.float64)
    B = torch.tensor(randn(2, 3, 2, seed=2), dtype=torch.float64)
    r["solve"] = torch.linalg.solve(A, B)
    r["solve_right"] = torch.linalg.solve(A, B.mT, left=False)
    M = torch.tensor(randn(5, 3, seed=3), dtype=torch.float64)
    y = torch.tensor(randn(5, 2, seed=4), dtype=torch.float64)
    r["lstsq"] = torch.linalg.lstsq(M, y).solution
    Q, R = torch.linalg.qr(M)
    r["qr_recon"] = Q @ R
    r["qr_r_shape"] = torch.linalg.qr(M, mode="complete").Q.shape
    r["qr_r_only"] = torch.linalg.qr(M, mode="r")[0].abs()
    U, S, Vh = torch.linalg.svd(M, full_matrices=False)
    r["svd_S"] = S
    r["svd_recon"] = U @ torch.diag(S) @ Vh
    P = M.T @ M
    r["eigh_L"] = torch.linalg.eigh(P).eigenvalues
    r["eigh_U"] = torch.linalg.eigh(torch.triu(P) + 100 * torch.tril(P, -1), UPLO="U").eigenvalues
    r["chol_upper"] = torch.linalg.cholesky(P, upper=True)
    inv, info = torch.linalg.inv_ex(torch.zeros(2, 2, dtype=torch.float64))
    r["inv_ex_info"] = info
    r["chol_ex_info"] = torch.linalg.cholesky_ex(-P).info
    r["chol_err"] = err(torch.linalg.cholesky, -P)
    for o in ("fro", "nuc", 1, -1, 2, -2, float("inf")):
        r["mnorm_%s" % o] = torch.linalg.matrix_norm(A, ord=o)
    r["det"] = torch.linalg.det(A)
    r["slogdet"] = torch.linalg.slogdet(-A)
    r["pinv_herm"] = torch.linalg.pinv(P, hermitian=True)
    r["pinv"] = torch.linalg.pinv(M)
    T = torch.triu(A[0])
    r["solve_tri"] = torch.linalg.solve_triangular(T, B[0], upper=True)
    LU, piv = torch.linalg.lu_factor(A)
    r["lu_solve"] = torch.linalg.lu_solve(LU, piv, B)
    r["piv"] = piv
    r["matrix_exp"] = torch.linalg.matrix_exp(A[0] * 0.1)
    r["vecdot"] = torch.linalg.vecdot(M, M, dim=0)
    r["multi_dot"] = torch.linalg.multi_dot([M.T, M, M.T])
    X = A.clone().requires_grad_(True)
    (torch.linalg.solve(X, B).sum() + torch.linalg.slogdet(X).logabsdet.sum()
     + torch.linalg.matrix_norm(X, "nuc").sum()).backward()
    r["grad"] = X.grad
    r["singular_err"] = err(torch.linalg.solve, torch.zeros(2, 2), torch.ones(2))
    return r
