"""The add-product family (addmm, addmv, baddbmm, addbmm, addr) and the vector products (mv,
dot, vdot): one product through the GEMM rules, then ``alpha * product + beta * input`` as a
lazy epilogue fused into whatever reads the result.

Scalars follow the eager kernel exactly: ``alpha`` and ``beta`` are converted to the result
dtype first (an integer addmm with ``beta=0.5`` scales by 0, as the kernel does), ``beta == 0``
ignores the input (NaN included), and the float epilogue rounds as ``p * alpha + inp * beta``."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from . import scalar as X
from .fnctx import I64, const
from .lower import dt_of, rule
from .rules_gemm import _FakeValue, _matmul
from .rules_views import reshape_handle
from .tensors import Lazy, cost


class _Node:
    """A stand-in node for calling the matmul rule with another output shape."""

    def __init__(self, kind, value):
        self.kind, self.outputs, self.attrs = kind, [value], {}


def product(lw, a, b, value, shape):
    """``a @ b`` (matmul semantics) as a Buf of ``shape`` in ``value``'s dtype."""
    return _matmul(lw, _Node("matmul", _FakeValue(value, tuple(shape))), [a, b])[0]


def _scale(dt, v):
    """A Python scalar converted to dtype ``dt`` the way numpy's ``dtype.type(v)`` does."""
    if X.is_float(dt):
        return float(v)
    if dt == "b8":
        return bool(v)
    return int(v)


def epilogue(p, inp, shape, dt, alpha, beta):
    """Lazy ``p * alpha + inp * beta`` (``inp`` broadcast to ``shape``)."""
    a_c, b_c = _scale(dt, alpha), _scale(dt, beta)
    off = len(shape) - inp.ndim
    keep = [d != 1 for d in inp.shape]
    zero = ir.Constant(I64, 0)

    def fn(fc, idx):
        b = fc.b
        v = p.load(fc, idx)
        if a_c != 1:
            v = X.mul(b, dt, v, const(dt, a_c))
        if b_c == 0:
            return v
        w = X.cast(b, inp.load(fc, [idx[off + k] if keep[k] else zero
                                     for k in range(inp.ndim)]), inp.dt, dt)
        if b_c != 1:
            w = X.mul(b, dt, w, const(dt, b_c))
        return X.add(b, dt, v, w)
    return Lazy(shape, dt, fn, cost=2 + cost(p) + cost(inp))


@rule("addmm", "addmv", "baddbmm", "addbmm", "addr")
def _add_product(lw, node, ins):
    inp, a, b = ins[0], ins[1], ins[2]
    value = node.outputs[0]
    shape = tuple(value.type.shape)
    dt = dt_of(value.type)
    alpha, beta = node.attrs.get("alpha", 1), node.attrs.get("beta", 1)
    if node.kind == "addr":
        p = _outer(a, b, shape, dt)
    elif node.kind == "addbmm":
        # sum_i a[i] @ b[i] is one product over a contraction of length batch * k
        nb, m, k = a.shape
        a2 = Lazy((m, S.mul(nb, k)), a.dt, _batch_major(a, k), cost=cost(a))
        b2 = reshape_handle(b, (S.mul(nb, k), b.shape[2]))
        p = product(lw, a2, b2, value, shape)
    else:
        p = product(lw, a, b, value, shape)
    return [epilogue(p, inp, shape, dt, alpha, beta)]


def _batch_major(a, k):
    """[batch, m, k] read as [m, batch * k]."""
    def fn(fc, idx):
        b = fc.b
        i, j = idx
        kk = fc.size(k)
        return a.load(fc, [b.udiv(j, kk), i, b.urem(j, kk)])
    return fn


def _outer(a, b, shape, dt):
    def fn(fc, idx):
        x = X.cast(fc.b, a.load(fc, [idx[0]]), a.dt, dt)
        y = X.cast(fc.b, b.load(fc, [idx[1]]), b.dt, dt)
        return X.mul(fc.b, dt, x, y)
    return Lazy(shape, dt, fn, cost=1 + cost(a) + cost(b))


@rule("mv", "dot", "vdot")
def _vector_product(lw, node, ins):
    value = node.outputs[0]
    return [product(lw, ins[0], ins[1], value, value.type.shape)]
