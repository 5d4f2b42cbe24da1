"""Tiny VAE (reparameterisation with a fixed eps, KL term, BCE reconstruction) and a GAN
step (detach, two optimizers, BCEWithLogits, requires_grad toggling)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, rand, randn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(8, 6)
        self.mu = nn.Linear(6, 2)
        self.lv = nn.Linear(6, 2)
        self.dec = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 8))

    def forward(self, x, eps):
        h = F.leaky_relu(self.enc(x), 0.1)
        mu, lv = self.mu(h), self.lv(h)
        z = mu + eps * torch.exp(0.5 * lv)
        return torch.sigmoid(self.dec(z)), mu, lv


def run():
    r = {}
    vae = init_params(VAE(), seed=1)
    x = torch.tensor(rand(5, 8, seed=2))
    eps = torch.tensor(randn(5, 2, seed=3))
    opt = torch.optim.Adam(vae.parameters(), lr=1e-2)
    for i in range(3):
        opt.zero_grad()
        rec, mu, lv = vae(x, eps)
        bce = F.binary_cross_entropy(rec, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + lv - mu.pow(2) - lv.exp())
        (bce + kld).backward()
        opt.step()
        r["vae_loss_%d" % i] = (bce.item(), kld.item())
    G = init_params(nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4)), seed=4)
    D = init_params(nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1)), seed=5)
    og = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    od = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    crit = nn.BCEWithLogitsLoss()
    real = torch.tensor(randn(6, 4, seed=6))
    noise = torch.tensor(randn(6, 3, seed=7))
    ones, zeros = torch.ones(6, 1), torch.zeros(6, 1)
    for i in range(2):
        fake = G(noise)
        od.zero_grad()
        ld = crit(D(real), ones) + crit(D(fake.detach()), zeros)
        ld.backward()
        od.step()
        for p in D.parameters():
            p.requires_grad_(False)
        og.zero_grad()
        lg = crit(D(fake), ones)
        lg.backward()
        og.step()
        r["d_grad_none_%d" % i] = all(p.grad is None or p.grad.abs().sum() >= 0 for p in D.parameters())
        for p in D.parameters():
            p.requires_grad_(True)
        r["gan_%d" % i] = (ld.item(), lg.item())
    r["G_w"] = G[2].weight
    r["D_w"] = D[2].weight
    return r
