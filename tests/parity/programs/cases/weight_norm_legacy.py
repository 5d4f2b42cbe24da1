"""Legacy nn.utils.weight_norm / remove_weight_norm (weight_g, weight_v names, dim=None and
dim=1), nn.utils.parametrizations.weight_norm original0/original1 names, forward equality,
gradients into g and v, state_dict keys, remove restores a plain weight."""
import torch
import torch.nn as nn
from torch.nn.utils import weight_norm, remove_weight_norm
from torch.nn.utils.parametrizations import weight_norm as pweight_norm
from casekit import init_params, randn

RTOL = 1e-5
ATOL = 1e-6


def run():
    r = {}
    x = torch.tensor(randn(3, 4, seed=1))
    lin = init_params(nn.Linear(4, 5), seed=2)
    ref = lin(x).detach()
    wn = weight_norm(lin)
    r["names"] = sorted(n for n, _ in wn.named_parameters())
    r["g_shape"] = wn.weight_g.shape
    r["same_out"] = torch.allclose(wn(x), ref, atol=1e-6)
    wn(x).pow(2).sum().backward()
    r["g_grad"], r["v_grad"] = wn.weight_g.grad, wn.weight_v.grad
    r["sd_keys"] = sorted(wn.state_dict().keys())
    remove_weight_norm(wn)
    r["removed_names"] = sorted(n for n, _ in wn.named_parameters())
    r["removed_out"] = wn(x)
    conv = init_params(nn.Conv1d(2, 3, 3), seed=3)
    wnc = weight_norm(conv, dim=None)
    r["dimnone_g"] = wnc.weight_g
    wnc1 = weight_norm(init_params(nn.Linear(4, 5), seed=4), name="weight", dim=1)
    r["dim1_g_shape"] = wnc1.weight_g.shape
    p = pweight_norm(init_params(nn.Linear(4, 5), seed=5))
    r["p_names"] = sorted(n for n, _ in p.named_parameters())
    r["p_out"] = p(x)
    p(x).sum().backward()
    r["p_g_grad"] = p.parametrizations.weight.original0.grad
    return r
