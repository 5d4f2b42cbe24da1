"""NAdam: Adam with Nesterov momentum (momentum_decay, decoupled weight decay, mu_product
state) in PyTorch's update order."""
from __future__ import annotations

import numpy as np

from .adagrad import (_lazy_state, _bump, _check, _check_betas, _check_lr, _fix_steps, _fma,
                      _grad, _lerp_, _real, _scalar)
from .optimizer import Optimizer


class NAdam(Optimizer):
    """NAdam (Dozat, 2016): Adam with Nesterov momentum.

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): learning rate (default: 2e-3).
        betas (Tuple[float, float]): running-average coefficients (default: (0.9, 0.999)).
        eps (float): term added to the denominator (default: 1e-8).
        weight_decay (float): weight decay (default: 0).
        momentum_decay (float): momentum decay psi (default: 4e-3).
        decoupled_weight_decay (bool): AdamW-style decay, i.e. NAdamW (default: False).
        maximize (bool): maximize the objective instead of minimizing (default: False).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check(eps, "epsilon")
        _check_betas(betas)
        _check(weight_decay, "weight_decay")
        _check(momentum_decay, "momentum_decay")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable))

    def __setstate__(self, state):
        super().__setstate__(state)
        _fix_steps(self, keys=("step", "mu_product"), maximize=False, foreach=None,
                   capturable=False, differentiable=False, decoupled_weight_decay=False)

    def _init_state(self, p):
        return _lazy_state(self, p, ("exp_avg", "exp_avg_sq"), mu_product=1.0)

    def step(self, closure=None):
        """One NAdam update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd, eps = _scalar(group["lr"]), group["weight_decay"], group["eps"]
            psi = group["momentum_decay"]
            for p in self._params_with_grad(group):
                state = self._init_state(p)
                step_t, mu_prod = state["step"], state["mu_product"]
                step_t._data += 1
                step = float(step_t._data)
                g = _grad(p, group["maximize"])
                bc2 = 1 - beta2 ** step
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p._data *= 1 - lr * wd
                    else:
                        g = _fma(wd, p._data, g)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                mu_prod._data *= mu            # rounded to the state's dtype, as in torch
                mp = float(mu_prod._data)
                a, g = _real(p._data), _real(g)
                m, v = _real(state["exp_avg"]._data), _real(state["exp_avg_sq"]._data)
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                v[...] = _fma((1 - beta2) * g, g, v)
                denom = np.sqrt(v / bc2)
                denom += eps
                a += (-lr * (1.0 - mu) / (1.0 - mp) * g) / denom
                a += ((-lr * mu_next) / (1.0 - mp * mu_next) * m) / denom
                _bump(p, step_t, mu_prod, state["exp_avg"], state["exp_avg_sq"])
        return loss
