"""Less common losses with gradients: PoissonNLLLoss (log_input True/False, full),
GaussianNLLLoss (full, eps, scalar-per-sample var), MultiLabelSoftMarginLoss (weight),
MultiLabelMarginLoss, SoftMarginLoss, L1/MSE with reduction none on broadcasting-free
shapes, BCELoss(weight), NLLLoss on 4-D input (segmentation) with ignore_index."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import randn, rand, randint

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    x = torch.tensor(randn(4, 3, seed=1), requires_grad=True)
    cnt = torch.tensor(randint(0, 5, (4, 3), seed=2)).float()
    r["poisson_log"] = nn.PoissonNLLLoss()(x, cnt)
    r["poisson_full"] = nn.PoissonNLLLoss(log_input=False, full=True)(x.exp(), cnt)
    var = torch.tensor(rand(4, 1, seed=3, lo=0.1, hi=1.0))
    r["gauss"] = nn.GaussianNLLLoss()(x, cnt, var)
    r["gauss_full_none"] = nn.GaussianNLLLoss(full=True, reduction="none")(x, cnt, var.expand(4, 3))
    ml = torch.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 0, 0]]).float()
    r["mlsm"] = nn.MultiLabelSoftMarginLoss(weight=torch.tensor([1.0, 2.0, 0.5]))(x, ml)
    mlm_t = torch.tensor([[2, 0, -1], [1, -1, 0], [0, 1, 2], [-1, 0, 0]])
    r["mlm"] = nn.MultiLabelMarginLoss()(x, mlm_t)
    r["soft_margin"] = nn.SoftMarginLoss()(x, ml * 2 - 1)
    p = torch.tensor(rand(4, 3, seed=4, lo=0.05, hi=0.95), requires_grad=True)
    r["bce_w"] = nn.BCELoss(weight=torch.tensor([1.0, 0.5, 2.0]))(p, ml)
    seg = torch.tensor(randn(2, 3, 4, 4, seed=5), requires_grad=True)
    tgt = torch.tensor(randint(0, 3, (2, 4, 4), seed=6))
    tgt[0, 0, :] = 255
    r["nll_seg"] = F.nll_loss(F.log_softmax(seg, 1), tgt, ignore_index=255)
    r["ce_seg_w"] = F.cross_entropy(seg, tgt, weight=torch.tensor([0.2, 1.0, 3.0]), ignore_index=255)
    total = sum(v.sum() for k, v in r.items())
    total.backward()
    r["gx"] = x.grad
    r["gp"] = p.grad
    r["gseg"] = seg.grad
    r["l1_none"] = F.l1_loss(x.detach(), cnt, reduction="none")
    r["smooth_l1_b0"] = F.smooth_l1_loss(x.detach(), cnt, beta=0.0)
    return r
