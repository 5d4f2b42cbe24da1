"""Rprop: resilient backpropagation (etas, step_sizes, maximize) in PyTorch's update order."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import wrap
from .adagrad import _bump, _check_lr, _fix_steps, _grad, _real, _scalar, _step_tensor
from .optimizer import Optimizer


class Rprop(Optimizer):
    """Rprop: sign-based updates with per-coordinate adaptive step sizes.

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): initial step size (default: 1e-2).
        etas (Tuple[float, float]): (etaminus, etaplus) step-size factors (default: (0.5, 1.2)).
        step_sizes (Tuple[float, float]): minimal and maximal step sizes (default: (1e-6, 50)).
        maximize (bool): maximize the objective instead of minimizing (default: False).
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def __setstate__(self, state):
        super().__setstate__(state)
        _fix_steps(self, foreach=None, maximize=False, differentiable=False, capturable=False)

    def _init_state(self, p, lr):
        state = self.state[p]
        if not state:
            state["step"] = _step_tensor()
            state["prev"] = wrap(np.zeros_like(p._data))
            size = np.empty_like(p.grad._data)
            _real(size)[...] = lr            # complex: lr for the real and imaginary parts
            state["step_size"] = wrap(size)
        return state

    def step(self, closure=None):
        """One Rprop update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            size_min, size_max = group["step_sizes"]
            for p in self._params_with_grad(group):
                state = self._init_state(p, _scalar(group["lr"]))
                state["step"]._data += 1
                a, g = _real(p._data), _real(_grad(p, group["maximize"]))
                prev, size = _real(state["prev"]._data), _real(state["step_size"]._data)
                sign = np.sign(g * prev)
                # factors are compared and stored in the sign's own precision, as in torch
                t = sign.dtype.type
                sign[sign > 0] = t(etaplus)
                sign[sign < 0] = t(etaminus)
                sign[sign == 0] = 1
                size *= sign
                np.clip(size, t(size_min), t(size_max), out=size)
                g = np.array(g, copy=True)
                g[sign == t(etaminus)] = 0       # no update right after a sign change
                a += (-1 * np.sign(g)) * size
                prev[...] = g
                _bump(p, state["step"], state["prev"], state["step_size"])
        return loss
