"""Runtime odds and ends: .cuda() without CUDA (error type), torch.cuda.* queries, backward
with gradient=, backward on non-leaf retain_grad, complex autograd (abs of complex),
torch.Tensor.register_hook on leaf, torch.no_grad inside forward, detach_ in place,
requires_grad_ chaining, tensor.data swaps, torch.set_grad_enabled as decorator."""
import torch
from casekit import err, randn


def run():
    r = {}
    r["cuda_err"] = err(lambda: torch.ones(1).cuda())
    r["cuda_avail"] = (torch.cuda.is_available(), torch.cuda.device_count())
    r["to_cuda_err"] = err(lambda: torch.ones(1).to("cuda"))
    r["device_type"] = torch.device("cuda:1").type, torch.device("cuda:1").index, torch.device("cpu").index
    x = torch.tensor(randn(3, seed=1), requires_grad=True)
    y = x * 2
    y.backward(gradient=torch.tensor([1.0, 0.5, 0.0]))
    r["grad_arg"] = x.grad
    z = torch.complex(torch.tensor([3.0, 1.0], requires_grad=True), torch.tensor([4.0, -2.0]))
    a = torch.tensor([3.0, 1.0], requires_grad=True)
    b = torch.tensor([4.0, -2.0], requires_grad=True)
    c = torch.complex(a, b)
    c.abs().sum().backward()
    r["complex_abs_grad"] = (a.grad, b.grad)
    v = torch.ones(2, requires_grad=True)
    hs = []
    v.register_hook(lambda g: hs.append(g * 1))
    (v * v).sum().backward()
    r["leaf_hook"] = hs
    w = torch.ones(2, requires_grad=True) * 3
    w.detach_()
    r["detach_"] = (w.requires_grad, w.grad_fn is None)
    t = torch.zeros(2).requires_grad_().requires_grad_(False)
    r["chain"] = t.requires_grad
    p = torch.nn.Parameter(torch.ones(2))
    p.data = torch.tensor([5.0, 6.0])
    r["data_swap"] = (p, type(p).__name__, p.requires_grad)

    @torch.set_grad_enabled(False)
    def nog(q):
        return q * 2
    r["sge_decorator"] = nog(x).requires_grad
    r["is_leaf_ops"] = ((x * 1).is_leaf, x.detach().is_leaf, torch.ones(1).is_leaf)
    r["grad_of_nonleaf_warn"] = (x * 2).grad is None
    r["version"] = (torch.__version__[:1].isdigit(), isinstance(torch.__version__, str))
    r["typename"] = (torch.typename(x), x.type())
    r["is_tensor"] = (torch.is_tensor(x), torch.is_tensor([1]), torch.is_storage(x))
    r["numel_fn"] = torch.numel(torch.ones(2, 3))
    return r
