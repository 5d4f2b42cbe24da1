"""WGAN-GP gradient penalty: interpolates with a fixed alpha, critic output, autograd.grad
with create_graph=True and grad_outputs=ones_like, penalty ((||g||_2 - 1)^2).mean(), backward
into critic parameters (double backward through Linear/LeakyReLU/LayerNorm/tanh/softplus)."""
import torch
import torch.nn as nn
from casekit import init_params, randn, rand

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    critic = init_params(nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.LayerNorm(8),
                                       nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8), nn.Softplus(),
                                       nn.Linear(8, 1)), seed=1)
    real = torch.tensor(randn(5, 4, seed=2))
    fake = torch.tensor(randn(5, 4, seed=3))
    alpha = torch.tensor(rand(5, 1, seed=4))
    xi = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = critic(xi)
    (g,) = torch.autograd.grad(out, xi, grad_outputs=torch.ones_like(out), create_graph=True)
    r["g"] = g
    gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
    r["gp"] = gp
    loss = critic(fake).mean() - critic(real).mean() + 10 * gp
    loss.backward()
    r["grad_w0"] = critic[0].weight.grad
    r["grad_ln"] = critic[2].weight.grad
    r["grad_w3"] = critic[3].weight.grad
    r["grad_last"] = critic[7].weight.grad
    x = torch.tensor(randn(3, 4, seed=5), requires_grad=True)
    y = nn.functional.gelu(x) * nn.functional.silu(x) + nn.functional.elu(x).sigmoid()
    (gx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (ggx,) = torch.autograd.grad(gx.pow(2).sum(), x)
    r["double_act"] = ggx
    return r
