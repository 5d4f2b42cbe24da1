"""Module API details from the nn tutorials: LazyLinear / LazyConv2d infer in_features on the first
forward (UninitializedParameter before, has_uninitialized_params), then init_params works;
register_buffer(persistent=False) excluded from state_dict but moved by .to(); ParameterDict /
ModuleDict / ParameterList usage; torch.no_grad as a decorator, enable_grad inside no_grad,
set_grad_enabled(False) as a function call; forward hook feature extraction into a dict."""
import torch
import torch.nn as nn
from casekit import init_params, randn


class WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("running", torch.zeros(3))
        self.register_buffer("scratch", torch.ones(2), persistent=False)
        self.pd = nn.ParameterDict({"a": nn.Parameter(torch.ones(2)), "b": nn.Parameter(torch.zeros(2))})
        self.md = nn.ModuleDict({"lin": nn.Linear(2, 2), "act": nn.Tanh()})
        self.pl = nn.ParameterList([nn.Parameter(torch.full((2,), float(i))) for i in range(2)])

    def forward(self, x):
        x = self.md["act"](self.md["lin"](x * self.pd["a"] + self.pd["b"]))
        for p in self.pl:
            x = x + p
        return x


@torch.no_grad()
def predict(m, x):
    return m(x)


def run():
    r = {}
    lazy = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    r["uninit"] = (lazy[0].has_uninitialized_params(), type(lazy[0].weight).__name__)
    x = torch.tensor(randn(3, 5, seed=1))
    lazy(x)
    r["inferred"] = (lazy[0].in_features, lazy[0].weight.shape, lazy[2].in_features, type(lazy[0]).__name__,
                     type(lazy[0].weight).__name__)
    init_params(lazy, seed=2)
    r["lazy_out"] = lazy(x)
    lc = nn.LazyConv2d(4, 3)
    lc(torch.zeros(1, 2, 5, 5))
    r["lazy_conv"] = (lc.in_channels, lc.weight.shape, type(lc).__name__)
    m = init_params(WithBuffers(), seed=3)
    r["sd_keys"] = list(m.state_dict().keys())
    r["buffers"] = [n for n, _ in m.named_buffers()]
    r["params"] = [n for n, _ in m.named_parameters()]
    m = m.double()
    r["nonpersistent_moved"] = m.scratch.dtype
    y = torch.tensor(randn(2, 2, seed=4), dtype=torch.float64)
    out = predict(m, y)
    r["decorated"] = (out, out.requires_grad)
    with torch.no_grad():
        with torch.enable_grad():
            z = m(y)
    r["enable_inside"] = z.requires_grad
    torch.set_grad_enabled(False)
    r["fn_form"] = (m(y).requires_grad, torch.is_grad_enabled())
    torch.set_grad_enabled(True)
    feats = {}

    def get_activation(name):
        def hook(model, input, output):
            feats[name] = output.detach()
        return hook

    h = m.md["lin"].register_forward_hook(get_activation("lin"))
    m(y)
    h.remove()
    r["feat"] = feats["lin"]
    return r
