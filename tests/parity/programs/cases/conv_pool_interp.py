"""Conv1d padding='same' + dilation, groups, ConvTranspose2d output_padding, padding_mode
reflect/circular, AvgPool ceil_mode/count_include_pad, MaxPool return_indices + MaxUnpool,
interpolate modes, pixel_shuffle, F.pad modes, unfold/fold."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn


def run():
    r = {}
    x1 = torch.tensor(randn(2, 4, 9, seed=1))
    r["conv1d_same_dil"] = init_params(nn.Conv1d(4, 6, 3, padding="same", dilation=2, groups=2), seed=1)(x1)
    r["conv1d_reflect"] = init_params(nn.Conv1d(4, 2, 3, padding=2, padding_mode="reflect"), seed=2)(x1)
    x = torch.tensor(randn(1, 3, 7, 6, seed=2), requires_grad=True)
    c = init_params(nn.Conv2d(3, 3, (3, 2), stride=(2, 1), padding=1, padding_mode="circular", groups=3), seed=3)
    o = c(x)
    o.sum().backward()
    r["conv2d_circular_dw"] = o
    r["conv2d_grad_x"] = x.grad
    r["conv2d_grad_w"] = c.weight.grad
    ct = init_params(nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, dilation=1), seed=4)
    r["convT"] = ct(x.detach())
    r["convT_output_size"] = ct(x.detach(), output_size=[13, 11]).shape
    r["convT1d_groups"] = init_params(nn.ConvTranspose1d(4, 4, 2, stride=3, groups=2), seed=5)(x1)
    r["conv3d"] = init_params(nn.Conv3d(1, 2, 2), seed=6)(torch.tensor(randn(1, 1, 3, 4, 3, seed=7)))
    xp = torch.tensor(randn(1, 2, 7, 7, seed=8))
    r["avg_ceil"] = F.avg_pool2d(xp, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    r["avg_ceil_incl"] = F.avg_pool2d(xp, 3, stride=2, padding=1, ceil_mode=True)
    r["avg_divisor"] = F.avg_pool2d(xp, 2, divisor_override=3)
    r["max_ceil"] = F.max_pool2d(xp, 2, ceil_mode=True)
    mo, mi = F.max_pool2d(xp, 2, return_indices=True)
    r["max_idx"] = mi
    r["unpool"] = F.max_unpool2d(mo, mi, 2, output_size=xp.shape[-2:])
    r["max_dilated"] = F.max_pool1d(x1, 3, stride=1, dilation=2, padding=1)
    r["lp_pool"] = F.lp_pool2d(xp.abs(), 2, 2)
    r["adaptive_max"] = F.adaptive_max_pool2d(xp, (3, 2))
    r["adaptive_avg_odd"] = F.adaptive_avg_pool1d(x1, 4)
    for mode, kw in (("nearest", {}), ("nearest-exact", {}), ("bilinear", {"align_corners": False}),
                     ("bilinear", {"align_corners": True}), ("bicubic", {"align_corners": False}),
                     ("area", {})):
        r["interp_%s_%s" % (mode, kw.get("align_corners"))] = F.interpolate(xp, size=(5, 9), mode=mode, **kw)
    r["interp_scale_linear"] = F.interpolate(x1, scale_factor=1.5, mode="linear")
    try:
        r["interp_antialias"] = F.interpolate(xp, size=(3, 3), mode="bilinear", antialias=True)
    except Exception as e:  # noqa: BLE001
        r["interp_antialias"] = type(e).__name__
    r["upsample_module"] = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)(xp[:, :, :3, :3])
    r["pixel_shuffle"] = F.pixel_shuffle(torch.arange(32.).reshape(1, 8, 2, 2), 2)
    r["pixel_unshuffle"] = F.pixel_unshuffle(torch.arange(32.).reshape(1, 2, 4, 4), 2)
    for mode in ("constant", "reflect", "replicate", "circular"):
        r["pad_" + mode] = F.pad(xp, (1, 2, 2, 1), mode=mode)
    r["pad_neg"] = F.pad(xp, (-1, 0, 0, -2))
    r["pad_value"] = F.pad(x1, (2, 0), value=-3.0)
    u = F.unfold(xp, kernel_size=(2, 3), dilation=1, padding=1, stride=2)
    r["unfold"] = u
    r["fold"] = F.fold(u, output_size=(7, 7), kernel_size=(2, 3), padding=1, stride=2)
    r["grid_sample"] = F.grid_sample(xp, torch.tensor(rand_grid()), align_corners=False)
    r["affine_grid"] = F.affine_grid(torch.tensor([[[0.8, 0.1, 0.0], [-0.1, 0.9, 0.2]]]), [1, 2, 3, 4], align_corners=False)
    return r


def rand_grid():
    from casekit import rand
    return rand(1, 4, 5, 2, seed=11, lo=-1.1, hi=1.1)
