"""Discrete Fourier transforms as torch's three primitives: complex-to-complex, real-to-complex
(one-sided) and complex-to-real, over any set of dims with 'backward' / 'ortho' / 'forward'
normalization; plus the framing / overlap-add pair behind stft and istft.

The derivative of each transform is another transform with the dual normalization (the
adjoint of an unscaled DFT is the unscaled inverse DFT)."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import wrap_dims
from .registry import OpDef, Sample, register

NORMS = ("backward", "ortho", "forward")
DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}
FFT_DTYPES = (D.float32, D.float64, D.complex64, D.complex128)


def check_norm(norm, name="fft"):
    if norm not in NORMS:
        raise ValueError(f"Invalid normalization mode: {norm}")


def _axes(dim, ndim):
    return wrap_dims(tuple(dim), ndim, "fft")


def _c2c_kernel(xp, x, dim, norm="backward", forward=True):
    axes = _axes(dim, x.ndim)
    if not axes:
        return x.copy()
    f = xp.fft.fftn if forward else xp.fft.ifftn
    return f(x, axes=axes, norm=norm).astype(x.dtype, copy=False)


def _c2c_meta(x, dim, norm="backward", forward=True):
    check_norm(norm)
    if not x.dtype.is_complex:
        raise RuntimeError(f"fft_c2c: expected a complex input tensor, got {x.dtype}")
    _axes(dim, x.ndim)
    return x


def _c2c_vjp(ctx, g):
    a = ctx.attrs
    return (g._dispatch(fft_c2c, g, dim=a["dim"], norm=DUAL[a.get("norm", "backward")],
                        forward=not a.get("forward", True)),)


def _c2c_samples(dt):
    a = S.array
    return [Sample((a((8,), dt),), {"dim": (0,)}),
            Sample((a((3, 4), dt),), {"dim": (1,), "norm": "ortho"}),
            Sample((a((3, 4), dt),), {"dim": (0, 1), "norm": "forward", "forward": False}),
            Sample((a((2, 3, 4), dt),), {"dim": (0, 2)})]


fft_c2c = register(OpDef(
    name="fft_c2c", kernel=_c2c_kernel, meta=_c2c_meta, vjp=_c2c_vjp, save_inputs=(),
    samples=_c2c_samples, dtypes=(D.complex64, D.complex128), grad_name="FftC2CBackward0"))


# ------------------------------------------------------------------------------ real <-> complex
def _r2c_kernel(xp, x, dim, norm="backward", onesided=True):
    axes = _axes(dim, x.ndim)
    c = D.from_numpy_dtype(x.dtype).to_complex().np
    if onesided:
        r = xp.fft.rfftn(x, axes=axes, norm=norm)
    else:
        r = xp.fft.fftn(x, axes=axes, norm=norm)
    return r.astype(c, copy=False)


def _r2c_meta(x, dim, norm="backward", onesided=True):
    check_norm(norm)
    if x.dtype.category != D._FLOAT or x.dtype in (D.float16, D.bfloat16):
        raise RuntimeError(f"fft_r2c: expected a real floating point input, got {x.dtype}")
    axes = _axes(dim, x.ndim)
    shape = list(x.shape)
    if onesided and axes:
        shape[axes[-1]] = shape[axes[-1]] // 2 + 1
    return x.with_(shape=tuple(shape), dtype=x.dtype.to_complex())


def _r2c_vjp(ctx, g):
    a = ctx.attrs
    shape = ctx._input_meta[0][0]
    axes = _axes(a["dim"], len(shape))
    if a.get("onesided", True) and axes:
        last = axes[-1]
        pad = [0, 0] * (len(shape) - 1 - last) + [0, shape[last] - g.shape[last]]
        g = g._dispatch(_pad_op(), g, pad=tuple(pad))
    full = g._dispatch(fft_c2c, g, dim=a["dim"], norm=DUAL[a.get("norm", "backward")],
                       forward=False)
    return (full.real,)


def _pad_op():
    from .registry import get
    return get("constant_pad_nd")


def _r2c_samples(dt):
    a = S.array
    return [Sample((a((8,), dt),), {"dim": (0,)}), Sample((a((7,), dt),), {"dim": (0,)}),
            Sample((a((3, 4), dt),), {"dim": (0, 1), "norm": "ortho"}),
            Sample((a((3, 5), dt),), {"dim": (0,), "onesided": False, "norm": "forward"})]


fft_r2c = register(OpDef(
    name="fft_r2c", kernel=_r2c_kernel, meta=_r2c_meta, vjp=_r2c_vjp, save_inputs=(),
    samples=_r2c_samples, dtypes=(D.float32, D.float64), grad_name="FftR2CBackward0"))


def _c2r_kernel(xp, x, dim, last_dim_size, norm="backward"):
    axes = _axes(dim, x.ndim)
    s = [x.shape[d] for d in axes[:-1]] + [last_dim_size]
    r = xp.fft.irfftn(x, s=s, axes=axes, norm=norm)
    return r.astype(D.from_numpy_dtype(x.dtype).to_real().np, copy=False)


def _c2r_meta(x, dim, last_dim_size, norm="backward"):
    check_norm(norm)
    if not x.dtype.is_complex:
        raise RuntimeError(f"fft_c2r: expected a complex input tensor, got {x.dtype}")
    axes = _axes(dim, x.ndim)
    if last_dim_size < 1:
        raise RuntimeError(f"Invalid number of data points ({last_dim_size}) specified")
    shape = list(x.shape)
    shape[axes[-1]] = last_dim_size
    return x.with_(shape=tuple(shape), dtype=x.dtype.to_real())


def _c2r_vjp(ctx, g):
    a = ctx.attrs
    shape = ctx._input_meta[0][0]
    axes = _axes(a["dim"], len(shape))
    gi = g._dispatch(fft_r2c, g, dim=a["dim"], norm=DUAL[a.get("norm", "backward")])
    # bins other than DC (and Nyquist for even sizes) stand for two conjugate bins
    half, n = shape[axes[-1]], a["last_dim_size"]
    w = np.ones(half)
    w[1:1 + max(n - half, 0)] = 2.0
    view = [1] * len(shape)
    view[axes[-1]] = half
    return (gi * gi.new_tensor(w.reshape(view)),)


def _c2r_samples(dt):
    a = S.array
    return [Sample((a((5,), dt),), {"dim": (0,), "last_dim_size": 8}),
            Sample((a((4,), dt),), {"dim": (0,), "last_dim_size": 7}),
            Sample((a((3, 3), dt),), {"dim": (0, 1), "last_dim_size": 4, "norm": "ortho"}),
            Sample((a((2, 3), dt),), {"dim": (1,), "last_dim_size": 5, "norm": "forward"})]


fft_c2r = register(OpDef(
    name="fft_c2r", kernel=_c2r_kernel, meta=_c2r_meta, vjp=_c2r_vjp, save_inputs=(),
    samples=_c2r_samples, dtypes=(D.complex64, D.complex128), grad_name="FftC2RBackward0"))


from . import fft_frames  # noqa: E402,F401 - stft framing ops


# ------------------------------------------------------------------------------ fftshift
def _shift_kernel(xp, x, dim, inverse=False):
    f = xp.fft.ifftshift if inverse else xp.fft.fftshift
    return np.array(f(x, axes=_axes(dim, x.ndim)), copy=True)


def _shift_meta(x, dim, inverse=False):
    _axes(dim, x.ndim)
    return x


fftshift = register(OpDef(
    name="fft_fftshift", kernel=_shift_kernel, meta=_shift_meta, save_inputs=(),
    vjp=lambda ctx, g: (g._dispatch(fftshift, g, dim=ctx.attrs["dim"],
                                    inverse=not ctx.attrs.get("inverse", False)),),
    dtypes=FFT_DTYPES + (D.int64,), grad_name="RollBackward0",
    samples=lambda dt: [Sample((S.array((5,), dt),), {"dim": (0,)}),
                        Sample((S.array((3, 4), dt),), {"dim": (0, 1), "inverse": True})]))
