"""In-place ops on views (slices, transpose, diagonal, view, unsqueeze_), shared storage,
version-counter errors for saved tensors, leaf/view in-place rules, autograd through views."""
import torch
from casekit import err, randn


def run():
    r = {}
    base = torch.arange(12.).reshape(3, 4)
    v = base[:, 1]
    v.mul_(10)
    r["slice_inplace"] = base.clone()
    t = base.t()
    t[0].fill_(-1)
    r["transpose_view_fill"] = base.clone()
    d = base.diagonal()
    d.zero_()
    r["diagonal_zero"] = base.clone()
    flat = base.view(-1)
    flat[::5] = 7
    r["view_stride_set"] = base.clone()
    r["is_view_contig"] = (t.is_contiguous(), base.is_contiguous(), t._base is base)
    x = torch.ones(3)
    x.unsqueeze_(0)
    r["unsqueeze_"] = x.shape
    x.t_()
    r["t_"] = x.shape
    a = torch.tensor(randn(4, seed=1), requires_grad=True)
    b = a * 1
    c = b[1:3]
    c.mul_(2)
    b.sum().backward()
    r["grad_through_view_inplace"] = a.grad
    r["view_grad_fn"] = type(c.grad_fn).__name__
    a2 = torch.tensor([1.0, 2.0], requires_grad=True)
    s = a2.sigmoid()
    s.mul_(2)
    r["saved_modified_err"] = err(lambda: s.sum().backward())
    e = torch.tensor([1.0, 2.0], requires_grad=True) + 1
    y = e * 2  # mul by a Python scalar saves nothing of e
    e.add_(1)
    y.sum().backward()
    r["ok_when_not_saved"] = True
    leaf = torch.ones(2, requires_grad=True)
    r["leaf_view_inplace_err"] = err(lambda: leaf[0].mul_(2))
    w = torch.zeros(2, 3)
    w[0] += torch.tensor([1., 2., 3.])
    w[:, 2] -= 5
    r["iadd_on_index"] = w
    z = torch.arange(6).reshape(2, 3)
    zz = z.T.contiguous()
    zz[0, 0] = 100
    r["contiguous_copy"] = z
    r["expand_inplace_err"] = err(lambda: torch.zeros(1, 3).expand(2, 3).add_(1))
    q = torch.zeros(4)
    q.narrow(0, 1, 2).copy_(torch.tensor([5., 6.]))
    r["narrow_copy_"] = q
    u = torch.zeros(2, 2)
    for row in u:
        row += 1
    r["iter_rows_inplace"] = u
    chunks = torch.zeros(6).chunk(3)
    chunks[1].fill_(9)
    r["chunk_view"] = torch.cat(chunks)
    m = torch.zeros(3)
    m.data[1] = 4
    r["data_assign"] = m
    k = torch.tensor([1.0, 2.0], requires_grad=True)
    kk = k.clone()
    kk[0] = kk[1] * 3
    kk.sum().backward()
    r["setitem_grad"] = k.grad
    return r
