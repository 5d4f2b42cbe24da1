"""GNN-style code: edge_index message passing with index_add_/scatter_add_, degree
normalisation with bincount/pow(-0.5), sparse_coo_tensor + torch.sparse.mm, to_dense,
coalesce, segment mean via scatter_reduce; gradients through the aggregation."""
import torch
from casekit import init_params, randn


def run():
    r = {}
    edge_index = torch.tensor([[0, 1, 1, 2, 3, 3, 4], [1, 0, 2, 1, 4, 2, 3]])
    n = 5
    x = torch.tensor(randn(n, 3, seed=1), requires_grad=True)
    W = init_params(torch.nn.Linear(3, 4, bias=False), seed=2)
    src, dst = edge_index
    deg = torch.bincount(dst, minlength=n).float().clamp(min=1)
    norm = deg[src].pow(-0.5) * deg[dst].pow(-0.5)
    h = W(x)
    msg = h[src] * norm.unsqueeze(-1)
    out = torch.zeros(n, 4).index_add_(0, dst, msg)
    r["index_add"] = out
    out2 = torch.zeros(n, 4).scatter_add_(0, dst.unsqueeze(-1).expand(-1, 4), msg)
    r["scatter_add_same"] = torch.allclose(out, out2)
    mean = torch.zeros(n, 4).scatter_reduce(0, dst.unsqueeze(-1).expand(-1, 4), msg, "mean", include_self=False)
    r["scatter_mean"] = mean
    mx = torch.full((n, 4), -1e9).scatter_reduce(0, dst.unsqueeze(-1).expand(-1, 4), msg, "amax")
    r["scatter_max"] = mx
    out.relu().sum().backward()
    r["grad_x"] = x.grad
    r["grad_w"] = W.weight.grad
    try:
        _sparse(r, edge_index, norm, n, h)
    except AttributeError as e:  # graphtorch has no sparse tensors yet
        r["sparse"] = type(e).__name__
    return r


def _sparse(r, edge_index, norm, n, h):
    A = torch.sparse_coo_tensor(edge_index, norm, (n, n))
    r["is_sparse"] = A.is_sparse
    r["to_dense"] = A.to_dense()
    r["sparse_mm"] = torch.sparse.mm(A, h.detach())
    r["spmm_matmul"] = A @ h.detach()
    dup = torch.sparse_coo_tensor(torch.tensor([[0, 0, 1], [1, 1, 0]]), torch.tensor([1.0, 2.0, 3.0]), (2, 2))
    co = dup.coalesce()
    r["coalesce"] = (co.indices(), co.values(), co._nnz())
    r["sparse_sum"] = torch.sparse.sum(A)
    r["dense_to_sparse"] = torch.eye(3).to_sparse().indices()
