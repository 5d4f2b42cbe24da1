"""Statistics: torch.cov (correction, fweights, aweights), corrcoef, histogramdd,
nanquantile (interpolation modes, dim, keepdim), std_mean/var_mean (correction, dims),
aminmax, torch.mean on dims list, nanmean, count_nonzero dims, bincount(weights, minlength),
unique_consecutive(return_counts, dim); gradients of cov/std."""
import torch
from casekit import randn, randint


def run():
    r = {}
    x = torch.tensor(randn(3, 7, seed=1), dtype=torch.float64, requires_grad=True)
    r["cov"] = torch.cov(x)
    r["cov_c0"] = torch.cov(x, correction=0)
    fw = torch.tensor(randint(1, 4, (7,), seed=2))
    aw = torch.tensor(randn(7, seed=3), dtype=torch.float64).abs()
    r["cov_w"] = torch.cov(x, fweights=fw, aweights=aw)
    r["corrcoef"] = torch.corrcoef(x)
    (r["cov_w"].sum() + x.std(dim=1, correction=2).sum()).backward()
    r["grad"] = x.grad
    pts = torch.tensor(randn(20, 2, seed=4))
    h = torch.histogramdd(pts, bins=[3, 4], range=[-2.0, 2.0, -2.0, 2.0])
    r["hdd"] = (h.hist, h.bin_edges)
    h2 = torch.histogramdd(pts, bins=[torch.tensor([-3.0, 0.0, 3.0]), torch.tensor([-1.0, 0.0, 1.0])], density=True)
    r["hdd_edges"] = h2.hist
    v = torch.tensor([[1.0, float("nan"), 3.0, 4.0], [2.0, 2.0, float("nan"), float("nan")]])
    for mode in ("linear", "lower", "higher", "midpoint", "nearest"):
        r["nq_" + mode] = torch.nanquantile(v, torch.tensor([0.25, 0.5]), dim=1, keepdim=True, interpolation=mode)
    y = torch.tensor(randn(4, 5, 3, seed=5))
    r["std_mean"] = torch.std_mean(y, dim=(0, 2), correction=0, keepdim=True)
    r["var_mean"] = torch.var_mean(y, 1)
    r["aminmax"] = torch.aminmax(y, dim=-1)
    r["mean_dims"] = y.mean([0, -1])
    r["nanmean"] = v.nanmean(dim=1)
    r["count_nz"] = torch.count_nonzero(torch.tensor([[0, 1, 2], [0, 0, 3]]), dim=(0, 1))
    r["bincount"] = torch.bincount(torch.tensor([0, 2, 2, 5]), weights=torch.tensor([0.5, 1.0, 1.5, 2.0]), minlength=8)
    r["uc"] = torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 2, 1, 3]), return_counts=True, return_inverse=True)
    r["uc_dim"] = torch.unique_consecutive(torch.tensor([[1, 1], [1, 1], [2, 3], [1, 1]]), dim=0)
    return r
