"""examples/super_resolution: Net with conv1..conv4 and nn.PixelShuffle(upscale_factor), init via
init.orthogonal_(weight, init.calculate_gain('relu')) checked for orthogonality, then fixed
params; MSELoss train steps with Adam, PSNR 10*log10(1/mse); PixelUnshuffle round-trip, and the
ONNX super-resolution tutorial path: y channel split, clamp, and F.interpolate bicubic."""
import math
import torch
import torch.nn as nn
import torch.nn.init as init
import torch.nn.functional as F
import torch.optim as optim
from casekit import init_params, rand


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 8, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(8, 8, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(8, 4, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(4, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        return self.pixel_shuffle(self.conv4(x))

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


def run():
    r = {}
    model = Net(upscale_factor=2)
    w = model.conv4.weight.view(4, -1)
    r["orthogonal"] = bool(torch.allclose(w @ w.t(), torch.eye(4), atol=1e-5))
    r["gain"] = init.calculate_gain('relu')
    w1 = model.conv1.weight.view(8, -1)
    r["orth_gain"] = bool(torch.allclose(w1 @ w1.t(), 2 * torch.eye(8), atol=1e-4))
    init_params(model, seed=1, scale=0.3)
    lr_img = torch.tensor(rand(2, 1, 6, 6, seed=2))
    hr_img = torch.tensor(rand(2, 1, 12, 12, seed=3))
    crit = nn.MSELoss()
    opt = optim.Adam(model.parameters(), lr=0.01)
    for step in range(3):
        opt.zero_grad()
        loss = crit(model(lr_img), hr_img)
        loss.backward()
        opt.step()
        r["loss_%d" % step] = loss
    with torch.no_grad():
        mse = crit(model(lr_img), hr_img)
        r["psnr"] = 10 * math.log10(1 / mse.item())
    x = torch.arange(2 * 8 * 2 * 3.).view(2, 8, 2, 3)
    ps = F.pixel_shuffle(x, 2)
    r["ps"] = ps
    r["unshuffle_roundtrip"] = bool(torch.equal(nn.PixelUnshuffle(2)(ps), x))
    img = torch.tensor(rand(1, 3, 5, 5, seed=4))
    y, cb, cr = img.split(1, dim=1)
    up = F.interpolate(y, scale_factor=2, mode="bicubic", align_corners=False).clamp(0, 1)
    r["bicubic"] = up[0, 0, :3, :3]
    r["merged"] = torch.cat([up, F.interpolate(cb, scale_factor=2), F.interpolate(cr, scale_factor=2)], 1).shape
    return r
