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

    _SPARSE_ERROR = None  # sparse gradients update only their rows (see _sparse_update)

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
                if p.grad.is_sparse:
                    _sparse_update(self.state[p], p, p.grad, group)
                    continue
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


def _sparse_update(state, p, grad, group):
    """torch's SGD step on a sparse gradient: the momentum buffer stays sparse (a clone of
    the first gradient, then ``buf.mul_(momentum).add_(grad, alpha=1 - dampening)``) and
    ``p.add_(grad, alpha=-lr)`` touches only the stored rows; weight decay would add a dense
    tensor to a sparse one, which torch rejects."""
    from ..sparse import _accumulate as A
    from ..sparse._coo import with_values
    mom, damp = group["momentum"], group["dampening"]
    if group["maximize"]:
        grad = with_values(grad, -grad._data.values.detach())
    if group["weight_decay"] != 0:
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) "
                           "instead.")
    if mom != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = A.clone_sparse(grad)
        else:
            A.add_sparse_(A.scale_(buf, mom), grad, 1 - damp)
        grad = A.add_sparse(grad, buf, mom) if group["nesterov"] else buf
    A.add_to_dense_(p._data, grad, -float(group["lr"]))
    p._vc[0] += 1
