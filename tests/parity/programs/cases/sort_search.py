"""Sorting and searching: searchsorted (right, side=, sorter=, out_int32, scalar), bucketize
(right, out_int32), kthvalue (dim, keepdim), mode, median (dim, even count), nanmedian,
unique(dim=, return_inverse, return_counts, sorted), sort(stable, descending), argsort,
msort, topk(largest=False, sorted), gradients of sort/kthvalue/median."""
import torch
from casekit import randint, randn


def run():
    r = {}
    bnd = torch.tensor([1.0, 3.0, 3.0, 5.0, 9.0])
    v = torch.tensor([[0.0, 3.0, 6.0], [9.0, 10.0, 3.0]])
    r["ss_left"] = torch.searchsorted(bnd, v)
    r["ss_right"] = torch.searchsorted(bnd, v, right=True)
    r["ss_side"] = torch.searchsorted(bnd, v, side="right", out_int32=True)
    uns = torch.tensor([5.0, 1.0, 9.0, 3.0])
    r["ss_sorter"] = torch.searchsorted(uns, torch.tensor([4.0, 10.0]), sorter=torch.argsort(uns))
    r["ss_scalar"] = torch.searchsorted(bnd, 4.0)
    r["ss_2d"] = torch.searchsorted(torch.tensor([[1, 2, 3], [2, 4, 6]]), torch.tensor([[2], [5]]))
    r["bucketize"] = torch.bucketize(v, bnd)
    r["bucketize_right32"] = torch.bucketize(v, bnd, right=True, out_int32=True)
    x = torch.tensor(randn(3, 6, seed=1), requires_grad=True)
    kv = torch.kthvalue(x, 2, dim=1, keepdim=True)
    r["kth"] = kv
    r["kth_names"] = (kv.values.shape, kv.indices.dtype)
    med = x.median(dim=0)
    r["median_dim"] = med
    r["median_all"] = x.median()
    (kv.values.sum() + med.values.sum()).backward()
    r["grad_kth_med"] = x.grad
    ints = torch.tensor(randint(0, 4, (3, 7), seed=2))
    r["mode"] = torch.mode(ints, dim=1)
    r["mode_dim0"] = ints.mode(0)
    r["nanmedian"] = torch.tensor([1.0, float("nan"), 3.0, 2.0]).nanmedian()
    rows = torch.tensor([[1, 2], [3, 4], [1, 2], [0, 5], [3, 4]])
    r["unique_dim"] = torch.unique(rows, dim=0, return_inverse=True, return_counts=True)
    r["unique_dim1"] = torch.unique(rows.T, dim=1)
    r["unique_flat"] = torch.unique(ints, return_counts=True)
    r["unique_unsorted_sorted"] = torch.unique(torch.tensor([3, 1, 3, 2]), sorted=True)
    s = torch.tensor([2, 1, 2, 0, 1, 2])
    r["sort_stable"] = torch.sort(s, stable=True)
    r["sort_desc_stable"] = torch.sort(s, descending=True, stable=True)
    r["argsort_desc"] = torch.argsort(s, descending=True, stable=True)
    r["msort"] = torch.msort(torch.tensor(randn(4, 2, seed=3)))
    r["topk_small"] = torch.topk(torch.tensor(randn(8, seed=4)), 3, largest=False)
    y = torch.tensor(randn(5, seed=5), requires_grad=True)
    sv, si = y.sort(descending=True)
    (sv * torch.arange(5.0)).sum().backward()
    r["sort_grad"] = y.grad
    return r
