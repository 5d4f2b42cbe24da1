"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp built on autograd.grad.

jvp uses the double-vjp trick (the vjp is linear in its cotangent, so differentiating it with
respect to the cotangent gives the forward product); ``vectorize`` is accepted and ignored."""
from __future__ import annotations

from ..eager.grad_mode import enable_grad
from ..eager.tensor import Tensor
from .api import grad as _grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(x, arg, fn):
    if isinstance(x, Tensor):
        return False, (x,)
    if not isinstance(x, (tuple, list)):
        raise TypeError(f"The {arg} given to {fn} must be either a Tensor or a tuple of Tensors "
                        f"but the given {arg} has type {type(x)}.")
    for i, t in enumerate(x):
        if not isinstance(t, Tensor):
            raise TypeError(f"The {arg} given to {fn} must be either a Tensor or a tuple of "
                            f"Tensors but the value at index {i} has type {type(t)}.")
    return True, tuple(x)


def _prep(inputs, create_graph):
    """Fresh differentiable aliases of the inputs (the caller's graph is left alone)."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _post(xs, create_graph, is_tuple):
    xs = tuple(x if create_graph or x is None else x.detach() for x in xs)
    return xs if is_tuple else xs[0]


def _zeros(t):
    import graphtorch
    return graphtorch.zeros_like(t)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, what):
    outs = [o for o in outputs]
    gos = list(grad_outputs)
    live = [(o, g) for o, g in zip(outs, gos) if o.requires_grad]
    if strict and len(live) != len(outs):
        raise RuntimeError("The output of the user-provided function is independent of input "
                           "0. This is not allowed in strict mode.")
    if not live:
        res = (None,) * len(inputs)
    else:
        res = _grad([o for o, _ in live], inputs, [g for _, g in live], create_graph=create_graph,
                    retain_graph=True, allow_unused=True)
    final = []
    for i, (r, x) in enumerate(zip(res, inputs)):
        if r is None:
            if strict:
                raise RuntimeError(f"The {what} is independent of input {i}. This is not allowed "
                                   "in strict mode.")
            r = _zeros(x)
        final.append(r)
    return tuple(final)


def _call(func, inputs, fn):
    out = func(*inputs)
    is_t, outs = _as_tuple(out, "outputs of the user-provided function", fn)
    return is_t, outs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product of ``func`` at ``inputs``."""
    with enable_grad():
        is_in, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prep(inputs, create_graph)
        is_out, outs = _call(func, inputs, "vjp")
        v = _default_v(v, outs, "vjp")
        res = _grads(outs, inputs, v, create_graph, strict, "vjp of the user-provided function")
    return _post(outs, create_graph, is_out), _post(res, create_graph, is_in)


def _default_v(v, outs, fn):
    if v is None:
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        import graphtorch
        return (graphtorch.ones_like(outs[0]),)
    _, v = _as_tuple(v, "v", fn)
    if len(v) != len(outs):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(outs)} but got "
                           f"{len(v)}.")
    for i, (a, b) in enumerate(zip(v, outs)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {tuple(b.shape)} "
                               f"but got {tuple(a.shape)}.")
    return v


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product of ``func`` at ``inputs``."""
    import graphtorch
    with enable_grad():
        is_in, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prep(inputs, create_graph)
        if v is None:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            v = (graphtorch.ones_like(inputs[0]),)
        else:
            _, v = _as_tuple(v, "v", "jvp")
        is_out, outs = _call(func, inputs, "jvp")
        us = tuple(graphtorch.zeros_like(o).requires_grad_(True) for o in outs)
        g = _grads(outs, inputs, us, True, strict, "jvp of the user-provided function")
        live = [(gi, vi) for gi, vi in zip(g, v) if gi.requires_grad]
        if live:
            res = _grad([a for a, _ in live], us, [b for _, b in live],
                        create_graph=create_graph, retain_graph=True, allow_unused=True)
        else:
            res = (None,) * len(us)
        res = tuple(graphtorch.zeros_like(o) if r is None else r for r, o in zip(res, outs))
    return _post(outs, create_graph, is_out), _post(res, create_graph, is_out)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for output i and input j a tensor of shape
    ``out_i.shape + in_j.shape`` (nested tuples follow the tuple-ness of outputs/inputs)."""
    import graphtorch
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                         "Hint: If your function has more outputs than inputs, \"forward-mode\" "
                         "tends to be more performant. Otherwise, prefer to use "
                         "\"reverse-mode\".")
    with enable_grad():
        is_in, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prep(inputs, create_graph)
        is_out, outs = _call(func, inputs, "jacobian")
        jac = []
        for i, o in enumerate(outs):
            rows = [[] for _ in inputs]
            for k in range(o.numel()):
                g = _grads((o,), inputs, (_onehot(o, k),), create_graph, strict,
                           f"output {i} of the user-provided function")
                for j, gj in enumerate(g):
                    rows[j].append(gj)
            per_in = []
            for j, x in enumerate(inputs):
                shape = tuple(o.shape) + tuple(x.shape)
                per_in.append(_stack(rows[j]).reshape(shape) if rows[j] else
                              graphtorch.zeros(shape, dtype=x.dtype))
            jac.append(_post(per_in, create_graph, is_in))
    return tuple(jac) if is_out else jac[0]


def _onehot(o, k):
    import numpy as np

    from ..eager.tensor import wrap
    a = np.zeros(o._data.size, dtype=o._data.dtype)
    a[k] = 1
    t = wrap(a.reshape(o._data.shape))
    t._dtype = o._dtype
    return t


def _stack(rows):
    """Stack along a new dim 0, differentiably (sum of one-hot weighted rows where no stack
    op is available)."""
    import numpy as np

    import graphtorch
    from ..eager.tensor import wrap
    if hasattr(graphtorch, "stack"):
        return graphtorch.stack(rows)
    acc = None
    for k, r in enumerate(rows):
        e = np.zeros((len(rows),) + (1,) * r.dim(), dtype=r._data.dtype)
        e[k] = 1
        w = wrap(e)
        w._dtype = r._dtype
        acc = w * r if acc is None else acc + w * r
    return acc


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of scalar function ``func`` at ``inputs``."""
    is_in, tup = _as_tuple(inputs, "inputs", "hessian")

    def inner(*xs):
        out = func(*xs)
        _, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "containing a single element.")
        return jacobian(func, xs, create_graph=True, strict=strict)

    res = jacobian(inner, tup, create_graph=create_graph, strict=strict)
    if not is_in:
        return res[0][0]
    return res


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for scalar ``func``."""
    with enable_grad():
        is_in, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _prep(inputs, create_graph)
        is_out, outs = _call(func, inputs, "vhp")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The function given to vhp should return a single Tensor "
                               "containing a single element.")
        if v is None:
            v = _default_v(None, inputs, "vhp") if len(inputs) == 1 else None
        else:
            _, v = _as_tuple(v, "v", "vhp")
        import graphtorch
        g = _grads(outs, inputs, (graphtorch.ones_like(outs[0]),), True, strict,
                   "output of the user-provided function")
        res = _grads(g, inputs, v, create_graph, strict, "vhp")
    return _post(outs, create_graph, False), _post(res, create_graph, is_in)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for scalar ``func`` (H is symmetric, so this equals vhp)."""
    return vhp(func, inputs, v, create_graph, strict)
