"""Export rules for ops ONNX has no single operator for but can compute exactly: grid sampling
(``GridSample``), the flat spatial gather of unpooling gradients, integer gcd / lcm (Euclid's
algorithm as an ONNX ``Loop`` that runs while any pair is unfinished), ``mode`` (pairwise
equality counts) and ``unique(consecutive=True)`` (run starts, ``Compress`` and ``CumSum``)."""
from __future__ import annotations

import numpy as np

from ...ops import dtypes as D
from .context import ExportError
from .registry import rule

_BIG = (1 << 63) - 1


# ------------------------------------------------------------------ grid sampling
_MODES_OLD = {"bilinear": "bilinear", "nearest": "nearest", "bicubic": "bicubic"}
_MODES_NEW = {"bilinear": "linear", "nearest": "nearest", "bicubic": "cubic"}


def _grid_sample(ctx, modes):
    dt = ctx.out_dtype()
    mode = ctx.attr("mode", "bilinear")
    mode = {0: "bilinear", 1: "nearest", 2: "bicubic"}.get(mode, mode)
    pad = ctx.attr("padding_mode", "zeros")
    pad = {0: "zeros", 1: "border", 2: "reflection"}.get(pad, pad)
    return [ctx.emit("GridSample", [ctx.tin(0, dt), ctx.tin(1, dt)], mode=modes[mode],
                     padding_mode=pad, align_corners=int(bool(ctx.attr("align_corners"))))]


@rule("grid_sampler")
def _grid_sampler_16(ctx):
    if ctx.rank(0) != 4:  # GridSample before opset 20 is 2-D only
        raise ExportError(f"ONNX export: op 'grid_sampler' on a {ctx.rank(0)}-d input at "
                          f"{ctx.where()} needs opset >= 20, but opset_version={ctx.opset} "
                          "was requested")
    return _grid_sample(ctx, _MODES_OLD)


@rule("grid_sampler", opset=20)
def _grid_sampler_20(ctx):
    return _grid_sample(ctx, _MODES_NEW)


@rule("spatial_gather")
def _spatial_gather(ctx):
    """out[..., j] = g[..., idx[..., j]] with both flattened over their last ``nd`` dims."""
    nd = int(ctx.attr("nd"))
    r = ctx.rank(1)
    lead = [0] * (r - nd)  # Reshape's 0 keeps the leading dims as they are
    g = ctx.emit("Reshape", [ctx.inp(0), ctx.ints(lead + [-1])])
    idx = ctx.emit("Reshape", [ctx.inp(1), ctx.ints(lead + [-1])])
    out = ctx.emit("GatherElements", [g, idx], axis=r - nd)
    return [ctx.emit("Reshape", [out, ctx.emit("Shape", [ctx.inp(1)])])]


# ------------------------------------------------------------------ gcd / lcm
def _euclid(ctx, a, b, dt):
    """gcd(|a|, |b|) elementwise: a Loop swapping (a, b) -> (b, a mod b) while any b != 0
    (at most ~92 rounds for int64: consecutive Fibonacci numbers are the worst case)."""
    from onnx import helper
    from .types import to_onnx_dtype
    from .context import Scope
    a = ctx.emit("Abs", [ctx.emit("Add", [a, ctx.emit("Mul", [b, ctx.const(
        np.zeros((), dt.np))])])])  # a broadcast against b
    b = ctx.emit("Abs", [ctx.emit("Expand", [b, ctx.emit("Shape", [a])])])
    zero = ctx.const(np.zeros((), dt.np))
    one = ctx.const(np.ones((), dt.np))
    first = ctx.emit("ReduceMax", [ctx.cast(ctx.emit("Not", [ctx.emit("Equal", [b, zero])]),
                                            D.bool, D.uint8)], keepdims=0)
    cond0 = ctx.cast(first, D.uint8, D.bool)
    saved = ctx.scope
    ctx.scope = Scope(saved)
    try:
        names = [ctx.fresh("euclid_" + s) for s in ("i", "c", "a", "b")]
        ai, bi = names[2], names[3]
        nz = ctx.emit("Not", [ctx.emit("Equal", [bi, zero])])
        safe = ctx.emit("Where", [nz, bi, one])
        na = ctx.emit("Where", [nz, bi, ai])
        nb = ctx.emit("Where", [nz, ctx.emit("Mod", [ai, safe]), zero])
        more = ctx.cast(ctx.emit("ReduceMax", [ctx.cast(ctx.emit("Not", [ctx.emit(
            "Equal", [nb, zero])]), D.bool, D.uint8)], keepdims=0), D.uint8, D.bool)
        outs = [ctx.fresh("euclid_out") for _ in range(3)]
        for src, dst in zip((more, na, nb), outs):
            ctx.emit("Identity", [src])
            ctx.scope.nodes[-1].output[0] = dst
        et = to_onnx_dtype(dt)
        body = helper.make_graph(
            ctx.scope.nodes, ctx.fresh("euclid_body"),
            [helper.make_tensor_value_info(names[0], to_onnx_dtype(D.int64), []),
             helper.make_tensor_value_info(names[1], to_onnx_dtype(D.bool), []),
             helper.make_tensor_value_info(ai, et, None),
             helper.make_tensor_value_info(bi, et, None)],
            [helper.make_tensor_value_info(outs[0], to_onnx_dtype(D.bool), []),
             helper.make_tensor_value_info(outs[1], et, None),
             helper.make_tensor_value_info(outs[2], et, None)])
    finally:
        ctx.scope = saved
    g, _ = ctx.emit("Loop", [None, cond0, a, b], n_out=2, body=body)
    return g


@rule("gcd", "lcm")
def _gcd(ctx):
    dt = ctx.out_dtype()
    if dt is D.bool or dt not in (D.int8, D.int16, D.int32, D.int64, D.uint8):
        ctx.fail(f"gcd/lcm of {dt} is not supported")
    wd = D.int64  # onnxruntime's Where/Mod/Abs lack the small integer types
    a, b = ctx.tin(0, wd), ctx.tin(1, wd)
    g = _euclid(ctx, a, b, wd)
    if ctx.node.kind == "lcm":
        # lcm = |a / gcd * b|, 0 when gcd is 0 (both are 0)
        zero = ctx.const(np.zeros((), wd.np))
        one = ctx.const(np.ones((), wd.np))
        nz = ctx.emit("Not", [ctx.emit("Equal", [g, zero])])
        q = ctx.emit("Div", [a, ctx.emit("Where", [nz, g, one])])
        g = ctx.emit("Where", [nz, ctx.emit("Abs", [ctx.emit("Mul", [q, b])]), zero])
    return [ctx.cast(g, wd, dt)]


# ------------------------------------------------------------------ mode
@rule("mode")
def _mode(ctx):
    """Per row: count each element's equals (an n x n comparison), keep the smallest of the
    most frequent values and the last index holding it, as PyTorch."""
    dt = ctx.dtype(0)
    r = ctx.rank(0)
    x = ctx.inp(0)
    if r == 0:
        return [ctx.emit("Identity", [x]), ctx.const(np.zeros((), np.int64))]
    d = int(ctx.attr("dim", -1)) % r
    keep = bool(ctx.attr("keepdim", False))
    wd = D.int64 if dt in (D.bool, D.uint8, D.int8, D.int16, D.int32) else dt
    xl = ctx.cast(x, dt, wd)
    if d != r - 1:
        perm = [k for k in range(r) if k != d] + [d]
        xl = ctx.emit("Transpose", [xl], perm=perm)
    a = ctx.emit("Unsqueeze", [xl, ctx.ints([-1])])     # [..., n, 1]
    b = ctx.emit("Unsqueeze", [xl, ctx.ints([-2])])     # [..., 1, n]
    cnt = ctx.emit("ReduceSum", [ctx.cast(ctx.emit("Equal", [a, b]), D.bool, D.int64),
                                 ctx.ints([-1])], keepdims=0)
    top = ctx.emit("ReduceMax", [cnt, ctx.ints([-1])], keepdims=1)
    best = ctx.emit("Equal", [cnt, top])
    big = np.array(np.inf if wd.np.kind == "f" else np.iinfo(wd.np).max, wd.np)
    val = ctx.emit("ReduceMin", [ctx.emit("Where", [best, xl, ctx.const(big)]),
                                 ctx.ints([-1])], keepdims=1)
    n = ctx.emit("Shape", [xl], start=-1)
    pos = ctx.emit("Range", [ctx.const(np.array(0, np.int64)), ctx.scalar(n),
                             ctx.const(np.array(1, np.int64))])
    hit = ctx.emit("Equal", [xl, val])
    idx = ctx.emit("ReduceMax", [ctx.emit("Where", [hit, pos, ctx.const(
        np.array(-1, np.int64))]), ctx.ints([-1])], keepdims=0)
    val = ctx.emit("Squeeze", [val, ctx.ints([-1])])
    if keep:
        val = ctx.emit("Unsqueeze", [val, ctx.ints([d])])
        idx = ctx.emit("Unsqueeze", [idx, ctx.ints([d])])
    return [ctx.cast(val, wd, dt), idx]


# ------------------------------------------------------------------ unique_consecutive
def unique_consecutive(ctx):
    """``unique(consecutive=True)``: a run starts where a slice differs from the previous
    one; values are the starts (``Compress``), the inverse is the running count of starts
    minus one, counts are the gaps between starts."""
    dt = ctx.dtype(0)
    x = ctx.inp(0)
    dim = ctx.attr("dim")
    if dim is None:
        x = ctx.emit("Reshape", [x, ctx.ints([-1])])
        d, r = 0, 1
    else:
        r = ctx.rank(0)
        d = int(dim) % r
    wd = D.uint8 if dt is D.bool else dt
    xw = ctx.cast(x, dt, wd)
    hi = ctx.emit("Slice", [xw, ctx.ints([1]), ctx.ints([_BIG]), ctx.ints([d])])
    lo = ctx.emit("Slice", [xw, ctx.ints([0]), ctx.ints([-1]), ctx.ints([d])])
    diff = ctx.cast(ctx.emit("Not", [ctx.emit("Equal", [hi, lo])]), D.bool, D.uint8)
    others = [k for k in range(r) if k != d]
    if others:
        diff = ctx.emit("ReduceMax", [diff, ctx.ints(others)], keepdims=0)
    n = ctx.emit("Shape", [xw], start=d, end=d + 1)
    # the first slice always starts a run (when there is one: n may be 0)
    first = ctx.emit("Expand", [ctx.const(np.ones(1, np.uint8)),
                                ctx.emit("Min", [n, ctx.ints([1])])])
    start = ctx.cast(ctx.emit("Concat", [first, diff], axis=0), D.uint8, D.bool)
    vals = ctx.emit("Compress", [x if dim is not None else x, start], axis=d)
    inv = ctx.emit("Sub", [ctx.emit("CumSum", [ctx.cast(start, D.bool, D.int64),
                                               ctx.const(np.array(0, np.int64))]),
                           ctx.ints([1])])
    pos = ctx.emit("Reshape", [ctx.emit("NonZero", [start]), ctx.ints([-1])])
    ends = ctx.emit("Concat", [pos, n], axis=0)
    counts = ctx.emit("Sub", [ctx.emit("Slice", [ends, ctx.ints([1]), ctx.ints([_BIG])]),
                              pos])
    if dim is None:
        inv = ctx.emit("Reshape", [inv, ctx.emit("Shape", [ctx.inp(0)])])
    return [vals, inv, counts]
