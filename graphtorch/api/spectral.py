"""Short-time Fourier transforms (torch.stft / torch.istft) and the window functions (hann,
hamming, blackman, bartlett, kaiser), built on the fft ops and the framing / overlap-add pair."""
from __future__ import annotations

import warnings

import numpy as np

from ..eager.dispatch import call
from ..ops import dtypes as D
from ..ops import registry as R
from ..ops.linalg import mT, narrow
from ._bind import both, torch_function

_R2C, _C2C, _C2R, _FRAMES, _OLA, _PAD = (R.get(n) for n in (
    "fft_r2c", "fft_c2c", "fft_c2r", "_stft_frames", "_overlap_add", "constant_pad_nd"))


# ------------------------------------------------------------------------------ windows
def _window(name, values):
    def fn(window_length, periodic=True, *args, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False, **kw):
        import graphtorch as gt
        dt = dtype or D.get_default_dtype()
        if dt.category != D._FLOAT:
            raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
        if window_length < 0:
            raise RuntimeError(f"{name} requires non-negative window_length, got "
                               f"window_length={window_length}")
        if window_length <= 1:
            w = np.ones(window_length)
        else:
            n = window_length + 1 if periodic else window_length
            w = values(n, *args, **kw)[:window_length]
        return gt.tensor(w.astype(np.float64), dtype=dt, requires_grad=requires_grad)
    fn.__name__ = name
    fn.__doc__ = f"The {name.split('_')[0]} window (periodic by default, for spectral use)."
    return torch_function(fn)


def _cosine_sum(coeffs):
    def values(n):
        k = 2 * np.pi * np.arange(n) / (n - 1)
        return sum(((-1) ** i) * c * np.cos(i * k) for i, c in enumerate(coeffs))
    return values


def _hamming(n, alpha=0.54, beta=0.46):
    return alpha - beta * np.cos(2 * np.pi * np.arange(n) / (n - 1))


hann_window = _window("hann_window", _cosine_sum((0.5, 0.5)))
hamming_window = _window("hamming_window", _hamming)
blackman_window = _window("blackman_window", _cosine_sum((0.42, 0.5, 0.08)))
bartlett_window = _window("bartlett_window",
                          lambda n: 1 - np.abs(2 * np.arange(n) / (n - 1) - 1))
kaiser_window = _window("kaiser_window", lambda n, beta=12.0: np.kaiser(n, beta))


# ------------------------------------------------------------------------------ stft
def _stft_args(x, n_fft, hop_length, win_length, window, length):
    if not 0 < n_fft <= length:
        raise RuntimeError(f"stft: expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if hop <= 0:
        raise RuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(f"stft: expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        raise RuntimeError(f"stft: expected a 1D window tensor of size equal to win_length="
                           f"{win}, but got window with size {list(window.shape)}")
    return hop, win


def _full_window(window, win, n_fft, like):
    """The window zero-padded (centred) to n_fft; ones when none is given."""
    if window is None:
        import graphtorch as gt
        window = gt.ones(win, dtype=like.dtype.to_real() if like.dtype.is_complex else like.dtype)
    if win < n_fft:
        left = (n_fft - win) // 2
        window = call(_PAD, window, pad=(left, n_fft - win - left))
    return window


@both
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None):
    """Short-time Fourier transform: (..., freq, frames) spectra of windowed frames."""
    complex_in = input.dtype.is_complex or (window is not None and window.dtype.is_complex)
    if return_complex is None:
        if not complex_in:
            raise RuntimeError("stft requires the return_complex parameter be given for real "
                               "inputs, and will further require that return_complex=True in "
                               "a future PyTorch release.")
        return_complex = True
    if input.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {input.ndim}D tensor")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if center:
        from ..nn import functional as F
        p = n_fft // 2
        x = F.pad(x.reshape(x.shape[0], 1, x.shape[1]), (p, p), mode=pad_mode).reshape(
            x.shape[0], -1)
    hop, win = _stft_args(x, n_fft, hop_length, win_length, window, x.shape[-1])
    w = _full_window(window, win, n_fft, x)
    frames = call(_FRAMES, x, size=n_fft, hop=hop) * w
    side = (not complex_in) if onesided is None else onesided
    if complex_in and side:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    norm = "ortho" if normalized else "backward"
    if frames.dtype.is_complex:
        spec = call(_C2C, frames, dim=(2,), norm=norm, forward=True)
    else:
        spec = call(_R2C, frames, dim=(2,), norm=norm, onesided=side)
    spec = mT(spec)
    if input.ndim == 1:
        spec = spec.reshape(tuple(spec.shape[1:]))
    if not return_complex:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch "
                      "release, stft will return complex tensors for all inputs, and "
                      "return_complex=False will raise an error.\nNote: you can still call "
                      "torch.view_as_real on the complex output to recover the old return "
                      "format.", UserWarning, stacklevel=2)
        import graphtorch as gt
        return gt.view_as_real(spec)
    return spec


@both
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """Inverse of stft by windowed overlap-add (least-squares, divided by the window
    envelope)."""
    if not input.dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor.")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex "
                           f"values, but got {input.ndim}")
    spec = input if input.ndim == 3 else input.reshape((1,) + tuple(input.shape))
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if not 0 < win <= n_fft:
        raise RuntimeError(f"istft: expected 0 < win_length <= n_fft, but got "
                           f"win_length={win}")
    if hop <= 0 or hop > win:
        raise RuntimeError("istft: expected 0 < hop_length <= win_length")
    freq, n_frames = spec.shape[-2:]
    side = (freq != n_fft) if onesided is None else onesided
    if side and freq != n_fft // 2 + 1:
        raise RuntimeError(f"istft: expected the frequency dimension (3rd to the last) of the "
                           f"input tensor to match n_fft / 2 + 1 when onesided=True, but got "
                           f"{freq}")
    w = _full_window(window, win, n_fft, spec)
    norm = "ortho" if normalized else "backward"
    fr = mT(spec)
    if return_complex:
        frames = call(_C2C, fr, dim=(2,), norm=norm, forward=False)
    elif side:
        frames = call(_C2R, fr, dim=(2,), last_dim_size=n_fft, norm=norm)
    else:
        frames = call(_C2C, fr, dim=(2,), norm=norm, forward=False).real
    total = n_fft + hop * (n_frames - 1)
    y = call(_OLA, frames * w, hop=hop, length=total)
    env = call(_OLA, (w * w).reshape(1, n_fft).expand(n_frames, n_fft), hop=hop, length=total)
    start = n_fft // 2 if center else 0
    end = total - (n_fft // 2 if center else 0)
    if length is not None:
        end = start + length
    stop = min(end, total)
    envd = env.detach()._data[start:stop]
    if envd.size and np.abs(envd).min() < 1e-11:
        raise RuntimeError(f"istft: window overlap add min: {float(np.abs(envd).min()):.0e}")
    y = narrow(y, -1, start, stop - start) / narrow(env, -1, start, stop - start)
    if end > total:
        y = call(_PAD, y, pad=(0, end - total))
    if input.ndim == 2:
        y = y.reshape(tuple(y.shape[1:]))
    return y
