"""Autograd mechanics notes: requires_grad propagation through ops, freezing with requires_grad,
in-place correctness check (sigmoid output modified in place -> RuntimeError on backward,
exp_ then backward error message), version counters (_version), retain_grad on non-leaf,
register_hook on tensors (modifying grad), hooks on leaf accumulation, .grad of non-leaf warning
case returns None, grad_fn.next_functions names, saved tensor attributes (_saved_self),
torch.autograd.grad with create_graph, in-place on leaf requiring grad errors."""
import torch
from casekit import randn, T


def run():
    r = {}
    x = torch.randn(5, 5)
    y = torch.randn(5, 5)
    z = torch.randn((5, 5), requires_grad=True)
    a = x + y
    b = a + z
    r["req"] = (a.requires_grad, b.requires_grad)
    w = T(randn(4, seed=1), requires_grad=True)
    s = w.sigmoid()
    s.mul_(2)
    try:
        s.sum().backward()
        r["inplace_err"] = "no error"
    except RuntimeError as e:
        r["inplace_err"] = "modified by an inplace operation" in str(e)
    e = w.exp()
    r["version0"] = e._version
    e.add_(1)
    r["version1"] = e._version
    try:
        e.sum().backward()
        r["exp_inplace"] = "no error"
    except RuntimeError:
        r["exp_inplace"] = "RuntimeError"
    w2 = T(randn(4, seed=1), requires_grad=True)
    m = w2 * 3
    m.retain_grad()
    n = m.pow(2)
    grads = []
    h = m.register_hook(lambda g: grads.append(g.clone()) or g * 2)
    r["saved_exponent"] = n.grad_fn._saved_exponent
    r["saved_self_is_m"] = n.grad_fn._saved_self is m
    n.sum().backward()
    r["retained"] = m.grad
    r["hook_seen"] = grads[0]
    r["w2_grad"] = w2.grad
    h.remove()
    r["nonleaf_grad_none"] = (n.grad is None, n.is_leaf, n.retains_grad, m.retains_grad)
    r["next_fns"] = [type(f[0]).__name__ if f[0] is not None else None for f in n.grad_fn.next_functions]
    r["mul_next"] = [type(f[0]).__name__ for f in m.grad_fn.next_functions if f[0] is not None]
    leaf = T(randn(3, seed=2), requires_grad=True)
    r["leaf_inplace"] = type(_catch(lambda: leaf.add_(1))).__name__
    with torch.no_grad():
        leaf.add_(1)
    r["leaf_after"] = leaf
    x = T(randn(3, seed=3), requires_grad=True)
    y = (x ** 3).sum()
    g, = torch.autograd.grad(y, x, create_graph=True)
    g2, = torch.autograd.grad(g.sum(), x)
    r["grad"], r["grad2"] = g, g2
    lh = []
    p = T(randn(2, seed=4), requires_grad=True)
    p.register_post_accumulate_grad_hook(lambda t: lh.append(t.grad.clone()))
    (p * 2).sum().backward()
    (p * 3).sum().backward()
    r["post_acc"] = lh
    v = T(randn(3, seed=5), requires_grad=True)
    out = v.clone()
    out[1] = 0.0
    out.sum().backward()
    r["copyslices"] = v.grad
    r["copyslices_fn"] = type(out.grad_fn).__name__
    return r


def _catch(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return e
    return None
