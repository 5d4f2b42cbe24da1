"""torch.save / torch.load with BytesIO: state_dict (model + optimizer), nested containers,
views sharing storage, load_state_dict strict=False report, dtypes preserved."""
import io

import torch
import torch.nn as nn
from casekit import init_params, randn


def run():
    r = {}
    m = init_params(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)), seed=1)
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    x = torch.tensor(randn(5, 3, seed=2))
    m(x).sum().backward()
    opt.step()
    buf = io.BytesIO()
    torch.save({"model": m.state_dict(), "opt": opt.state_dict(), "epoch": 3, "name": "run1"}, buf)
    buf.seek(0)
    ck = torch.load(buf)
    m2 = init_params(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)), seed=9)
    res = m2.load_state_dict(ck["model"])
    r["load_result"] = (list(res.missing_keys), list(res.unexpected_keys))
    opt2 = torch.optim.Adam(m2.parameters(), lr=0.5)
    opt2.load_state_dict(ck["opt"])
    r["opt_lr"] = opt2.param_groups[0]["lr"]
    r["opt_state_keys"] = sorted(ck["opt"]["state"][0].keys())
    r["opt_param_groups"] = ck["opt"]["param_groups"][0]["params"]
    m2.eval(); m.eval()
    r["same_out"] = bool(torch.equal(m2(x), m(x)))
    r["meta"] = (ck["epoch"], ck["name"])
    r["keys"] = list(ck["model"].keys())
    sd = m.state_dict()
    del sd["2.bias"]
    sd["extra"] = torch.zeros(1)
    res = m2.load_state_dict(sd, strict=False)
    r["strict_false"] = (list(res.missing_keys), list(res.unexpected_keys))
    from casekit import err
    r["strict_err"] = err(m2.load_state_dict, sd)
    base = torch.arange(10.)
    obj = {"base": base, "view": base[2:5], "list": [torch.tensor([1, 2], dtype=torch.int16),
           torch.tensor(True)], "tuple": (torch.tensor(1.5, dtype=torch.float64),), "bf": torch.ones(2, dtype=torch.bfloat16)}
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    o = torch.load(buf, weights_only=True)
    o["view"][0] = 100.
    r["view_shared"] = o["base"]
    r["dtypes"] = [o["list"][0].dtype, o["list"][1].dtype, o["tuple"][0].dtype, o["bf"].dtype]
    r["param_roundtrip"] = type(torch.load(io.BytesIO(_save(nn.Parameter(torch.ones(2)))), weights_only=False)).__name__
    return r


def _save(o):
    b = io.BytesIO()
    torch.save(o, b)
    return b.getvalue()
