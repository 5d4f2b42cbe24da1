"""Module call details: forward with kwargs through __call__, register_forward_hook with
always_call / prepend ordering, state_dict pre/post hooks (register_state_dict_post_hook),
load_state_dict post hook, _load_from_state_dict override handling a renamed key,
register_module_forward_hook (global) absent? (not used), modules' __dir__, extra_state
(get_extra_state / set_extra_state) round trip."""
import torch
import torch.nn as nn
from casekit import init_params, randn


class WithExtra(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.counter = 0

    def get_extra_state(self):
        return {"counter": self.counter}

    def set_extra_state(self, state):
        self.counter = state["counter"]

    def forward(self, x, *, scale=1.0):
        return self.lin(x) * scale


class Renamed(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight_new = nn.Parameter(torch.zeros(2))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        old = prefix + "weight_old"
        if old in state_dict:
            state_dict[prefix + "weight_new"] = state_dict.pop(old)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def run():
    r = {}
    m = init_params(WithExtra(), seed=1)
    x = torch.tensor(randn(3, 2, seed=2))
    r["kwargs_call"] = m(x, scale=2.0)
    order = []
    m.register_forward_hook(lambda mod, a, o: order.append("h1"))
    m.register_forward_hook(lambda mod, a, o: order.append("h0"), prepend=True)
    m.register_forward_pre_hook(lambda mod, a: order.append("pre"))
    m(x)
    r["hook_order"] = order
    m.counter = 7
    sd = m.state_dict()
    r["sd_keys"] = list(sd.keys())
    m2 = WithExtra()
    m2.load_state_dict(sd)
    r["extra_restored"] = m2.counter
    seen = []
    m2.register_load_state_dict_post_hook(lambda mod, inc: seen.append((list(inc.missing_keys), list(inc.unexpected_keys))))
    m2.load_state_dict(sd)
    r["post_hook"] = seen
    m2.register_state_dict_post_hook(lambda mod, sdict, prefix, local: sdict.__setitem__(prefix + "added", torch.ones(1)))
    r["post_sd_keys"] = list(m2.state_dict().keys())
    ren = Renamed()
    res = ren.load_state_dict({"weight_old": torch.tensor([1.0, 2.0])})
    r["renamed"] = ren.weight_new
    r["renamed_missing"] = res.missing_keys
    outer = nn.Sequential(Renamed())
    outer.load_state_dict({"0.weight_old": torch.tensor([3.0, 4.0])})
    r["renamed_nested"] = outer[0].weight_new
    return r
