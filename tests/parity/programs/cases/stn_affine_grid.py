"""Spatial transformer network tutorial: localization net (Conv2d, MaxPool2d, ReLU), fc_loc
regressor initialised to the identity transform (weight.data.zero_(), bias.data.copy_),
F.affine_grid(theta, x.size()) + F.grid_sample, then a classifier with F.dropout(training=...),
log_softmax, F.nll_loss, SGD steps; eval checks the identity warp reproduces the input."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from casekit import init_params, rand, randint


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=5)
        self.conv2 = nn.Conv2d(4, 6, kernel_size=3)
        self.fc1 = nn.Linear(6 * 3 * 3, 16)
        self.fc2 = nn.Linear(16, 10)
        self.localization = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5), nn.MaxPool2d(2, stride=2), nn.ReLU(True),
            nn.Conv2d(4, 5, kernel_size=3), nn.MaxPool2d(2, stride=2), nn.ReLU(True))
        self.fc_loc = nn.Sequential(nn.Linear(5 * 3 * 3, 8), nn.ReLU(True), nn.Linear(8, 3 * 2))

    def init_identity(self):
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 5 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False), theta

    def forward(self, x):
        x, theta = self.stn(x)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(F.dropout2d(self.conv2(x), p=0.0, training=self.training), 2))
        x = x.view(-1, 6 * 3 * 3)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, p=0.0, training=self.training)
        return F.log_softmax(self.fc2(x), dim=1), theta


def run():
    r = {}
    model = init_params(Net(), seed=1, scale=0.3)
    model.init_identity()
    x = torch.tensor(rand(3, 1, 20, 20, seed=2))
    model.eval()
    with torch.no_grad():
        warped, theta = model.stn(x)
    r["identity_theta"] = theta
    r["identity_warp_close"] = bool(torch.allclose(warped, x, atol=1e-5))
    model.train()
    opt = optim.SGD(model.parameters(), lr=0.05)
    target = torch.tensor(randint(0, 10, (3,), seed=3))
    for step in range(3):
        opt.zero_grad()
        out, theta = model(x)
        loss = F.nll_loss(out, target)
        loss.backward()
        opt.step()
        r["loss_%d" % step] = loss
    r["theta_after"] = theta
    r["fc_loc_grad"] = model.fc_loc[2].weight.grad
    theta = torch.tensor([[[0.8, -0.3, 0.1], [0.2, 1.1, -0.2]]], requires_grad=True)
    img = torch.tensor(rand(1, 2, 5, 6, seed=4), requires_grad=True)
    for ac in (False, True):
        for mode in ("bilinear", "nearest"):
            for pad in ("zeros", "border", "reflection"):
                g = F.affine_grid(theta, (1, 2, 4, 3), align_corners=ac)
                o = F.grid_sample(img, g, mode=mode, padding_mode=pad, align_corners=ac)
                r["gs_%s_%s_%s" % (ac, mode, pad)] = o
    o.sum().backward()
    r["theta_grad"] = theta.grad
    r["img_grad"] = img.grad
    return r
