"""RAdam: rectified Adam (rho_t variance rectification, decoupled weight decay) in PyTorch's
update order."""
from __future__ import annotations

import numpy as np

from .adagrad import (_lazy_state, _bump, _check, _check_betas, _check_lr, _fix_steps, _fma,
                      _grad, _lerp_, _real, _scalar)
from .optimizer import Optimizer


class RAdam(Optimizer):
    """RAdam (Liu et al., 2019): Adam with a rectified adaptive learning rate.

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): learning rate (default: 1e-3).
        betas (Tuple[float, float]): running-average coefficients (default: (0.9, 0.999)).
        eps (float): term added to the denominator (default: 1e-8).
        weight_decay (float): weight decay (default: 0).
        decoupled_weight_decay (bool): AdamW-style decay, i.e. RAdamW (default: False).
        maximize (bool): maximize the objective instead of minimizing (default: False).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_lr(lr)
        _check(eps, "epsilon")
        _check_betas(betas)
        _check(weight_decay, "weight_decay")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, foreach=foreach,
                                      capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      differentiable=differentiable))

    def __setstate__(self, state):
        super().__setstate__(state)
        _fix_steps(self, foreach=None, maximize=False, differentiable=False, capturable=False,
                   decoupled_weight_decay=False)

    def _init_state(self, p):
        return _lazy_state(self, p, ("exp_avg", "exp_avg_sq"))

    def step(self, closure=None):
        """One RAdam update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd, eps = _scalar(group["lr"]), group["weight_decay"], group["eps"]
            for p in self._params_with_grad(group):
                state = self._init_state(p)
                step_t = state["step"]
                step_t._data += 1
                step = float(step_t._data)
                g = _grad(p, group["maximize"])
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p._data *= 1 - lr * wd
                    else:
                        g = _fma(wd, p._data, g)
                a, g = _real(p._data), _real(g)
                m, v = _real(state["exp_avg"]._data), _real(state["exp_avg_sq"]._data)
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                v[...] = _fma((1 - beta2) * g, g, v)
                a -= _update(m, v, step, beta1, beta2, lr, eps)
                _bump(p, step_t, state["exp_avg"], state["exp_avg_sq"])
        return loss


def _update(m, v, step, beta1, beta2, lr, eps):
    """The step subtracted from the parameter: rectified Adam once the approximated SMA length
    rho_t exceeds 5, plain bias-corrected momentum SGD before."""
    bc1 = 1 - beta1 ** step
    bc2 = 1 - beta2 ** step
    corrected = m / bc1
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive = (bc2 ** 0.5) / (np.sqrt(v) + eps)
        return corrected * lr * adaptive * rect
    return corrected * lr
