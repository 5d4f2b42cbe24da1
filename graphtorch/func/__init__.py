"""torch.func: function transforms (grad, grad_and_value, vjp, jacrev, jacfwd, hessian, vmap)
and functional_call.

They are built on the tape autograd: ``grad`` differentiates the function at fresh leaves
(keeping the graph when nested inside another transform, so ``hessian`` and
``vmap(grad(f))`` compose); ``vmap`` maps the function over the batch dimension one slice at
a time and stacks the results (same values as torch's batching rules, not their speed);
``jacfwd`` computes the same Jacobian as ``jacrev`` (reverse mode).
"""
from __future__ import annotations

import functools

from ..eager.tensor import Tensor
from ._functional_call import functional_call
from ._stack import stack_module_state

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state"]

_DEPTH = [0]  # transforms currently running: inner ones keep their graph for outer ones


# ------------------------------------------------------------------ pytrees of tensors
def _leaves(x, out):
    if isinstance(x, Tensor):
        out.append(x)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _leaves(v, out)
    elif isinstance(x, dict):
        for v in x.values():
            _leaves(v, out)
    return out


def _map(fn, x):
    if isinstance(x, Tensor):
        return fn(x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[_map(fn, v) for v in x])
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    return x


def _unflat(template, it):
    return _map(lambda _: next(it), template)


def _leaf_copy(t):
    """A tensor to differentiate at: a fresh leaf, or (inside another transform) a view that
    keeps the outer transform's graph."""
    from .. import enable_grad
    with enable_grad():
        return t.view_as(t) if t.requires_grad else t.detach().requires_grad_(True)


def _argnums(argnums, n):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnums={argnums} but only {n} positional inputs")
    return nums


# ------------------------------------------------------------------ reverse mode
def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of ``func``'s scalar output w.r.t. ``args[argnums]``,
    the output); with ``has_aux``: (gradient, (output, aux))."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .. import autograd, enable_grad
        nums = _argnums(argnums, len(args))
        # an input that already requires grad (or an outer transform) keeps the graph
        outer = _DEPTH[0] > 0 or any(t.requires_grad for t in _leaves(args, []))
        args = list(args)
        for a in nums:
            args[a] = _map(_leaf_copy, args[a])
        _DEPTH[0] += 1
        try:
            with enable_grad():
                out = func(*args, **kwargs)
                aux = None
                if has_aux:
                    if not (isinstance(out, tuple) and len(out) == 2):
                        raise RuntimeError("grad_and_value(f)(*args): output of function f "
                                           "should be a tuple: (output, aux) if has_aux is "
                                           "True")
                    out, aux = out
                if not isinstance(out, Tensor) or out.numel() != 1:
                    raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to "
                                       "return a scalar Tensor, got tensor with "
                                       f"{out.dim() if isinstance(out, Tensor) else '?'} "
                                       "dims. Maybe you wanted to use the vjp or jacrev APIs "
                                       "instead?")
                inputs = [_leaves(args[a], []) for a in nums]
                flat = [t for group in inputs for t in group]
                nested = outer
                gs = autograd.grad(out, flat, create_graph=nested, allow_unused=True) \
                    if out.requires_grad else [None] * len(flat)
        finally:
            _DEPTH[0] -= 1
        gs = [g if g is not None else t.detach() * 0 for g, t in zip(gs, flat)]
        if not nested:
            gs = [g.detach() for g in gs]
            out = out.detach()
            aux = _map(lambda t: t.detach(), aux)
        it = iter(gs)
        grads = tuple(_unflat(args[a], it) for a in nums)
        grads = grads[0] if isinstance(argnums, int) else grads
        return (grads, (out, aux)) if has_aux else (grads, out)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of ``func`` (scalar output) w.r.t. ``args[argnums]`` as a function.

    Args:
        argnums: an int or a tuple of ints (then a tuple of gradients is returned).
        has_aux: ``func`` returns (output, aux); the result is then (gradient, aux).
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn) where vjp_fn(cotangents) gives the gradient per primal."""
    from .. import autograd, enable_grad
    leaves = [_map(_leaf_copy, p) for p in primals]
    with enable_grad():
        out = func(*leaves)
    aux = None
    if has_aux:
        out, aux = out
    flat_in = _leaves(leaves, [])

    def vjp_fn(*cot):
        outs = _leaves(out, [])
        cts = _leaves(cot, [])
        gs = autograd.grad(outs, flat_in, cts, retain_graph=True, allow_unused=True)
        gs = [g if g is not None else t.detach() * 0 for g, t in zip(gs, flat_in)]
        gs = [g.detach() for g in gs] if _DEPTH[0] == 0 else gs
        return _unflat(tuple(leaves), iter(gs))

    res = _map(lambda t: t.detach(), out) if _DEPTH[0] == 0 else out
    return (res, vjp_fn, aux) if has_aux else (res, vjp_fn)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """The Jacobian of ``func`` w.r.t. ``args[argnums]``: output shape + input shape."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .. import autograd, enable_grad, stack
        nums = _argnums(argnums, len(args))
        args = list(args)
        for a in nums:   # an argument may be a pytree (a dict of parameters: NTK tutorial)
            args[a] = _map(_leaf_copy, args[a])
        _DEPTH[0] += 1
        try:
            with enable_grad():
                out = func(*args, **kwargs)
                aux = None
                if has_aux:
                    out, aux = out
                nested = _DEPTH[0] > 1
                ins = _leaves([args[a] for a in nums], [])
                flat = out.reshape(-1)
                rows = [[] for _ in ins]
                for j in range(flat.numel()):
                    gs = autograd.grad(flat[j], ins, retain_graph=True, create_graph=nested,
                                       allow_unused=True) if out.requires_grad \
                        else [None] * len(ins)
                    for k, (g, t) in enumerate(zip(gs, ins)):
                        rows[k].append(g if g is not None else t.detach() * 0)
        finally:
            _DEPTH[0] -= 1
        jac = []
        for k, t in enumerate(ins):
            j = stack(rows[k]) if rows[k] else t.new_zeros((0,) + tuple(t.shape))
            j = j.reshape(tuple(out.shape) + tuple(t.shape))
            jac.append(j if nested else j.detach())
        it = iter(jac)
        trees = [_unflat(args[a], it) for a in nums]
        res = trees[0] if isinstance(argnums, int) else tuple(trees)
        return (res, aux) if has_aux else res
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func`` (same values as jacrev; computed in reverse mode here)."""
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func, argnums=0):
    """The Hessian of scalar ``func`` w.r.t. ``args[argnums]``."""
    return jacfwd(jacrev(func, argnums), argnums)


# ------------------------------------------------------------------ vmap
def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over a batch dimension of its inputs (``in_dims`` per argument: an
    int or None; ``out_dims`` per output); the results are stacked at ``out_dims``."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .. import stack
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(func, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                             f"compatible with the structure of `inputs`. in_dims has "
                             f"{len(dims)} elements, but inputs has {len(args)} elements.")
        sizes = set()
        for a, d in zip(args, dims):
            if d is not None:
                sizes.update(t.shape[d] for t in _leaves(a, []))
        if len(sizes) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sorted(sizes)} for the mapped dimension"
                             if sizes else "vmap: at least one input must be mapped")
        n = sizes.pop()
        results = []
        for i in range(n):
            sl = [a if d is None else _map(lambda t, d=d: t.select(d, i), a)
                  for a, d in zip(args, dims)]
            results.append(func(*sl, **kwargs))
        first = results[0]
        leaves = [_leaves(r, []) for r in results]
        outs = _leaves(first, [])
        od = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(outs)
        stacked = [stack([lv[k] for lv in leaves], od[k]) for k in range(len(outs))]
        return _unflat(first, iter(stacked))
    return wrapper


from ._jvp import jvp  # noqa: E402 - it uses the pytree helpers above
