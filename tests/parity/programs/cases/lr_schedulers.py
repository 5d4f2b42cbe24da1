"""LR scheduler trajectories: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,
OneCycleLR, LambdaLR, LinearLR, ConstantLR, SequentialLR, ChainedScheduler, CyclicLR,
CosineAnnealingWarmRestarts, PolynomialLR, MultiplicativeLR; state_dict of a scheduler."""
import torch
from torch.optim import lr_scheduler as S


def traj(make, n=8, opt_kw=None, step_arg=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1, **(opt_kw or {}))
    s = make(opt)
    out = []
    for _ in range(n):
        opt.step()
        s.step()
        out.append(round(s.get_last_lr()[0], 10))
    return out


def run():
    r = {}
    r["step"] = traj(lambda o: S.StepLR(o, 3, gamma=0.5))
    r["multistep"] = traj(lambda o: S.MultiStepLR(o, [2, 5], gamma=0.1))
    r["exp"] = traj(lambda o: S.ExponentialLR(o, 0.9))
    r["cosine"] = traj(lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.01), n=12)
    r["onecycle"] = traj(lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10), n=9, opt_kw={"momentum": 0.9})
    r["onecycle_linear"] = traj(lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="linear", three_phase=True), n=9, opt_kw={"momentum": 0.9})
    r["lambda"] = traj(lambda o: S.LambdaLR(o, lambda e: 1.0 / (e + 1)))
    r["multiplicative"] = traj(lambda o: S.MultiplicativeLR(o, lambda e: 0.95))
    r["linear"] = traj(lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4))
    r["constant"] = traj(lambda o: S.ConstantLR(o, factor=0.5, total_iters=3))
    r["sequential"] = traj(lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=3), S.ExponentialLR(o, 0.8)], milestones=[3]))
    r["chained"] = traj(lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.5, total_iters=2), S.ExponentialLR(o, 0.9)]))
    r["cyclic"] = traj(lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2"), n=14, opt_kw={"momentum": 0.9})
    r["warm_restarts"] = traj(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001), n=12)
    r["poly"] = traj(lambda o: S.PolynomialLR(o, total_iters=5, power=2.0))
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    s = S.StepLR(opt, 2)
    for _ in range(3):
        opt.step(); s.step()
    sd = s.state_dict()
    r["sd"] = {k: v for k, v in sd.items() if k in ("step_size", "gamma", "last_epoch", "_step_count", "base_lrs", "_last_lr")}
    r["initial_lr"] = opt.param_groups[0]["initial_lr"]
    p2 = torch.nn.Parameter(torch.zeros(1))
    opt2 = torch.optim.SGD([p2], lr=0.1)
    s2 = S.StepLR(opt2, 2)
    s2.load_state_dict(sd)
    r["loaded_last_epoch"] = s2.last_epoch
    pl = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    rp = S.ReduceLROnPlateau(pl, mode="max", factor=0.1, patience=1, threshold=0.1, cooldown=1, min_lr=0.005)
    lrs = []
    for m in [1.0, 1.05, 1.0, 0.9, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]:
        rp.step(m)
        lrs.append(pl.param_groups[0]["lr"])
    r["plateau"] = lrs
    return r
