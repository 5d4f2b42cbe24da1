"""Adagrad (lr_decay, weight decay, initial accumulator, maximize) in PyTorch's update order.

This module also holds the small helpers shared by the other optimizers of this package
(adadelta, adamax, asgd, nadam, radam, rmsprop, rprop, lbfgs, sparse_adam)."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import Tensor, wrap
from ..ops import dtypes as D
from .optimizer import Optimizer


# ---------------------------------------------------------------- shared helpers
def _check_lr(lr, strict=False):
    """torch's learning-rate validation (a Tensor lr must hold one element)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not (0.0 < lr if strict else 0.0 <= lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check(value, name, what="value", lo=0.0):
    """Raise torch's ``Invalid <name> <what>: <value>`` unless ``lo <= value``."""
    if not lo <= value:
        raise ValueError(f"Invalid {name} {what}: {value}")


def _check_betas(betas):
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def _scalar(x):
    """A hyperparameter as a Python number (torch's _to_scalar + item for Tensor lr)."""
    return float(x) if isinstance(x, Tensor) else x


def _step_tensor(value=0.0):
    """torch keeps 'step' (and mu/eta/mu_product) as 0-dim float32 tensors, float64 when the
    default dtype is float64 (torch.optim.optimizer._get_scalar_dtype)."""
    dt = np.float64 if D.get_default_dtype() is D.float64 else np.float32
    return wrap(np.array(value, dtype=dt))


def _real(a):
    """A real view of a complex array (torch.view_as_real): complex parameters are updated as
    pairs of independent real numbers; real arrays are returned unchanged."""
    if np.iscomplexobj(a):
        return a[..., None].view(a.real.dtype)
    return a


def _grad(p, maximize):
    """The parameter's gradient array (negated for maximize; never modified in place)."""
    g = p.grad._data
    return -g if maximize else g


def _fma(x, y, z):
    """x * y + z rounded once, as torch's CPU kernels do for add(alpha=), addcmul and lerp
    (fused multiply-add). Scalars are first rounded to z's dtype, as torch casts them; float32
    goes through float64 (the product is exact there), other dtypes round twice."""
    if z.dtype == np.float32:
        x = np.asarray(x, dtype=np.float32).astype(np.float64)
        y = np.asarray(y, dtype=np.float32).astype(np.float64)
        return (x * y + z).astype(np.float32)
    if z.dtype == np.float64:
        return _fma64(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), z)
    return x * y + z


def _split(a):
    """Dekker's split of float64 values into high and low halves of 26 bits."""
    c = 134217729.0 * a
    hi = c - (c - a)
    return hi, a - hi


def _fma64(x, y, z):
    """float64 fused multiply-add via error-free transformations (Dekker's product, Knuth's
    two-sum): the exact product error is added back, so the result is x * y + z rounded
    once except in rare double-rounding ties."""
    with np.errstate(invalid="ignore", over="ignore"):
        p = x * y
        xh, xl = _split(x)
        yh, yl = _split(y)
        e = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl
        s = p + z
        bb = s - p
        out = s + (((p - (s - bb)) + (z - bb)) + e)
    # non-finite intermediates (inf/nan inputs, overflow): the plain formula is right there
    return np.where(np.isfinite(out), out, p + z)


def _lerp_(a, end, w):
    """In-place a.lerp_(end, w) with torch's two-branch formula (exact at w == 1)."""
    w = a.dtype.type(w)
    if w < 0.5:
        a[...] = _fma(w, end - a, a)
    else:
        a[...] = _fma(a - end, 1 - w, end)


def _bump(*tensors):
    """Bump version counters of tensors modified in place (autograd's saved-tensor check)."""
    for t in tensors:
        t._vc[0] += 1


def _lazy_state(opt, p, zeros=(), **scalars):
    """``opt.state[p]``, filled on first use in torch's key order: a 'step' counter, then
    ``scalars`` (name=value) as 0-dim tensors, then a zero tensor like ``p`` per name in
    ``zeros``."""
    state = opt.state[p]
    if not state:
        state["step"] = _step_tensor()
        for k, v in scalars.items():
            state[k] = _step_tensor(v)
        for k in zeros:
            state[k] = wrap(np.zeros_like(p._data))
    return state


def _fix_steps(opt, keys=("step",), **flags):
    """__setstate__ help for old state dicts: fill missing group flags and turn Python-number
    'step' (and similar) entries into 0-dim tensors, as torch does."""
    for group in opt.param_groups:
        for k, v in flags.items():
            group.setdefault(k, v)
        for p in group["params"]:
            st = opt.state.get(p, {})
            for k in keys:
                if k in st and not isinstance(st[k], Tensor):
                    st[k] = _step_tensor(float(st[k]))


def _check_fused(fused, differentiable, foreach):
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


# ---------------------------------------------------------------- Adagrad
class Adagrad(Optimizer):
    """Adagrad: per-coordinate learning rates from the accumulated squared gradients.

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): learning rate (default: 1e-2).
        lr_decay (float): learning rate decay (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        initial_accumulator_value (float): initial value of the sum of squares (default: 0).
        eps (float): term added to the denominator (default: 1e-10).
        maximize (bool): maximize the objective instead of minimizing (default: False).
    """

    _SPARSE_ERROR = None  # sparse gradients: see _sparse_adagrad

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check_lr(lr)
        _check(lr_decay, "lr_decay")
        _check(weight_decay, "weight_decay")
        _check(initial_accumulator_value, "initial_accumulator_value")
        _check(eps, "epsilon")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        _check_fused(fused, differentiable, foreach)
        # unlike the other optimizers, torch creates Adagrad's state eagerly
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def __setstate__(self, state):
        super().__setstate__(state)
        _fix_steps(self, foreach=None, maximize=False, differentiable=False, fused=None)

    def _init_state(self, p):
        state = self.state[p]
        if not state:
            state["step"] = _step_tensor()
            acc = np.empty_like(p._data)
            _real(acc)[...] = self.defaults["initial_accumulator_value"]
            state["sum"] = wrap(acc)
        return state

    def share_memory(self):
        """No-op: numpy state already lives in this process's memory."""

    def step(self, closure=None):
        """One Adagrad update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, wd, eps = _scalar(group["lr"]), group["weight_decay"], group["eps"]
            for p in self._params_with_grad(group):
                state = self._init_state(p)
                step_t = state["step"]
                step_t._data += 1
                if p.grad.is_sparse:
                    _sparse_adagrad(p, state, group, lr, float(step_t._data))
                    _bump(p, state["sum"], step_t)
                    continue
                g = _grad(p, group["maximize"])
                if wd != 0:
                    g = _fma(wd, p._data, g)
                clr = lr / (1 + (float(step_t._data) - 1) * group["lr_decay"])
                a, s, g = _real(p._data), _real(state["sum"]._data), _real(g)
                s[...] = _fma(g, g, s)
                a += (-clr * g) / (np.sqrt(s) + eps)
                _bump(p, state["sum"], step_t)
        return loss


def _sparse_adagrad(p, state, group, lr, step):
    """torch's Adagrad step on a sparse gradient: on the coalesced gradient's rows only,
    sum += g^2 and p -= clr * g / (sqrt(sum) + eps); weight decay is refused as in torch."""
    if group["weight_decay"] != 0:
        raise RuntimeError("weight_decay option is not compatible with sparse gradients")
    grad = p.grad.coalesce()
    idx = tuple(grad._indices()._data)
    g = grad._values()._data
    if group["maximize"]:
        g = -g
    if g.size == 0:
        return
    clr = lr / (1 + (step - 1) * group["lr_decay"])
    s = state["sum"]._data
    s[idx] = s[idx] + g * g
    std = np.sqrt(s[idx]) + g.dtype.type(group["eps"])
    p._data[idx] = p._data[idx] + (g / std) * p._data.dtype.type(-clr)
