"""LBFGS(line_search_fn='strong_wolfe') fitting a Rosenbrock-like problem with a closure;
scheduler resume: ReduceLROnPlateau / OneCycleLR(three_phase) / LambdaLR / SequentialLR
state_dict saved mid-training and loaded into fresh objects continue identically."""
import torch
import torch.nn as nn
from torch.optim import lr_scheduler as S


def run():
    r = {}
    xy = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([xy], lr=1, max_iter=20, history_size=5, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 10 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        return loss
    r["lbfgs_first"] = opt.step(closure)
    for _ in range(3):
        opt.step(closure)
    r["lbfgs_xy"] = xy
    r["lbfgs_func_evals"] = opt.state[opt._params[0]]["func_evals"]

    def make(kind):
        o = torch.optim.SGD([nn.Parameter(torch.zeros(2))], lr=0.1, momentum=0.9)
        if kind == "plateau":
            return o, S.ReduceLROnPlateau(o, factor=0.5, patience=1, threshold=0.01, cooldown=1)
        if kind == "onecycle":
            return o, S.OneCycleLR(o, max_lr=1.0, total_steps=12, three_phase=True)
        if kind == "lambda":
            return o, S.LambdaLR(o, lambda e: 0.9 ** e)
        s1 = S.LinearLR(o, start_factor=0.1, total_iters=3)
        s2 = S.ExponentialLR(o, gamma=0.5)
        return o, S.SequentialLR(o, [s1, s2], milestones=[3])
    metrics = [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9]
    for kind in ("plateau", "onecycle", "lambda", "seq"):
        o, s = make(kind)
        traj = []
        for i in range(10):
            o.step()
            s.step(metrics[i]) if kind == "plateau" else s.step()
            traj.append(o.param_groups[0]["lr"])
            if i == 4:
                sd_o, sd_s = o.state_dict(), s.state_dict()
        o2, s2 = make(kind)
        o2.load_state_dict(sd_o)
        s2.load_state_dict(sd_s)
        traj2 = traj[:5]
        for i in range(5, 10):
            o2.step()
            s2.step(metrics[i]) if kind == "plateau" else s2.step()
            traj2.append(o2.param_groups[0]["lr"])
        r["traj_" + kind] = traj
        r["resumed_" + kind] = traj2
        if kind == "onecycle":
            r["onecycle_momentum"] = o.param_groups[0]["momentum"]
    return r
