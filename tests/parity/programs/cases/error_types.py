"""Exception types for common mistakes: broadcasting, matmul shapes, cat, view on
non-contiguous, index out of range, dtype mismatch, wrong device strings, module misuse."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import err


def run():
    r = {}
    a = torch.ones(2, 3)
    r["broadcast"] = err(lambda: a + torch.ones(4))
    r["matmul"] = err(lambda: a @ torch.ones(2, 3))
    r["mm_1d"] = err(lambda: torch.mm(torch.ones(3), torch.ones(3)))
    r["cat_shape"] = err(lambda: torch.cat([a, torch.ones(2, 4)]))
    r["cat_empty_list"] = err(lambda: torch.cat([]))
    r["stack_shape"] = err(lambda: torch.stack([a, torch.ones(3, 2)]))
    r["view_noncontig"] = err(lambda: a.t().view(6))
    r["reshape_ok"] = a.t().reshape(6).shape
    r["view_bad"] = err(lambda: a.view(4, 2))
    r["index_oob"] = err(lambda: a[5])
    r["index_oob_tensor"] = err(lambda: a[torch.tensor([0, 9])])
    r["dim_oob"] = err(lambda: a.sum(dim=3))
    r["linear_shape"] = err(lambda: nn.Linear(4, 2)(a))
    r["linear_dtype"] = err(lambda: nn.Linear(3, 2)(a.double()))
    r["conv_channels"] = err(lambda: nn.Conv2d(3, 4, 3)(torch.ones(1, 2, 5, 5)))
    r["ce_target_dtype"] = err(lambda: F.cross_entropy(a, torch.tensor([0.0, 1.0])))
    r["ce_target_oob"] = err(lambda: F.cross_entropy(a, torch.tensor([0, 7])))
    r["nll_shape"] = err(lambda: F.nll_loss(a, torch.tensor([0, 1, 2])))
    r["device_bad"] = err(lambda: torch.device("gpu"))
    r["to_bad"] = err(lambda: a.to("bogus"))
    r["item_multi"] = err(lambda: a.item())
    r["bool_ambiguous"] = err(lambda: bool(a))
    r["numpy_requires_grad"] = err(lambda: torch.ones(2, requires_grad=True).numpy())
    r["expand_bad"] = err(lambda: a.expand(3, 3))
    r["permute_bad"] = err(lambda: a.permute(0, 0))
    r["squeeze_dim_oob"] = err(lambda: a.squeeze(5))
    r["gather_dtype"] = err(lambda: a.gather(1, torch.tensor([[0.0]])))
    r["gather_oob"] = err(lambda: a.gather(1, torch.tensor([[5]])))
    r["masked_fill_mask_dtype"] = err(lambda: a.masked_fill(torch.ones(2, 3), 0))
    r["arange_bad"] = err(lambda: torch.arange(0, 5, 0))
    r["zeros_neg"] = err(lambda: torch.zeros(-1))
    r["tensor_ragged"] = err(lambda: torch.tensor([[1, 2], [3]]))
    r["randint_bad"] = err(lambda: torch.randint(5, 2, (3,)))
    r["split_bad"] = err(lambda: a.split([1, 1], dim=0) if False else a.split([1, 1], dim=1))
    r["module_missing_attr"] = err(lambda: nn.Linear(2, 2).nonexistent)
    r["param_assign_tensor"] = err(lambda: setattr(nn.Linear(2, 2), "weight", torch.ones(2, 2)))
    r["multinomial_neg"] = err(lambda: torch.multinomial(torch.tensor([-1.0, 2.0]), 1))
    r["softmax_int"] = err(lambda: torch.tensor([1, 2]).softmax(0))
    r["backward_no_grad"] = err(lambda: torch.ones(2).sum().backward())
    r["inverse_singular"] = err(lambda: torch.linalg.inv(torch.zeros(2, 2)))
    r["cholesky_not_pd"] = err(lambda: torch.linalg.cholesky(-torch.eye(2)))
    r["topk_too_big"] = err(lambda: torch.ones(3).topk(4))
    r["reshape_bad"] = err(lambda: a.reshape(-1, -1))
    r["one_hot_neg"] = err(lambda: F.one_hot(torch.tensor([-1])))
    r["embedding_oob"] = err(lambda: nn.Embedding(3, 2)(torch.tensor([3])))
    r["interp_bad_mode"] = err(lambda: F.interpolate(torch.ones(1, 1, 4), scale_factor=2, mode="bilinear"))
    return r
