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
    if grads is not None and len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    out = []
    for i, t in enumerate(outputs):
        g = grads[i] if grads is not None else None
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
            g._dtype = t._dtype
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got "
                            f"{type(g).__name__}")
        else:
            g = _check_grad(i, t, g, is_grads_batched)
        out.append(g)
    return out


def _check_grad(i, t, g, batched):
    if batched and g._data.ndim == 0:
        raise ValueError("vmap(vjp, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input, "
                         "but that input is a Tensor of dimensionality 0 so expected in_dim to "
                         "satisfy 0 <= in_dim < 0.")
    shape = g._data.shape[1:] if batched else g._data.shape
    if shape != t._data.shape:
        what = "grad_output" if not batched else "If `is_grads_batched=True`, we interpret " \
            "the first dimension of each grad_output as the batch dimension. The sizes of the " \
            "remaining dimensions are expected to match the shape of corresponding output, " \
            "but a mismatch was detected: grad_output"
        raise RuntimeError(
            f"Mismatch in shape: {what}[{i}] has a shape of torch.Size("
            f"[{', '.join(map(str, shape))}]) and output[{i}] has a shape of "
            f"torch.Size([{', '.join(map(str, t._data.shape))}]).")
    if (g._dtype.category == 3 or t._dtype.category == 3) and g._dtype is not t._dtype:
        raise RuntimeError(
            "For complex Tensors, both grad_output and output are required to have the same "
            f"dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {g.dtype} and "
            f"output[{i}] has a dtype of {t.dtype}.")
    if g._dtype is not t._dtype and not batched:
        from ..eager import engine_ops
        g = engine_ops.cast(g, t._dtype)
    return g


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
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    gs = _make_grads(tensors, grads)
    _check_outputs(tensors)
    pairs = [(t, g) for t, g in zip(tensors, gs) if g is not None]
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
    if not only_inputs:
        import warnings
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                      "True). To accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning, stacklevel=2)
    for i, t in enumerate(inputs_t):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
    gs = _make_grads(outputs, _tuple(grad_outputs), is_grads_batched)
    _check_outputs(outputs)
    if is_grads_batched:
        return _batched(outputs, inputs_t, gs, retain_graph, create_graph, allow_unused,
                        materialize_grads)
    res = run_backward(list(outputs), gs, retain_graph, create_graph, inputs=inputs_t,
                       accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        res = [wrap(np.zeros(i._data.shape, i._dtype.np)) if r is None else r
               for r, i in zip(res, inputs_t)]
    return tuple(res)


def _check_outputs(outputs):
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")


def _batched(outputs, inputs, gs, retain_graph, create_graph, allow_unused, materialize):
    """is_grads_batched: one backward per row of the batched grad_outputs, stacked (a loop
    where PyTorch uses vmap; the results are the same)."""
    n = gs[0]._data.shape[0] if gs and gs[0] is not None else 0
    per = []
    for b in range(n):
        row = [_row(g, b) for g in gs]
        per.append(grad(outputs, inputs, row, retain_graph=True, create_graph=create_graph,
                        allow_unused=allow_unused, materialize_grads=materialize))
    res = []
    for j, x in enumerate(inputs):
        col = [p[j] for p in per]
        res.append(None if any(c is None for c in col) else _stack(col))
    return tuple(res)


def _stack(col):
    import graphtorch
    if hasattr(graphtorch, "stack"):
        return graphtorch.stack(col)
    r = wrap(np.stack([c._data for c in col]))  # no graph through the stacking then
    r._dtype = col[0]._dtype
    return r


def _row(g, b):
    r = wrap(np.array(g._data[b]))
    r._dtype = g._dtype
    return r
