"""Framing (signal -> overlapping frames) and overlap-add (frames -> signal): the adjoint pair
behind stft and istft, each the derivative of the other."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .linalg import narrow
from .registry import OpDef, Sample, register

FRAME_DTYPES = (D.float32, D.float64, D.complex64, D.complex128)


def _n_frames(length, size, hop):
    return 0 if length < size else 1 + (length - size) // hop


def _frames_kernel(xp, x, size, hop):
    w = np.lib.stride_tricks.sliding_window_view(x, size, axis=-1)
    return np.array(w[..., ::hop, :], copy=True)


def _frames_meta(x, size, hop):
    if x.ndim < 1 or size < 1 or hop < 1 or x.shape[-1] < size:
        raise RuntimeError(f"frames: signal of length {x.shape[-1] if x.ndim else 0} is shorter "
                           f"than the frame size {size}")
    return x.with_(shape=tuple(x.shape[:-1]) + (_n_frames(x.shape[-1], size, hop), size))


def _frames_vjp(ctx, g):
    length = ctx._input_meta[0][0][-1]
    return (g._dispatch(overlap_add, g, hop=ctx.attrs["hop"], length=length),)


frames = register(OpDef(
    name="_stft_frames", kernel=_frames_kernel, meta=_frames_meta, vjp=_frames_vjp,
    save_inputs=(), dtypes=FRAME_DTYPES, grad_name="AsStridedBackward0",
    samples=lambda dt: [Sample((S.array((10,), dt),), {"size": 4, "hop": 2}),
                        Sample((S.array((2, 9), dt),), {"size": 3, "hop": 3})]))


def _ola_kernel(xp, f, hop, length):
    n, size = f.shape[-2:]
    out = np.zeros(f.shape[:-2] + (length,), f.dtype)
    for i in range(size):  # one strided add per tap: no Python loop over frames
        stop = i + hop * (n - 1) + 1
        out[..., i:stop:hop] += f[..., :, i]
    return out


def _ola_meta(f, hop, length):
    n, size = f.shape[-2:]
    if length < (n - 1) * hop + size:
        raise RuntimeError(f"overlap_add: length {length} too short for {n} frames of {size}")
    return f.with_(shape=tuple(f.shape[:-2]) + (length,))


def _ola_vjp(ctx, g):
    size = ctx._input_meta[0][0][-1]
    r = g._dispatch(frames, g, size=size, hop=ctx.attrs["hop"])
    n = ctx._input_meta[0][0][-2]
    if r.shape[-2] != n:  # trailing samples beyond the last frame
        r = narrow(r, -2, 0, n)
    return (r,)


overlap_add = register(OpDef(
    name="_overlap_add", kernel=_ola_kernel, meta=_ola_meta, vjp=_ola_vjp, save_inputs=(),
    dtypes=FRAME_DTYPES, grad_name="Im2ColBackward0",
    samples=lambda dt: [Sample((S.array((4, 4), dt),), {"hop": 2, "length": 10}),
                        Sample((S.array((2, 3, 3), dt),), {"hop": 3, "length": 9})]))
