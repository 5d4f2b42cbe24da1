"""Parametrizations tutorial + nn.init: parametrize.register_parametrization with Symmetric
(triu + transpose) and MatrixExponential / Skew modules, parametrizations.weight.original,
cached(), is_parametrized, remove_parametrizations(leave_parametrized=True), right_inverse,
orthogonal and spectral_norm/weight_norm parametrizations (properties), nn.init functions
(xavier_uniform_, kaiming_normal_ bounds/stats, zeros_, ones_, eye_, dirac_, trunc_normal_,
constant_, calculate_gain values)."""
import math
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as parametrize
from casekit import init_params, randn


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Skew(nn.Module):
    def forward(self, X):
        A = X.triu(1)
        return A - A.transpose(-1, -2)


class NoisyParametrization(nn.Module):
    def forward(self, X):
        return X * 2

    def right_inverse(self, Z):
        return Z / 2


def run():
    r = {}
    layer = init_params(nn.Linear(3, 3), seed=1)
    parametrize.register_parametrization(layer, "weight", Symmetric())
    A = layer.weight
    r["sym"] = bool(torch.allclose(A, A.T))
    r["is_param"] = (parametrize.is_parametrized(layer), parametrize.is_parametrized(layer, "bias"))
    r["names"] = sorted(n for n, _ in layer.named_parameters())
    r["original"] = layer.parametrizations.weight.original
    x = torch.tensor(randn(2, 3, seed=2))
    out = layer(x)
    out.sum().backward()
    r["orig_grad"] = layer.parametrizations.weight.original.grad
    with parametrize.cached():
        r["cached_same"] = layer.weight is layer.weight
    parametrize.register_parametrization(layer, "weight", Skew())
    r["chain"] = layer.weight
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)
    r["removed"] = (parametrize.is_parametrized(layer), type(layer.weight).__name__)
    lin = init_params(nn.Linear(2, 2), seed=3)
    w0 = lin.weight.detach().clone()
    parametrize.register_parametrization(lin, "weight", NoisyParametrization())
    r["right_inverse"] = (bool(torch.allclose(lin.weight, w0)), lin.parametrizations.weight.original)
    lin.weight = torch.eye(2)
    r["assign"] = lin.parametrizations.weight.original
    orth = nn.utils.parametrizations.orthogonal(nn.Linear(4, 4))
    Q = orth.weight
    r["orth"] = bool(torch.allclose(Q @ Q.T, torch.eye(4), atol=1e-5))
    sn = nn.utils.parametrizations.spectral_norm(init_params(nn.Linear(5, 4), seed=4))
    r["sn_sigma"] = abs(torch.linalg.matrix_norm(sn.weight, 2).item() - 1.0) < 0.2
    torch.manual_seed(0)
    w = torch.empty(200, 300)
    nn.init.xavier_uniform_(w)
    b = math.sqrt(6 / 500)
    r["xavier"] = (bool(w.abs().max() <= b), abs(w.std().item() - b / math.sqrt(3)) < 0.005)
    nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')
    r["kaiming"] = abs(w.std().item() - math.sqrt(2 / 200)) < 0.005
    nn.init.trunc_normal_(w, std=0.02, a=-0.04, b=0.04)
    r["trunc"] = bool(w.abs().max() <= 0.04)
    r["eye"] = nn.init.eye_(torch.empty(2, 3))
    r["dirac"] = nn.init.dirac_(torch.empty(2, 2, 3)).sum((0, 1))
    r["zeros_ones"] = (nn.init.zeros_(torch.empty(2)), nn.init.ones_(torch.empty(2)), nn.init.constant_(torch.empty(2), 0.3))
    r["gains"] = [nn.init.calculate_gain(n) for n in ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu")] + [nn.init.calculate_gain("leaky_relu", 0.2)]
    return r
