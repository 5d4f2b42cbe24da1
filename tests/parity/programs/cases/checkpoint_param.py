"""torch.utils.checkpoint (use_reentrant False/True, checkpoint_sequential) gives the same
grads; nn.utils.parametrizations.weight_norm / orthogonal / custom parametrize."""
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
from torch.utils.checkpoint import checkpoint, checkpoint_sequential
from casekit import init_params, randn


class Sym(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


def run():
    r = {}
    seq = init_params(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)), seed=1)
    x = torch.tensor(randn(3, 4, seed=2), requires_grad=True)
    out = seq(x).sum()
    out.backward()
    ref = [p.grad.clone() for p in seq.parameters()] + [x.grad.clone()]
    r["ref_grads"] = ref
    for reentrant in (False, True):
        seq.zero_grad(); x.grad = None
        y = checkpoint(seq, x, use_reentrant=reentrant).sum()
        y.backward()
        r["ckpt_%s" % reentrant] = [p.grad for p in seq.parameters()] + [x.grad]
    seq.zero_grad(); x.grad = None
    checkpoint_sequential(seq, 2, x, use_reentrant=False).sum().backward()
    r["ckpt_seq"] = [p.grad for p in seq.parameters()]
    lin = init_params(nn.Linear(3, 4), seed=3)
    lin = nn.utils.parametrizations.weight_norm(lin, name="weight", dim=0)
    r["wn_params"] = sorted(n for n, _ in lin.named_parameters())
    r["wn_g"] = lin.parametrizations.weight.original0
    r["wn_weight"] = lin.weight
    xi = torch.tensor(randn(2, 3, seed=4))
    lin(xi).sum().backward()
    r["wn_grad_v"] = lin.parametrizations.weight.original1.grad
    r["wn_state_keys"] = sorted(lin.state_dict().keys())
    l2 = init_params(nn.Linear(3, 3), seed=5)
    P.register_parametrization(l2, "weight", Sym())
    r["sym_weight"] = l2.weight
    r["is_parametrized"] = (P.is_parametrized(l2), P.is_parametrized(l2, "bias"))
    with P.cached():
        r["cached_same"] = l2.weight is l2.weight
    P.remove_parametrizations(l2, "weight", leave_parametrized=True)
    r["removed_weight"] = l2.weight
    r["removed_type"] = type(l2.weight).__name__
    l3 = init_params(nn.Linear(4, 4), seed=6)
    try:
        nn.utils.parametrizations.orthogonal(l3)
        w = l3.weight
        r["orthogonal"] = torch.allclose(w @ w.T, torch.eye(4), atol=1e-5)
    except Exception as e:  # noqa: BLE001
        r["orthogonal"] = type(e).__name__
    sn = nn.utils.parametrizations.spectral_norm(init_params(nn.Linear(5, 4), seed=7), n_power_iterations=30)
    for _ in range(5):
        sn(torch.ones(1, 5))
    r["spectral_sigma_close_to_1"] = abs(float(torch.linalg.matrix_norm(sn.weight.detach(), ord=2)) - 1.0) < 1e-3
    return r
