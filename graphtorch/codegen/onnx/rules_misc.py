"""Export rules: factories (full, arange, eye...), random sampling, strided views, scatter
views and their backward helpers, and other ops with no closer family.

A factory whose attributes are all static is evaluated once with its registry kernel and
stored as a constant (what a runtime would fold anyway); dynamic sizes use ConstantOfShape /
Range / EyeLike so they stay dynamic."""
from __future__ import annotations

import numpy as np

from ...ops import dtypes as D
from ...ops import registry as R
from .registry import rule
from .types import np_dtype, to_onnx_dtype


def _static_attrs(ctx):
    out = {}
    for k, v in ctx.node.attrs.items():
        if isinstance(v, (list, tuple)):
            vals = [ctx.static_int(x) if not isinstance(x, float) else x for x in v]
            if any(x is None for x in vals):
                return None
            out[k] = type(v)(vals)
        elif isinstance(v, (bool, float, str, type(None), D.dtype)):
            out[k] = v
        else:
            s = ctx.static_int(v)
            if s is None:
                return None
            out[k] = s
    return out


def _fold_factory(ctx):
    attrs = _static_attrs(ctx)
    args = [ctx.pyval(i, "dyn") for i in range(len(ctx.node.inputs))]
    if attrs is None or "dyn" in args:
        return None
    arr = R.get(ctx.node.kind).kernel(np, *args, **attrs)
    return ctx.const(np.asarray(arr).astype(np_dtype(ctx.out_dtype())))


@rule("full")
def _full(ctx):
    dt = ctx.out_dtype()
    fv = ctx.attr("fill_value")
    v = np.asarray([0 if fv is None else fv]).astype(np_dtype(dt))  # None: empty()
    shape = ctx.shape_vec(list(ctx.attr("size")))
    from onnx import numpy_helper
    return [ctx.emit("ConstantOfShape", [shape], value=numpy_helper.from_array(v))]


@rule("arange")
def _arange(ctx):
    hit = _fold_factory(ctx)
    if hit is not None:
        return [hit]
    dt = ctx.out_dtype()
    parts = []
    for k in ("start", "end", "step"):
        v = ctx.attr(k, 0 if k == "start" else 1)
        s = ctx.static_int(v) if not isinstance(v, float) else None
        parts.append(ctx.const(np.asarray(v if s is None else s), dt) if not _dynamic(ctx, v)
                     else ctx.cast(ctx.scalar(ctx.size(v)), D.int64, dt))
    return [ctx.emit("Range", parts)]


def _dynamic(ctx, v):
    return not isinstance(v, (float, bool)) and ctx.static_int(v) is None


@rule("linspace", "logspace", "tril_indices", "triu_indices", "eye")
def _folded(ctx):
    hit = _fold_factory(ctx)
    if hit is not None:
        return [hit]
    if ctx.node.kind == "eye":
        n = ctx.attr("n")
        m = ctx.attr("m")
        m = n if m is None else m
        z = ctx.emit("ConstantOfShape", [ctx.shape_vec([n, m])])
        return [ctx.emit("EyeLike", [z], dtype=to_onnx_dtype(ctx.out_dtype()))]
    ctx.fail("needs constant sizes to be exported")


# ------------------------------------------------------------------ random sampling
def _shape_of(ctx):
    return ctx.shape_vec(list(ctx.attr("size")))


def uniform(ctx, dt, shape=None, like=None):
    """U[0, 1) samples of ``shape`` (a shape vector) or like tensor ``like``."""
    od = dt if dt in (D.float32, D.float64, D.float16) else D.float32
    if like is None:
        like = ctx.emit("ConstantOfShape", [shape])
    return ctx.emit("RandomUniformLike", [like], dtype=to_onnx_dtype(od)), od


@rule("rand_uniform")
def _rand_uniform(ctx):
    dt = ctx.out_dtype()
    u, od = uniform(ctx, dt, _shape_of(ctx))
    lo, hi = float(ctx.attr("low", 0.0)), float(ctx.attr("high", 1.0))
    y = ctx.emit("Add", [ctx.emit("Mul", [u, ctx.const(np.asarray(hi - lo), od)]),
                         ctx.const(np.asarray(lo), od)])
    return [ctx.cast(y, od, dt)]


@rule("rand_normal", "rand_log_normal")
def _rand_normal(ctx):
    dt = ctx.out_dtype()
    od = dt if dt in (D.float32, D.float64, D.float16) else D.float32
    like = ctx.emit("ConstantOfShape", [_shape_of(ctx)])
    y = ctx.emit("RandomNormalLike", [like], dtype=to_onnx_dtype(od),
                 mean=float(ctx.attr("mean", 0.0)), scale=float(ctx.attr("std", 1.0)))
    if ctx.node.kind == "rand_log_normal":
        y = ctx.emit("Exp", [y])
    return [ctx.cast(y, od, dt)]


@rule("rand_exponential", "rand_cauchy", "rand_geometric", "randint")
def _rand_transform(ctx):
    dt = ctx.out_dtype()
    u, od = uniform(ctx, dt, _shape_of(ctx))
    kind = ctx.node.kind

    def c(v):
        return ctx.const(np.asarray(v), od)
    one_minus = ctx.emit("Sub", [c(1.0), u])
    if kind == "rand_exponential":
        y = ctx.emit("Div", [ctx.emit("Neg", [ctx.emit("Log", [one_minus])]),
                             c(float(ctx.attr("lambd", 1.0)))])
    elif kind == "rand_cauchy":
        t = ctx.emit("Tan", [ctx.emit("Mul", [ctx.emit("Sub", [u, c(0.5)]), c(np.pi)])])
        y = ctx.emit("Add", [c(float(ctx.attr("median", 0.0))),
                             ctx.emit("Mul", [t, c(float(ctx.attr("sigma", 1.0)))])])
    elif kind == "rand_geometric":
        p = float(ctx.attr("p"))
        y = ctx.emit("Ceil", [ctx.emit("Div", [ctx.emit("Log", [one_minus]),
                                               c(np.log1p(-p))])])
        y = ctx.emit("Max", [y, c(1.0)])
    else:
        lo, hi = int(ctx.attr("low", 0)), int(ctx.attr("high"))
        y = ctx.emit("Floor", [ctx.emit("Add", [ctx.emit("Mul", [u, c(float(hi - lo))]),
                                                c(float(lo))])])
    return [ctx.cast(y, od, dt)]


@rule("bernoulli")
def _bernoulli(ctx):
    dt = ctx.out_dtype()
    x = ctx.inp(0)
    p = ctx.attr("p")
    u, od = uniform(ctx, D.float64, like=ctx.cast(x, ctx.dtype(0), D.float64))
    if p is not None:
        prob = ctx.const(np.asarray(float(p)), D.float64)
    elif ctx.has(1):
        prob = ctx.tin(1, D.float64)
    else:
        prob = ctx.cast(x, ctx.dtype(0), D.float64)
    return [ctx.cast(ctx.emit("Less", [u, prob]), D.bool, dt)]


@rule("multinomial")
def _multinomial(ctx):
    x = ctx.tin(0, D.float32)
    n = int(ctx.attr("num_samples"))
    r = ctx.rank(0)
    x2 = ctx.emit("Unsqueeze", [x, ctx.ints([0])]) if r == 1 else x
    logp = ctx.emit("Log", [x2])
    if ctx.attr("replacement", False):
        y = ctx.emit("Multinomial", [logp], sample_size=n, dtype=to_onnx_dtype(D.int64))
    else:  # Gumbel top-k draws without replacement
        u, _ = uniform(ctx, D.float32, like=logp)
        g = ctx.emit("Neg", [ctx.emit("Log", [ctx.emit("Neg", [ctx.emit("Log", [
            ctx.emit("Add", [u, ctx.const(np.asarray(1e-20, np.float32))])])])])])
        _, y = ctx.emit("TopK", [ctx.emit("Add", [logp, g]), ctx.ints([n])], n_out=2, axis=-1)
    if r == 1:
        y = ctx.emit("Squeeze", [y, ctx.ints([0])])
    return [ctx.cast(y, D.int64, ctx.out_dtype())]


@rule("randperm")
def _randperm(ctx):
    n = ctx.attr("n")
    u, _ = uniform(ctx, D.float32, ctx.shape_vec([n]))
    _, idx = ctx.emit("TopK", [u, ctx.shape_vec([n])], n_out=2, axis=0)
    return [ctx.cast(idx, D.int64, ctx.out_dtype())]


# ------------------------------------------------------------------ strided views
@rule("as_strided")
def _as_strided(ctx):
    from ...ops.shape_views import positions
    shape = [ctx.static_int(s) for s in ctx.shape(0)]
    if any(s is None for s in shape):
        ctx.fail("as_strided needs static sizes")
    size, stride = ctx.ints_attr("size"), ctx.ints_attr("stride")
    off = ctx.int_attr("storage_offset", 0) or 0
    in_stride = ctx.attr("in_stride")
    if in_stride is None:
        in_stride = [int(np.prod(shape[i + 1:])) for i in range(len(shape))]
    in_pos = positions(shape, in_stride, ctx.attr("in_offset", 0) or 0).reshape(-1)
    where = {int(p): k for k, p in enumerate(in_pos)}
    out_pos = positions(size, stride, off)
    try:
        idx = np.vectorize(lambda p: where[int(p)], otypes=[np.int64])(out_pos) \
            if out_pos.size else out_pos.astype(np.int64)
    except KeyError:
        ctx.fail("as_strided reads storage outside its input")
    flat = ctx.emit("Reshape", [ctx.inp(0), ctx.ints([-1])])
    return [ctx.emit("Gather", [flat, ctx.const(idx.astype(np.int64))], axis=0)]


# ------------------------------------------------------------------ scatter views
def _d(ctx, r):
    return int(ctx.attr("dim", 0)) % max(r, 1)


def _range_along(ctx, start, end, step, d, like, r):
    from .rules_index import along
    idx = ctx.emit("Range", [ctx.scalar(ctx.size(start)), ctx.scalar(ctx.size(end)),
                             ctx.const(np.int64(step))])
    return along(ctx, idx, d, like, r)


def _bounds(ctx, n, start, end, step):
    """Static (start, end) clamped as Python slicing does."""
    s = slice(None if start is None else ctx.static_int(start),
              None if end is None else ctx.static_int(end), step)
    a, b, _ = s.indices(n)
    return a, max(b, a)


@rule("select_scatter", "slice_scatter")
def _slice_scatter(ctx):
    dt = ctx.out_dtype()
    r = ctx.rank(0)
    d = _d(ctx, r)
    n = ctx.static_int(ctx.shape(0)[d])
    src = ctx.tin(1, dt)
    if ctx.node.kind == "select_scatter":
        i = ctx.static_int(ctx.attr("index")) % n
        start, end, step = i, i + 1, 1
        src = ctx.emit("Unsqueeze", [src, ctx.ints([d])])
    else:
        step = ctx.static_int(ctx.attr("step", 1) or 1)
        start, end = _bounds(ctx, n, ctx.attr("start"), ctx.attr("end"), step)
    idx = _range_along(ctx, start, end, step, d, src, r)
    return [ctx.emit("ScatterElements", [ctx.tin(0, dt), idx, src], axis=d)]


@rule("select_backward", "slice_backward")
def _view_backward(ctx):
    dt = ctx.out_dtype()
    sizes = list(ctx.attr("input_sizes"))
    r = len(sizes)
    d = int(ctx.attr("dim")) % r
    n = ctx.static_int(sizes[d])
    g = ctx.tin(0, dt)
    zeros = ctx.emit("Expand", [ctx.const(np.asarray(0), dt), ctx.shape_vec(sizes)])
    if ctx.node.kind == "select_backward":
        i = ctx.static_int(ctx.attr("index")) % n
        start, end, step = i, i + 1, 1
        g = ctx.emit("Unsqueeze", [g, ctx.ints([d])])
    else:
        step = ctx.static_int(ctx.attr("step", 1) or 1)
        start, end = _bounds(ctx, n, ctx.attr("start"), ctx.attr("end"), step)
    idx = _range_along(ctx, start, end, step, d, g, r)
    return [ctx.emit("ScatterElements", [zeros, idx, g], axis=d)]


@rule("sum_to_size")
def _sum_to_size(ctx):
    size = ctx.ints_attr("size")
    shape = [ctx.static_int(s) for s in ctx.shape(0)]
    r, k = len(shape), len(size)
    lead = list(range(r - k))
    keep = [r - k + j for j, s in enumerate(size) if s == 1 and shape[r - k + j] != 1]
    from .rules_reduce import reduce
    y = reduce(ctx, "ReduceSum", ctx.inp(0), lead + keep, True)
    return [ctx.emit("Reshape", [y, ctx.ints(size)], allowzero=1)]


@rule("block_diag")
def _block_diag(ctx):
    dt = ctx.out_dtype()
    mats = []
    for i in range(len(ctx.node.inputs)):
        shape = [ctx.static_int(s) for s in ctx.shape(i)]
        shape = [1, 1] if not shape else ([1] + shape if len(shape) == 1 else shape)
        mats.append((ctx.emit("Reshape", [ctx.tin(i, dt), ctx.ints(shape)]), shape))
    total = sum(s[1] for _, s in mats)
    rows, col = [], 0
    for m, (h, w) in mats:
        pads = ctx.ints([0, col, 0, total - col - w])
        rows.append(ctx.emit("Pad", [m, pads, ctx.const(np.asarray(0), dt)]))
        col += w
    return [ctx.emit("Concat", rows, axis=0)]


@rule("rot90")
def _rot90(ctx):
    dims = [int(x) % ctx.rank(0) for x in (ctx.attr("dims") or (0, 1))]
    k = int(ctx.attr("k", 1)) % 4
    x = ctx.inp(0)
    a, b = dims
    big = (1 << 63) - 1

    def flip(t, d):
        return ctx.emit("Slice", [t, ctx.ints([-1]), ctx.ints([-big]), ctx.ints([d]),
                                  ctx.ints([-1])])

    def swap(t):
        perm = list(range(ctx.rank(0)))
        perm[a], perm[b] = perm[b], perm[a]
        return ctx.emit("Transpose", [t], perm=perm)
    if k == 0:
        return [ctx.emit("Identity", [x])]
    if k == 1:
        return [swap(flip(x, b))]
    if k == 2:
        return [flip(flip(x, a), b)]
    return [flip(swap(x), b)]


@rule("histc")
def _histc(ctx):
    dt = ctx.out_dtype()
    x = ctx.emit("Reshape", [ctx.tin(0, D.float64), ctx.ints([-1])])
    bins = int(ctx.attr("bins", 100))
    lo, hi = float(ctx.attr("min", 0) or 0), float(ctx.attr("max", 0) or 0)
    c = lambda v: ctx.const(np.asarray(v, np.float64))  # noqa: E731
    if lo == hi:  # the data's range; a single value widens to [v - 1, v + 1]
        from .rules_reduce import reduce
        if lo == 0:
            lo_t, hi_t = reduce(ctx, "ReduceMin", x, [0], False), \
                reduce(ctx, "ReduceMax", x, [0], False)
        else:
            lo_t, hi_t = c(lo), c(hi)
        same = ctx.emit("Equal", [lo_t, hi_t])
        lo_t = ctx.emit("Where", [same, ctx.emit("Sub", [lo_t, c(1.0)]), lo_t])
        hi_t = ctx.emit("Where", [same, ctx.emit("Add", [hi_t, c(1.0)]), hi_t])
    else:
        lo_t, hi_t = c(lo), c(hi)
    inside = ctx.emit("And", [ctx.emit("GreaterOrEqual", [x, lo_t]),
                              ctx.emit("LessOrEqual", [x, hi_t])])
    scale = ctx.emit("Div", [c(float(bins)), ctx.emit("Sub", [hi_t, lo_t])])
    pos = ctx.emit("Floor", [ctx.emit("Mul", [ctx.emit("Sub", [x, lo_t]), scale])])
    pos = ctx.emit("Min", [pos, c(bins - 1.0)])
    pos = ctx.cast(ctx.emit("Where", [inside, pos, c(0.0)]), D.float64, D.int64)
    w = ctx.cast(ctx.cast(inside, D.bool, D.float64), D.float64, dt)
    zeros = ctx.const(np.zeros(bins), dt)
    return [ctx.emit("ScatterElements", [zeros, pos, w], axis=0, reduction="add")]


@rule("_stft_frames")
def _frames(ctx):
    size, hop = int(ctx.attr("size")), int(ctx.attr("hop"))
    n = ctx.static_int(ctx.shape(0)[-1])
    count = (n - size) // hop + 1
    idx = (np.arange(count)[:, None] * hop + np.arange(size)[None, :]).astype(np.int64)
    return [ctx.emit("Gather", [ctx.inp(0), ctx.const(idx)], axis=ctx.rank(0) - 1)]


@rule("real", "conj_physical")
def _real(ctx):
    if ctx.dtype(0).is_complex:
        ctx.fail("complex tensors have no ONNX Runtime support")
    return [ctx.emit("Identity", [ctx.inp(0)])]


@rule("fft_fftshift")
def _fftshift(ctx):
    x = ctx.inp(0)
    inverse = bool(ctx.attr("inverse", False))
    for d in ctx.attr("dim") or range(ctx.rank(0)):
        d = int(d) % ctx.rank(0)
        n = ctx.dim(0, d)
        # fftshift rolls by n // 2, ifftshift by -(n // 2): the split point differs
        half = ctx.emit("Div", [n, ctx.ints([2])])
        k = half if inverse else ctx.emit("Sub", [n, half])
        a = ctx.emit("Slice", [x, k, n, ctx.ints([d])])
        b = ctx.emit("Slice", [x, ctx.ints([0]), k, ctx.ints([d])])
        x = ctx.emit("Concat", [a, b], axis=d)
    return [x]


@rule("diff")
def _diff(ctx):
    dt = ctx.out_dtype()
    x = ctx.tin(0, dt)
    d = int(ctx.attr("dim", -1)) % ctx.rank(0)
    parts = []
    if ctx.has(1):
        parts.append(ctx.tin(1, dt))
    parts.append(x)
    if ctx.has(2):
        parts.append(ctx.tin(2, dt))
    if len(parts) > 1:
        x = ctx.emit("Concat", parts, axis=d)
    big = (1 << 63) - 1
    for _ in range(int(ctx.attr("n", 1))):
        hi = ctx.emit("Slice", [x, ctx.ints([1]), ctx.ints([big]), ctx.ints([d])])
        lo = ctx.emit("Slice", [x, ctx.ints([0]), ctx.ints([-1]), ctx.ints([d])])
        x = ctx.emit("Xor", [hi, lo]) if dt is D.bool else ctx.emit("Sub", [hi, lo])
    return [x]


@rule("unique")
def _unique(ctx):
    if ctx.attr("consecutive", False):
        from .rules_exact import unique_consecutive
        return unique_consecutive(ctx)
    dt = ctx.out_dtype()
    x = ctx.inp(0)
    dim = ctx.attr("dim")
    kw = {"sorted": 1}
    if dim is None:
        x = ctx.emit("Reshape", [x, ctx.ints([-1])])
    else:
        kw["axis"] = int(dim) % ctx.rank(0)
    wd = D.int64 if dt is D.bool else dt
    y, _, inv, cnt = ctx.emit("Unique", [ctx.cast(x, dt, wd)], n_out=4, **kw)
    if dim is None:
        inv = ctx.emit("Reshape", [inv, ctx.emit("Shape", [ctx.inp(0)])])
    return [ctx.cast(y, wd, dt), inv, cnt]
