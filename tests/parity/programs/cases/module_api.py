"""nn.Module API: register_buffer(persistent=False), ModuleList/ModuleDict/ParameterList/
ParameterDict, apply(init fn), zero_grad, requires_grad_, to(float64)/half(), train/eval
propagation, named_parameters(prefix, recurse), parameters dedup (weight tying), hooks,
state_dict prefix/keep_vars, deepcopy, modules() order."""
import copy

import torch
import torch.nn as nn
from casekit import init_params, randn


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 3)
        self.proj = nn.Linear(3, 5, bias=False)
        self.proj.weight = self.emb.weight
        self.register_buffer("scale", torch.tensor(2.0))
        self.register_buffer("cache", torch.zeros(2), persistent=False)
        self.plist = nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.zeros(1))])
        self.pdict = nn.ParameterDict({"a": nn.Parameter(torch.ones(1))})
        self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])

    def forward(self, idx):
        h = self.emb(idx)
        for b in self.blocks:
            h = torch.relu(b(h))
        return self.proj(h) * self.scale + self.plist[0].sum() + self.pdict["a"]


def run():
    r = {}
    m = init_params(Tied(), seed=1)
    r["params"] = [n for n, _ in m.named_parameters()]
    r["params_dup"] = [n for n, _ in m.named_parameters(remove_duplicate=False)]
    r["n_params"] = len(list(m.parameters()))
    r["sd_keys"] = list(m.state_dict().keys())
    r["buffers"] = [n for n, _ in m.named_buffers()]
    r["nonrecurse"] = [n for n, _ in m.named_parameters(prefix="top", recurse=False)]
    out = m(torch.tensor([[0, 4, 2]]))
    out.sum().backward()
    r["out"] = out
    r["tied_grad"] = m.emb.weight.grad
    r["same_grad_obj"] = m.proj.weight.grad is m.emb.weight.grad
    m.zero_grad()
    r["zero_grad"] = m.emb.weight.grad is None
    inits = []
    m.apply(lambda mod: inits.append(type(mod).__name__))
    r["apply_order"] = inits
    r["modules_order"] = [type(x).__name__ for x in m.modules()]
    m.requires_grad_(False)
    r["all_frozen"] = not any(p.requires_grad for p in m.parameters())
    m.blocks.requires_grad_(True)
    r["trainable"] = [n for n, p in m.named_parameters() if p.requires_grad]
    m.eval()
    r["eval_prop"] = [x.training for x in m.modules()]
    m.blocks[0].train()
    r["mixed"] = [x.training for x in m.modules()]
    m2 = copy.deepcopy(m)
    r["deepcopy_tied"] = m2.proj.weight is m2.emb.weight
    r["deepcopy_indep"] = m2.emb.weight is not m.emb.weight
    m2.double()
    r["double_dtypes"] = sorted(set(str(p.dtype) for p in m2.parameters()))
    r["double_buffer"] = m2.scale.dtype
    m2.half()
    r["half_out_dtype"] = m2.blocks[0](torch.ones(1, 3, dtype=torch.float16)).dtype
    r["sd_prefix"] = list(m.blocks.state_dict(prefix="x.").keys())
    r["keep_vars"] = type(m.state_dict(keep_vars=True)["emb.weight"]).__name__
    r["sd_tensor_type"] = type(m.state_dict()["emb.weight"]).__name__
    calls = []
    h = m.blocks[1].register_forward_hook(lambda mod, i, o: calls.append(tuple(o.shape)))
    hp = m.register_forward_pre_hook(lambda mod, args: (args[0].flip(-1),))
    m(torch.tensor([[1, 2]]))
    h.remove(); hp.remove()
    m(torch.tensor([[1, 2]]))
    r["hook_calls"] = calls
    ml = nn.ModuleList([nn.ReLU()])
    ml.append(nn.Tanh()); ml.extend([nn.Sigmoid()]); ml.insert(0, nn.GELU())
    r["modulelist"] = [type(x).__name__ for x in ml]
    r["modulelist_slice"] = type(ml[1:]).__name__
    md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()})
    md.update({"c": nn.Sigmoid()})
    r["moduledict_order"] = list(md.keys())
    r["pop"] = type(md.pop("b")).__name__
    sq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    sq.append(nn.Linear(2, 1))
    del sq[1]
    r["seq_after_del"] = [type(x).__name__ for x in sq]
    r["extra_state_kw"] = sorted(k for k in vars(nn.Module()).keys() if not k.startswith("_") or k in ("_parameters", "_buffers", "_modules"))[:3]
    return r
