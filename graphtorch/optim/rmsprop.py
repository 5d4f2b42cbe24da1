"""RMSprop (alpha, eps, weight decay, momentum, centered, maximize) in PyTorch's update order."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import wrap
from .adagrad import (_bump, _check, _check_lr, _fix_steps, _fma, _grad, _lerp_, _real, _scalar,
                      _step_tensor)
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton): divide the gradient by a running average of its magnitude.

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): learning rate (default: 1e-2).
        alpha (float): smoothing constant (default: 0.99).
        eps (float): term added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        momentum (float): momentum factor (default: 0).
        centered (bool): normalize by the estimated variance of the gradient (default: False).
        maximize (bool): maximize the objective instead of minimizing (default: False).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        _check(eps, "epsilon")
        _check(momentum, "momentum")
        _check(weight_decay, "weight_decay")
        _check(alpha, "alpha")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def __setstate__(self, state):
        super().__setstate__(state)
        _fix_steps(self, momentum=0, centered=False, foreach=None, maximize=False,
                   differentiable=False, capturable=False)

    def _init_state(self, p, group):
        state = self.state[p]
        if not state:
            state["step"] = _step_tensor()
            state["square_avg"] = wrap(np.zeros_like(p._data))
            if group["momentum"] > 0:
                state["momentum_buffer"] = wrap(np.zeros_like(p._data))
            if group["centered"]:
                state["grad_avg"] = wrap(np.zeros_like(p._data))
        return state

    def step(self, closure=None):
        """One RMSprop update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = _scalar(group["lr"]), group["alpha"], group["eps"]
            wd, momentum = group["weight_decay"], group["momentum"]
            for p in self._params_with_grad(group):
                state = self._init_state(p, group)
                state["step"]._data += 1
                g = _grad(p, group["maximize"])
                if wd != 0:
                    g = _fma(wd, p._data, g)
                a, g, sq = _real(p._data), _real(g), _real(state["square_avg"]._data)
                sq *= alpha
                sq[...] = _fma((1 - alpha) * g, g, sq)
                touched = [p, state["step"], state["square_avg"]]
                if group["centered"]:
                    ga = _real(state["grad_avg"]._data)
                    _lerp_(ga, g, 1 - alpha)
                    avg = np.sqrt(_fma(-1 * ga, ga, sq))
                    touched.append(state["grad_avg"])
                else:
                    avg = np.sqrt(sq)
                avg += eps
                if momentum > 0:
                    buf = _real(state["momentum_buffer"]._data)
                    buf *= momentum
                    buf += g / avg
                    a[...] = _fma(-lr, buf, a)
                    touched.append(state["momentum_buffer"])
                else:
                    a += (-lr * g) / avg
                _bump(*touched)
        return loss
