"""Tiny U-Net: Conv2d/BatchNorm2d/ReLU down path with MaxPool2d, up path with
ConvTranspose2d, nn.Upsample (bilinear align_corners True/False, nearest), F.interpolate
(scale_factor, bicubic, nearest-exact, area), PixelShuffle/PixelUnshuffle, cat skips; grads."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn

RTOL = 1e-3
ATOL = 1e-4


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.d1 = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.d2 = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.ReLU())
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.up2 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        self.out = nn.Conv2d(8 + 8, 3, 1)

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(self.pool(a))
        u = torch.cat([self.up(b), a], dim=1)
        u2 = self.up2(b)
        return self.out(torch.cat([u, u2], dim=1))


def run():
    r = {}
    net = init_params(UNet(), seed=1, scale=0.3)
    x = torch.tensor(randn(2, 2, 8, 8, seed=2), requires_grad=True)
    y = net(x)
    r["train_out"] = y
    y.square().mean().backward()
    r["grad_x"] = x.grad
    r["grad_up"] = net.up.weight.grad
    r["running_mean"] = net.d1[1].running_mean
    net.eval()
    r["eval_out"] = net(x)
    z = torch.tensor(randn(1, 3, 5, 7, seed=3))
    r["bilinear_ac_false"] = F.interpolate(z, size=(8, 9), mode="bilinear", align_corners=False)
    r["bicubic"] = F.interpolate(z, scale_factor=1.5, mode="bicubic", align_corners=False)
    r["nearest"] = F.interpolate(z, scale_factor=2, mode="nearest")
    r["nearest_exact"] = F.interpolate(z, size=(3, 10), mode="nearest-exact")
    r["area"] = F.interpolate(z, size=(2, 3), mode="area")
    r["up_nearest_mod"] = nn.Upsample(size=(6, 6))(z)
    ps = nn.PixelShuffle(2)
    pu = nn.PixelUnshuffle(2)
    t = torch.tensor(randn(1, 8, 3, 3, seed=4))
    r["pixel_shuffle"] = ps(t)
    r["pixel_roundtrip"] = torch.equal(pu(ps(t)), t)
    r["linear1d"] = F.interpolate(torch.tensor(randn(2, 3, 5, seed=5)), size=7, mode="linear")
    r["trilinear"] = F.interpolate(torch.tensor(randn(1, 1, 2, 3, 4, seed=6)), scale_factor=2, mode="trilinear")
    return r
