"""Products and combinatorics: einsum (ellipsis, repeated index diagonal, implicit output,
sublist format, broadcasting), tensordot variants, kron, block_diag, cartesian_prod,
combinations (with_replacement), tril_indices/triu_indices offsets, outer/inner/vdot, baddbmm /
addbmm / addmv / addr with beta/alpha, chain_matmul, cross with dim; gradients of einsum."""
import torch
from casekit import randn


def run():
    r = {}
    a = torch.tensor(randn(2, 3, 4, seed=1), requires_grad=True)
    b = torch.tensor(randn(2, 4, 5, seed=2), requires_grad=True)
    r["bmm"] = torch.einsum("bij,bjk->bik", a, b)
    r["ellipsis"] = torch.einsum("...ij,...jk", a, b)
    r["diag"] = torch.einsum("ii->i", torch.arange(9.0).reshape(3, 3))
    r["trace_batched"] = torch.einsum("bii->b", torch.arange(18.0).reshape(2, 3, 3))
    r["implicit"] = torch.einsum("ij,jk", a[0], b[0])
    r["sublist"] = torch.einsum(a, [0, 1, 2], b, [0, 2, 3], [0, 1, 3])
    r["outer_bcast"] = torch.einsum("i,j->ij", torch.arange(3.0), torch.arange(2.0))
    r["sum_all"] = torch.einsum("ijk->", a)
    torch.einsum("bij,bjk->", a, b).backward()
    r["ga"], r["gb"] = a.grad, b.grad
    x = torch.arange(24.0).reshape(2, 3, 4)
    y = torch.arange(12.0).reshape(4, 3)
    r["td_int"] = torch.tensordot(x, y, dims=1)
    r["td_lists"] = torch.tensordot(x, y, dims=([1, 2], [1, 0]))
    r["td_zero"] = torch.tensordot(torch.ones(2), torch.ones(3), dims=0).shape
    r["kron"] = torch.kron(torch.tensor([[1, 2], [3, 4]]), torch.eye(2, dtype=torch.int64))
    r["block_diag"] = torch.block_diag(torch.ones(1, 2), torch.tensor([[5.0]]), torch.zeros(2, 1))
    r["cart"] = torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4, 5]))
    r["comb"] = torch.combinations(torch.tensor([1, 2, 3, 4]), r=2)
    r["comb_repl"] = torch.combinations(torch.tensor([1, 2, 3]), r=2, with_replacement=True)
    r["tril_idx"] = torch.tril_indices(3, 4, offset=1)
    r["triu_idx"] = torch.triu_indices(4, 3, offset=-1)
    v = torch.tensor([1.0, 2.0, 3.0])
    r["outer_inner_vdot"] = (torch.outer(v, v[:2]), torch.inner(v, v), torch.vdot(v, v))
    r["baddbmm"] = torch.baddbmm(torch.ones(2, 3, 5), x[:, :, :4][:, :3], b.detach(), beta=0.5, alpha=2)
    r["addbmm"] = torch.addbmm(torch.zeros(3, 5), x, b.detach())
    r["addmv"] = torch.addmv(v, torch.eye(3), v, beta=2, alpha=-1)
    r["addr"] = torch.addr(torch.zeros(3, 2), v, v[:2], alpha=3)
    r["cross"] = torch.linalg.cross(torch.eye(3), torch.ones(3, 3), dim=0)
    return r
