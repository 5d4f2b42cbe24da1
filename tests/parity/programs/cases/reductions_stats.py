"""Reductions: sum/mean with dims/keepdim/dtype, std/var(correction), var_mean, median
(lower), nanmedian, mode, logsumexp, prod(int), amax/amin, nansum/nanmean, quantile modes,
max(dim) namedtuple, count_nonzero, all/any, aminmax, std of 1 element (nan)."""
import torch
from casekit import randn, randint


def run():
    r = {}
    a = torch.tensor(randn(3, 4, 5, seed=1))
    i = torch.tensor(randint(-5, 6, (3, 4), seed=2))
    r["sum_dims"] = a.sum((0, 2), keepdim=True)
    r["sum_int_dtype"] = i.sum().dtype
    r["sum_int32_dtype"] = i.int().sum().dtype
    r["sum_bool"] = (i > 0).sum(1)
    r["sum_dtype_arg"] = a.sum(1, dtype=torch.float64)
    r["mean_dims_neg"] = a.mean(dim=-1)
    r["mean_dtype"] = i.mean(dtype=torch.float32)
    r["std"] = (a.std(), a.std(1, unbiased=False), a.std(dim=2, correction=0, keepdim=True))
    r["var"] = (a.var(0), torch.var(a, (1, 2), correction=2))
    r["var_mean"] = torch.var_mean(a, dim=1)
    r["std_mean"] = torch.std_mean(a, unbiased=True)
    r["std_single"] = torch.tensor([1.0]).std()
    r["median_even"] = torch.tensor([4., 1., 3., 2.]).median()
    r["median_dim"] = i.median(dim=1)
    r["nanmedian"] = torch.tensor([1., float("nan"), 3., 2.]).nanmedian()
    r["median_nan"] = torch.tensor([1., float("nan"), 3.]).median()
    r["mode"] = torch.tensor([[1, 2, 2, 3, 3], [4, 4, 1, 1, 0]]).mode(1)
    r["logsumexp"] = torch.logsumexp(a * 30, dim=1)
    r["logsumexp_inf"] = torch.logsumexp(torch.tensor([-float("inf"), -float("inf")]), 0)
    r["prod_int"] = i[:, :2].prod(1)
    r["prod_dim_keep"] = a.prod(2, keepdim=True)
    r["amax"] = a.amax(dim=(0, 1))
    r["amin_int"] = i.amin(0)
    r["aminmax"] = torch.aminmax(a, dim=1)
    n = torch.tensor([[1., float("nan")], [2., 3.]])
    r["nansum"] = (n.nansum(), n.nansum(0))
    r["nanmean"] = n.nanmean(1)
    q = torch.tensor(randn(11, seed=3), dtype=torch.float64)
    for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
        r["quantile_" + interp] = torch.quantile(q, torch.tensor([0.1, 0.5, 0.95], dtype=torch.float64), interpolation=interp)
    r["nanquantile"] = torch.nanquantile(torch.tensor([1., float("nan"), 3.]), 0.5)
    r["quantile_dim"] = torch.quantile(a, 0.3, dim=1, keepdim=True)
    mx = a.max(dim=2)
    r["max_nt"] = (mx.values, mx.indices, type(mx).__name__)
    r["max_int_ties"] = torch.tensor([[3, 7, 7], [1, 1, 0]]).max(1)
    r["min_binary"] = torch.min(a[0], a[1])
    r["count_nonzero"] = (torch.count_nonzero(i), torch.count_nonzero(i, dim=0))
    r["all_any"] = ((i > -6).all(), (i > 4).any(1), torch.tensor([0.0, 1.0]).all(), torch.tensor([]).all(), a.any().dtype)
    r["all_uint8"] = torch.tensor([1, 2], dtype=torch.uint8).all().dtype
    r["cumsum_dtype"] = i.cumsum(1, dtype=torch.float64)
    r["mean_empty"] = torch.tensor([]).mean()
    r["sum_empty"] = torch.zeros(0, 3).sum(0)
    r["max_empty_err"] = _err(lambda: torch.zeros(0).max())
    r["argmax_keepdim"] = a.argmax(1, keepdim=True)
    r["norm_dim"] = a.norm(dim=1)
    r["dist"] = torch.dist(a[0], a[1], p=3)
    r["sum_f16"] = torch.tensor([60000., 60000.], dtype=torch.float16).sum()
    r["mean_bf16"] = torch.tensor(randn(7, seed=4)).bfloat16().mean().float()
    return r


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "no error"
