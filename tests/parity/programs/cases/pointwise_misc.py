"""Less common pointwise math: frexp/ldexp, copysign, nextafter, float_power, hypot,
logaddexp/logaddexp2, heaviside, signbit, nan_to_num(posinf/neginf), isin (invert,
assume_unique), clamp with tensor bounds, lerp tensor weight, xlogy, sgn, fix/trunc,
round(decimals), deg2rad, sinc, logit, true_divide, float_power of ints; gradients."""
import torch
from casekit import randn


def run():
    r = {}
    x = torch.tensor([0.0, -0.0, 1.5, -3.25, 1e-30, 8.0, float("inf"), float("nan")])
    m, e = torch.frexp(x[:6])
    r["frexp"] = (m, e, e.dtype)
    r["ldexp"] = torch.ldexp(torch.tensor([1.0, 0.75]), torch.tensor([3, -2]))
    r["copysign"] = torch.copysign(torch.tensor([1.0, -2.0, 3.0]), torch.tensor([-0.0, 1.0, -1.0]))
    r["nextafter"] = torch.nextafter(torch.tensor([1.0, 0.0]), torch.tensor([2.0, -1.0])) - torch.tensor([1.0, 0.0])
    r["float_power"] = torch.float_power(torch.tensor([2, 3]), 2)
    r["float_power_dtype"] = torch.float_power(torch.tensor([2.0]), torch.tensor([0.5])).dtype
    r["hypot"] = torch.hypot(torch.tensor([3.0, 5.0]), torch.tensor([4.0, 12.0]))
    r["logaddexp"] = torch.logaddexp(torch.tensor([-1000.0, 1.0]), torch.tensor([-1000.0, 2.0]))
    r["logaddexp2"] = torch.logaddexp2(torch.tensor([1.0, 3.0]), torch.tensor([1.0, -2.0]))
    r["heaviside"] = torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([0.5]))
    r["signbit"] = torch.signbit(x)
    r["nan_to_num"] = torch.nan_to_num(x, nan=-1.0, posinf=100.0, neginf=-100.0)
    r["isin"] = torch.isin(torch.tensor([1, 2, 3, 4]), torch.tensor([2, 4, 6]))
    r["isin_invert"] = torch.isin(torch.tensor([1, 2, 3]), torch.tensor([3]), invert=True)
    r["isin_scalar"] = torch.isin(torch.tensor([1, 2]), 2)
    v = torch.tensor(randn(6, seed=1), requires_grad=True)
    lo = torch.full((6,), -0.5)
    hi = torch.tensor([0.5, 0.2, 1.0, 0.0, 2.0, 0.3])
    c = torch.clamp(v, lo, hi)
    r["clamp_t"] = c
    w = torch.linspace(0, 1, 6)
    le = torch.lerp(v, torch.zeros(6), w)
    r["lerp_t"] = le
    (c.sum() + le.pow(2).sum() + torch.hypot(v, torch.ones(6)).sum()
     + torch.logaddexp(v, v * 2).sum() + torch.copysign(v, torch.tensor(-1.0)).sum()).backward()
    r["grad"] = v.grad
    r["fix_trunc"] = (torch.fix(torch.tensor([-1.7, 1.7])), torch.trunc(torch.tensor([-0.5])))
    r["round_dec"] = torch.round(torch.tensor([1.2345, -2.5551, 1234.5]), decimals=2)
    r["round_neg_dec"] = torch.round(torch.tensor([1234.5, 1250.0]), decimals=-2)
    r["deg2rad"] = torch.deg2rad(torch.tensor([180.0, 90]))
    r["sgn_int"] = torch.sgn(torch.tensor([-3, 0, 2]))
    r["true_divide_int"] = torch.true_divide(torch.tensor([3, 4]), 2)
    r["exp2_int"] = torch.exp2(torch.tensor([1, 3]))
    r["rsqrt_zero"] = torch.rsqrt(torch.tensor([0.0, 4.0]))
    r["sigmoid_int_err_or_ok"] = torch.sigmoid(torch.tensor([0, 1])).dtype
    return r
