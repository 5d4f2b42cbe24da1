"""Max and average pooling as window reductions: one kernel over the output, the window taps
as the reduction loops, padding handled by bounds checks (never a padded copy)."""
from __future__ import annotations

import itertools
import math

from llvmlite import ir

from . import scalar as X
from .fnctx import I64, const
from .lower import dt_of, rule
from .rules_host import or_host
from .rules_reduce import _int_extreme, fop, reduce_kernel

ZERO = ir.Constant(I64, 0)


def _tup(v, nd):
    if isinstance(v, int):
        return (v,) * nd
    v = tuple(v)
    return v * nd if len(v) == 1 else v


def _params(node, nd):
    a = node.attrs
    k = _tup(a["kernel_size"], nd)
    s = a.get("stride")
    s = k if s in (None, (), []) else _tup(s, nd)
    return k, s, _tup(a.get("padding", 0), nd), _tup(a.get("dilation", 1), nd)


def _positions(fc, x, oidx, ridx, nd, s, p, d):
    """Input spatial positions of tap ``ridx`` of output cell ``oidx`` and whether all are
    inside the input."""
    b = fc.b
    lead = x.ndim - nd
    pos, ok = [], None
    for i in range(nd):
        v = b.add(b.mul(oidx[lead + i], ir.Constant(I64, s[i])),
                  b.mul(ridx[i], ir.Constant(I64, d[i])))
        if p[i]:
            v = b.sub(v, ir.Constant(I64, p[i]))
        inside = b.and_(b.icmp_signed(">=", v, ZERO),
                        b.icmp_signed("<", v, fc.size(x.shape[lead + i])))
        ok = inside if ok is None else b.and_(ok, inside)
        pos.append(v)
    return pos, ok


def max_params(node):
    """(kernel, stride, padding, dilation, whether taps need bounds checks) of a max_pool."""
    ks = node.attrs["kernel_size"]
    nd = 1 if isinstance(ks, int) else len(ks)
    k, s, p, d = _params(node, nd)
    # without padding and ceil_mode, the output size keeps every window inside the input
    checks = any(p) or bool(node.attrs.get("ceil_mode", False))
    return k, s, p, d, checks


def window_max(fc, dt, load, opos, sizes, params):
    """The NaN-propagating maximum over one pooling window, its taps unrolled: ``opos`` are
    the output cell's spatial indices, ``sizes`` the input's spatial sizes (i64 values),
    ``load(positions)`` reads one input element.  Taps in the padding are skipped."""
    k, s, p, d, checks = params
    b = fc.b
    init = -math.inf if X.is_float(dt) else _int_extreme(dt, True)
    acc = const(dt, init)
    starts = [b.sub(b.mul(o, ir.Constant(I64, s[i])), ir.Constant(I64, p[i])) if p[i] else
              b.mul(o, ir.Constant(I64, s[i])) for i, o in enumerate(opos)]
    for taps in itertools.product(*[range(n) for n in k]):
        pos, ok = [], None
        for i, t in enumerate(taps):
            v = b.add(starts[i], ir.Constant(I64, t * d[i])) if t else starts[i]
            if checks:
                inside = b.and_(b.icmp_signed(">=", v, ZERO), b.icmp_signed("<", v, sizes[i]))
                ok = inside if ok is None else b.and_(ok, inside)
            pos.append(v)
        if ok is not None:
            val = load([b.select(ok, q, ZERO) for q in pos])
            val = b.select(ok, val, const(dt, init))
        else:
            val = load(pos)
        acc = X.fmax_nan(b, dt, acc, val)
    return acc


@rule("max_pool")
def _max_pool(lw, node, ins):
    x = ins[0]
    ks = node.attrs["kernel_size"]
    nd = 1 if isinstance(ks, int) else len(ks)
    k, s, p, d = _params(node, nd)
    vals_v, idx_v = node.outputs[0], node.outputs[1]
    dt = x.dt
    vdest = lw.new_buf(vals_v.type.shape, dt, vals_v, vals_v.name)
    need_idx = lw.uses.get(idx_v, 0) > 0
    if not need_idx:
        return [_max_values(lw, x, vdest, max_params(node), nd), None]
    idest = lw.new_buf(idx_v.type.shape, "i64", idx_v, idx_v.name) if need_idx else None
    lead = x.ndim - nd
    init = -math.inf if X.is_float(dt) else _int_extreme(dt, True)

    def update(fc, oidx, ridx, accs):
        b = fc.b
        best, bi = accs
        pos, ok = _positions(fc, x, oidx, ridx, nd, s, p, d)
        safe = [b.select(ok, q, ZERO) for q in pos]
        v = x.load(fc, list(oidx[:lead]) + safe)
        if X.is_float(dt):
            take = b.or_(b.fcmp_ordered(">", v, best),
                         b.and_(X.isnan(b, v), b.not_(X.isnan(b, best))))
        else:
            take = X.compare(b, dt, "gt", v, best)
        take = b.and_(ok, b.or_(take, b.icmp_signed("<", bi, ZERO)))
        flat = ZERO
        for i in range(nd):
            flat = b.add(b.mul(flat, fc.size(x.shape[lead + i])), pos[i])
        return [b.select(take, v, best), b.select(take, flat, bi)]

    def finish(fc, oidx, accs):
        vdest.store_flat(fc, vdest.offset(fc, oidx), accs[0])
        if idest is not None:
            idest.store_flat(fc, idest.offset(fc, oidx), accs[1])

    reduce_kernel(lw, vals_v.type.shape, list(k),
                  [(dt, lambda fc: const(dt, init)), ("i64", lambda fc: const("i64", -1))],
                  update, finish, reads=[x], writes=[h for h in (vdest, idest) if h is not None])
    return [vdest, idest]


def _max_values(lw, x, dest, params, nd):
    """max_pool without indices: one kernel over the output, each window's taps unrolled."""
    lead = x.ndim - nd

    def body(fc, oidx):
        sizes = [fc.size(x.shape[lead + i]) for i in range(nd)]
        v = window_max(fc, x.dt, lambda pos: x.load(fc, list(oidx[:lead]) + pos),
                       oidx[lead:], sizes, params)
        dest.store_flat(fc, dest.offset(fc, oidx), v)
    lw.emit_kernel(dest.shape, body, reads=[x], writes=[dest], name="maxpool")
    return dest


@rule("avg_pool")
@or_host
def _avg_pool(lw, node, ins):
    x = ins[0]
    a = node.attrs
    ks = a["kernel_size"]
    nd = 1 if isinstance(ks, int) else len(ks)
    k, s, p, _ = _params(node, nd)
    d = (1,) * nd
    out_v = node.outputs[0]
    dt = dt_of(out_v.type)
    if not X.is_float(dt):
        raise NotImplementedError("integer avg_pool")
    dest = lw.new_buf(out_v.type.shape, dt, out_v, out_v.name)
    lead = x.ndim - nd
    include_pad = a.get("count_include_pad", True)
    override = a.get("divisor_override")

    def update(fc, oidx, ridx, accs):
        b = fc.b
        pos, ok = _positions(fc, x, oidx, ridx, nd, s, p, d)
        safe = [b.select(ok, q, ZERO) for q in pos]
        v = X.cast(b, x.load(fc, list(oidx[:lead]) + safe), x.dt, dt)
        v = b.select(ok, v, X.fconst(dt, 0.0))
        return [fop(b, "fadd", accs[0], v)]

    def finish(fc, oidx, accs):
        b = fc.b
        if override:
            div = X.fconst(dt, float(override))
        else:
            div = None
            for i in range(nd):
                size = fc.size(x.shape[lead + i])
                start = b.sub(b.mul(oidx[lead + i], ir.Constant(I64, s[i])), ir.Constant(I64, p[i]))
                end = _smin(b, b.add(start, ir.Constant(I64, k[i])),
                            b.add(size, ir.Constant(I64, p[i])))
                if include_pad:
                    n = b.sub(end, start)
                else:
                    n = b.sub(_smin(b, end, size), _smax(b, start, ZERO))
                n = b.sitofp(n, X.LTYPE[dt])
                div = n if div is None else b.fmul(div, n)
        dest.store_flat(fc, dest.offset(fc, oidx), b.fdiv(accs[0], div))

    reduce_kernel(lw, out_v.type.shape, list(k), [(dt, lambda fc: const(dt, 0.0))], update,
                  finish, reads=[x], writes=[dest])
    return [dest]


def _smin(b, x, y):
    return b.select(b.icmp_signed("<", x, y), x, y)


def _smax(b, x, y):
    return b.select(b.icmp_signed(">", x, y), x, y)

