"""Optimizer API details: register_step_pre_hook / register_step_post_hook, state_dict keys
and 'param_groups' contents, load_state_dict casting state to param dtype, optimizer with
foreach=False/True giving equal results, SGD with nesterov+weight_decay+maximize, Adam with
amsgrad state, per-parameter state after step, defaults dict, repr of optimizer."""
import torch
import torch.nn as nn
from casekit import init_params, randn


def _model():
    return init_params(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), seed=1)


def run():
    r = {}
    x = torch.tensor(randn(5, 3, seed=2))
    outs = {}
    for fe in (False, True):
        m = _model()
        opt = torch.optim.Adam(m.parameters(), lr=0.05, amsgrad=True, weight_decay=0.01, foreach=fe)
        for _ in range(3):
            opt.zero_grad()
            m(x).pow(2).mean().backward()
            opt.step()
        outs[fe] = [p.detach().clone() for p in m.parameters()]
    r["foreach_equal"] = all(torch.allclose(a, b, atol=1e-6) for a, b in zip(outs[False], outs[True]))
    r["adam_params"] = outs[False]
    r["adam_state_keys"] = sorted(opt.state[next(iter(m.parameters()))].keys())
    r["defaults_keys"] = sorted(k for k in opt.defaults.keys() if k not in ("decoupled_weight_decay",))
    m = _model()
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    for _ in range(2):
        opt.zero_grad()
        m(x).sum().backward()
        opt.step()
    h1.remove()
    h2.remove()
    opt.step()
    r["hook_calls"] = calls
    r["sgd_params"] = [p.detach().clone() for p in m.parameters()]
    sd = opt.state_dict()
    r["sd_keys"] = sorted(sd.keys())
    r["sd_group"] = {k: v for k, v in sd["param_groups"][0].items() if k not in ("foreach", "fused", "differentiable")}
    r["momentum_buf"] = sd["state"][0]["momentum_buffer"]
    md = _model().double()
    opt2 = torch.optim.SGD(md.parameters(), lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    r["cast_dtype"] = opt2.state[next(iter(md.parameters()))]["momentum_buffer"].dtype
    r["repr_first"] = repr(opt).splitlines()[0]
    return r
