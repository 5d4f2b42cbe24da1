"""TorchScript intro tutorial: MyCell (Linear + tanh), MyDecisionGate with if x.sum() > 0,
torch.jit.trace of MyCell (traced.graph/code are strings), tracing loses control flow vs
script keeps it (MyCell with the gate scripted), MyRNNLoop scripting a loop over xs.size(0) that
calls a traced cell, WrapRNN tracing a scripted module, save/load via BytesIO."""
import io
import torch
from casekit import init_params, rand


class MyDecisionGate(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        else:
            return -x


class MyCell(torch.nn.Module):
    def __init__(self, dg):
        super().__init__()
        self.dg = dg
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x, h):
        new_h = torch.tanh(self.dg(self.linear(x)) + h)
        return new_h, new_h


class MyRNNLoop(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, xs):
        h, y = torch.zeros(3, 4), torch.zeros(3, 4)
        for i in range(xs.size(0)):
            y, h = self.cell(xs[i], h)
        return y, h


def run():
    r = {}
    x, h = torch.tensor(rand(3, 4, seed=1)), torch.tensor(rand(3, 4, seed=2))
    plain = init_params(MyCell(torch.nn.Identity()), seed=3)
    traced = torch.jit.trace(plain, (x, h))
    r["traced_out"] = traced(x, h)[0]
    r["graph_is_str"] = isinstance(str(traced.graph), str) and isinstance(traced.code, str)
    gated = init_params(MyCell(MyDecisionGate()), seed=3)
    neg = -torch.tensor(rand(3, 4, seed=4)) * 5
    traced_g = torch.jit.trace(gated, (x, h), check_trace=False)
    scripted_gate = torch.jit.script(MyDecisionGate())
    scripted_cell = torch.jit.script(init_params(MyCell(scripted_gate), seed=3))
    r["eager_neg"] = gated(neg, h)[0]
    r["scripted_neg"] = scripted_cell(neg, h)[0]
    r["script_matches_eager"] = bool(torch.allclose(scripted_cell(neg, h)[0], gated(neg, h)[0]))
    r["traced_pos"] = traced_g(x, h)[0]
    loop = torch.jit.script(MyRNNLoop(torch.jit.trace(plain, (x, h))))
    xs = torch.tensor(rand(5, 3, 4, seed=5))
    y, hh = loop(xs)
    r["loop_y"] = y
    r["loop_eager"] = MyRNNLoop(plain)(xs)[0]
    buf = io.BytesIO()
    torch.jit.save(scripted_cell, buf)
    buf.seek(0)
    loaded = torch.jit.load(buf)
    r["loaded"] = loaded(neg, h)[0]
    r["loaded_params"] = [n for n, _ in loaded.named_parameters()]
    return r
