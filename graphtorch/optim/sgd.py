"""SGD with momentum, dampening, Nesterov, weight decay and maximize (PyTorch's update order)."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import wrap
from .optimizer import Optimizer, required


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum).

    Example::

        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, mom, damp = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            for p in self._params_with_grad(group):
                a, g = p._data, p.grad._data
                d = -g if maximize else g
                if wd != 0:
                    d = d + wd * a
                if mom != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = wrap(np.array(d, copy=True))
                    else:
                        b = buf._data
                        b *= mom
                        b += (1 - damp) * d if damp else d
                        buf._vc[0] += 1
                    d = d + mom * buf._data if nesterov else buf._data
                a -= (lr * d).astype(a.dtype, copy=False)
                p._vc[0] += 1
        return loss
