"""F.interpolate details: antialias=True downsampling (bilinear, bicubic), recompute_scale_factor,
scale_factor tuples with non-integer outputs, align_corners for linear/bicubic upsampling,
nearest vs nearest-exact on downsampling, 'area' (adaptive avg), gradients of antialias."""
import torch
import torch.nn.functional as F
from casekit import randn

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    x = torch.tensor(randn(1, 2, 9, 11, seed=1), requires_grad=True)
    r["aa_bilinear"] = F.interpolate(x, size=(4, 5), mode="bilinear", antialias=True)
    r["aa_bicubic"] = F.interpolate(x, scale_factor=0.4, mode="bicubic", antialias=True)
    r["aa_up"] = F.interpolate(x, size=(12, 13), mode="bilinear", antialias=True)
    (r["aa_bilinear"].sum() + r["aa_bicubic"].pow(2).sum()).backward()
    r["aa_grad"] = x.grad
    y = x.detach()
    r["rsf_true"] = F.interpolate(y, scale_factor=(0.7, 1.3), mode="bilinear", recompute_scale_factor=True)
    r["rsf_false"] = F.interpolate(y, scale_factor=(0.7, 1.3), mode="bilinear", recompute_scale_factor=False)
    r["nearest_down"] = F.interpolate(y, size=(4, 4), mode="nearest")
    r["nearest_exact_down"] = F.interpolate(y, size=(4, 4), mode="nearest-exact")
    r["nearest_sf"] = F.interpolate(y, scale_factor=0.5, mode="nearest")
    r["bicubic_ac"] = F.interpolate(y, size=(5, 6), mode="bicubic", align_corners=True)
    r["area_down"] = F.interpolate(y, size=(4, 5), mode="area")
    r["linear_ac"] = F.interpolate(y[:, :, 0], size=20, mode="linear", align_corners=True)
    r["up_nearest_1d"] = F.interpolate(y[:, :, 0], scale_factor=2.5, mode="nearest")
    return r
