"""Volumetric and 2-D pooling layers: Conv3d (stride/padding/groups), ConvTranspose3d,
MaxPool3d (return_indices, ceil_mode), AvgPool3d (count_include_pad False), AdaptiveAvgPool3d,
AdaptiveMaxPool2d(return_indices), LPPool2d, MaxUnpool2d, BatchNorm3d; gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn

RTOL = 1e-3
ATOL = 1e-4


def run():
    r = {}
    x = torch.tensor(randn(1, 2, 5, 6, 6, seed=1), requires_grad=True)
    c = init_params(nn.Conv3d(2, 4, 3, stride=(1, 2, 2), padding=1, groups=2), seed=2, scale=0.3)
    bn = nn.BatchNorm3d(4)
    h = bn(c(x))
    r["conv3d_bn"] = h
    mp, idx = F.max_pool3d(h, 2, stride=2, ceil_mode=True, return_indices=True)
    r["maxpool3d"], r["maxpool3d_idx"] = mp, idx
    r["avgpool3d"] = nn.AvgPool3d(3, stride=2, padding=1, count_include_pad=False)(h)
    r["adaptive3d"] = nn.AdaptiveAvgPool3d((2, None, 1))(h)
    ct = init_params(nn.ConvTranspose3d(4, 2, 2, stride=2), seed=3, scale=0.3)
    up = ct(mp)
    r["convT3d"] = up
    (up.sum() + r["avgpool3d"].pow(2).sum()).backward()
    r["gx"] = x.grad
    r["gconv"] = c.weight.grad
    y = torch.tensor(randn(1, 3, 7, 7, seed=4))
    amp, aidx = nn.AdaptiveMaxPool2d((3, 2), return_indices=True)(y)
    r["adaptive_max2d"], r["adaptive_max2d_idx"] = amp, aidx
    r["lp2d"] = nn.LPPool2d(3, 2, stride=2)(y.abs())
    p, i = F.max_pool2d(y, 2, return_indices=True)
    r["unpool"] = nn.MaxUnpool2d(2)(p, i, output_size=y.shape)
    r["frac_shape"] = nn.FractionalMaxPool2d(2, output_size=(4, 4))(y).shape
    r["bn3d_running"] = bn.running_var
    return r
