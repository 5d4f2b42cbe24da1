"""Rarer activations as modules and functionals with gradients: RReLU (eval), Hardshrink,
Softshrink, Tanhshrink, Threshold, CELU, SELU, PReLU(num_parameters), Softmin, LogSigmoid,
Hardsigmoid, Hardtanh(min,max), ReLU6, SiLU(inplace), ELU(alpha), Softplus(beta, threshold),
F.softmax(dtype=), F.log_softmax on int error, GELU(approximate='tanh')."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import randn, err


def run():
    r = {}
    base = torch.tensor(randn(3, 4, seed=1) * 2)
    mods = {
        "rrelu_eval": nn.RReLU(0.1, 0.3).eval(), "hardshrink": nn.Hardshrink(0.7),
        "softshrink": nn.Softshrink(0.4), "tanhshrink": nn.Tanhshrink(), "threshold": nn.Threshold(0.2, -1.0),
        "celu": nn.CELU(0.7), "selu": nn.SELU(), "prelu": nn.PReLU(num_parameters=4, init=0.2),
        "softmin": nn.Softmin(dim=1), "logsigmoid": nn.LogSigmoid(), "hardsigmoid": nn.Hardsigmoid(),
        "hardtanh": nn.Hardtanh(-0.5, 1.5), "relu6": nn.ReLU6(), "elu": nn.ELU(alpha=0.5),
        "softplus": nn.Softplus(beta=2.0, threshold=3.0), "gelu_tanh": nn.GELU(approximate="tanh"),
        "hardswish": nn.Hardswish(), "mish": nn.Mish(),
    }
    for name, m in mods.items():
        x = base.clone().requires_grad_(True)
        y = m(x)
        (y * torch.arange(12.0).reshape(3, 4)).sum().backward()
        r[name] = y
        r[name + "_grad"] = x.grad
    r["prelu_wgrad"] = mods["prelu"].weight.grad
    s = base.clone()
    out = nn.SiLU(inplace=True)(s)
    r["silu_inplace_same"] = out is s
    r["silu_inplace"] = s
    r["softmax_dtype"] = F.softmax(base.half(), dim=1, dtype=torch.float32)
    r["softmax_dtype_out"] = F.softmax(base, 0, dtype=torch.float64).dtype
    r["log_softmax_int_err"] = err(F.log_softmax, torch.tensor([1, 2]), 0)
    r["rrelu_train_bounds"] = _rrelu_train(base)
    return r


def _rrelu_train(x):
    y = F.rrelu(x, 0.1, 0.3, training=True)
    neg = x < 0
    ratio = y[neg] / x[neg]
    return bool(((ratio >= 0.1) & (ratio <= 0.3)).all()), bool(torch.equal(y[~neg], x[~neg]))
