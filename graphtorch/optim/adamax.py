"""Adamax (Adam with the infinity norm) in PyTorch's update order."""
from __future__ import annotations

import numpy as np

from .adagrad import (_lazy_state, _bump, _check, _check_betas, _check_lr, _fix_steps, _fma,
                      _grad, _lerp_, _real, _scalar)
from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax: a variant of Adam based on the infinity norm (Kingma & Ba).

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): learning rate (default: 2e-3).
        betas (Tuple[float, float]): running-average coefficients (default: (0.9, 0.999)).
        eps (float): term added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        maximize (bool): maximize the objective instead of minimizing (default: False).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check(eps, "epsilon")
        _check_betas(betas)
        _check(weight_decay, "weight_decay")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def __setstate__(self, state):
        super().__setstate__(state)
        _fix_steps(self, foreach=None, maximize=False, differentiable=False, capturable=False)

    def _init_state(self, p):
        return _lazy_state(self, p, ("exp_avg", "exp_inf"))

    def step(self, closure=None):
        """One Adamax update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, wd = _scalar(group["lr"]), group["eps"], group["weight_decay"]
            for p in self._params_with_grad(group):
                state = self._init_state(p)
                step_t = state["step"]
                step_t._data += 1
                g = _grad(p, group["maximize"])
                if wd != 0:
                    g = _fma(wd, p._data, g)
                a, g = _real(p._data), _real(g)
                m, u = _real(state["exp_avg"]._data), _real(state["exp_inf"]._data)
                _lerp_(m, g, 1 - beta1)
                u *= beta2
                np.maximum(u, np.abs(g) + eps, out=u)
                clr = lr / (1 - beta1 ** float(step_t._data))
                a += (-clr * m) / u
                _bump(p, step_t, state["exp_avg"], state["exp_inf"])
        return loss
