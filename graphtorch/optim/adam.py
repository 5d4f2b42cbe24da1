"""Adam and AdamW (amsgrad, maximize, weight decay) in PyTorch's update order."""
from __future__ import annotations

import math

import numpy as np

from ..eager.tensor import wrap
from ..ops import dtypes as D
from .optimizer import Optimizer


def _check(lr, eps, betas, weight_decay):
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    """Adam: adaptive moment estimation (Kingma & Ba)."""

    _decoupled = False
    _SPARSE_ERROR = "Adam does not support sparse gradients, please consider SparseAdam instead"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay or
                                      self._decoupled))

    def _init_state(self, p, amsgrad):
        state = self.state[p]
        if not state:
            state["step"] = wrap(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = wrap(np.zeros_like(p._data))
            state["exp_avg_sq"] = wrap(np.zeros_like(p._data))
            if amsgrad:
                state["max_exp_avg_sq"] = wrap(np.zeros_like(p._data))
        return state

    def step(self, closure=None):
        """One Adam update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            for p in self._params_with_grad(group):
                state = self._init_state(p, group["amsgrad"])
                a = p._data
                g = -p.grad._data if group["maximize"] else p.grad._data
                step_t = state["step"]
                step_t._data += 1
                step = float(step_t._data)
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        a *= a.dtype.type(1 - lr * wd)
                    else:
                        g = g + wd * a
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (g - m) * (1 - beta1)        # lerp_(grad, 1 - beta1)
                v *= beta2
                v += (1 - beta2) * g * g
                bc1 = 1 - beta1 ** step
                bc2_sqrt = math.sqrt(1 - beta2 ** step)
                if group["amsgrad"]:
                    vmax = state["max_exp_avg_sq"]._data
                    np.maximum(vmax, v, out=vmax)
                    denom = np.sqrt(vmax) / bc2_sqrt + eps
                else:
                    denom = np.sqrt(v) / bc2_sqrt + eps
                a -= ((lr / bc1) * (m / denom)).astype(a.dtype, copy=False)
                for t in (p, state["exp_avg"], state["exp_avg_sq"], step_t):
                    t._vc[0] += 1
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter); default weight_decay 1e-2."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
del D
