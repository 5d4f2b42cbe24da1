"""out= and in-place semantics: out= with correct shape, out resized from empty, out dtype
mismatch errors, out= on reductions with keepdim, torch.add(alpha, out), in-place on expanded
(internal overlap) errors, in-place on a leaf requiring grad error, x += y broadcasting the
wrong way error, addcmul_/addcdiv_ values, clamp_ with tensors, copy_ broadcasting and dtype
conversion, fill_ with 0-dim tensor, zero_ on views updates base."""
import torch
from casekit import err, randn


def run():
    r = {}
    a = torch.tensor(randn(3, 4, seed=1))
    b = torch.tensor(randn(3, 4, seed=2))
    out = torch.empty(3, 4)
    res = torch.add(a, b, alpha=2, out=out)
    r["out_same_obj"] = res is out
    r["out_val"] = out
    o2 = torch.empty(0)
    torch.mul(a, b, out=o2)
    r["out_resized"] = o2.shape
    r["out_dtype_err"] = err(lambda: torch.add(a, b, out=torch.empty(3, 4, dtype=torch.int64)))
    r["out_int_to_float_ok"] = torch.add(torch.tensor([1, 2]), 1, out=torch.empty(2)).dtype
    s = torch.empty(3, 1)
    torch.sum(a, dim=1, keepdim=True, out=s)
    r["sum_out"] = s
    mx = (torch.empty(3), torch.empty(3, dtype=torch.long))
    torch.max(a, dim=1, out=mx)
    r["max_out"] = mx
    e = torch.zeros(1, 4).expand(3, 4)
    r["expand_inplace_err"] = err(lambda: e.add_(1))
    leaf = torch.ones(2, requires_grad=True)
    r["leaf_inplace_err"] = err(lambda: leaf.mul_(2))
    r["bcast_inplace_err"] = err(lambda: torch.ones(4).add_(torch.ones(3, 4)))
    c = a.clone()
    c.addcmul_(b, b, value=0.5).addcdiv_(b, b.abs() + 1, value=-2)
    r["addc"] = c
    d = a.clone()
    d.clamp_(min=torch.zeros(4) - 0.5, max=torch.ones(3, 1) * 0.5)
    r["clamp_t_"] = d
    t = torch.zeros(2, 3, dtype=torch.int32)
    t.copy_(torch.tensor([1.7, -2.7, 3.2]))
    r["copy_bcast_conv"] = t
    f = torch.zeros(3)
    f.fill_(torch.tensor(2.5))
    r["fill_0dim"] = f
    r["fill_err"] = err(lambda: f.fill_(torch.tensor([1.0, 2.0])))
    base = torch.arange(12.0).reshape(3, 4)
    base[:, 1].zero_()
    base.diagonal().fill_(-1)
    base.t()[0].mul_(10)
    r["view_inplace"] = base
    x = torch.arange(6.0)
    x[::2] += 100
    r["strided_iadd"] = x
    r["index_put"] = torch.zeros(5).index_put_((torch.tensor([0, 0, 3]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    return r
