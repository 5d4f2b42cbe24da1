"""Spatial-transformer / augmentation code: F.affine_grid (align_corners both), F.grid_sample
(bilinear/nearest/bicubic, padding_mode zeros/border/reflection), gradients w.r.t. the input
and theta; flips/rot90/roll/crop-by-slicing for augmentation; F.pad constant value."""
import torch
import torch.nn.functional as F
from casekit import randn

RTOL = 1e-3
ATOL = 1e-5


def run():
    r = {}
    img = torch.tensor(randn(2, 2, 5, 6, seed=1), requires_grad=True)
    theta = torch.tensor([[[0.9, -0.2, 0.1], [0.15, 1.1, -0.05]],
                          [[1.0, 0.0, 0.3], [0.0, 0.8, 0.0]]], requires_grad=True)
    for ac in (False, True):
        grid = F.affine_grid(theta, (2, 2, 4, 5), align_corners=ac)
        r["grid_ac%s" % ac] = grid
        for mode in ("bilinear", "nearest", "bicubic"):
            for pm in ("zeros", "border", "reflection"):
                r["gs_%s_%s_%s" % (mode, pm, ac)] = F.grid_sample(img, grid, mode=mode, padding_mode=pm, align_corners=ac)
    out = F.grid_sample(img, F.affine_grid(theta, (2, 2, 4, 5), align_corners=False), align_corners=False)
    out.square().sum().backward()
    r["g_img"] = img.grad
    r["g_theta"] = theta.grad
    x = img.detach()
    r["hflip"] = torch.flip(x, dims=[3])
    r["rot"] = torch.rot90(x, 1, dims=(2, 3))
    r["roll"] = torch.roll(x, shifts=(1, -2), dims=(2, 3))
    r["crop"] = x[:, :, 1:4, 2:5]
    r["pad_val"] = F.pad(x, (1, 2, 0, 1), value=-1.0)
    r["pad_neg"] = F.pad(x, (-1, 0, 0, -2))
    return r
