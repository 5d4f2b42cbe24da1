"""Learning PyTorch with Examples: fit a third-order polynomial to sin(x) three ways:
manual tensors with manual gradients, autograd with torch.no_grad updates and grad=None,
and nn.Sequential(Linear(3,1), Flatten(0,1)) with MSELoss(reduction='sum') and x.unsqueeze(-1).pow(p)."""
import math
import torch
import numpy as np


def run():
    r = {}
    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 200, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, dtype=dtype) for v in (0.1, -0.2, 0.3, -0.05))
    lr = 1e-6
    for t in range(50):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()
        a -= lr * grad_a
        b -= lr * grad_b
        c -= lr * grad_c
        d -= lr * grad_d
    r["manual"] = (a, b, c, d, loss)
    a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in (0.1, -0.2, 0.3, -0.05))
    for t in range(50):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            d -= lr * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    r["autograd"] = (a, b, c, d, loss)
    r["grad_none"] = a.grad is None
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    r["xx_shape"] = xx.shape
    r["xx_dtype"] = xx.dtype
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[0.1, -0.1, 0.01]]))
        model[0].bias.fill_(0.05)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    for t in range(30):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    r["nn_loss"] = loss
    linear_layer = model[0]
    r["nn_coef"] = (linear_layer.bias.item(), linear_layer.weight[:, 0].item(),
                    linear_layer.weight[:, 1].item(), linear_layer.weight[:, 2].item())
    r["np_result"] = torch.from_numpy(np.sin(np.linspace(0, 1, 5))).float()
    return r
