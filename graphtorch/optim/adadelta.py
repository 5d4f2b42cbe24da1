"""Adadelta (rho, eps, lr, weight decay, maximize) in PyTorch's update order."""
from __future__ import annotations

import numpy as np

from .adagrad import (_lazy_state, _bump, _check, _check_lr, _fix_steps, _fma, _grad, _real,
                      _scalar)
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta: an adaptive learning-rate method (Zeiler, 2012).

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): coefficient scaling delta before it is applied (default: 1.0).
        rho (float): coefficient of the running averages (default: 0.9).
        eps (float): term added to the denominators (default: 1e-6).
        weight_decay (float): L2 penalty (default: 0).
        maximize (bool): maximize the objective instead of minimizing (default: False).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check(eps, "epsilon")
        _check(weight_decay, "weight_decay")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, capturable=capturable,
                                      foreach=foreach, differentiable=differentiable))

    def __setstate__(self, state):
        super().__setstate__(state)
        _fix_steps(self, foreach=None, maximize=False, differentiable=False, capturable=False)

    def _init_state(self, p):
        return _lazy_state(self, p, ("square_avg", "acc_delta"))

    def step(self, closure=None):
        """One Adadelta update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = _scalar(group["lr"]), group["rho"], group["eps"], \
                group["weight_decay"]
            for p in self._params_with_grad(group):
                state = self._init_state(p)
                state["step"]._data += 1
                g = _grad(p, group["maximize"])
                if wd != 0:
                    g = _fma(wd, p._data, g)
                sq, acc = _real(state["square_avg"]._data), _real(state["acc_delta"]._data)
                g = _real(g)
                sq *= rho
                sq[...] = _fma((1 - rho) * g, g, sq)
                delta = np.sqrt(acc + eps)
                delta /= np.sqrt(sq + eps)
                delta *= g
                acc *= rho
                acc[...] = _fma((1 - rho) * delta, delta, acc)
                a = _real(p._data)
                a[...] = _fma(-lr, delta, a)
                _bump(p, state["step"], state["square_avg"], state["acc_delta"])
        return loss
