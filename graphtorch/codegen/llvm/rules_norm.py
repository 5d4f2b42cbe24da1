"""LayerNorm as one kernel over rows, each row kept in cache for its three short passes.

Decomposed, ``layer_norm`` is five loops over the whole tensor (materialise the input, sum,
materialise ``x - mean``, sum of squares, normalise), two of them writing arena buffers.  Here
each row is handled at once: pass 1 computes the (lazy, fused) input, stores it into the output
row and sums it; pass 2 sums the squared deviations from that stored row; pass 3 normalises
the row in place and applies weight and bias.  The arithmetic is the decomposition's, op for op
(``sum / n``, two-pass variance, ``1 / sqrt(var + eps)``, ``* weight``, ``+ bias``); only the
summation order differs (the sums are vectorised, as every reduction of this backend is)."""
from __future__ import annotations

from ...ir import symbolic as S
from . import scalar as X
from .fnctx import LTYPE, const, numel
from .lower import dt_of, rule
from .rules_host import or_host
from .rules_reduce import fop
from .tensors import TensorH, cost

PASSES = 3


@rule("layer_norm")
@or_host
def _layer_norm(lw, node, ins):
    x = ins[0]
    w = ins[1] if len(ins) > 1 and isinstance(ins[1], TensorH) else None
    bias = ins[2] if len(ins) > 2 and isinstance(ins[2], TensorH) else None
    out_v = node.outputs[0]
    dt = dt_of(out_v.type)
    k = len(node.attrs.get("normalized_shape", ()))
    if dt not in ("f32", "f64") or x.dt != dt or k == 0 or k > x.ndim or any(
            h is not None and (h.dt != dt or h.ndim != k) for h in (w, bias)):
        raise NotImplementedError("layer_norm: native code for float32/float64 only")
    eps = float(node.attrs.get("eps", 1e-5))
    dest = lw.new_buf(out_v.type.shape, dt, out_v, out_v.name)
    lead, norm = tuple(x.shape[:x.ndim - k]), tuple(x.shape[x.ndim - k:])
    n_expr = numel(norm)
    ety = LTYPE[dt]

    def body(fc, lidx):
        b = fc.b
        exts = [fc.size(d) for d in norm]
        acc = fc.hoisted(("ln_acc", id(node)), lambda p: p.alloca(ety))
        n = b.sitofp(fc.size(n_expr), ety)

        def row_pass(fn):
            fc.nest(exts, lambda j: fn(list(lidx) + list(j), list(j)))

        b.store(const(dt, 0.0), acc)

        def first(idx, j):
            v = X.cast(fc.b, x.load(fc, idx), x.dt, dt)
            dest.store_flat(fc, dest.offset(fc, idx), v)
            fc.b.store(fop(fc.b, "fadd", fc.b.load(acc), v), acc)
        row_pass(first)
        mean = fc.b.fdiv(fc.b.load(acc), n)
        fc.b.store(const(dt, 0.0), acc)

        def second(idx, j):
            bb = fc.b
            d = bb.fsub(dest.load(fc, idx), mean)
            bb.store(fop(bb, "fadd", bb.load(acc), bb.fmul(d, d)), acc)
        row_pass(second)
        bb = fc.b
        var = bb.fdiv(bb.load(acc), n)
        rstd = bb.fdiv(X.fconst(dt, 1.0), X.intrinsic(bb, "sqrt", dt,
                                                      bb.fadd(var, const(dt, eps))))

        def third(idx, j):
            bb = fc.b
            off = dest.offset(fc, idx)
            y = bb.fmul(bb.fsub(dest.load_flat(fc, off), mean), rstd)
            if w is not None:
                y = bb.fmul(y, w.load(fc, j))
            if bias is not None:
                y = bb.fadd(y, bias.load(fc, j))
            dest.store_flat(fc, off, y)
        row_pass(third)

    reads = [h for h in (x, w, bias) if h is not None]
    if lead:
        # the kernel loops over rows: its split measure is the elements of a row times the
        # three passes plus the fused input's ops (rows alone never reached the threshold):
        # gelu_ln b64 at 2 threads 47 -> 26 us, Transformer b64 17.8 -> 17.1 ms (A/B)
        lw.emit_kernel(lead, body, reads=reads, writes=[dest], name="layernorm",
                       work_per_elem=S.mul(n_expr, PASSES + cost(x)))
    else:
        lw.emit_kernel((1,), lambda fc, idx: body(fc, []), reads=reads, writes=[dest],
                       name="layernorm", parallel=False)
    return [dest]


__all__: list = []
