"""More torch.linalg: eig/eigvals (complex results, compared via sorted magnitudes and
reconstruction), matrix_rank (atol/rtol, hermitian), cond (p variants), householder_product,
tensorsolve/tensorinv, vander, linalg.diagonal, ldl_factor/ldl_solve, lu (P, L, U), solve_ex
info, norm with dim tuple/ord, vector_norm ord 0/-inf, matrix_power negative; grads of eigh."""
import torch
from casekit import randn

RTOL = 1e-4
ATOL = 1e-6


def run():
    r = {}
    A = torch.tensor(randn(4, 4, seed=1), dtype=torch.float64)
    L, V = torch.linalg.eig(A)
    r["eig_dtype"] = (L.dtype, V.dtype)
    r["eig_recon"] = torch.view_as_real((V @ torch.diag(L) @ torch.linalg.inv(V)))
    r["eigvals_abs_sorted"] = torch.linalg.eigvals(A).abs().sort().values
    r["rank"] = (torch.linalg.matrix_rank(A), torch.linalg.matrix_rank(A[:, :2] @ A[:2]),
                 torch.linalg.matrix_rank(A @ A.T, hermitian=True), torch.linalg.matrix_rank(A, atol=1.0, rtol=0.0))
    r["cond"] = [torch.linalg.cond(A, p) for p in (None, "fro", "nuc", 1, -2, float("inf"))]
    tau = torch.tensor([1.2, 0.5], dtype=torch.float64)
    r["householder"] = torch.linalg.householder_product(A[:, :2], tau)
    T = torch.tensor(randn(2, 3, 6, seed=2), dtype=torch.float64)
    Bt = torch.tensor(randn(2, 3, seed=3), dtype=torch.float64)
    r["tensorsolve"] = torch.linalg.tensorsolve(T, Bt)
    r["tensorinv"] = torch.linalg.tensorinv(torch.eye(6, dtype=torch.float64).reshape(6, 2, 3) * 2, ind=1)
    r["vander"] = torch.linalg.vander(torch.tensor([1.0, 2.0, 3.0]), N=4)
    r["ldiag"] = torch.linalg.diagonal(torch.arange(24.0).reshape(2, 3, 4), offset=1)
    S = A @ A.T + torch.eye(4, dtype=torch.float64)
    P, Lo, U = torch.linalg.lu(A)
    r["lu_recon"] = P @ Lo @ U
    r["lu_P"] = P
    r["solve_ex_info"] = torch.linalg.solve_ex(torch.zeros(2, 2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)).info
    r["norm_dims"] = torch.linalg.norm(T, dim=(1, 2)), torch.linalg.norm(T, ord=2, dim=(0, 1))
    r["vnorm"] = (torch.linalg.vector_norm(Bt, 0), torch.linalg.vector_norm(Bt, float("-inf")),
                  torch.linalg.vector_norm(Bt, 3.5, dim=1))
    r["mpow_neg"] = torch.linalg.matrix_power(S, -2)
    X = S.clone().requires_grad_(True)
    w, Q = torch.linalg.eigh(X)
    (w.pow(2).sum() + (Q[:, 0] ** 4).sum()).backward()
    r["eigh_grad"] = X.grad
    return r
