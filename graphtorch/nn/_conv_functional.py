"""F.conv1d / conv2d / conv3d: argument handling ('same'/'valid' padding, unbatched inputs)
over the one ``convolution`` registry op."""
from __future__ import annotations

from ..eager.dispatch import call
from ..ops import registry as R

_conv = R.get("convolution")


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _same_padding(kshape, dilation):
    """Left/right padding per dim for padding='same' (PyTorch puts the odd extra on the right)."""
    pads = []
    for k, d in zip(kshape, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return pads


def _convnd(nd, input, weight, bias, stride, padding, dilation, groups):
    name = f"conv{nd}d"
    unbatched = input.dim() == nd + 1
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    if unbatched:
        input = input.unsqueeze(0)
    stride, dilation = _tup(stride, nd), _tup(dilation, nd)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_padding(weight.shape[2:], dilation)
            if any(a != b for a, b in pads):
                flat = []
                for a, b in reversed(pads):
                    flat += [a, b]
                from .functional import pad
                input = pad(input, flat)
                padding = (0,) * nd
            else:
                padding = tuple(a for a, _ in pads)
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of "
                             "{'valid', 'same'}")
    args = (input, weight) if bias is None else (input, weight, bias)
    out = call(_conv, *args, stride=stride, padding=_tup(padding, nd), dilation=dilation,
               groups=groups)
    if unbatched:
        return out.squeeze(0)
    from ..eager.memory_format import channels_last_of, relayout_fresh
    return relayout_fresh(out, channels_last_of(input, weight))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over an input of shape (N, C, L) or (C, L)."""
    return _convnd(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over an input of shape (N, C, H, W) or (C, H, W)."""
    return _convnd(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over an input of shape (N, C, D, H, W) or (C, D, H, W)."""
    return _convnd(3, input, weight, bias, stride, padding, dilation, groups)
