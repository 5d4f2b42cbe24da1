"""Transposed convolution (conv_transpose1d/2d/3d share one op).  It is the adjoint of
convolution: its forward is ``convolution_backward_input`` (col2im after one BLAS matmul per
group) with the output grown by ``output_padding``; its gradients are a convolution (w.r.t. the
input) and ``convolution_backward_weight`` (w.r.t. the weight), both differentiable again."""
from __future__ import annotations

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec
from .nn_conv import (_bwd_input_kernel, _tup, conv, conv_backward_input, conv_backward_weight,
                      out_size)
from .registry import OpDef, Sample, get, register

_HW = ("height", "width")
_DHW = ("depth", "height", "width")


def _names(nd):
    return ("width",) if nd == 1 else _HW if nd == 2 else _DHW


def transpose_out_size(size, k, stride, pad, dil, out_pad):
    return (size - 1) * stride - 2 * pad + dil * (k - 1) + out_pad + 1


def _check(x_shape, w_shape, stride, padding, output_padding, dilation, groups, bias_shape):
    """Output spatial shape of conv_transpose; PyTorch's errors for bad arguments."""
    nd = len(w_shape) - 2
    if len(x_shape) != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv_transpose{nd}d, but got input of size: {list(x_shape)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)) or \
            any(op < 0 for op in output_padding):
        names = _names(nd)
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, output_padding)] + \
            [f"stride_{n}: {v}" for n, v in zip(names, stride)] + \
            [f"dilation_{n}: {v}" for n, v in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(parts))
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(w_shape)}] instead")
    if x_shape[1] != w_shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(w_shape)}, expected "
                           f"input{list(x_shape)} to have {w_shape[0]} channels, but got "
                           f"{x_shape[1]} channels instead")
    c_out = w_shape[1] * groups
    if bias_shape is not None and tuple(bias_shape) != (c_out,):
        raise RuntimeError(f"Given transposed=1, weight of size {list(w_shape)}, expected bias "
                           f"to be 1-dimensional with {c_out} elements, but got bias of size "
                           f"{list(bias_shape)} instead")
    outs = tuple(transpose_out_size(x_shape[2 + i], w_shape[2 + i], stride[i], padding[i],
                                    dilation[i], output_padding[i]) for i in range(nd))
    if any(o <= 0 for o in outs):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(str(s) for s in x_shape[2:])}). "
            f"Calculated output size per channel: ({' x '.join(str(o) for o in outs)}). "
            "Output size is too small")
    return (x_shape[0], c_out) + outs


def _attrs(nd, stride, padding, output_padding, dilation):
    return (_tup(stride, nd), _tup(padding, nd), _tup(output_padding, nd), _tup(dilation, nd))


def _kernel(xp, x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
        from .meta import spec_of
        _meta(spec_of(x), spec_of(w), None if b is None else spec_of(b))
    nd = w.ndim - 2
    s, p, op, d = _attrs(nd, stride, padding, output_padding, dilation)
    shape = _check(x.shape, w.shape, s, p, op, d, groups, None if b is None else b.shape)
    # the adjoint of a convolution whose input has ``shape``: output_padding only grows the
    # buffer the taps are scattered into (the extra rows/cols receive no tap but the bias)
    y = _bwd_input_kernel(xp, x, w, shape, stride=s, padding=p, dilation=d, groups=groups)
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * nd)
    return y.astype(x.dtype, copy=False)


def _meta(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    nd = len(w.shape) - 2
    if x.dtype is not w.dtype or (b is not None and b.dtype is not x.dtype):
        raise RuntimeError(f"Input type ({D.TYPE_NAMES[x.dtype].replace('Tensor', '')}) and "
                           f"weight type ({D.TYPE_NAMES[w.dtype].replace('Tensor', '')}) should be "
                           "the same")
    s, p, op, d = _attrs(nd, stride, padding, output_padding, dilation)
    shape = _check(tuple(x.shape), tuple(w.shape), s, p, op, d, groups,
                   None if b is None else tuple(b.shape))
    return TensorSpec(shape, x.dtype, x.device)


def _fit(t, shape):
    """Trim ``t``'s spatial dims to ``shape`` (a convolution of a grad grown by an
    output_padding >= stride, allowed when it is below the dilation, gives extra rows)."""
    pad = []
    for i in reversed(range(len(shape) - 2)):
        pad += [0, shape[2 + i] - t.shape[2 + i]]   # negative pads crop
    return t._dispatch(get("constant_pad_nd"), t, pad=tuple(pad)) if any(pad) else t


def _vjp(ctx, g):
    x_shape, w_shape = ctx._input_meta[0][0], ctx._input_meta[1][0]
    x, w = ctx.inputs[0], ctx.inputs[1]
    nd = len(w_shape) - 2
    s, p, _, d = _attrs(nd, ctx.attrs.get("stride", 1), ctx.attrs.get("padding", 0), 0,
                        ctx.attrs.get("dilation", 1))
    a = dict(stride=s, padding=p, dilation=d, groups=ctx.attrs.get("groups", 1))
    need = ctx.needs_input_grad
    gb = g.sum([0] + list(range(2, g.dim()))) if len(need) > 2 and need[2] else None
    gx = _fit(g._dispatch(conv, g, w, **a), x_shape) if need[0] else None
    gw = None
    if need[1]:
        # weight grad of y = conv^T(x, w) is the conv weight grad with the roles of the
        # convolution's input (here g) and output grad (here x) swapped; an output_padding
        # >= stride gives g extra windows, matched by zero columns appended to x
        extra = [out_size(g.shape[2 + i], w_shape[2 + i], s[i], p[i], d[i]) - x_shape[2 + i]
                 for i in range(nd)]
        if any(extra):
            pad = []
            for e in reversed(extra):
                pad += [0, e]
            x = x._dispatch(get("constant_pad_nd"), x, pad=tuple(pad), value=0)
        gw = g._dispatch(conv_backward_weight, g, x, weight_shape=tuple(w_shape), **a)
    return (gx, gw, gb)


def _samples(dt):
    return [
        Sample((S.array((2, 3, 4, 5), dt), S.array((3, 2, 3, 2), dt, 1), S.array((2,), dt, 2)),
               {"stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0)}),
        Sample((S.array((1, 4, 3, 3), dt), S.array((4, 1, 2, 3), dt, 1)),
               {"stride": (2, 2), "padding": (1, 1), "dilation": (2, 1), "groups": 2}),
        Sample((S.array((2, 2, 5), dt), S.array((2, 3, 3), dt, 1), S.array((3,), dt, 2)),
               {"stride": (3,), "output_padding": (2,)}),
        Sample((S.array((1, 2, 2, 3, 2), dt), S.array((2, 1, 2, 2, 2), dt, 1)),
               {"stride": (1, 2, 1), "padding": (0, 1, 0), "groups": 2}),
        Sample((S.array((1, 2, 4), dt), S.array((2, 2, 2), dt, 1)),
               {"stride": (1,), "dilation": (3,), "output_padding": (2,)}, name="op>=stride"),
    ]


conv_transpose = register(OpDef(
    name="conv_transpose", kernel=_kernel, meta=_meta, vjp=_vjp, samples=_samples,
    dtypes=S.FLOAT_DTYPES, grad_name="ConvolutionBackward0"))

__all__ = ["conv_transpose", "conv_backward_input", "transpose_out_size"]
