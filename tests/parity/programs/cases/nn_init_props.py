"""nn.init functions: deterministic ones by value, random ones by properties (bounds, std,
orthogonality); calculate_gain, fan computations."""
import math

import torch
import torch.nn as nn


def run():
    r = {}
    init = nn.init
    r["gains"] = [init.calculate_gain(n) for n in ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu")]
    r["gain_leaky"] = init.calculate_gain("leaky_relu", 0.2)
    w = torch.empty(64, 32)
    r["constant"] = init.constant_(torch.empty(2, 2), 0.3)
    r["eye"] = init.eye_(torch.empty(3, 4))
    r["dirac"] = init.dirac_(torch.empty(2, 2, 3))
    r["zeros_ones"] = [init.zeros_(torch.empty(2)), init.ones_(torch.empty(2))]
    torch.manual_seed(0)
    init.xavier_uniform_(w)
    b = math.sqrt(6.0 / (64 + 32))
    r["xavier_bound"] = bool(w.abs().max() <= b)
    init.kaiming_uniform_(w, a=math.sqrt(5))
    r["kaiming_bound"] = bool(w.abs().max() <= 1.0 / math.sqrt(32) + 1e-7)
    big = torch.empty(400, 500)
    init.kaiming_normal_(big, mode="fan_out", nonlinearity="relu")
    r["kaiming_std_ok"] = abs(float(big.std()) - math.sqrt(2.0 / 400)) < 0.005
    init.trunc_normal_(big, std=1.0, a=-0.5, b=0.7)
    r["trunc_bounds"] = (bool(big.min() >= -0.5), bool(big.max() <= 0.7))
    init.normal_(big, mean=3.0, std=0.5)
    r["normal_mean_ok"] = abs(float(big.mean()) - 3.0) < 0.01
    init.uniform_(big, -2, -1)
    r["uniform_range"] = (bool(big.min() >= -2), bool(big.max() <= -1))
    q = torch.empty(6, 4)
    init.orthogonal_(q, gain=2.0)
    r["orthogonal"] = torch.allclose(q.T @ q, 4 * torch.eye(4), atol=1e-4)
    s = torch.empty(50, 60)
    init.sparse_(s, sparsity=0.2)
    r["sparse_zeros_per_col"] = (s == 0).sum(0).tolist()
    r["returns_same"] = init.zeros_(w) is w
    r["nograd_leaf"] = init.ones_(nn.Parameter(torch.empty(2))).requires_grad
    r["fan"] = nn.init._calculate_fan_in_and_fan_out(torch.empty(8, 3, 5, 5))
    return r
