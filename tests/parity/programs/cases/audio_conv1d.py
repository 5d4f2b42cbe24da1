"""1-D ConvNet on audio-like data: Conv1d with dilation, groups (depthwise separable),
padding='same', padding_mode reflect/circular/replicate/zeros, stride, AdaptiveAvgPool1d,
AvgPool1d, MaxPool1d(dilation), GLU, weight gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn

RTOL = 1e-3
ATOL = 1e-4


def run():
    r = {}
    x = torch.tensor(randn(2, 4, 32, seed=1))
    for mode in ("zeros", "reflect", "circular", "replicate"):
        c = init_params(nn.Conv1d(4, 6, 5, padding=2, padding_mode=mode), seed=2, scale=0.3)
        r["pad_" + mode] = c(x)
    same = init_params(nn.Conv1d(4, 4, 3, padding="same", dilation=3, groups=4), seed=3, scale=0.3)
    pw = init_params(nn.Conv1d(4, 8, 1), seed=4, scale=0.3)
    h = pw(same(x))
    r["depthwise_sep"] = h
    r["same_reflect"] = init_params(nn.Conv1d(4, 2, 4, padding="same", padding_mode="reflect"), seed=5)(x)
    net = nn.Sequential(
        nn.Conv1d(4, 8, 7, stride=2, padding=3), nn.GLU(dim=1), nn.MaxPool1d(3, stride=2, dilation=2),
        nn.Conv1d(4, 6, 3, dilation=2), nn.ReLU(), nn.AvgPool1d(2, ceil_mode=True),
        nn.AdaptiveAvgPool1d(3), nn.Flatten(), nn.Linear(18, 2))
    init_params(net, seed=6, scale=0.3)
    out = net(x)
    r["net_out"] = out
    F.cross_entropy(out, torch.tensor([0, 1])).backward()
    r["grad_first"] = net[0].weight.grad
    r["grad_lin"] = net[-1].weight.grad
    r["adaptive_max"] = F.adaptive_max_pool1d(x, 5, return_indices=True)
    r["lp_pool"] = F.lp_pool1d(x.abs(), 2, 4)
    r["conv_t1d"] = F.conv_transpose1d(x, torch.tensor(randn(4, 3, 4, seed=7)), stride=2, padding=1, dilation=2)
    return r
