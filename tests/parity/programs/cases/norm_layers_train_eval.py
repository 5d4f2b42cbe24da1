"""BatchNorm1d/2d (momentum None = cumulative average, track_running_stats=False), GroupNorm,
LayerNorm (no affine), InstanceNorm, Dropout train vs eval."""
import torch
import torch.nn as nn
from casekit import init_params, randn


def run():
    r = {}
    x2 = torch.tensor(randn(4, 3, 5, 5, seed=1))
    bn = init_params(nn.BatchNorm2d(3, momentum=None), seed=1)
    for i in range(3):
        bn(x2 * (i + 1))
    r["bn_cma_mean"] = bn.running_mean
    r["bn_cma_var"] = bn.running_var
    r["bn_nbt"] = bn.num_batches_tracked
    bn.eval()
    r["bn_eval"] = bn(x2)
    bn1 = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    x1 = torch.tensor(randn(6, 4, seed=2))
    bn1.eval()
    r["bn1_no_stats_eval"] = bn1(x1)
    r["bn1_buffers"] = [n for n, _ in bn1.named_buffers()]
    bn3 = nn.BatchNorm1d(4)
    x3 = torch.tensor(randn(2, 4, 7, seed=3))
    r["bn1d_3d"] = bn3(x3)
    r["bn1d_3d_rv"] = bn3.running_var
    gn = init_params(nn.GroupNorm(2, 6), seed=2)
    xg = torch.tensor(randn(3, 6, 4, seed=4), requires_grad=True)
    out = gn(xg)
    r["gn"] = out
    (out ** 2).sum().backward()
    r["gn_grad_x"] = xg.grad
    r["gn_grad_w"] = gn.weight.grad
    ln = nn.LayerNorm([5, 5], elementwise_affine=False, eps=1e-3)
    r["ln"] = ln(x2)
    ln2 = init_params(nn.LayerNorm(5, bias=False), seed=3)
    r["ln_nobias"] = ln2(x2)
    r["ln_nobias_params"] = [n for n, _ in ln2.named_parameters()]
    inorm = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    r["in_train"] = inorm(x2)
    r["in_rm"] = inorm.running_mean
    inorm.eval()
    r["in_eval"] = inorm(x2)
    d = nn.Dropout(0.5)
    d.eval()
    r["dropout_eval_identity"] = bool(torch.equal(d(x2), x2))
    d.train()
    y = d(torch.ones(1000))
    r["dropout_values"] = sorted(set(y.tolist()))
    r["dropout_p0"] = bool(torch.equal(nn.Dropout(0.0)(x2), x2))
    r["dropout_p1"] = nn.Dropout(1.0)(x2).abs().sum()
    r["bn_repr"] = repr(bn)
    r["gn_repr"] = repr(gn)
    r["ln_repr"] = repr(ln)
    return r
