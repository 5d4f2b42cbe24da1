"""``torch.autograd.grad(out, S)`` and ``backward(inputs=[S])`` for a sparse leaf ``S``.

A sparse leaf is not itself a node of the graph: its gradient reaches it through its values
(a leaf whose hook builds the sparse ``S.grad``) and through the dense stand-ins that the
dense-gradient ops (``torch.mm``, ``sum()``...) multiply (see ``_coo.dense_leaf``).  So the
engine is asked for the gradients of those parts, and the answer is put together as torch
gives it: sparse on the leaf's pattern, or dense as soon as a dense-gradient op took part.
``install`` wraps the engine entry once, when the first sparse tensor is made."""
from __future__ import annotations

from ..eager import autograd as AG
from ..eager.sparse_tensor import SparseData
from ..eager.tensor import Tensor
from . import _coo as C

_ORIG: list = []


def _sparse_leaf(t) -> bool:
    return isinstance(t, Tensor) and type(t._data) is SparseData and t.grad_fn is None \
        and t._requires_grad


def _parts(t: Tensor) -> list:
    return [t._data.values] + C.live_dense_leaves(t)


def _combine(t: Tensor, grads: list):
    """The gradient of sparse leaf ``t`` from the gradients of its parts (None if unused)."""
    gv, dense = grads[0], [g for g in grads[1:] if g is not None]
    sparse = None if gv is None else C.leaf_grad(t._data, gv, True)
    if not dense:
        return sparse
    total = dense[0]
    for g in dense[1:]:
        total = total + g
    return total if sparse is None else total + C.to_dense(sparse)


def _run_backward(tensors, grad_tensors, *args, inputs=None, accumulate=True,
                  allow_unused=False, **kw):
    if inputs is None or not any(_sparse_leaf(t) for t in inputs):
        return _ORIG[0](tensors, grad_tensors, *args, inputs=inputs, accumulate=accumulate,
                        allow_unused=allow_unused, **kw)
    flat, spans = [], []
    for t in inputs:
        parts = _parts(t) if _sparse_leaf(t) else [t]
        spans.append((len(flat), len(flat) + len(parts)))
        flat.extend(parts)
    if accumulate:  # backward(inputs=[S]): the parts' hooks fill S.grad
        return _ORIG[0](tensors, grad_tensors, *args, inputs=tuple(flat), accumulate=True,
                        allow_unused=True, **kw)
    C.HOOKS_OFF[0] += 1  # autograd.grad returns gradients: S.grad must not change
    try:
        res = _ORIG[0](tensors, grad_tensors, *args, inputs=tuple(flat), accumulate=False,
                       allow_unused=True, **kw)
    finally:
        C.HOOKS_OFF[0] -= 1
    out = []
    for i, (t, (a, b)) in enumerate(zip(inputs, spans)):
        g = _combine(t, list(res[a:b])) if _sparse_leaf(t) else res[a]
        if g is None and not allow_unused:
            raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                               "been used in the graph. Set allow_unused=True if this is the "
                               "desired behavior.")
        out.append(g)
    return out


def install() -> None:
    """Route the engine entry through ``_run_backward`` (once)."""
    if _ORIG:
        return
    from ..autograd import api
    _ORIG.append(AG.run_backward)
    api.run_backward = _run_backward
