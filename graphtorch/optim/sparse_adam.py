"""SparseAdam: Adam restricted to the coordinates present in a sparse (COO) gradient.

Sparse gradients come from ``nn.Embedding(sparse=True)`` / ``F.embedding(sparse=True)`` (or
sparse leaves); a dense gradient raises torch's RuntimeError.  The masked update
(``_sparse_adam_update``, on the coalesced gradient's indices and values) follows torch's
order."""
from __future__ import annotations

import math

import numpy as np

from ..eager.tensor import wrap
from .adagrad import _check_betas, _check_lr, _scalar
from .optimizer import Optimizer


class SparseAdam(Optimizer):
    """A masked Adam for sparse gradients (e.g. ``nn.Embedding(sparse=True)``): moments and
    parameters change only where the gradient has stored values.

    Args:
        params: iterable of parameters or dicts defining parameter groups.
        lr (float): learning rate (default: 1e-3).
        betas (Tuple[float, float]): running-average coefficients (default: (0.9, 0.999)).
        eps (float): term added to the denominator (default: 1e-8).
        maximize (bool): maximize the objective instead of minimizing (default: False).
    """

    _SPARSE_ERROR = None

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        _check_lr(lr, strict=True)
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))
        sparse, complex_ = [], []
        for i, group in enumerate(self.param_groups):
            for j, p in enumerate(group["params"]):
                if p.is_sparse:
                    sparse.append([i, j])
                if p.is_complex():
                    complex_.append([i, j])
        if sparse:
            raise ValueError(f"Sparse params at indices {sparse}: SparseAdam requires dense "
                             "parameter tensors")
        if complex_:
            raise ValueError(f"Complex params at indices {complex_}: SparseAdam does not "
                             "support complex parameters")

    def step(self, closure=None):
        """One SparseAdam update; raises for dense gradients, as torch."""
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in self._params_with_grad(group):
                if not p.grad.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please "
                                       "consider Adam instead")
                state = self.state[p]
                if not state:
                    state["step"] = 0         # a Python int here, unlike the other optimizers
                    state["exp_avg"] = wrap(np.zeros_like(p._data))
                    state["exp_avg_sq"] = wrap(np.zeros_like(p._data))
                state["step"] += 1
                grad = p.grad.coalesce()
                _sparse_adam_update(p, state, grad._indices()._data, grad._values()._data,
                                    lr=_scalar(group["lr"]), beta1=beta1, beta2=beta2,
                                    eps=group["eps"], maximize=group["maximize"])
        return loss


def _sparse_adam_update(p, state, indices, values, *, lr, beta1, beta2, eps, maximize):
    """The masked Adam update of torch.optim._functional.sparse_adam, for a coalesced COO
    gradient given by ``indices`` (sparse_dim x nnz) and ``values`` (nnz x dense dims)."""
    if values.size == 0:
        return
    if maximize:
        values = -values
    where = tuple(indices)
    m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
    old_m, old_v = m[where], v[where]
    m_upd = (values - old_m) * (1 - beta1)
    v_upd = (values ** 2 - old_v) * (1 - beta2)
    m[where] += m_upd
    v[where] += v_upd
    numer = m_upd + old_m
    denom = np.sqrt(v_upd + old_v) + eps
    step = state["step"]
    step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
    p._data[where] += -step_size * (numer / denom)
    for t in (p, state["exp_avg"], state["exp_avg_sq"]):
        t._vc[0] += 1
