"""N-d convolution (conv1d/2d/3d share one op): im2col of a chunk of samples through a strided
window view, then W @ cols GEMMs (batched over samples and groups) that land in NCHW.
Its backward is two ops of its own (grad w.r.t. input, w.r.t. weight) whose derivatives are
convolutions again, so double backward works as in PyTorch."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def out_size(size, k, stride, pad, dil):
    return (size + 2 * pad - dil * (k - 1) - 1) // stride + 1


def _check(x_shape, w_shape, stride, padding, dilation, groups, bias_shape=None):
    nd = len(w_shape) - 2
    if len(x_shape) != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv{nd}d, but got input of size: {list(x_shape)}")
    c_in = x_shape[1]
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(w_shape)} instead")
    if c_in != w_shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w_shape)}, expected "
                           f"input{list(x_shape)} to have {w_shape[1] * groups} channels, but got "
                           f"{c_in} channels instead")
    if bias_shape is not None and tuple(bias_shape) != (w_shape[0],):
        raise RuntimeError(f"Given weight of size {list(w_shape)}, expected bias to be 1-dimensional "
                           f"with {w_shape[0]} elements, but got bias of size {list(bias_shape)} "
                           "instead")
    outs = []
    for i in range(nd):
        o = out_size(x_shape[2 + i], w_shape[2 + i], stride[i], padding[i], dilation[i])
        if o <= 0:
            raise RuntimeError(
                f"Calculated padded input size per channel: "
                f"({' x '.join(str(x_shape[2 + j] + 2 * padding[j]) for j in range(nd))}). "
                f"Kernel size: ({' x '.join(str(w_shape[2 + j]) for j in range(nd))}). Kernel "
                "size can't be greater than actual input size")
        outs.append(o)
    return tuple(outs)


def _windows(xp, x, kshape, stride, padding, dilation):
    """(N, C, *k, *out) strided view of the zero-padded input: taps before output positions, so
    a sample's view copies straight into its (C*prod(k), prod(out)) im2col matrix."""
    nd = len(kshape)
    if any(padding):
        x = xp.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    outs = [out_size(x.shape[2 + i], kshape[i], stride[i], 0, dilation[i]) for i in range(nd)]
    st = x.strides
    shape = x.shape[:2] + tuple(kshape) + tuple(outs)
    strides = st[:2] + tuple(st[2 + i] * dilation[i] for i in range(nd)) + \
        tuple(st[2 + i] * stride[i] for i in range(nd))
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=False), tuple(outs)


# im2col runs on chunks of samples whose columns take about this many bytes: enough to amortise
# the per-chunk Python work, little enough to stay in cache between the copy and the GEMM
_CHUNK_BYTES = 4 << 20


def _chunk(n, per_sample_bytes):
    return max(1, min(n, _CHUNK_BYTES // max(1, per_sample_bytes)))


def _work_dtype(dt):
    """Dtype to compute in: half types accumulate in float32 (as PyTorch's CPU kernels do)
    rather than through numpy's slow float16 matmul."""
    return dt if dt in (np.float32, np.float64) else np.dtype(np.float32)


def _im2col_chunks(xp, win):
    """Yield (lo, hi, cols) with cols a reused contiguous (hi-lo, C, *k, *out) copy of
    win[lo:hi], so that per-sample GEMMs see plain row-major matrices."""
    n = win.shape[0]
    step = _chunk(n, (win[0].size if n else 0) * win.itemsize)
    buf = xp.empty((step,) + win.shape[1:], dtype=win.dtype)
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        buf[:hi - lo] = win[lo:hi]
        yield lo, hi, buf[:hi - lo]


def _conv_kernel(xp, x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    _check_dtypes(x.dtype, w.dtype, None if b is None else b.dtype)
    nd = w.ndim - 2
    stride, padding, dilation = _tup(stride, nd), _tup(padding, nd), _tup(dilation, nd)
    _check(x.shape, w.shape, stride, padding, dilation, groups)
    wt = _work_dtype(x.dtype)
    win, outs = _windows(xp, x.astype(wt, copy=False), w.shape[2:], stride, padding, dilation)
    n, o = x.shape[0], w.shape[0]
    og, length = o // groups, int(np.prod(outs))
    wm = w.astype(wt, copy=False).reshape(groups, og, -1)       # (G, O/G, Cg*prod(k))
    y = xp.empty((n, o) + outs, dtype=wt)
    # W (O/G x Cg*k) @ cols (Cg*k x out) per sample and group lands in NCHW: no transposes
    for lo, hi, cols in _im2col_chunks(xp, win):
        xp.matmul(wm, cols.reshape(hi - lo, groups, -1, length),
                  out=y[lo:hi].reshape(hi - lo, groups, og, length))
    if b is not None:
        y += b.astype(wt, copy=False).reshape((1, o) + (1,) * nd)
    return y.astype(x.dtype, copy=False)


def _check_dtypes(x, w, b):
    """PyTorch's messages for mixed dtypes (numpy dtypes or graphtorch dtypes)."""
    x, w = D.from_numpy_dtype(x) if not isinstance(x, D.dtype) else x, \
        D.from_numpy_dtype(w) if not isinstance(w, D.dtype) else w
    if x is not w:
        raise RuntimeError(f"expected scalar type {D.SCALAR_NAMES[x]} but found "
                           f"{D.SCALAR_NAMES[w]}")
    if b is not None:
        b = D.from_numpy_dtype(b) if not isinstance(b, D.dtype) else b
        if b is not x:
            raise RuntimeError(f"Input type ({_C_NAMES.get(x, x.name)}) and bias type "
                               f"({_C_NAMES.get(b, b.name)}) should be the same")


_C_NAMES = {D.float32: "float", D.float64: "double", D.float16: "c10::Half",
            D.bfloat16: "c10::BFloat16"}


def _conv_meta(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    nd = len(w.shape) - 2
    _check_dtypes(x.dtype, w.dtype, None if b is None else b.dtype)
    outs = _check(tuple(x.shape), tuple(w.shape), _tup(stride, nd), _tup(padding, nd),
                  _tup(dilation, nd), groups, None if b is None else tuple(b.shape))
    return TensorSpec((x.shape[0], w.shape[0]) + outs, x.dtype, x.device)


def _conv_vjp(ctx, g):
    x, w = ctx.inputs[0], ctx.inputs[1]
    attrs = ctx.attrs
    need = ctx.needs_input_grad
    gx = _call(conv_backward_input, g, w, input_shape=tuple(x.shape), **attrs) if need[0] \
        else None
    gw = _call(conv_backward_weight, x, g, weight_shape=tuple(w.shape), **attrs) \
        if need[1] else None
    gb = None
    if len(need) > 2 and need[2]:
        gb = g.sum([0] + list(range(2, g.dim())))
    return (gx, gw, gb)


def _call(op, *args, **attrs):
    """Run a registry op on Tensors from inside a vjp (the dispatcher is found through the
    tensor's class, so this module stays free of eager imports)."""
    return args[0]._dispatch(op, *args, **attrs)


def _bwd_input_kernel(xp, g, w, input_shape, stride=1, padding=0, dilation=1, groups=1):
    """col2im: cols = W^T @ g per sample, then each kernel tap's (C, *out) block is added into
    a strided slice of the padded input gradient (no transposed copies)."""
    nd = w.ndim - 2
    stride, padding, dilation = _tup(stride, nd), _tup(padding, nd), _tup(dilation, nd)
    n, o = g.shape[:2]
    outs, kshape = tuple(g.shape[2:]), tuple(w.shape[2:])
    c = input_shape[1]
    og, length = o // groups, int(np.prod(outs))
    wt = _work_dtype(g.dtype)
    wm = w.astype(wt, copy=False).reshape(groups, og, -1).transpose(0, 2, 1)  # (G, Cg*k, O/G)
    gm = g.astype(wt, copy=False).reshape(n, groups, og, length)
    padded = tuple(input_shape[2 + i] + 2 * padding[i] for i in range(nd))
    gx = xp.zeros((n, c) + padded, dtype=wt)
    step = _chunk(n, c * int(np.prod(kshape)) * length * np.dtype(wt).itemsize)
    buf = xp.empty((step, groups, wm.shape[1], length), dtype=wt)
    taps = [(tap, tuple(slice(tap[i] * dilation[i],
                              tap[i] * dilation[i] + stride[i] * (outs[i] - 1) + 1, stride[i])
                        for i in range(nd))) for tap in np.ndindex(*kshape)]
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        cols = xp.matmul(wm, gm[lo:hi], out=buf[:hi - lo]).reshape((hi - lo, c) + kshape + outs)
        for tap, sl in taps:
            gx[(slice(lo, hi), slice(None)) + sl] += cols[(slice(None), slice(None)) + tap]
    inner = tuple(slice(p, p + input_shape[2 + i]) for i, p in enumerate(padding))
    return xp.ascontiguousarray(gx[(slice(None), slice(None)) + inner]).astype(g.dtype,
                                                                               copy=False)


def _bwd_weight_kernel(xp, x, g, weight_shape, stride=1, padding=0, dilation=1, groups=1):
    """Sum over samples of g (O/G x out) @ cols^T (out x Cg*k), per group."""
    nd = len(weight_shape) - 2
    stride, padding, dilation = _tup(stride, nd), _tup(padding, nd), _tup(dilation, nd)
    wt = _work_dtype(x.dtype)
    win, outs = _windows(xp, x.astype(wt, copy=False), tuple(weight_shape[2:]), stride,
                         padding, dilation)
    n, o = g.shape[:2]
    og, length = o // groups, int(np.prod(outs))
    gm = g.astype(wt, copy=False).reshape(n, groups, og, length)
    gw = xp.zeros((groups, og, int(np.prod(weight_shape[1:]))), dtype=wt)
    for lo, hi, cols in _im2col_chunks(xp, win):
        cols = cols.reshape(hi - lo, groups, -1, length).transpose(0, 1, 3, 2)
        gw += xp.matmul(gm[lo:hi], cols).sum(axis=0)
    return gw.reshape(weight_shape).astype(x.dtype, copy=False)


def _bwd_input_vjp(ctx, gg):
    g, w = ctx.inputs
    a = {k: v for k, v in ctx.attrs.items() if k != "input_shape"}
    need = ctx.needs_input_grad
    d_g = _call(conv, gg, w, **a) if need[0] else None
    d_w = _call(conv_backward_weight, gg, g, weight_shape=tuple(w.shape), **a) if need[1] \
        else None
    return (d_g, d_w)


def _bwd_weight_vjp(ctx, gw):
    x, g = ctx.inputs
    a = {k: v for k, v in ctx.attrs.items() if k != "weight_shape"}
    need = ctx.needs_input_grad
    d_x = _call(conv_backward_input, g, gw, input_shape=tuple(x.shape), **a) if need[0] \
        else None
    d_g = _call(conv, x, gw, **a) if need[1] else None
    return (d_x, d_g)


def _samples(dt):
    return [
        Sample((S.array((2, 3, 7, 6), dt), S.array((4, 3, 3, 2), dt, 1), S.array((4,), dt, 2)),
               {"stride": 1, "padding": 1}),
        Sample((S.array((1, 4, 9, 9), dt), S.array((4, 2, 3, 3), dt, 1)),
               {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}),
        Sample((S.array((2, 2, 10), dt), S.array((3, 2, 3), dt, 1), S.array((3,), dt, 2)),
               {"stride": 3, "padding": 0}),
        Sample((S.array((1, 2, 4, 4, 3), dt), S.array((2, 1, 2, 2, 2), dt, 1)),
               {"padding": 1, "groups": 2}),
    ]


def _bwd_input_samples(dt):
    return [Sample((S.array((2, 4, 7, 6), dt), S.array((4, 3, 3, 3), dt, 1)),
                   {"input_shape": (2, 3, 7, 6), "padding": 1}),
            Sample((S.array((1, 4, 5, 5), dt), S.array((4, 2, 3, 3), dt, 1)),
                   {"input_shape": (1, 4, 9, 9), "stride": 2, "padding": 1, "groups": 2})]


def _bwd_weight_samples(dt):
    return [Sample((S.array((2, 3, 7, 6), dt), S.array((2, 4, 7, 6), dt, 1)),
                   {"weight_shape": (4, 3, 3, 3), "padding": 1}),
            Sample((S.array((1, 4, 9, 9), dt), S.array((1, 4, 5, 5), dt, 1)),
                   {"weight_shape": (4, 2, 3, 3), "stride": 2, "padding": 1, "groups": 2})]


def _bwd_input_meta(g, w, input_shape, **_):
    return TensorSpec(tuple(input_shape), g.dtype, g.device)


def _bwd_weight_meta(x, g, weight_shape, **_):
    return TensorSpec(tuple(weight_shape), x.dtype, x.device)


conv = register(OpDef(name="convolution", kernel=_conv_kernel, meta=_conv_meta, vjp=_conv_vjp,
                      samples=_samples, dtypes=S.FLOAT_DTYPES,
                      grad_name="ConvolutionBackward0"))
conv_backward_input = register(OpDef(
    name="convolution_backward_input", kernel=_bwd_input_kernel, meta=_bwd_input_meta,
    vjp=_bwd_input_vjp, samples=_bwd_input_samples, dtypes=S.FLOAT_DTYPES,
    grad_name="ConvolutionBackwardBackward0"))
conv_backward_weight = register(OpDef(
    name="convolution_backward_weight", kernel=_bwd_weight_kernel, meta=_bwd_weight_meta,
    vjp=_bwd_weight_vjp, samples=_bwd_weight_samples, dtypes=S.FLOAT_DTYPES,
    grad_name="ConvolutionBackwardBackward0"))
