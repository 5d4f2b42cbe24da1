"""Cumulative sums and products: one kernel over the other dims, a sequential loop along the
scanned dim carrying the running value in a register.

The accumulation is strictly sequential in the result dtype (no reassociation), exactly as
numpy's cumsum / cumprod, so results are bitwise those of the eager kernels."""
from __future__ import annotations

from llvmlite import ir

from ...ops.meta import wrap_dim
from . import scalar as X
from .fnctx import I64, const
from .lower import dt_of, rule
from .rules_reduce import reduce_kernel
from .rules_views import reshape_handle


@rule("cumsum", "cumprod")
def _scan(lw, node, ins):
    x = ins[0]
    value = node.outputs[0]
    dt = dt_of(value.type)
    if x.ndim == 0:  # a 0-dim tensor scans as one element
        x = reshape_handle(x, (1,))
    d = wrap_dim(node.attrs["dim"], x.ndim, node.kind)
    reverse = bool(node.attrs.get("reverse", False))
    dest = lw.new_buf(x.shape, dt, value, value.name)
    n = x.shape[d]
    outer = tuple(s for k, s in enumerate(x.shape) if k != d)
    is_sum = node.kind == "cumsum"

    def full(oidx, i):
        return list(oidx[:d]) + [i] + list(oidx[d:])

    def update(fc, oidx, ridx, vals):
        b = fc.b
        i = ridx[0]
        if reverse:
            i = b.sub(b.sub(fc.size(n), ir.Constant(I64, 1)), i)
        v = X.cast(b, x.load(fc, full(oidx, i)), x.dt, dt)
        acc = X.add(b, dt, vals[0], v) if is_sum else X.mul(b, dt, vals[0], v)
        dest.store_flat(fc, dest.offset(fc, full(oidx, i)), acc)
        return [acc]

    reduce_kernel(lw, outer, [n], [(dt, lambda fc: const(dt, 0 if is_sum else 1))], update,
                  lambda fc, oidx, vals: None, reads=[x], writes=[dest])
    return [dest.reshaped(value.type.shape)]
