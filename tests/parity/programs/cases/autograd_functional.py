"""torch.autograd.functional: jacobian (multiple inputs, vectorize, create_graph,
strategy forward-mode), hessian of a multi-input function, vjp, jvp, hvp, vhp outputs;
torch.autograd.grad with is_grads_batched; gradcheck/gradgradcheck results."""
import torch
from torch.autograd.functional import jacobian, hessian, vjp, jvp, hvp, vhp
from casekit import randn


def f(x, y):
    return (x.sin() * y).cumsum(0), x.pow(2).sum() * y


def scalar(x, y):
    return (x.exp() * y.tanh()).sum() + (x * y).prod()


def run():
    r = {}
    x = torch.tensor(randn(3, seed=1), dtype=torch.float64)
    y = torch.tensor(randn(3, seed=2), dtype=torch.float64)
    J = jacobian(f, (x, y))
    r["jac"] = J
    r["jac_vec"] = jacobian(f, (x, y), vectorize=True)
    r["jac_fwd"] = jacobian(lambda a: a.tanh() * a, x, vectorize=True, strategy="forward-mode")
    H = hessian(scalar, (x, y))
    r["hess"] = H
    v = torch.ones(3, dtype=torch.float64)
    r["vjp"] = vjp(lambda a: a.sin() * 2, x, v)
    r["jvp"] = jvp(lambda a: a.sin() * 2, x, v)
    r["hvp"] = hvp(lambda a: (a ** 3).sum(), x, v)
    r["vhp"] = vhp(lambda a: (a ** 3).sum(), x, v)
    xg = x.clone().requires_grad_(True)
    Jc = jacobian(lambda a: a ** 3, xg, create_graph=True)
    r["jac_cg_requires_grad"] = Jc.requires_grad
    Jc.trace().backward()
    r["jac_cg_grad"] = xg.grad
    a = torch.tensor(randn(4, seed=3), dtype=torch.float64, requires_grad=True)
    out = a * a.sum()
    eye = torch.eye(4, dtype=torch.float64)
    (gb,) = torch.autograd.grad(out, a, eye, is_grads_batched=True)
    r["batched_grads"] = gb
    r["gradcheck"] = torch.autograd.gradcheck(lambda t: (t.sigmoid() * t).sum(), (a,))
    r["gradgradcheck"] = torch.autograd.gradgradcheck(lambda t: t.sin() * t, (a,))
    return r
