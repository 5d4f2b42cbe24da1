"""torch.fft against numpy.fft: transforms, n / s, dims, norms, dtypes, gradients; windows."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import T, assert_close

R = np.random.RandomState(1)
NORMS = [None, "backward", "ortho", "forward"]


@pytest.mark.parametrize("norm", NORMS)
def test_1d(norm):
    x = R.randn(3, 8)
    assert_close(gt.fft.fft(T(x), norm=norm), np.fft.fft(x, norm=norm))
    assert_close(gt.fft.ifft(T(x), n=5, norm=norm), np.fft.ifft(x, n=5, norm=norm))
    assert_close(gt.fft.rfft(T(x), n=11, dim=0, norm=norm), np.fft.rfft(x, 11, 0, norm=norm))
    c = np.fft.rfft(x)
    assert_close(gt.fft.irfft(T(c), norm=norm), np.fft.irfft(c, norm=norm))
    assert_close(gt.fft.hfft(T(c), n=8, norm=norm), np.fft.hfft(c, 8, norm=norm))
    assert_close(gt.fft.ihfft(T(x), norm=norm), np.fft.ihfft(x, norm=norm))


def test_nd_and_dtypes():
    x = R.randn(2, 4, 6).astype(np.float32)
    r = gt.fft.fftn(T(x))
    assert r.dtype is gt.complex64
    assert_close(r, np.fft.fftn(x).astype(np.complex64), rtol=1e-4, atol=1e-4)
    assert_close(gt.fft.rfft2(T(x)), np.fft.rfft2(x).astype(np.complex64), rtol=1e-4,
                 atol=1e-4)
    c = np.fft.rfftn(x, axes=(1, 2)).astype(np.complex64)
    assert gt.fft.irfftn(T(c), dim=(1, 2)).dtype is gt.float32
    assert_close(gt.fft.irfftn(T(c), s=(4, 6), dim=(1, 2)), x, rtol=1e-4, atol=1e-4)
    assert_close(gt.fft.ifft2(T(x.astype(np.float64))), np.fft.ifft2(x.astype(np.float64)))
    assert gt.fft.fft(T(np.arange(4))).dtype is gt.complex64  # ints use the default float


def test_freq_and_shift():
    assert_close(gt.fft.fftfreq(5, 0.5), np.fft.fftfreq(5, 0.5).astype(np.float32))
    assert_close(gt.fft.rfftfreq(6), np.fft.rfftfreq(6).astype(np.float32))
    x = R.randn(3, 4)
    assert_close(gt.fft.fftshift(T(x)), np.fft.fftshift(x))
    assert_close(gt.fft.ifftshift(T(x), dim=1), np.fft.ifftshift(x, axes=1))


def test_errors():
    with pytest.raises(ValueError):
        gt.fft.fft(T(R.randn(4)), norm="bad")
    with pytest.raises(RuntimeError, match="Invalid number of data points"):
        gt.fft.fft(T(R.randn(4)), n=0)
    with pytest.raises(IndexError):
        gt.fft.fft(T(R.randn(4)), dim=2)


def test_grads():
    x = T(R.randn(6), requires_grad=True)
    for f in (gt.fft.fft, gt.fft.rfft, gt.fft.ifft):
        for norm in NORMS:
            assert gt.autograd.gradcheck(lambda t: f(t, norm=norm).abs(), [x])
    assert gt.autograd.gradcheck(lambda t: gt.fft.fft(t, n=9).abs(), [x])
    assert gt.autograd.gradcheck(lambda t: gt.fft.irfft(gt.fft.rfft(t) * 2), [x])


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "bartlett"])
def test_windows(name):
    w = getattr(gt, f"{name}_window")(8, periodic=False)
    assert_close(w, getattr(np, name if name != "hann" else "hanning")(8).astype(np.float32),
                 atol=1e-6)
    assert tuple(getattr(gt, f"{name}_window")(0).shape) == (0,)


def test_stft_roundtrip_and_checks():
    x = R.randn(2, 64)
    w = gt.hann_window(16, dtype=gt.float64)
    s = gt.stft(T(x), 16, window=w, return_complex=True)
    assert tuple(s.shape) == (2, 9, 17)
    y = gt.istft(s, 16, window=w, length=64)
    assert_close(y, x, atol=1e-9)
    with pytest.raises(RuntimeError, match="return_complex"):
        gt.stft(T(x), 16)
    with pytest.raises(RuntimeError, match="n_fft"):
        gt.stft(T(x), 100, return_complex=True, center=False)
