"""LBFGS with a closure (style-transfer / small problem fitting), SGD.step(closure) return
value, optimizer step hooks, register_post_accumulate_grad_hook, Module full backward
pre-hook, zero_grad(set_to_none=False), Adam with tensor lr, maximize in LBFGS absent."""
import torch
import torch.nn as nn
from casekit import randn

RTOL = 1e-3
ATOL = 1e-4


def run():
    r = {}
    A = torch.tensor(randn(6, 3, seed=1))
    b = torch.tensor(randn(6, seed=2))
    w = torch.zeros(3, requires_grad=True)
    opt = torch.optim.LBFGS([w], lr=1.0, max_iter=20, history_size=5, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((A @ w - b) ** 2).mean()
        loss.backward()
        return loss
    losses = [opt.step(closure).item() for _ in range(2)]
    r["lbfgs_w"] = w
    r["lbfgs_first_loss"] = losses[0]
    r["lstsq_ref"] = torch.linalg.lstsq(A, b.unsqueeze(1)).solution.squeeze(1)
    w2 = torch.zeros(3, requires_grad=True)
    opt2 = torch.optim.LBFGS([w2], lr=0.5, max_iter=4)

    def closure2():
        opt2.zero_grad()
        loss = ((A @ w2 - b) ** 2).mean()
        loss.backward()
        return loss
    opt2.step(closure2)
    r["lbfgs_plain"] = w2
    p = nn.Parameter(torch.ones(2))
    sgd = torch.optim.SGD([p], lr=0.1)
    calls = []
    sgd.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    sgd.register_step_post_hook(lambda o, a, k: calls.append("post"))

    def c3():
        sgd.zero_grad()
        l = (p ** 2).sum()
        l.backward()
        return l
    r["sgd_closure_ret"] = sgd.step(c3)
    r["hook_calls"] = calls
    acc = []
    q = nn.Parameter(torch.tensor([1.0, -1.0]))
    q.register_post_accumulate_grad_hook(lambda t: acc.append(t.grad.clone()))
    (q * 3).sum().backward()
    r["post_acc"] = acc
    seen = []
    lin = nn.Linear(2, 2)
    lin.register_full_backward_pre_hook(lambda m, go: seen.append(go[0].shape))
    lin(torch.ones(3, 2, requires_grad=True)).sum().backward()
    r["bw_pre_hook"] = seen
    lin.zero_grad(set_to_none=False)
    r["zero_not_none"] = lin.weight.grad
    ad = torch.optim.Adam([nn.Parameter(torch.ones(2))], lr=torch.tensor(0.01))
    r["tensor_lr"] = float(ad.param_groups[0]["lr"])
    return r
