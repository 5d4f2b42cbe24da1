"""torch.autograd.backward and torch.autograd.grad."""
from __future__ import annotations

import numpy as np

from ..eager.autograd import run_backward
from ..eager.tensor import Tensor, wrap


def _tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grads, is_grads_batched=False):
    out = []
    for i, t in enumerate(outputs):
        g = grads[i] if grads is not None and i < len(grads) else None
        if g is None:
            if not t._requires_grad:
                out.append(None)
                continue
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if t._dtype.category < 2:
                raise RuntimeError(f"grad can be implicitly created only for real scalar "
                                   f"outputs but got {t._dtype}")
            g = wrap(np.ones(t._data.shape, dtype=t._dtype.np))
        elif not isinstance(g, Tensor):
            g = wrap(np.asarray(g, dtype=t._dtype.np))
        elif g._data.shape != t._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size("
                f"[{', '.join(map(str, g._data.shape))}]) and output[{i}] has a shape of "
                f"torch.Size([{', '.join(map(str, t._data.shape))}]).")
        out.append(g)
    return out


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Compute the sum of gradients of ``tensors`` w.r.t. graph leaves, accumulated in ``.grad``.

    Args:
        tensors: tensors whose gradient is computed.
        grad_tensors: the "vector" of the vector-Jacobian product (None for scalars).
        retain_graph: keep the graph for another backward (defaults to ``create_graph``).
        create_graph: record the backward pass so higher-order derivatives can be taken.
        inputs: accumulate only into these tensors' ``.grad``.
    """
    tensors = _tuple(tensors)
    grads = _tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    gs = _make_grads(tensors, grads)
    pairs = [(t, g) for t, g in zip(tensors, gs) if g is not None]
    if not pairs:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                           "grad_fn")
    run_backward([p[0] for p in pairs], [p[1] for p in pairs], retain_graph, create_graph,
                 inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned (not accumulated) as a tuple.

    Example::

        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> torch.autograd.grad(x ** 3, x)
        (tensor(12.),)
    """
    outputs = _tuple(outputs)
    inputs_t = _tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    for t in outputs:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
    gs = _make_grads(outputs, _tuple(grad_outputs))
    res = run_backward(list(outputs), gs, retain_graph, create_graph, inputs=inputs_t,
                       accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        res = [wrap(np.zeros(i._data.shape, i._dtype.np)) if r is None else r
               for r, i in zip(res, inputs_t)]
    return tuple(res)
