"""Module API odds: register_buffer(persistent=False) absent from state_dict,
load_state_dict(strict=False) return value (missing/unexpected keys), named_modules with
remove_duplicate=False and shared submodules, get_submodule/get_parameter, module.to(dtype),
double()/half(), requires_grad_(False) freezing, buffers() listing, _IncompatibleKeys."""
import torch
import torch.nn as nn
from casekit import init_params, randn, err


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(3, 3)
        self.dec = self.enc
        self.bn = nn.BatchNorm1d(3)
        self.register_buffer("mask", torch.ones(3), persistent=False)
        self.register_buffer("table", torch.arange(3.0))
        self.register_buffer("none_buf", None)

    def forward(self, x):
        return self.dec(self.bn(self.enc(x))) * self.mask + self.table


def run():
    r = {}
    n = init_params(Net(), seed=1)
    r["sd_keys"] = list(n.state_dict().keys())
    r["buffers"] = [k for k, _ in n.named_buffers()]
    r["modules_dedup"] = [k for k, _ in n.named_modules()]
    r["modules_dup"] = [k for k, _ in n.named_modules(remove_duplicate=False)]
    r["params_dup"] = [k for k, _ in n.named_parameters(remove_duplicate=False)]
    sd = n.state_dict()
    sd["extra.weight"] = torch.zeros(1)
    del sd["bn.bias"]
    res = n.load_state_dict(sd, strict=False)
    r["missing"] = res.missing_keys
    r["unexpected"] = res.unexpected_keys
    r["strict_err"] = err(n.load_state_dict, sd)
    r["submodule"] = type(n.get_submodule("bn")).__name__
    r["get_param"] = n.get_parameter("enc.bias")
    r["get_buffer"] = n.get_buffer("bn.running_var")
    r["bad_submodule"] = err(n.get_submodule, "nope")
    n.to(torch.float64)
    r["dtypes64"] = sorted({str(t.dtype) for t in n.state_dict().values()})
    r["mask_dtype"] = n.mask.dtype
    n.half()
    r["half_w"] = n.enc.weight.dtype
    n.float()
    n.enc.requires_grad_(False)
    r["trainable"] = [k for k, p in n.named_parameters() if p.requires_grad]
    x = torch.tensor(randn(4, 3, seed=2))
    n(x).sum().backward()
    r["enc_grad_none"] = n.enc.weight.grad is None
    r["bn_grad"] = n.bn.weight.grad
    r["repr_first_line"] = repr(n).splitlines()[0]
    return r
