"""Multi-task model with nn.ModuleDict heads, ParameterList / ParameterDict, per-group
optimizer options (lr, weight_decay, betas), add_param_group, optimizer.state_dict round
trip into a fresh optimizer, zero_grad(set_to_none) semantics, param_groups keys."""
import torch
import torch.nn as nn
from casekit import init_params, randn


class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(4, 6)
        self.heads = nn.ModuleDict({"cls": nn.Linear(6, 3), "reg": nn.Linear(6, 1)})
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1) * 2)])
        self.bias = nn.ParameterDict({"cls": nn.Parameter(torch.zeros(3)), "reg": nn.Parameter(torch.zeros(1))})

    def forward(self, x):
        h = torch.relu(self.trunk(x))
        return {k: self.heads[k](h) * self.scales[i] + self.bias[k] for i, k in enumerate(["cls", "reg"])}


def run():
    r = {}
    m = init_params(MultiTask(), seed=1)
    r["names"] = [n for n, _ in m.named_parameters()]
    opt = torch.optim.AdamW([
        {"params": m.trunk.parameters(), "lr": 0.01},
        {"params": m.heads.parameters(), "weight_decay": 0.1, "betas": (0.8, 0.9)},
    ], lr=0.02)
    opt.add_param_group({"params": list(m.scales) + list(m.bias.values()), "lr": 0.05})
    r["n_groups"] = len(opt.param_groups)
    r["group_keys"] = sorted(opt.param_groups[1].keys())
    r["group_lrs"] = [g["lr"] for g in opt.param_groups]
    r["group_betas"] = [g["betas"] for g in opt.param_groups]
    x = torch.tensor(randn(5, 4, seed=2))
    for _ in range(2):
        out = m(x)
        loss = out["cls"].logsumexp(1).mean() + out["reg"].pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    r["after"] = [p.detach().clone() for p in m.parameters()]
    sd = opt.state_dict()
    r["sd_state_keys"] = sorted(sd["state"].keys())
    r["sd_params"] = [g["params"] for g in sd["param_groups"]]
    r["sd_step"] = sd["state"][0]["step"]
    opt2 = torch.optim.AdamW([{"params": m.trunk.parameters()}, {"params": m.heads.parameters()},
                              {"params": list(m.scales) + list(m.bias.values())}], lr=0.5)
    opt2.load_state_dict(sd)
    r["loaded_lrs"] = [g["lr"] for g in opt2.param_groups]
    r["loaded_exp_avg"] = opt2.state[m.trunk.weight]["exp_avg"]
    opt.zero_grad()
    r["grad_none"] = m.trunk.weight.grad is None
    m(x)["reg"].sum().backward()
    opt.zero_grad(set_to_none=False)
    r["grad_zero"] = m.trunk.weight.grad
    r["heads_keys"] = list(m.heads.keys())
    r["pdict_items"] = [k for k, _ in m.bias.items()]
    return r
