"""Reductions: one kernel per reduction, the (lazy) input computed inside its inner loop, so a
pointwise chain feeding a sum costs no memory.

The accumulator lives in a stack slot that LLVM promotes to a register.  Float sums are marked
``reassoc`` so the inner loop vectorises: the summation order then differs from numpy's
pairwise sum in the last bits (the same kind of difference as between numpy and PyTorch);
max/min/argmax keep NaN-propagating, first-index semantics exactly."""
from __future__ import annotations

import math

from llvmlite import ir

from ...ops.meta import wrap_dims
from . import scalar as X
from .fnctx import I1, I64, LTYPE, const
from .lower import dt_of, rule


def fop(b, opname, x, y, flags=("reassoc", "nsz")):
    """A floating binary instruction with fast-math ``flags``."""
    instr = ir.instructions.Instruction(b.block, x.type, opname, [x, y], flags=list(flags))
    b._insert(instr)
    return instr


def reduce_kernel(lw, out_shape, red_extents, accs, update, finish, reads=(), writes=()):
    """Emit ``for out_idx: accs = init; for red_idx: accs = update(...); finish(out_idx, accs)``.

    ``accs``: list of (dtype, init(fc) -> value); ``update(fc, out_idx, red_idx, values) ->
    values``; ``finish(fc, out_idx, values)`` stores the results."""
    def body(fc, oidx):
        b = fc.b
        slots = [fc.hoisted(("acc", lw.kernels, k), lambda p, dt=dt: p.alloca(LTYPE[dt]))
                 for k, (dt, _) in enumerate(accs)]
        for s, (dt, init) in zip(slots, accs):
            b.store(init(fc), s)
        exts = [fc.size(e) for e in red_extents]

        def inner(ridx):
            vals = [fc.b.load(s) for s in slots]
            new = update(fc, oidx, ridx, vals)
            for s, v in zip(slots, new):
                fc.b.store(v, s)
        if exts:
            fc.nest(exts, inner)
        else:  # nothing to reduce over (a 0-dim input): the one element is the result
            inner([])
        finish(fc, oidx, [fc.b.load(s) for s in slots])
    return lw.emit_kernel(out_shape, body, reads=reads, writes=writes, name="red")


def _dims(node, ndim):
    dim = node.attrs.get("dim")
    if dim is None or dim == () or dim == []:
        return list(range(ndim))
    if ndim == 0:
        return []
    return sorted(wrap_dims(dim, ndim, node.kind))


def _in_index(ndim, red, keepdim):
    """Map (out_idx, red_idx) to the input index."""
    kept = [d for d in range(ndim) if d not in red]

    def full(oidx, ridx):
        idx = [None] * ndim
        for k, d in enumerate(red):
            idx[d] = ridx[k]
        for k, d in enumerate(kept):
            idx[d] = oidx[d] if keepdim else oidx[k]
        return idx
    return full


_INIT = {"sum": 0, "prod": 1, "amax": -math.inf, "amin": math.inf, "max": -math.inf,
         "min": math.inf, "all": 1, "any": 0}


def _int_extreme(dt, low):
    bits = LTYPE[dt].width
    if dt in X.UNSIGNED:
        return 0 if low else (1 << bits) - 1
    return -(1 << (bits - 1)) if low else (1 << (bits - 1)) - 1


@rule("sum", "prod", "amax", "amin", "max", "min", "all", "any")
def _reduce(lw, node, ins):
    x = ins[0]
    kind = node.kind
    out_v = node.outputs[0]
    out_dt = dt_of(out_v.type)
    red = _dims(node, x.ndim)
    keepdim = bool(node.attrs.get("keepdim", False))
    adt = out_dt if kind not in ("all", "any") else "b8"
    if kind in ("amax", "amin", "max", "min") and not X.is_float(adt):
        init_v = _int_extreme(adt, kind in ("amax", "max"))
    else:
        init_v = _INIT[kind]
    full = _in_index(x.ndim, red, keepdim)
    dest = lw.new_buf(out_v.type.shape, out_dt, out_v, out_v.name)

    def update(fc, oidx, ridx, vals):
        b = fc.b
        v = X.cast(b, x.load(fc, full(oidx, ridx)), x.dt, adt)
        acc = vals[0]
        if kind == "sum":
            return [fop(b, "fadd", acc, v) if X.is_float(adt) else X.add(b, adt, acc, v)]
        if kind == "prod":
            return [fop(b, "fmul", acc, v) if X.is_float(adt) else X.mul(b, adt, acc, v)]
        if kind in ("amax", "max"):
            return [X.fmax_nan(b, adt, acc, v)]
        if kind in ("amin", "min"):
            return [X.fmin_nan(b, adt, acc, v)]
        if kind == "all":
            return [b.and_(acc, v)]
        return [b.or_(acc, v)]

    def finish(fc, oidx, vals):
        dest.store_flat(fc, dest.offset(fc, oidx), X.cast(fc.b, vals[0], adt, out_dt))

    if kind in ("amax", "amin", "max", "min"):
        _nonempty(lw, node, [x.shape[d] for d in red])
    reduce_kernel(lw, out_v.type.shape, [x.shape[d] for d in red],
                  [(adt, lambda fc: const(adt, init_v))], update, finish, reads=[x],
                  writes=[dest])
    return [dest]


@rule("argmax", "argmin", "max_dim", "min_dim")
def _arg_reduce(lw, node, ins):
    """Index of the first maximum (minimum); NaN counts as the maximum, as in numpy."""
    x = ins[0]
    kind = node.kind
    is_max = kind in ("argmax", "max_dim")
    keepdim = bool(node.attrs.get("keepdim", False))
    dim = node.attrs.get("dim")
    if dim is None:  # over the flattened tensor
        from .rules_views import reshape_handle
        x = reshape_handle(x, (_numel(x.shape),))
        red, keepdim_eff = [0], False
    else:
        red, keepdim_eff = [wrap_dims(dim, max(x.ndim, 1), kind)[0]] if x.ndim else [], keepdim
    _nonempty(lw, node, [x.shape[d] for d in red] if x.ndim else [])
    adt = x.dt
    outs = [v for v in node.outputs]
    idx_v = outs[-1]
    val_dest = lw.new_buf(outs[0].type.shape, dt_of(outs[0].type), outs[0], outs[0].name) \
        if kind.endswith("_dim") else None
    idx_dest = lw.new_buf(idx_v.type.shape, "i64", idx_v, idx_v.name)
    full = _in_index(x.ndim, red, keepdim_eff)
    init = -math.inf if is_max else math.inf
    if not X.is_float(adt):
        init = _int_extreme(adt, is_max)

    def update(fc, oidx, ridx, vals):
        b = fc.b
        best, bi, seen_nan = vals
        v = x.load(fc, full(oidx, ridx))
        if X.is_float(adt):
            better = b.fcmp_ordered(">" if is_max else "<", v, best)
            vnan = X.isnan(b, v)
            take = b.and_(b.not_(seen_nan), b.or_(better, vnan))
            seen_nan = b.or_(seen_nan, vnan)
        else:
            take = X.compare(b, adt, "gt" if is_max else "lt", v, best)
        first = b.icmp_signed("==", bi, ir.Constant(I64, -1))
        take = b.or_(take, first)
        i = ridx[0] if ridx else ir.Constant(I64, 0)
        return [b.select(take, v, best), b.select(take, i, bi), seen_nan]

    def finish(fc, oidx, vals):
        bi = fc.b.select(fc.b.icmp_signed("<", vals[1], ir.Constant(I64, 0)),
                         ir.Constant(I64, 0), vals[1])
        idx_dest.store_flat(fc, idx_dest.offset(fc, oidx), bi)
        if val_dest is not None:
            val_dest.store_flat(fc, val_dest.offset(fc, oidx), vals[0])

    reduce_kernel(lw, idx_v.type.shape, [x.shape[d] for d in red],
                  [(adt, lambda fc: const(adt, init)), ("i64", lambda fc: const("i64", -1)),
                   ("b8", lambda fc: ir.Constant(I1, 0))], update, finish, reads=[x],
                  writes=[d for d in (val_dest, idx_dest) if d is not None])
    return [val_dest, idx_dest] if val_dest is not None else [idx_dest]


def _nonempty(lw, node, extents):
    """A max / min / arg-reduction has no identity: an empty reduced extent is an error, as in
    eager mode.  Symbolic extents become size guards the runtime checks before the call."""
    for e in extents:
        if type(e) is int:
            if e == 0:
                raise ValueError(f"{node.kind} of an empty dimension")
        else:
            lw.size_guards.append((e, "gt", 0, f"{node.kind}(): Expected reduction dim to "
                                   f"have non-zero size", node.source))


def _numel(shape):
    from .fnctx import numel
    return numel(shape)


from . import rules_norm  # noqa: E402,F401  (registers layer_norm: it needs fop above)
