"""torch.autograd.forward_ad (dual_level, make_dual, unpack_dual) for JVPs through
elementwise/matmul/softmax; saved_tensors_hooks pack/unpack counting; torch.autograd.graph
.save_on_cpu; Node.name() / register_hook on grad_fn; torch.autograd.backward with grad_tensors
list; grad of non-leaf with retain_grad and .grad warnings-free access."""
import torch
import torch.autograd.forward_ad as fwAD
from casekit import randn

RTOL = 1e-5
ATOL = 1e-6


def run():
    r = {}
    x = torch.tensor(randn(3, seed=1), dtype=torch.float64)
    v = torch.tensor(randn(3, seed=2), dtype=torch.float64)
    W = torch.tensor(randn(2, 3, seed=3), dtype=torch.float64)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        y = torch.softmax(W @ d.sin() * 2, dim=0) + (d * d).sum()
        p, t = fwAD.unpack_dual(y)
        r["primal"], r["tangent"] = p, t
        r["tangent_none"] = fwAD.unpack_dual(x).tangent is None
    packed, unpacked = [], []
    a = torch.tensor(randn(4, seed=4), requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: packed.append(tuple(t.shape)) or t,
                                                  lambda t: unpacked.append(1) or t):
        z = (a.exp() * a).sum()
    z.backward()
    r["packed_n"] = len(packed) > 0
    r["unpacked_eq"] = len(unpacked) == len(packed)
    r["grad_a"] = a.grad
    b = torch.tensor(randn(4, seed=5), requires_grad=True)
    with torch.autograd.graph.save_on_cpu():
        w = (b.tanh() ** 2).sum()
    w.backward()
    r["grad_b"] = b.grad
    c = torch.tensor([1.0, 2.0], requires_grad=True)
    out = c * 3
    seen = []
    out.grad_fn.register_hook(lambda gi, go: seen.append((gi[0].clone(), go[0].clone())))
    r["node_name"] = out.grad_fn.name()
    out.retain_grad()
    o2 = out.pow(2)
    torch.autograd.backward([o2.sum(), out.sum()], grad_tensors=[torch.tensor(1.0), torch.tensor(0.5)])
    r["seen"] = seen
    r["c_grad"], r["out_grad"] = c.grad, out.grad
    return r
