"""torch.func: grad, grad_and_value, vmap (in_dims, batched matmul), jacrev/jacfwd, hessian,
functional_call with a module's parameters dict; per-sample gradients pattern."""
import torch
import torch.nn as nn
from torch.func import functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, vmap
from casekit import init_params, randn


def run():
    r = {}
    f = lambda x: (x.sin() * x).sum()
    x = torch.tensor(randn(4, seed=1))
    r["grad"] = grad(f)(x)
    g, v = grad_and_value(f)(x)
    r["grad_and_value"] = (g, v)
    r["vmap_dot"] = vmap(torch.dot)(torch.tensor(randn(3, 4, seed=2)), torch.tensor(randn(3, 4, seed=3)))
    r["vmap_in_dims"] = vmap(lambda a, b: a * b, in_dims=(0, None))(torch.tensor(randn(3, 4, seed=2)), x)
    r["vmap_out_dims"] = vmap(lambda a: a.sum(0), in_dims=1, out_dims=0)(torch.tensor(randn(2, 5, 3, seed=4)))
    r["jacrev"] = jacrev(lambda t: t.exp() * t.sum())(x)
    r["jacfwd"] = jacfwd(lambda t: t.exp() * t.sum())(x)
    r["hessian"] = hessian(f)(x)
    m = init_params(nn.Linear(4, 2), seed=5)
    params = {k: v.detach() for k, v in m.named_parameters()}
    xs = torch.tensor(randn(6, 4, seed=6))
    ys = torch.tensor(randn(6, 2, seed=7))
    r["functional_call"] = functional_call(m, params, (xs,))

    def loss(p, xb, yb):
        out = functional_call(m, p, (xb.unsqueeze(0),))
        return ((out - yb.unsqueeze(0)) ** 2).mean()
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
    r["per_sample_w"] = per_sample["weight"]
    r["per_sample_b"] = per_sample["bias"]
    return r
