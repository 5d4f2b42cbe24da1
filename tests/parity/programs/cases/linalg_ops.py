"""torch.linalg: norm variants, solve, inv, det/slogdet, qr, svdvals, eigh/eigvalsh, cholesky,
lstsq, matrix_rank, pinv, cross, matrix_power, vector_norm dtype; gradients of det/inv."""
import torch
from casekit import err, randn

RTOL = 1e-4
ATOL = 1e-4


def run():
    r = {}
    A = torch.tensor(randn(4, 4, seed=1), dtype=torch.float64)
    spd = A @ A.T + 4 * torch.eye(4, dtype=torch.float64)
    b = torch.tensor(randn(4, 2, seed=2), dtype=torch.float64)
    L = torch.linalg
    r["norms"] = [L.norm(A), L.norm(A, "fro"), L.norm(A, "nuc"), L.norm(A, 2), L.norm(A, -2),
                  L.norm(A, float("inf")), L.norm(A[0]), L.norm(A[0], 1), L.norm(A, dim=1)]
    r["vector_norm"] = L.vector_norm(A, ord=3, dim=(0, 1), keepdim=True)
    r["vector_norm_half"] = L.vector_norm(torch.ones(3, dtype=torch.float16), dtype=torch.float32)
    r["matrix_norm"] = L.matrix_norm(A.reshape(1, 4, 4).float(), ord="fro")
    r["torch_norm_p"] = torch.norm(A, p=1, dim=0)
    r["solve"] = L.solve(spd, b)
    r["solve_left_false"] = L.solve(spd, b.T, left=False)
    r["inv"] = L.inv(spd)
    r["det"] = (L.det(A), torch.det(A.float()))
    r["slogdet"] = L.slogdet(A)
    q, rr = L.qr(A)
    r["qr_recon"] = q @ rr
    r["qr_r_abs_diag"] = rr.diagonal().abs()
    r["svdvals"] = L.svdvals(A)
    U, S, Vh = L.svd(A, full_matrices=False)
    r["svd_recon"] = (U * S) @ Vh
    r["eigvalsh"] = L.eigvalsh(spd)
    w, V = L.eigh(spd)
    r["eigh_recon"] = V @ torch.diag(w) @ V.T
    r["eigvals_real"] = torch.sort(L.eigvals(spd).real).values
    r["cholesky"] = L.cholesky(spd)
    r["cholesky_upper"] = L.cholesky(spd, upper=True)
    r["lstsq"] = L.lstsq(torch.tensor(randn(6, 3, seed=3), dtype=torch.float64),
                         torch.tensor(randn(6, 2, seed=4), dtype=torch.float64)).solution
    r["rank"] = L.matrix_rank(torch.tensor([[1., 2.], [2., 4.]]))
    r["pinv"] = L.pinv(torch.tensor([[1., 2.], [2., 4.], [0., 1.]], dtype=torch.float64))
    r["cross"] = L.cross(torch.tensor([[1., 0., 0.]]), torch.tensor([[0., 1., 0.], [0., 0., 1.]]))
    r["matrix_power"] = (L.matrix_power(spd, 3), L.matrix_power(spd, -1), L.matrix_power(spd, 0))
    r["matrix_exp"] = L.matrix_exp(A * 0.1)
    r["multi_dot"] = L.multi_dot([A, b, b.T])
    r["cond"] = L.cond(spd)
    r["diagonal"] = L.diagonal(A, offset=1)
    r["tensorsolve_inv_ex"] = L.inv_ex(spd).info
    r["cholesky_ex_info"] = L.cholesky_ex(-spd).info
    X = A.clone().requires_grad_(True)
    L.det(X).backward()
    r["det_grad"] = X.grad
    Y = spd.clone().requires_grad_(True)
    L.inv(Y).sum().backward()
    r["inv_grad"] = Y.grad
    r["solve_batch_broadcast"] = L.solve(spd.expand(3, 4, 4), b[:, 0])
    r["solve_err"] = err(lambda: L.solve(torch.zeros(3, 3), torch.ones(3)))
    r["outer_ger"] = torch.outer(torch.arange(3.), torch.arange(2.))
    r["baddbmm"] = torch.baddbmm(torch.ones(2, 2, 2), torch.ones(2, 2, 3), torch.ones(2, 3, 2), beta=0.5, alpha=2)
    r["addmv"] = torch.addmv(torch.ones(2), torch.ones(2, 3), torch.arange(3.), beta=2)
    r["chain_matmul_batched"] = torch.matmul(torch.ones(2, 1, 3, 4), torch.ones(5, 4, 2)).shape
    r["vecdot"] = L.vecdot(torch.ones(2, 3), torch.arange(3.))
    return r
