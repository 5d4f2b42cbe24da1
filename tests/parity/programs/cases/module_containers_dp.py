"""nn.DataParallel on CPU (forwards, state_dict 'module.' prefix), stripping a prefix when
loading, add_module/register_module, named_children, delattr of submodule, Sequential with
OrderedDict, nested ModuleDict state_dict, load_state_dict into a wrapped model."""
from collections import OrderedDict

import torch
import torch.nn as nn
from casekit import init_params, randn


def run():
    r = {}
    net = init_params(nn.Sequential(OrderedDict([("fc1", nn.Linear(3, 4)), ("act", nn.ReLU()), ("fc2", nn.Linear(4, 2))])), seed=1)
    r["od_names"] = [n for n, _ in net.named_children()]
    r["attr_access"] = tuple(net.fc1.weight.shape)
    dp = nn.DataParallel(net)
    x = torch.tensor(randn(5, 3, seed=2))
    r["dp_out"] = dp(x)
    r["dp_keys"] = list(dp.state_dict().keys())
    r["dp_module_is"] = dp.module is net
    sd = {k.replace("module.", "", 1): v for k, v in dp.state_dict().items()}
    fresh = nn.Sequential(OrderedDict([("fc1", nn.Linear(3, 4)), ("act", nn.ReLU()), ("fc2", nn.Linear(4, 2))]))
    fresh.load_state_dict(sd)
    r["fresh_out"] = fresh(x)
    m = nn.Module()
    m.add_module("a", nn.Linear(2, 2))
    m.register_module("b", nn.Tanh())
    r["children"] = [n for n, _ in m.named_children()]
    del m.a
    r["after_del"] = [n for n, _ in m.named_children()]
    md = nn.ModuleDict({"enc": nn.ModuleDict({"l": nn.Linear(2, 2)}), "dec": nn.Sequential(nn.Linear(2, 1))})
    r["nested_keys"] = list(md.state_dict().keys())
    r["err_missing"] = _err(lambda: fresh.load_state_dict(dp.state_dict()))
    r["seq_getitem_name"] = type(net[-1]).__name__
    r["len"] = len(net)
    return r


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "no error"
