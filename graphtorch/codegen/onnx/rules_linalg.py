"""Export rules: recurrent cells, addmm-style fused products, cross product, determinant."""
from __future__ import annotations

from ...ops import dtypes as D
from .registry import rule
from .rules_nn import _c


# ------------------------------------------------------------------ recurrent cells
def _gates(ctx, x, n):
    return ctx.emit("Split", [x], n_out=n, axis=-1, num_outputs=n) if ctx.opset >= 18 else \
        ctx.emit("Split", [x, ctx.emit("Concat", [ctx.emit("Div", [
            ctx.emit("Shape", [x], start=-1), ctx.ints([n])])] * n, axis=0)], n_out=n,
            axis=-1)


@rule("lstm_cell")
def _lstm_cell(ctx):
    dt = ctx.out_dtype()
    xg, h, c, w, b = (ctx.tin(i, dt) for i in range(5))
    pre = ctx.emit("Add", [xg, ctx.emit("MatMul", [h, ctx.emit("Transpose", [w],
                                                                perm=[1, 0])])])
    if b is not None:
        pre = ctx.emit("Add", [pre, b])
    i, f, g, o = _gates(ctx, pre, 4)
    i, f, o = (ctx.emit("Sigmoid", [t]) for t in (i, f, o))
    g = ctx.emit("Tanh", [g])
    c2 = ctx.emit("Add", [ctx.emit("Mul", [f, c]), ctx.emit("Mul", [i, g])])
    h2 = ctx.emit("Mul", [ctx.emit("Tanh", [c2]), o])
    act = ctx.emit("Concat", [i, f, g, o], axis=-1) if ctx.used(2) else None
    return [h2, c2, act]


@rule("gru_cell")
def _gru_cell(ctx):
    dt = ctx.out_dtype()
    xg, h, w, b = (ctx.tin(i, dt) for i in range(4))
    gh = ctx.emit("MatMul", [h, ctx.emit("Transpose", [w], perm=[1, 0])])
    if b is not None:
        gh = ctx.emit("Add", [gh, b])
    xr, xz, xn = _gates(ctx, xg, 3)
    hr, hz, hn = _gates(ctx, gh, 3)
    r = ctx.emit("Sigmoid", [ctx.emit("Add", [xr, hr])])
    z = ctx.emit("Sigmoid", [ctx.emit("Add", [xz, hz])])
    n = ctx.emit("Tanh", [ctx.emit("Add", [xn, ctx.emit("Mul", [r, hn])])])
    h2 = ctx.emit("Add", [ctx.emit("Mul", [ctx.emit("Sub", [h, n]), z]), n])
    act = ctx.emit("Concat", [r, z, n, hn], axis=-1) if ctx.used(1) else None
    return [h2, act]


@rule("addmm", "addbmm", "addmv", "addr", "baddbmm")
def _addmm(ctx):
    dt = ctx.out_dtype()
    inp, a, b = ctx.tin(0, dt), ctx.tin(1, dt), ctx.tin(2, dt)
    kind = ctx.node.kind
    if kind == "addr":
        if ctx.attr("outer", True) is False:
            p = ctx.emit("Mul", [a, b])
        else:
            p = ctx.emit("Mul", [ctx.emit("Unsqueeze", [a, ctx.ints([1])]),
                                 ctx.emit("Unsqueeze", [b, ctx.ints([0])])])
    else:
        p = ctx.emit("MatMul", [a, b])
        if kind == "addbmm" and ctx.attr("reduce_batch", True):
            from .rules_reduce import reduce
            p = reduce(ctx, "ReduceSum", p, [0], False)
    alpha, beta = ctx.attr("alpha", 1), ctx.attr("beta", 1)
    if dt is D.bool:
        return [ctx.emit("Or", [inp, p]) if beta else p]
    if alpha != 1:
        p = ctx.emit("Mul", [p, _c(ctx, alpha, dt)])
    if beta == 0:  # PyTorch ignores the input (even NaN) when beta is 0
        return [ctx.emit("Add", [p, ctx.emit("Mul", [ctx.emit("Expand", [
            _c(ctx, 0, dt), ctx.emit("Shape", [inp])]), _c(ctx, 0, dt)])])]
    if beta != 1:
        inp = ctx.emit("Mul", [inp, _c(ctx, beta, dt)])
    return [ctx.emit("Add", [inp, p])]


@rule("linalg_cross")
def _cross(ctx):
    dt = ctx.out_dtype()
    a, b = ctx.tin(0, dt), ctx.tin(1, dt)
    d = int(ctx.attr("dim", -1))

    def comp(t, k):
        return ctx.emit("Gather", [t, ctx.ints([k])], axis=d)
    ax, ay, az = (comp(a, k) for k in range(3))
    bx, by, bz = (comp(b, k) for k in range(3))

    def sub(p, q, r, s):
        return ctx.emit("Sub", [ctx.emit("Mul", [p, q]), ctx.emit("Mul", [r, s])])
    return [ctx.emit("Concat", [sub(ay, bz, az, by), sub(az, bx, ax, bz), sub(ax, by, ay, bx)],
                     axis=d)]


@rule("linalg_det")
def _det(ctx):
    return [ctx.emit("Det", [ctx.tin(0, ctx.out_dtype())])]
