"""einsum, advanced indexing, scatter_add, index_put_(accumulate), masked_fill, where, gather,
topk, sort(stable), cumsum, argmax on odd shapes and int64/bool/float64/float16/bfloat16."""
import torch
from casekit import randn, randint


def run():
    r = {}
    a = torch.tensor(randn(3, 4, 5, seed=1))
    b = torch.tensor(randn(5, 2, seed=2))
    r["einsum_bmm"] = torch.einsum("ijk,kl->ijl", a, b)
    r["einsum_trace"] = torch.einsum("ii", torch.tensor(randn(4, 4, seed=3)))
    r["einsum_outer_sum"] = torch.einsum("i,j->", torch.arange(3.), torch.arange(4.))
    r["einsum_ellipsis"] = torch.einsum("...ij->...ji", a)
    r["einsum_list"] = torch.einsum("bij,bjk->bik", [a, a.transpose(1, 2)])
    r["adv_idx"] = a[[0, 2], :, [1, 3]]
    r["adv_idx_mixed"] = a[1:, [0, 0, 3]]
    r["adv_bool"] = a[a[:, :, 0] > 0]
    r["adv_none_ellipsis"] = a[None, ..., 1].shape
    idx = torch.tensor(randint(0, 4, (6,), seed=4))
    src = torch.arange(6, dtype=torch.float64)
    r["scatter_add"] = torch.zeros(4, dtype=torch.float64).scatter_add(0, idx, src)
    r["scatter_reduce_amax"] = torch.full((4,), -1.).scatter_reduce(0, idx, src.float(), "amax", include_self=False)
    r["scatter_reduce_mean"] = torch.zeros(4).scatter_reduce(0, idx, src.float(), "mean")
    r["index_add"] = torch.zeros(4, 2).index_add_(0, idx, torch.ones(6, 2), alpha=2)
    t = torch.zeros(3, 3, dtype=torch.int64)
    t.index_put_((torch.tensor([0, 0, 2]), torch.tensor([1, 1, 2])), torch.tensor([5, 7, 1]), accumulate=True)
    r["index_put_acc"] = t
    h = torch.tensor(randn(2, 3, seed=5)).half()
    r["masked_fill_half"] = h.masked_fill(h < 0, float("-inf"))
    bf = torch.tensor(randn(7, seed=6)).bfloat16()
    r["where_bf16"] = torch.where(bf > 0, bf, torch.zeros(())).float()
    r["where_bf16_dtype"] = torch.where(bf > 0, bf, torch.zeros(())).dtype
    r["where_scalar_int"] = torch.where(torch.tensor([True, False]), 1, 0)
    r["where_mixed"] = torch.where(torch.tensor([True, False]), torch.tensor([1, 2]), 2.5)
    r["gather"] = torch.gather(a, 2, torch.tensor(randint(0, 5, (3, 4, 2), seed=7)))
    vals = torch.tensor([3, 1, 3, 2, 1, 3], dtype=torch.int64)
    s = torch.sort(vals, stable=True)
    r["sort_stable_vals"], r["sort_stable_idx"] = s.values, s.indices
    sd = torch.sort(vals, descending=True, stable=True)
    r["sort_desc_idx"] = sd.indices
    r["argsort_bool"] = torch.argsort(torch.tensor([True, False, True, False]), stable=True)
    tk = torch.topk(torch.tensor(randn(4, 9, seed=8)), 3, dim=1, largest=False)
    r["topk_vals"], r["topk_idx"] = tk
    r["topk_sorted_type"] = type(tk).__name__
    r["kthvalue"] = torch.kthvalue(torch.tensor(randn(5, seed=9), dtype=torch.float64), 2)
    r["cumsum_int"] = torch.cumsum(torch.tensor([1, 2, 3], dtype=torch.int32), 0)
    r["cumsum_bool_dtype"] = torch.tensor([True, True, False]).cumsum(0)
    r["cumprod_half"] = torch.tensor([1.5, 2.0, 0.5]).half().cumprod(0)
    r["argmax_int"] = torch.tensor([[1, 5, 5], [7, 0, 7]]).argmax(dim=1)
    r["argmax_flat"] = torch.tensor([[1, 5, 5], [7, 0, 7]]).argmax()
    r["argmin_bf16"] = bf.argmin()
    r["max_dim_keep"] = torch.max(a, dim=1, keepdim=True)
    r["take_along"] = torch.take_along_dim(a, a.argmax(dim=2, keepdim=True), dim=2)
    r["nonzero"] = torch.nonzero(torch.tensor([[0, 1], [2, 0]]))
    r["nonzero_tuple"] = torch.nonzero(torch.tensor([[0, 1], [2, 0]]), as_tuple=True)
    r["masked_select"] = torch.masked_select(a[0], a[0] > 0.5)
    r["masked_scatter"] = torch.zeros(2, 3).masked_scatter(torch.tensor([[True, False, True], [False, True, False]]), torch.arange(6.))
    r["index_select_neg_dim"] = torch.index_select(a, -1, torch.tensor([4, 0]))
    x = torch.zeros(5)
    x[torch.tensor([1, 1, 3])] += 1
    r["setitem_dup_add"] = x
    y = torch.arange(12).reshape(3, 4)
    y[y % 3 == 0] = -1
    y[:, 1] = torch.tensor([10, 20, 30])
    r["setitem_mixed"] = y
    return r
