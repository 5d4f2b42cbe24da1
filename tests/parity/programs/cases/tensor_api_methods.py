"""Tensor methods used in everyday code: new_* constructors, *_like with dtype, type_as,
view_as, expand_as, masked ops, clone(memory_format), contiguous, stride(), storage_offset,
data_ptr equality of views, is_contiguous after ops, numpy() sharing, from_numpy sharing,
torch.as_tensor no-copy, tensor from list of tensors, apply_/map_ absent? (not used), T/mT/H."""
import numpy as np
import torch
from casekit import randn


def run():
    r = {}
    a = torch.tensor(randn(2, 3, seed=1))
    r["new_zeros"] = a.new_zeros(2, 2).dtype, a.new_ones((3,)).shape
    r["new_full"] = a.new_full((2,), 7)
    r["new_tensor"] = a.new_tensor([1, 2]).dtype
    r["new_empty_shape"] = a.new_empty(4, 1).shape
    r["zeros_like_dtype"] = torch.zeros_like(a, dtype=torch.int32)
    r["full_like"] = torch.full_like(a, 2.5)
    r["rand_like_shape"] = torch.rand_like(a).shape
    r["randint_like"] = bool((torch.randint_like(a, 3, 5) >= 3).all())
    r["type_as"] = torch.tensor([1, 2]).type_as(a).dtype
    r["view_as"] = torch.arange(6.).view_as(a)
    r["expand_as"] = torch.tensor([[1.], [2.]]).expand_as(a)
    r["stride"] = (a.stride(), a.t().stride(), a[:, 1:].stride(), a[:, 1:].storage_offset(), a.t().stride(0))
    r["contig"] = (a.t().is_contiguous(), a.t().contiguous().is_contiguous(), a[:, ::2].is_contiguous())
    r["data_ptr_view"] = a[0].data_ptr() == a.data_ptr()
    n = np.arange(4.0)
    t = torch.from_numpy(n)
    n[0] = 100
    r["from_numpy_shares"] = t
    t2 = torch.as_tensor(n)
    t2[1] = -1
    r["as_tensor_shares"] = n.copy()
    t3 = torch.tensor(n)
    n[2] = 55
    r["tensor_copies"] = t3
    b = torch.ones(3)
    bn = b.numpy()
    b.add_(1)
    r["numpy_shares"] = bn.copy()
    r["tensor_of_tensors"] = torch.tensor([torch.tensor(1.5), torch.tensor(2.5)])
    r["stack_list"] = torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], dim=1)
    r["T_mT"] = (a.T.shape, torch.ones(2, 3, 4).mT.shape)
    r["H"] = torch.tensor([[1 + 1j, 2]]).H
    r["clone_preserve"] = a.t().clone().stride()
    r["clone_contig"] = a.t().clone(memory_format=torch.contiguous_format).stride()
    r["size_methods"] = (a.size(), a.size(1), a.size(-1), a.dim(), a.ndim, a.numel(), a.nelement(), len(a))
    r["shape_ops"] = (a.shape[0], a.shape[-1], tuple(a.shape[1:]), a.shape == (2, 3), a.shape.numel())
    r["size_arith"] = torch.Size([2, 3]) + (4,)
    r["is_same_size"] = a.is_same_size(torch.zeros(2, 3))
    r["element_access"] = (a[1, 2].item(), a[-1][-1].item(), float(a[0, 0]), int(torch.tensor(3.9)))
    r["bool_of_single"] = bool(torch.tensor([0.0])), bool(torch.tensor(2))
    r["iteration"] = [row.sum().item() for row in a]
    r["in_operator"] = (2 in torch.tensor([1, 2, 3]), 5 in torch.tensor([1, 2, 3]))
    r["eq_list"] = (torch.tensor([1, 2]) == torch.tensor([1, 3])).tolist()
    r["index_with_list"] = a[[1, 0]]
    r["index_with_tensor_scalar"] = a[torch.tensor(1)]
    r["neg_step_err"] = _err(lambda: a[::-1])
    r["ellipsis_set"] = _set()
    r["hash_identity"] = len({a, a}) == 1
    r["apply_fn"] = a.clone().apply_(lambda v: v * 2) if hasattr(a, "apply_") else a * 2
    r["fill_diagonal"] = torch.zeros(3, 4).fill_diagonal_(5)
    r["index_fill"] = torch.zeros(3, 2).index_fill_(0, torch.tensor([0, 2]), -1)
    r["put_"] = torch.zeros(2, 3).put_(torch.tensor([1, 4]), torch.tensor([9., 8.]))
    r["where_method"] = a.where(a > 0, torch.tensor(0.0))
    r["lerp"] = a.lerp(torch.ones(2, 3), 0.25)
    r["addcmul"] = torch.addcmul(a, a, a, value=0.5)
    r["addcdiv"] = torch.addcdiv(a, a, a.abs() + 1, value=-2)
    return r


def _set():
    z = torch.zeros(2, 3, 4)
    z[..., 1] = 1
    z[0, ..., 0] = 2
    return z


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "no error"
