"""60-minute blitz / basics autograd: requires_grad, grad_fn names, backward with gradient
vector for non-scalar output (y = x*2 loop while norm < 1000), no_grad, detach, requires_grad_
change in place, computational graph of w*x+b with BCE-with-logits loss, retain_graph."""
import torch
from casekit import randn, T


def run():
    r = {}
    x = torch.ones(5)
    y = torch.zeros(3)
    w = T(randn(5, 3, seed=1), requires_grad=True)
    b = T(randn(3, seed=2), requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    r["z_grad_fn"] = type(z.grad_fn).__name__
    r["loss_grad_fn"] = type(loss.grad_fn).__name__
    loss.backward(retain_graph=True)
    r["w_grad"], r["b_grad"] = w.grad.clone(), b.grad.clone()
    loss.backward()
    r["w_grad2"] = w.grad
    z = torch.matmul(x, w) + b
    r["z_req"] = z.requires_grad
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    r["z_nograd_req"] = z.requires_grad
    z_det = (torch.matmul(x, w) + b).detach()
    r["z_det_req"] = z_det.requires_grad
    a = T(randn(3, seed=3), requires_grad=True)
    y = a * 2
    n = 0
    while y.data.norm() < 1000:
        y = y * 2
        n += 1
    r["loop_n"] = n
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    r["a_grad"] = a.grad
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    r["first"] = inp.grad.clone()
    out.backward(torch.ones_like(out), retain_graph=True)
    r["second"] = inp.grad.clone()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    r["zeroed"] = inp.grad
    q = torch.tensor([2., 3.], requires_grad=True)
    p = torch.tensor([6., 4.], requires_grad=True)
    Q = 3 * q ** 3 - p ** 2
    Q.backward(gradient=torch.tensor([1., 1.]))
    r["q_grad_ok"] = bool((9 * q ** 2 == q.grad).all())
    r["p_grad_ok"] = bool((-2 * p == p.grad).all())
    c = torch.randn(3)
    r["leaf_req_default"] = c.requires_grad
    c.requires_grad_()
    r["after_req"] = c.requires_grad
    r["is_leaf"] = (c.is_leaf, (c * 2).is_leaf, w.is_leaf)
    return r
