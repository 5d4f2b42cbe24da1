"""LSTM and GRU cells natively.

LSTM: the hidden-to-hidden product alone (rnn_pack.py: the weight transposed once per call
for batches of a few rows), then one pass that adds the input gates and bias, applies the
nonlinearities and writes both new states (the old form wrote the gates and bias into the
product's buffer first and left h lazy, so the loop evaluated it twice: for the carried state
and for the scan output).  GRU: the product through BLAS into a buffer holding the bias, the
gates as lazy element functions (fused into whoever reads the new state).  The saved
activations (used only by the backward) stay lazy and cost nothing when unused."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from . import scalar as X
from .fnctx import I64
from .lower import dt_of, rule
from .rnn_pack import hh_product
from .rules_gemm import _BLAS, batched_gemm
from .tensors import Lazy, deps_of

ZERO = ir.Constant(I64, 0)


def _sig(b, dt, v):
    if dt == "f32" and X.vec_f32("sigmoid"):
        return X.vec_f32("sigmoid")(b, v)
    one = X.fconst(dt, 1.0)
    return b.fdiv(one, b.fadd(one, X.libm(b, "exp", dt, b.fneg(v))))


def _col(fc, idx, k, hid):
    """Index of gate ``k``'s column for hidden unit idx[-1]."""
    return list(idx[:-1]) + [fc.b.add(idx[-1], fc.size(S.mul(k, hid)))]


def _preacts(lw, xg, h, w, bias, n_gates, dt, name, add_input=True):
    """buf = (xg if add_input) + bias + h @ w.T, as [*, n_gates * H]."""
    shape = xg.shape
    pre = lw.new_buf(shape, dt, name=name)

    def init(fc, idx):
        v = xg.load(fc, idx) if add_input else X.fconst(dt, 0.0)
        if bias is not None:
            v = fc.b.fadd(v, X.cast(fc.b, bias.load(fc, [idx[-1]]), bias.dt, dt))
        return v
    lw.emit_copy(pre, Lazy(shape, dt, init))
    hb = lw.realize(h)
    wb = lw.realize(w)
    m = 1
    for d in h.shape[:-1]:
        m = S.mul(m, d)
    batched_gemm(lw, pre, hb, wb, False, True, m, w.shape[0], w.shape[1], 1, 0, 0, 1.0, dt)
    return pre


@rule("lstm_cell")
def _lstm_cell(lw, node, ins):
    xg, h, c, w = ins[:4]
    bias = ins[4] if len(ins) > 4 and hasattr(ins[4], "shape") else None
    dt = dt_of(node.outputs[0].type)
    if dt not in _BLAS:
        raise NotImplementedError("lstm_cell outside float32/float64")
    hid = S.floordiv(w.shape[0], 4)
    # the GEMM writes h @ w.T alone (beta 0): the input gates and bias are added where the
    # gates are read, saving a pass over the [*, 4H] preactivations per step
    pre = lw.new_buf(xg.shape, dt, name="lstm_hh")
    hh_product(lw, pre, lw.realize(h), lw.realize(w), dt)

    def gate(fc, idx):
        v = fc.b.fadd(pre.load(fc, idx), X.cast(fc.b, xg.load(fc, idx), xg.dt, dt))
        if bias is not None:
            v = fc.b.fadd(v, X.cast(fc.b, bias.load(fc, [idx[-1]]), bias.dt, dt))
        return v
    hshape = node.outputs[0].type.shape
    h_val, c_val = node.outputs[0], node.outputs[1]
    h_buf = lw.new_buf(hshape, dt, h_val, h_val.name)
    c_buf = lw.new_buf(hshape, dt, c_val, c_val.name)

    def step(fc, idx):
        # one pass computes both states: the new cell state and the hidden state reading it
        b = fc.b
        i = _sig(b, dt, gate(fc, _col(fc, idx, 0, hid)))
        f = _sig(b, dt, gate(fc, _col(fc, idx, 1, hid)))
        g = X.libm(b, "tanh", dt, gate(fc, _col(fc, idx, 2, hid)))
        o = _sig(b, dt, gate(fc, _col(fc, idx, 3, hid)))
        cv = X.cast(b, c.load(fc, idx), c.dt, dt)
        cn = b.fadd(b.fmul(f, cv), b.fmul(i, g))
        off = c_buf.offset(fc, idx)
        c_buf.store_flat(fc, off, cn)
        h_buf.store_flat(fc, off, b.fmul(X.libm(b, "tanh", dt, cn), o))
    lw.emit_kernel(hshape, step, reads=[xg, c, pre] + ([bias] if bias is not None else []),
                   writes=[h_buf, c_buf], name="lstm")

    def acts(fc, idx):
        b = fc.b
        j = idx[-1]
        v = gate(fc, idx)
        lo = fc.size(S.mul(2, hid))
        hi = fc.size(S.mul(3, hid))
        is_g = b.and_(b.icmp_signed(">=", j, lo), b.icmp_signed("<", j, hi))
        return b.select(is_g, X.libm(b, "tanh", dt, v), _sig(b, dt, v))
    a_lazy = Lazy(pre.shape, dt, acts, cost=2)
    a_lazy.deps = _deps(ins, pre)
    return [h_buf, c_buf, a_lazy]


def _deps(ins, *bufs):
    return frozenset().union(*[deps_of(h) for h in list(ins) + list(bufs)])


@rule("gru_cell")
def _gru_cell(lw, node, ins):
    xg, h, w = ins[:3]
    bias = ins[3] if len(ins) > 3 and hasattr(ins[3], "shape") else None
    dt = dt_of(node.outputs[0].type)
    if dt not in _BLAS:
        raise NotImplementedError("gru_cell outside float32/float64")
    hid = S.floordiv(w.shape[0], 3)
    gh = _preacts(lw, xg, h, w, bias, 3, dt, "gru_gh", add_input=False)
    hshape = node.outputs[0].type.shape

    def gates(fc, idx):
        b = fc.b
        r = _sig(b, dt, b.fadd(xg.load(fc, _col(fc, idx, 0, hid)), gh.load(fc, _col(fc, idx, 0, hid))))
        z = _sig(b, dt, b.fadd(xg.load(fc, _col(fc, idx, 1, hid)), gh.load(fc, _col(fc, idx, 1, hid))))
        n = X.libm(b, "tanh", dt, b.fadd(xg.load(fc, _col(fc, idx, 2, hid)),
                                         b.fmul(r, gh.load(fc, _col(fc, idx, 2, hid)))))
        return r, z, n

    def h_new(fc, idx):
        b = fc.b
        _, z, n = gates(fc, idx)
        hv = X.cast(b, h.load(fc, idx), h.dt, dt)
        return b.fadd(b.fmul(b.fsub(hv, n), z), n)

    def acts(fc, idx):
        b = fc.b
        j = idx[-1]
        unit = b.urem(j, fc.size(hid))
        part = b.udiv(j, fc.size(hid))
        sub = list(idx[:-1]) + [unit]
        r, z, n = gates(fc, sub)
        ghn = gh.load(fc, _col(fc, sub, 2, hid))
        v = b.select(b.icmp_signed("==", part, ir.Constant(I64, 0)), r, z)
        v = b.select(b.icmp_signed("==", part, ir.Constant(I64, 2)), n, v)
        return b.select(b.icmp_signed("==", part, ir.Constant(I64, 3)), ghn, v)
    out_a = node.outputs[1].type.shape
    outs = [Lazy(hshape, dt, h_new, cost=3), Lazy(out_a, dt, acts, cost=3)]
    for o in outs:
        o.deps = _deps(ins, gh)
    return outs
