"""autograd.grad with create_graph (double backward, Hessian-vector), retain_graph, tensor
hooks (modifying grads), retain_grad, grad accumulation, errors on a freed graph."""
import torch
from casekit import err, randn


def run():
    r = {}
    x = torch.tensor(randn(4, seed=1), dtype=torch.float64, requires_grad=True)
    y = (x ** 3).sum() + (x.sin() * x).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    r["g"] = g
    (h,) = torch.autograd.grad(g.sum(), x)
    r["hess_diag_sum"] = h
    v = torch.ones(4, dtype=torch.float64)
    x2 = torch.tensor(randn(3, seed=2), dtype=torch.float64, requires_grad=True)
    f = lambda t: (t.exp() * t.roll(1)).sum()
    r["hvp"] = torch.autograd.functional.hvp(f, x2, torch.ones(3, dtype=torch.float64))[1]
    r["jacobian"] = torch.autograd.functional.jacobian(lambda t: t.tanh() * t.sum(), x2)
    r["hessian"] = torch.autograd.functional.hessian(f, x2)
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * a
    b.sum().backward(retain_graph=True)
    b.sum().backward()
    r["accumulated"] = a.grad
    c = a * a
    c.sum().backward()
    r["freed_err"] = err(lambda: c.sum().backward())
    seen = []
    p = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    q = p * 2
    q.register_hook(lambda gr: seen.append(gr.clone()))
    q.register_hook(lambda gr: gr * 10)
    q.retain_grad()
    (q ** 2).sum().backward()
    r["hook_seen"] = seen
    r["p_grad_hooked"] = p.grad
    r["q_retained"] = q.grad
    r["is_leaf"] = (p.is_leaf, q.is_leaf)
    r["grad_fn_name"] = type(q.grad_fn).__name__
    r["next_functions"] = [type(fn).__name__ if fn is not None else None for fn, _ in (q ** 2).grad_fn.next_functions]
    u = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0], requires_grad=True)
    out = (u * 2).sum()
    r["allow_unused"] = torch.autograd.grad(out, [u, w], allow_unused=True)[1] is None
    r["unused_err"] = err(lambda: torch.autograd.grad((u * 2).sum(), [u, w]))
    r["grad_outputs"] = torch.autograd.grad(u * u, u, grad_outputs=torch.tensor([1.0, 0.5]))
    r["nonscalar_err"] = err(lambda: (u * 2).backward())
    r["backward_inputs"] = _bw_inputs()
    z = torch.tensor(2.0, requires_grad=True)
    y2 = z ** 4
    g1, = torch.autograd.grad(y2, z, create_graph=True)
    g2, = torch.autograd.grad(g1, z, create_graph=True)
    g3, = torch.autograd.grad(g2, z)
    r["third_derivative"] = g3
    return r


def _bw_inputs():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    return [a.grad, b.grad is None]
