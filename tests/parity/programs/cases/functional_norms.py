"""Functional normalisation calls: F.batch_norm training=True updating running stats in place
(momentum), F.instance_norm with running stats (use_input_stats), F.group_norm with affine,
F.layer_norm over 2 dims with weight/bias, F.local_response_norm, F.normalize p=1 / dim=0 /
eps, F.rms_norm; InstanceNorm1d(track_running_stats) eval; gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import randn

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    x = torch.tensor(randn(4, 3, 5, seed=1), requires_grad=True)
    rm, rv = torch.zeros(3), torch.ones(3)
    y = F.batch_norm(x, rm, rv, weight=torch.tensor([1.0, 2.0, 0.5]), bias=torch.zeros(3), training=True, momentum=0.3)
    r["bn"] = y
    r["bn_running"] = (rm, rv)
    r["bn_eval"] = F.batch_norm(x, rm, rv, training=False)
    irm, irv = torch.zeros(3), torch.ones(3)
    r["in"] = F.instance_norm(x, irm, irv, use_input_stats=True, momentum=0.5)
    r["in_running"] = (irm, irv)
    gn = F.group_norm(x, 3, weight=torch.ones(3) * 2, bias=torch.ones(3))
    r["gn"] = gn
    ln = F.layer_norm(x, (3, 5), weight=torch.full((3, 5), 0.5), bias=torch.zeros(3, 5))
    r["ln"] = ln
    lrn = F.local_response_norm(x, size=2, alpha=0.1, beta=0.75, k=1.0)
    r["lrn"] = lrn
    rms = F.rms_norm(x, (5,), weight=torch.linspace(0.5, 1.5, 5), eps=1e-6)
    r["rms"] = rms
    (y.pow(2).sum() + gn.sum() + ln.pow(3).sum() + lrn.sum() + rms.pow(2).sum()).backward()
    r["grad"] = x.grad
    v = torch.tensor(randn(3, 4, seed=2))
    r["normalize_p1"] = F.normalize(v, p=1.0, dim=0)
    r["normalize_eps"] = F.normalize(torch.zeros(2, 3), eps=1e-3)
    inorm = nn.InstanceNorm1d(3, affine=True, track_running_stats=True)
    inorm(x.detach())
    inorm.eval()
    r["inorm_eval"] = inorm(x.detach())
    r["inorm_stats"] = (inorm.running_mean, inorm.running_var)
    return r
