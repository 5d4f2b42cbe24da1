"""torch.jit.trace of a small model then save/load via BytesIO; script of a module with
control flow; traced outputs equal eager."""
import io

import torch
import torch.nn as nn
from casekit import init_params, randn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 6, 3)

    def forward(self, x):
        h = torch.relu(self.conv(x))
        return torch.log_softmax(self.fc(h.flatten(1)), dim=-1)


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(3, 3)

    def forward(self, x, n: int):
        for _ in range(n):
            x = torch.tanh(self.l(x))
        return x


def run():
    r = {}
    m = init_params(M(), seed=1, scale=0.3).eval()
    x = torch.tensor(randn(2, 2, 6, seed=2))
    tr = torch.jit.trace(m, x)
    r["traced"] = tr(x)
    r["eager"] = m(x)
    x2 = torch.tensor(randn(5, 2, 6, seed=3))
    r["traced_other_batch"] = tr(x2)
    buf = io.BytesIO()
    torch.jit.save(tr, buf)
    buf.seek(0)
    ld = torch.jit.load(buf)
    r["loaded"] = ld(x2)
    r["loaded_state_keys"] = sorted(ld.state_dict().keys())
    g = init_params(Gate(), seed=4)
    sg = torch.jit.script(g)
    xx = torch.tensor(randn(2, 3, seed=5))
    r["scripted_n2"] = sg(xx, 2)
    r["scripted_n0"] = sg(xx, 0)
    buf = io.BytesIO()
    torch.jit.save(sg, buf)
    buf.seek(0)
    ld2 = torch.jit.load(buf)
    r["scripted_loaded_n2"] = ld2(xx, 2)
    try:
        r["scripted_loaded_n3"] = ld2(xx, 3)  # a value the module was never called with
    except Exception as e:  # noqa: BLE001
        r["scripted_loaded_n3"] = type(e).__name__
    tf = torch.jit.trace(lambda a, b: a * b + a.sum(), (xx, xx))
    r["traced_fn"] = tf(xx, xx + 1)
    return r
