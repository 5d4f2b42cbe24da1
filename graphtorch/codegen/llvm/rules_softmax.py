"""softmax / log_softmax as one native kernel per op (instead of their decomposition into
amax, a fused exp/sum group and a division: three kernels, two intermediates, and a
NaN-propagating max that does not vectorise).

Each row along ``dim`` takes three passes over memory that stays in L1: the row max
(``llvm.maxnum``, a reduction LLVM vectorises), ``e = exp(x - max)`` stored into the output
while summing (``reassoc`` adds: vector lanes, so the last bits differ from numpy's pairwise
sum as they do between numpy and PyTorch), then the scaling.  A NaN anywhere in a row still
makes the whole row NaN, as in PyTorch: maxnum skips it, but its exp enters the sum.  Rows
along the last dim are contiguous and vectorise; other dims read with a stride."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from ...ops.meta import wrap_dim
from . import scalar as X
from .fnctx import I64, LTYPE, numel
from .lower import dt_of, rule
from .rules_host import or_host
from .rules_reduce import fop

ZERO = ir.Constant(I64, 0)
ROW_WORK = 4  # per element of a row: max, exp + sum, scale (the exp counts double)


def _row_loop(fc, lo, hi, body, name):
    """``fc.loop`` with interleave count 1: rows are short (32 in attention), and the
    vectoriser's default 4 x 16 lanes per iteration would leave them all to the scalar
    remainder loop."""
    fc.loop(lo, hi, body, name=name, interleave=1)


def _maxnum(b, x, y):
    t = x.type
    sfx = "f32" if t == LTYPE["f32"] else "f64"
    fn = X.declare(b.module, f"llvm.maxnum.{sfx}", t, [t, t])
    return b.call(fn, [x, y])


@rule("softmax", "log_softmax")
@or_host
def _softmax(lw, node, ins):
    x = ins[0]
    value = node.outputs[0]
    dt = dt_of(value.type)
    if dt not in ("f32", "f64") or x.ndim == 0 or x.dt not in ("f32", "f64"):
        raise NotImplementedError("softmax outside float32/float64 tensors of rank >= 1")
    d = wrap_dim(node.attrs["dim"], x.ndim, node.kind)
    xb = lw.realize(x)
    shape = tuple(value.type.shape)
    dest = lw.new_buf(shape, dt, value, value.name)
    outer, length, inner = numel(shape[:d]), shape[d], numel(shape[d + 1:])
    log = node.kind == "log_softmax"
    ety = LTYPE[dt]

    def body(fc, idx):
        b = fc.b
        o, i = idx
        n_len, n_in = fc.size(length), fc.size(inner)
        base = b.add(b.mul(o, b.mul(n_len, n_in)), i)
        acc = fc.hoisted(("sm_acc", id(node)), lambda p: p.alloca(ety))

        def at(j):
            return fc.b.add(base, j if inner == 1 else fc.b.mul(j, n_in))

        def load(j):
            return X.cast(fc.b, xb.load_flat(fc, at(j)), xb.dt, dt)

        b.store(X.fconst(dt, float("-inf")), acc)
        _row_loop(fc, ZERO, n_len, lambda j: fc.b.store(
            _maxnum(fc.b, fc.b.load(acc, typ=ety), load(j)), acc), name="smax")
        m = fc.b.load(acc, typ=ety)
        fc.b.store(X.fconst(dt, 0.0), acc)

        def expsum(j):
            bb = fc.b
            e = X.libm(bb, "exp", dt, bb.fsub(load(j), m))
            if not log:
                dest.store_flat(fc, at(j), e)
            bb.store(fop(bb, "fadd", bb.load(acc, typ=ety), e), acc)
        _row_loop(fc, ZERO, n_len, expsum, name="sexp")
        s = fc.b.load(acc, typ=ety)
        if log:
            ls = X.libm(fc.b, "log", dt, s)  # (x - max) - log(sum), numpy's rounding order
            _row_loop(fc, ZERO, n_len, lambda j: dest.store_flat(
                fc, at(j), fc.b.fsub(fc.b.fsub(load(j), m), ls)), name="slog")
        else:
            _row_loop(fc, ZERO, n_len, lambda j: dest.store_flat(
                fc, at(j), fc.b.fdiv(dest.load_flat(fc, at(j)), s)), name="sdiv")
    # the kernel loops over (outer, inner): each iteration is a row of ``length`` elements read
    # in three passes with an exp, the measure the thread split compares (rows alone kept
    # attention's softmax on one thread at every batch)
    lw.emit_kernel((outer, inner), body, reads=[xb], writes=[dest], name="softmax",
                   work_per_elem=S.mul(length, ROW_WORK))
    return [dest]


__all__: list = []
