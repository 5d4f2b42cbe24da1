"""ASGD: averaged stochastic gradient descent (state eta, mu, ax) in PyTorch's update order."""
from __future__ import annotations

from .adagrad import (_lazy_state, _bump, _check, _check_lr, _fix_steps, _fma, _grad, _real,
                      _scalar)
from .optimizer import Optimizer


class ASGD(Optimizer):
    """Averaged Stochastic Gradient Descent (Polyak & Juditsky).

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): learning rate (default: 1e-2).
        lambd (float): decay term (default: 1e-4).
        alpha (float): power for the eta update (default: 0.75).
        t0 (float): step at which averaging starts (default: 1e6).
        weight_decay (float): L2 penalty (default: 0).
        maximize (bool): maximize the objective instead of minimizing (default: False).

    The running average of the iterates is kept in ``optimizer.state[p]["ax"]``.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check(weight_decay, "weight_decay")
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def __setstate__(self, state):
        super().__setstate__(state)
        _fix_steps(self, keys=("step", "eta", "mu"), foreach=None, maximize=False,
                   differentiable=False, capturable=False)

    def _init_state(self, p, lr):
        return _lazy_state(self, p, ("ax",), eta=lr, mu=1.0)

    def step(self, closure=None):
        """One ASGD update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _scalar(group["lr"]), group["lambd"], group["alpha"], \
                group["t0"]
            for p in self._params_with_grad(group):
                state = self._init_state(p, lr)
                step_t, eta, mu = state["step"], state["eta"], state["mu"]
                step_t._data += 1
                g = _grad(p, group["maximize"])
                if group["weight_decay"] != 0:
                    g = _fma(group["weight_decay"], p._data, g)
                a, g, ax = _real(p._data), _real(g), _real(state["ax"]._data)
                eta_v = float(eta._data)
                a *= 1 - lambd * eta_v           # decay term
                a[...] = _fma(-eta_v, g, a)
                mu_v = float(mu._data)
                if mu_v != 1:
                    ax += (a - ax) * mu_v
                else:
                    ax[...] = a
                step = float(step_t._data)
                # copy_ semantics: the new values are rounded to the state's own dtype
                eta._data[...] = lr / ((1 + lambd * lr * step) ** alpha)
                mu._data[...] = 1 / max(1, step - t0)
                _bump(p, step_t, eta, mu, state["ax"])
        return loss
