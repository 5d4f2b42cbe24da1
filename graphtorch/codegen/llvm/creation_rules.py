"""Factories and small scatters as element functions: ``full`` is a constant, ``arange`` the
index times the step, ``index_copy`` with a short index a chain of selects (so a loop body that
writes one row of a buffer costs no copy of the rest)."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from ...ir.graph import Value
from . import scalar as X
from .fnctx import I64, const
from .lower import dt_of, rule
from .rules_pointwise import loader
from .tensors import Lazy, Scalar, cost

ZERO = ir.Constant(I64, 0)
MAX_INDEX = 8  # longer index tensors go through the host fallback


@rule("full")
def _full(lw, node, ins):
    out = node.outputs[0]
    dt = dt_of(out.type)
    v = node.attrs.get("fill_value", 0)
    if isinstance(v, Value):  # a run-time scalar (a loop counter, a size read in a block)
        h = lw.handle(v)
        if isinstance(h, Scalar):
            return [Lazy(out.type.shape, dt, loader(h, 0, dt), cost=0)]
    if type(v) is S.Expr:  # a size expression, evaluated from the symbols at run time
        return [Lazy(out.type.shape, dt, lambda fc, idx: X.cast(fc.b, fc.size(v), "i64", dt),
                     cost=0)]
    if isinstance(v, complex) or not isinstance(v, (bool, int, float)):
        raise NotImplementedError(f"full with fill_value {v!r}")
    if isinstance(v, float) and not X.is_float(dt):
        c = X.cast  # a C cast, as numpy's astype
        return [Lazy(out.type.shape, dt,
                     lambda fc, idx: c(fc.b, const("f64", v), "f64", dt), cost=0)]
    return [Lazy(out.type.shape, dt, lambda fc, idx: const(dt, v), cost=0)]


@rule("arange")
def _arange(lw, node, ins):
    out = node.outputs[0]
    dt = dt_of(out.type)
    a = node.attrs
    start, step = a.get("start", 0), a.get("step", 1)
    if not all(isinstance(x, (int, float)) for x in (start, step)):
        raise NotImplementedError("arange with symbolic start/step")
    if X.is_float(dt):
        def fn(fc, idx):
            b = fc.b
            i = b.sitofp(idx[0], X.LTYPE["f64"])
            v = b.fadd(const("f64", start), b.fmul(i, const("f64", step)))
            return X.cast(b, v, "f64", dt)
    else:
        if not (isinstance(start, int) and isinstance(step, int)):
            raise NotImplementedError("integer arange with float bounds")

        def fn(fc, idx):
            b = fc.b
            v = b.add(ir.Constant(I64, start), b.mul(idx[0], ir.Constant(I64, step)))
            return X.cast(b, v, "i64", dt)
    return [Lazy(out.type.shape, dt, fn, cost=1)]


@rule("index_copy")
def _index_copy(lw, node, ins):
    base, index, src = ins[0], ins[1], ins[2]
    if isinstance(index, Scalar) or index.ndim > 1:
        raise NotImplementedError("index_copy with a scalar or matrix index")
    n = index.shape[0] if index.ndim else 1
    if type(n) is not int or n > MAX_INDEX:
        from .rules_host import host_rule
        return host_rule(lw, node, ins)
    dim = node.attrs.get("dim", 0) % max(base.ndim, 1)
    dt = base.dt

    def fn(fc, idx):
        b = fc.b
        val = base.load(fc, idx)
        size = fc.size(base.shape[dim]) if base.ndim else None
        for k in range(n):  # later entries win, as in a sequential copy
            j = X.cast(b, index.load(fc, [ir.Constant(I64, k)] if index.ndim else []),
                       index.dt, "i64")
            if size is not None:
                j = b.select(b.icmp_signed("<", j, ZERO), b.add(j, size), j)
            hit = b.icmp_signed("==", idx[dim], j) if base.ndim else ir.Constant(X.I1, 1)
            sub = list(idx)
            if src.ndim == base.ndim and base.ndim:
                sub[dim] = ir.Constant(I64, k)
            v = X.cast(b, src.load(fc, sub if src.ndim else []), src.dt, dt)
            val = b.select(hit, v, val)
        return val
    return [Lazy(base.shape, dt, fn, cost=1 + cost(base) + cost(src))]
