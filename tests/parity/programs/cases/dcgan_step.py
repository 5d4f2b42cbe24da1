"""DCGAN tutorial: Generator of ConvTranspose2d+BatchNorm2d+ReLU ending in Tanh, Discriminator
of Conv2d+LeakyReLU(0.2)+BatchNorm ending in Sigmoid, weights_init via m.__class__.__name__
and nn.init.normal_/constant_ (checked by statistics), BCELoss, real/fake labels via torch.full,
fake.detach() for D, two Adam(betas=(0.5,0.999)) optimizers, D(x).mean().item()."""
import torch
import torch.nn as nn
import torch.optim as optim
from casekit import init_params, randn, rand

nz, ngf, ndf, nc = 8, 4, 4, 3


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, input):
        return self.main(input)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


def run():
    r = {}
    netG, netD = Generator(), Discriminator()
    netG.apply(weights_init)
    w = netG.main[0].weight
    r["init_stats"] = (abs(w.mean().item()) < 0.01, 0.01 < w.std().item() < 0.03,
                       bool((netG.main[1].bias == 0).all()))
    init_params(netG, seed=1, scale=0.2)
    init_params(netD, seed=2, scale=0.2)
    criterion = nn.BCELoss()
    real_label, fake_label = 1., 0.
    optD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    for i in range(2):
        real = torch.tensor(rand(4, nc, 16, 16, seed=10 + i, lo=-1, hi=1))
        b_size = real.size(0)
        netD.zero_grad()
        label = torch.full((b_size,), real_label, dtype=torch.float)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.tensor(randn(b_size, nz, 1, 1, seed=20 + i))
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optG.step()
        r["step_%d" % i] = (errD, errG, D_x, D_G_z1, D_G_z2)
    r["fake_shape"] = fake.shape
    r["fake_range"] = bool((fake.abs() <= 1).all())
    r["g_w"] = netG.main[0].weight[0, :2]
    r["d_bn_var"] = netD.main[3].running_var
    with torch.no_grad():
        r["fixed"] = netG(torch.tensor(randn(2, nz, 1, 1, seed=9)))[:, :, :2, :2]
    return r
