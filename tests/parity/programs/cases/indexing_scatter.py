"""Indexing/scatter family: boolean mask indexing and assignment, nonzero(as_tuple), argwhere,
index_select, take, take_along_dim, masked_scatter, masked_select, put_(accumulate),
index_fill_, index_copy, scatter (reduce='add'/'multiply'), scatter_reduce (amax/mean,
include_self False), index_reduce, advanced indexing with broadcasting index tensors; grads."""
import torch
from casekit import randn, randint


def run():
    r = {}
    x = torch.tensor(randn(4, 5, seed=1))
    m = x > 0
    r["masked"] = x[m]
    y = x.clone()
    y[m] = 0.0
    r["mask_assign"] = y
    r["nonzero_tuple"] = torch.nonzero(m, as_tuple=True)
    r["argwhere"] = torch.argwhere(m)
    r["index_select"] = x.index_select(1, torch.tensor([4, 0, 0]))
    r["take"] = torch.take(x, torch.tensor([[0, 19], [7, 3]]))
    idx = torch.tensor(randint(0, 5, (4, 2), seed=2))
    r["take_along"] = torch.take_along_dim(x, idx, dim=1)
    r["take_along_flat"] = torch.take_along_dim(x, torch.tensor([3, 0]))
    r["masked_scatter"] = torch.zeros(4, 5).masked_scatter(m, torch.arange(20.0))
    r["masked_select"] = torch.masked_select(x, m[0])
    p = torch.zeros(6)
    p.put_(torch.tensor([1, 1, 5]), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    r["put_acc"] = p
    r["index_fill"] = x.clone().index_fill_(0, torch.tensor([1, 3]), -1.0)
    r["index_copy"] = torch.zeros(4, 2).index_copy(0, torch.tensor([2, 0]), torch.ones(2, 2))
    src = torch.arange(1.0, 11.0).reshape(2, 5)
    si = torch.tensor([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]])
    r["scatter_add_mode"] = torch.ones(3, 5).scatter(0, si, src, reduce="add")
    r["scatter_mul_mode"] = torch.ones(3, 5).scatter(0, si, src, reduce="multiply")
    r["scatter_value"] = torch.zeros(3, 5).scatter(0, si, 2.5)
    seg = torch.tensor([0, 1, 0, 1, 2, 2])
    vals = torch.tensor([1.0, 5.0, -3.0, 2.0, 4.0, 4.5])
    r["sr_amax"] = torch.zeros(3).scatter_reduce(0, seg, vals, "amax", include_self=False)
    r["sr_mean"] = torch.ones(3).scatter_reduce(0, seg, vals, "mean")
    r["sr_prod"] = torch.zeros(3).scatter_reduce(0, seg, vals, "prod", include_self=False)
    r["index_reduce"] = torch.ones(3, 2).index_reduce(0, seg[:4], torch.arange(8.0).reshape(4, 2), "amax")
    rows = torch.tensor([[0], [2]])
    cols = torch.tensor([1, 3, 4])
    r["adv_broadcast"] = x[rows, cols]
    r["adv_mixed"] = x[1:3, [0, 2]]
    r["ellipsis_none"] = x[..., None, 2].shape
    xr = x.clone().requires_grad_(True)
    (xr[m].sum() + torch.take_along_dim(xr, idx, 1).pow(2).sum()
     + xr.index_select(1, torch.tensor([1, 1])).sum()).backward()
    r["grad"] = xr.grad
    return r
