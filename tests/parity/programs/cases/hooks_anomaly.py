"""Tensor hooks and module hooks: register_hook returning a modified grad, handle.remove(),
leaf hooks, Module.register_full_backward_hook (grad_input/grad_output shapes),
register_full_backward_pre_hook modifying grad_output, forward pre-hook with kwargs,
forward hook replacing the output; detect_anomaly raising on NaN gradient."""
import torch
import torch.nn as nn
from casekit import init_params, randn, err


def run():
    r = {}
    lin = init_params(nn.Linear(3, 2), seed=1)
    log = []
    h1 = lin.register_full_backward_hook(
        lambda m, gi, go: log.append(("bw", [None if g is None else tuple(g.shape) for g in gi],
                                      [tuple(g.shape) for g in go])))
    h2 = lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
    h3 = lin.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
    h4 = lin.register_forward_hook(lambda m, args, out: out * 3)
    x = torch.tensor(randn(4, 3, seed=2), requires_grad=True)
    y = lin(x)
    r["y"] = y
    y.sum().backward()
    r["log"] = log
    r["x_grad"] = x.grad
    r["w_grad"] = lin.weight.grad
    for h in (h1, h2, h3, h4):
        h.remove()
    r["plain"] = lin(x)
    kw = []
    h5 = lin.register_forward_pre_hook(lambda m, args, kwargs: kw.append(sorted(kwargs)), with_kwargs=True)
    lin(input=x)
    h5.remove()
    r["kwargs_seen"] = kw
    leaf = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    hd = leaf.register_hook(lambda g: g * 0 + 7)
    (leaf * 2).sum().backward()
    r["leaf_hooked"] = leaf.grad
    hd.remove()
    leaf.grad = None
    (leaf * 2).sum().backward()
    r["leaf_unhooked"] = leaf.grad
    mid_seen = []
    t = torch.tensor([0.5, 1.5], requires_grad=True)
    m = t.exp()
    m.register_hook(lambda g: mid_seen.append(g.clone()))
    (m * m).sum().backward()
    r["mid_seen"] = mid_seen
    z = torch.tensor([0.0, 1.0], requires_grad=True)

    def bad():
        with torch.autograd.detect_anomaly():
            (z.sqrt() * 0).sum().backward()
    r["anomaly_nan"] = err(bad)
    r["anomaly_flag"] = torch.is_anomaly_enabled()
    with torch.autograd.set_detect_anomaly(True):
        r["anomaly_inside"] = torch.is_anomaly_enabled()
    return r
