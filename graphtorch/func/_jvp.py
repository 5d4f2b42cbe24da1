"""``torch.func.jvp``: Jacobian-vector products.  graphtorch's transforms are built on the
reverse-mode tape, so a jvp is the vjp of a vjp: ``g(u) = J^T u`` is linear in ``u``, and the
vjp of ``g`` with cotangent ``v`` is ``J v``."""
from __future__ import annotations


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents) (and aux with ``has_aux``), as ``torch.func.jvp``.

    Args:
        primals: a tuple of the inputs (pytrees of tensors).
        tangents: a tuple of the same structure and shapes as ``primals``.
    """
    from .. import autograd, enable_grad, zeros_like
    from . import _DEPTH, _leaf_copy, _leaves, _map, _unflat
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to be "
                           "tuples")
    leaves = [_map(_leaf_copy, p) for p in primals]
    flat_in, ts = _leaves(leaves, []), _leaves(tangents, [])
    if len(flat_in) != len(ts) or any(tuple(a.shape) != tuple(b.shape)
                                      for a, b in zip(flat_in, ts)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           "the same python structure and shapes")
    nested = _DEPTH[0] > 0
    _DEPTH[0] += 1
    try:
        with enable_grad():
            out = func(*leaves)
            aux = None
            if has_aux:
                out, aux = out
            outs = _leaves(out, [])
            us = [zeros_like(o).requires_grad_(True) for o in outs]
            live = [o for o in outs if o.requires_grad]
            gs = autograd.grad(live, flat_in, [u for o, u in zip(outs, us) if o.requires_grad],
                               create_graph=True, allow_unused=True) if live else []
            pairs = [(g, t) for g, t in zip(gs, ts) if g is not None and g.requires_grad]
            jv = autograd.grad([g for g, _ in pairs], us, [t for _, t in pairs],
                               create_graph=nested, allow_unused=True) if pairs else \
                [None] * len(us)
    finally:
        _DEPTH[0] -= 1
    jv = [j if j is not None else zeros_like(o) for j, o in zip(jv, outs)]
    if not nested:
        jv = [j.detach() for j in jv]
        outs = [o.detach() for o in outs]
        aux = _map(lambda t: t.detach(), aux)
    res = (_unflat(out, iter(outs)), _unflat(out, iter(jv)))
    return res + (aux,) if has_aux else res
