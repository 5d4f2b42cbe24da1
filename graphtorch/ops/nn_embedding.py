"""embedding (a row gather whose gradient accumulates into rows, skipping padding_idx) and
constant_pad_nd (PyTorch's constant-mode padding; negative pads crop)."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register


def _emb_kernel(xp, weight, indices, padding_idx=None, scale_grad_by_freq=False):
    if indices.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got "
                           f"torch.{D.TYPE_NAMES[D.from_numpy_dtype(indices.dtype)]} instead "
                           "(while checking arguments for embedding)")
    n = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise IndexError("index out of range in self")
    return weight[indices]


def _emb_meta(weight, indices, padding_idx=None, scale_grad_by_freq=False):
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    return TensorSpec(tuple(indices.shape) + (weight.shape[1],), weight.dtype, weight.device)


def _emb_vjp(ctx, g):
    weight_shape = ctx._input_meta[0][0]
    idx = ctx.inputs[1].reshape(-1)
    gf = g.reshape(-1, weight_shape[1])
    pad = ctx.attrs.get("padding_idx")
    if pad is not None:
        gf = gf * (idx != pad).unsqueeze(1)
    if ctx.attrs.get("scale_grad_by_freq"):
        # each row's gradient is divided by how often its index occurs in the batch
        counts = gf.new_zeros((weight_shape[0],)).index_add(0, idx, gf.new_ones(idx.shape))
        gf = gf / counts[idx].unsqueeze(1)
    gw = gf.new_zeros(weight_shape).index_add(0, idx, gf)
    return (gw, None)


def _emb_samples(dt):
    idx = np.array([[0, 2, 1], [3, 3, 0]], dtype=np.int64)
    return [Sample((S.array((4, 3), dt), idx), {}),
            # padding_idx rows get no gradient by definition (as in PyTorch), so finite
            # differences disagree there: checked for values only
            Sample((S.array((4, 3), dt), idx), {"padding_idx": 3}, grad=False),
            # scale_grad_by_freq deliberately rescales the gradient: values only
            Sample((S.array((4, 3), dt), idx), {"scale_grad_by_freq": True}, grad=False),
            Sample((S.array((5, 2), dt), np.array(4, dtype=np.int64)), {})]


embedding = register(OpDef(name="embedding", kernel=_emb_kernel, meta=_emb_meta, vjp=_emb_vjp,
                           samples=_emb_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(1,),
                           grad_name="EmbeddingBackward0"))


def _pad_widths(ndim, pad):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{ndim}")
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return widths


def _cpad_kernel(xp, x, pad, value=0):
    widths = _pad_widths(x.ndim, pad)
    crop = tuple(slice(max(-a, 0), x.shape[i] - max(-b, 0)) for i, (a, b) in enumerate(widths))
    x = x[crop]
    pos = [(max(a, 0), max(b, 0)) for a, b in widths]
    return xp.pad(x, pos, constant_values=value)


def _cpad_meta(x, pad, value=0):
    widths = _pad_widths(x.ndim, pad)
    shape = tuple(s + a + b for s, (a, b) in zip(x.shape, widths))
    if any(s < 0 for s in shape):
        raise RuntimeError(f"The input size {x.shape[-1]}, plus negative padding {pad} "
                           f"resulted in a negative output size, which is invalid. Check "
                           f"dimension {len(shape) - 1} of your input.")
    return x.with_(shape=shape)


def _cpad_vjp(ctx, g):
    # the gradient of padding is cropping: pad again with the negated widths
    return (g._dispatch(constant_pad_nd, g, pad=tuple(-p for p in ctx.attrs["pad"])),)


constant_pad_nd = register(OpDef(
    name="constant_pad_nd", kernel=_cpad_kernel, meta=_cpad_meta, vjp=_cpad_vjp,
    save_inputs=(),
    samples=lambda dt: [Sample((S.array((2, 3, 4), dt),), {"pad": (1, 2)}),
                        Sample((S.array((2, 3, 4), dt),), {"pad": (1, 0, -1, 2), "value": 1.5})],
    dtypes=S.ALL_REAL, grad_name="ConstantPadNdBackward0"))
