"""Learning PyTorch with Examples: LegendrePolynomial3 as torch.autograd.Function with
ctx.save_for_backward / saved_tensors, applied via .apply, trained with manual SGD; plus a
custom Module with a polynomial forward and string(), and dynamic control flow (random
number of reused weights replaced by a deterministic schedule) trained with SGD momentum."""
import math
import torch
from casekit import init_params


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.1))
        self.b = torch.nn.Parameter(torch.tensor(-0.2))
        self.c = torch.nn.Parameter(torch.tensor(0.3))
        self.d = torch.nn.Parameter(torch.tensor(0.01))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item():.3f} + {self.b.item():.3f} x + {self.c.item():.3f} x^2 + {self.d.item():.3f} x^3'


class DynamicNet(Polynomial3):
    def __init__(self):
        super().__init__()
        self.e = torch.nn.Parameter(torch.tensor(0.001))

    def forward(self, x, k):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, k):
            y = y + self.e * x ** exp
        return y


def run():
    r = {}
    x = torch.linspace(-math.pi, math.pi, 100)
    y = torch.sin(x)
    a = torch.full((), 0.0, requires_grad=True)
    b = torch.full((), -1.0, requires_grad=True)
    c = torch.full((), 0.0, requires_grad=True)
    d = torch.full((), 0.3, requires_grad=True)
    lr = 5e-6
    for t in range(40):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    r["legendre"] = (a, b, c, d, loss)
    r["legendre_grad_fn"] = type(y_pred.grad_fn).__name__
    model = Polynomial3()
    crit = torch.nn.MSELoss(reduction='sum')
    opt = torch.optim.SGD(model.parameters(), lr=1e-6)
    for t in range(30):
        loss = crit(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    r["poly_string"] = model.string()
    r["poly_loss"] = loss
    dyn = DynamicNet()
    opt = torch.optim.SGD(dyn.parameters(), lr=1e-8, momentum=0.9)
    for t in range(12):
        k = 4 + (t * 7) % 3
        loss = crit(dyn(x, k), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        r["dyn_e_grad_%d" % t] = None if dyn.e.grad is None else dyn.e.grad.clone()
    r["dyn_params"] = [p.detach().clone() for p in dyn.parameters()]
    r["names"] = [n for n, _ in dyn.named_parameters()]
    return r
