"""Cumulative and difference ops: cumsum(dtype), cumprod with zeros (and its gradient),
cummax/cummin (values/indices), logcumsumexp, diff(n, prepend/append), trapezoid (x=, dx=),
cumulative_trapezoid, renorm, histc, histogram(bins tensor, density), tril/triu with
offsets on non-square, flip/rot90; gradients."""
import torch
from casekit import randn


def run():
    r = {}
    x = torch.tensor([[1.0, 2.0, 0.0, 3.0], [0.5, -1.0, 2.0, 0.0]], requires_grad=True)
    cp = x.cumprod(1)
    r["cumprod"] = cp
    cp.sum().backward()
    r["cumprod_grad_zeros"] = x.grad
    r["cumsum_int_dtype"] = torch.tensor([1, 2, 3], dtype=torch.int8).cumsum(0)
    r["cumsum_dtype"] = torch.tensor([1, 2, 3]).cumsum(0, dtype=torch.float32)
    y = torch.tensor(randn(2, 6, seed=1), requires_grad=True)
    cm = y.cummax(1)
    r["cummax"] = cm
    r["cummin"] = torch.cummin(y, 0)
    lc = torch.logcumsumexp(y, 1)
    r["logcumsumexp"] = lc
    (cm.values.sum() + lc.sum()).backward()
    r["grad_cummax_lcse"] = y.grad
    z = torch.tensor([1.0, 4.0, 9.0, 16.0, 25.0])
    r["diff2"] = torch.diff(z, n=2)
    r["diff_pre"] = torch.diff(z, prepend=torch.tensor([0.0]), append=torch.tensor([30.0, 40.0]))
    r["diff_2d"] = torch.diff(y.detach(), dim=0)
    r["diff_bool"] = torch.diff(torch.tensor([True, False, False, True]))
    r["trapz_dx"] = torch.trapezoid(z, dx=0.5)
    r["trapz_x"] = torch.trapezoid(z, x=torch.tensor([0.0, 1.0, 3.0, 4.0, 7.0]))
    r["cumtrapz"] = torch.cumulative_trapezoid(z)
    r["renorm"] = torch.renorm(y.detach(), p=2, dim=0, maxnorm=1.0)
    r["histc"] = torch.histc(y.detach(), bins=4, min=-2, max=2)
    h = torch.histogram(y.detach().flatten(), bins=torch.tensor([-3.0, -1.0, 0.0, 0.5, 3.0]), density=True)
    r["histogram"] = (h.hist, h.bin_edges)
    r["histogram_int_bins"] = torch.histogram(y.detach().flatten(), 3)
    r["tril_wide"] = torch.tril(torch.ones(3, 5), diagonal=1)
    r["triu_tall"] = torch.triu(torch.ones(5, 3), diagonal=-1)
    r["rot90"] = torch.rot90(torch.arange(6).reshape(2, 3), 3, (0, 1))
    r["flip"] = torch.fliplr(torch.arange(6).reshape(2, 3))
    return r
