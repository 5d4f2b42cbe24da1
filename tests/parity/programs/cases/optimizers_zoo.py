"""Optimizers, 5 steps on a fixed quadratic: SGD(dampening), Adam(amsgrad, maximize), AdamW,
RMSprop(centered, momentum), Adagrad(lr_decay), Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop;
param groups with different lrs, add_param_group, state_dict round trip, zero_grad."""
import io

import torch
from casekit import randn


def quad_steps(make, n=5):
    w = torch.nn.Parameter(torch.tensor(randn(4, seed=1)))
    b = torch.nn.Parameter(torch.tensor(randn(2, seed=2)))
    opt = make([w, b])
    A = torch.tensor(randn(4, 4, seed=3))
    for _ in range(n):
        opt.zero_grad()
        loss = (A @ w).pow(2).sum() + (b - 1).abs().sum() + (w * b.sum()).sum()
        loss.backward()
        opt.step()
    return [w.detach().clone(), b.detach().clone()]


def run():
    O = torch.optim
    r = {}
    r["sgd_damp"] = quad_steps(lambda p: O.SGD(p, lr=0.01, momentum=0.9, dampening=0.5, weight_decay=0.01))
    r["sgd_max"] = quad_steps(lambda p: O.SGD(p, lr=0.01, maximize=True))
    r["adam_ams"] = quad_steps(lambda p: O.Adam(p, lr=0.05, amsgrad=True))
    r["adam_max"] = quad_steps(lambda p: O.Adam(p, lr=0.05, maximize=True, weight_decay=0.1))
    r["adamw"] = quad_steps(lambda p: O.AdamW(p, lr=0.05, weight_decay=0.5, amsgrad=True))
    r["rmsprop"] = quad_steps(lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, centered=True, momentum=0.5))
    r["adagrad"] = quad_steps(lambda p: O.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1))
    r["adadelta"] = quad_steps(lambda p: O.Adadelta(p, lr=1.0, rho=0.8))
    r["adamax"] = quad_steps(lambda p: O.Adamax(p, lr=0.05))
    r["nadam"] = quad_steps(lambda p: O.NAdam(p, lr=0.05, momentum_decay=0.004))
    r["nadam_decoupled"] = quad_steps(lambda p: O.NAdam(p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True))
    r["radam"] = quad_steps(lambda p: O.RAdam(p, lr=0.05), n=8)
    r["asgd"] = quad_steps(lambda p: O.ASGD(p, lr=0.01, t0=2))
    r["rprop"] = quad_steps(lambda p: O.Rprop(p, lr=0.01))
    w = torch.nn.Parameter(torch.ones(3))
    b = torch.nn.Parameter(torch.ones(2))
    opt = O.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    (w.sum() + 2 * b.sum()).backward()
    opt.step()
    r["groups"] = [w.detach().clone(), b.detach().clone()]
    r["group_keys"] = sorted(opt.param_groups[1].keys())
    c = torch.nn.Parameter(torch.ones(1))
    opt.add_param_group({"params": [c], "lr": 1.0})
    r["n_groups"] = len(opt.param_groups)
    r["defaults_momentum"] = opt.param_groups[2]["momentum"]
    opt.zero_grad()
    r["zero_grad_none"] = w.grad is None
    sd = opt.state_dict()
    r["sd_state_keys"] = sorted(sd["state"].keys())
    buf = io.BytesIO()
    torch.save(sd, buf)
    buf.seek(0)
    opt2 = O.SGD([{"params": [w]}, {"params": [b]}, {"params": [c]}], lr=0.1, momentum=0.9)
    opt2.load_state_dict(torch.load(buf))
    r["loaded_lrs"] = [g["lr"] for g in opt2.param_groups]
    r["loaded_buf"] = opt2.state[b]["momentum_buffer"]
    r["repr"] = repr(O.Adam([torch.nn.Parameter(torch.ones(1))], lr=1e-3))
    return r
