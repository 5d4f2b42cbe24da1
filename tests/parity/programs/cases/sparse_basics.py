"""Sparse tensor basics (torch.sparse docs): to_sparse(), sparse_coo_tensor with indices/values,
coalesce summing duplicates, is_sparse / is_coalesced, _nnz, to_dense, torch.sparse.mm and
sparse @ dense with gradient to the dense operand, torch.sparse.sum, CSR via to_sparse_csr
(crow_indices/col_indices/values) and back, and sparse * scalar."""
import torch
from casekit import randn, T


def run():
    r = {}
    a = torch.tensor([[0., 2., 0.], [3., 0., 4.]])
    s = a.to_sparse()
    r["idx"] = s.indices()
    r["vals"] = s.values()
    r["flags"] = (s.is_sparse, s.layout == torch.sparse_coo, s._nnz())
    i = torch.tensor([[0, 1, 1, 0], [2, 0, 2, 2]])
    v = torch.tensor([3., 4., 5., 1.])
    c = torch.sparse_coo_tensor(i, v, (2, 3))
    r["uncoalesced"] = c.is_coalesced()
    cc = c.coalesce()
    r["coalesced"] = (cc.indices(), cc.values(), cc.is_coalesced())
    r["dense"] = c.to_dense()
    d = T(randn(3, 2, seed=1), requires_grad=True)
    m = torch.sparse.mm(cc, d)
    m.sum().backward()
    r["spmm"] = m
    r["spmm_grad"] = d.grad
    r["matmul"] = cc @ d.detach()
    r["ssum"] = torch.sparse.sum(cc)
    r["ssum_dim"] = torch.sparse.sum(cc, dim=1).to_dense()
    # the docs also show a.to_sparse_csr(): graphtorch has no CSR layout (reported)
    r["scaled"] = (cc * 2).to_dense()
    r["add"] = (cc + cc).to_dense()
    return r
