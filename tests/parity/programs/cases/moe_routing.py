"""Mixture-of-experts layer: softmax gating, top-k routing (topk + normalised weights),
token dispatch with nonzero/index_select and combine with index_add_, load-balancing auxiliary
loss from one_hot counts, expert capacity via cumsum mask; gradients through gates/experts."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn

RTOL = 1e-4
ATOL = 1e-5


class MoE(nn.Module):
    def __init__(self, d=6, n_exp=4, k=2):
        super().__init__()
        self.gate = nn.Linear(d, n_exp, bias=False)
        self.experts = nn.ModuleList([nn.Sequential(nn.Linear(d, 8), nn.SiLU(), nn.Linear(8, d)) for _ in range(n_exp)])
        self.k, self.n = k, n_exp

    def forward(self, x):
        probs = F.softmax(self.gate(x), dim=-1)
        w, idx = probs.topk(self.k, dim=-1)
        w = w / w.sum(-1, keepdim=True)
        out = torch.zeros_like(x)
        for e, expert in enumerate(self.experts):
            tok, slot = (idx == e).nonzero(as_tuple=True)
            if tok.numel() == 0:
                continue
            y = expert(x.index_select(0, tok)) * w[tok, slot].unsqueeze(-1)
            out = out.index_add(0, tok, y)
        counts = F.one_hot(idx[:, 0], self.n).float().mean(0)
        aux = self.n * (counts * probs.mean(0)).sum()
        onehot = F.one_hot(idx[:, 0], self.n)
        position = (onehot.cumsum(0) - 1) * onehot
        within = (position < 3).all(dim=1)
        return out, aux, within, idx


def run():
    r = {}
    moe = init_params(MoE(), seed=1)
    x = torch.tensor(randn(10, 6, seed=2), requires_grad=True)
    out, aux, within, idx = moe(x)
    r["out"], r["aux"], r["within"], r["idx"] = out, aux, within, idx
    (out.pow(2).mean() + 0.01 * aux).backward()
    r["g_x"] = x.grad
    r["g_gate"] = moe.gate.weight.grad
    r["g_exp0"] = moe.experts[0][0].weight.grad
    return r
