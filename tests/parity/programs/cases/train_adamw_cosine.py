"""MLP regression: AdamW + CosineAnnealingLR, SGD nesterov + clip_grad_value_, ReduceLROnPlateau."""
import torch
import torch.nn as nn
from casekit import init_params, randn


def make():
    return init_params(nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16),
                                     nn.SiLU(), nn.Linear(16, 1)), seed=11, scale=0.4)


def run():
    r = {}
    x = torch.tensor(randn(12, 5, seed=1))
    y = torch.tensor(randn(12, 1, seed=2))
    m = make()
    opt = torch.optim.AdamW(m.parameters(), lr=0.05, betas=(0.8, 0.95), weight_decay=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.001)
    lrs, losses = [], []
    for _ in range(5):
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        losses.append(loss.detach())
    r["adamw_lrs"] = lrs
    r["adamw_losses"] = torch.stack(losses)
    r["adamw_w"] = m[0].weight
    m2 = make()
    opt2 = torch.optim.SGD(m2.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    plat = torch.optim.lr_scheduler.ReduceLROnPlateau(opt2, mode="min", factor=0.5, patience=0)
    l2 = []
    for i in range(4):
        opt2.zero_grad()
        loss = nn.functional.l1_loss(m2(x), y)
        loss.backward()
        nn.utils.clip_grad_value_(m2.parameters(), 0.05)
        r["clipped_max_%d" % i] = max(float(p.grad.abs().max()) for p in m2.parameters())
        opt2.step()
        plat.step(1.0)  # constant metric -> lr halves after patience
        l2.append(opt2.param_groups[0]["lr"])
    r["plateau_lrs"] = l2
    r["sgd_w"] = m2[2].weight
    r["momentum_buf"] = opt2.state[m2[2].weight]["momentum_buffer"]
    return r
