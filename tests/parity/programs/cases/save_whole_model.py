"""torch.save of a whole module object (pickled class) + torch.load(weights_only=False),
saving to a file path, map_location='cpu', state_dict with non-persistent buffers,
nn.Module.load_state_dict(assign=True), copy of tensors when loading into params."""
import os
import tempfile

import torch
import torch.nn as nn
from casekit import init_params, randn


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(3, 2)
        self.register_buffer("mask", torch.tensor([1.0, 0.0]))
        self.register_buffer("tmp", torch.zeros(1), persistent=False)

    def forward(self, x):
        return self.l(x) * self.mask


def run():
    r = {}
    m = init_params(Small(), seed=1)
    x = torch.tensor(randn(4, 3, seed=2))
    d = tempfile.mkdtemp()
    path = os.path.join(d, "model.pt")
    torch.save(m, path)
    m2 = torch.load(path, weights_only=False, map_location="cpu")
    r["type"] = type(m2).__name__
    r["same"] = bool(torch.equal(m2(x), m(x)))
    r["sd_keys"] = list(m2.state_dict().keys())
    sd_path = os.path.join(d, "sd.pth")
    torch.save(m.state_dict(), sd_path)
    sd = torch.load(sd_path, map_location=torch.device("cpu"))
    r["sd_types"] = sorted(type(v).__name__ for v in sd.values())
    m3 = Small()
    m3.load_state_dict(sd, assign=True)
    r["assign_shares"] = m3.l.weight.data_ptr() == sd["l.weight"].data_ptr()
    r["assign_is_param"] = type(m3.l.weight).__name__
    m4 = Small()
    m4.load_state_dict(sd)
    r["m4_out"] = m4(x)
    r["weights_only_default_err"] = _err(lambda: torch.load(path))
    r["size_mismatch"] = _err(lambda: nn.Linear(3, 3).load_state_dict({"weight": torch.ones(2, 3), "bias": torch.ones(3)}))
    tens = {"a": torch.arange(3), "b": [torch.ones(2), 5], "c": torch.tensor(2.5).double()}
    torch.save(tens, os.path.join(d, "t.pt"))
    back = torch.load(os.path.join(d, "t.pt"))
    r["nested"] = back
    return r


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "no error"
