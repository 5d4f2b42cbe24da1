"""Parity with torch 2.13: torch.fft transforms (values, dtypes, grads), stft / istft, windows."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close

torch = pytest.importorskip("torch")
R = np.random.RandomState(5)


@pytest.mark.parametrize("name,kw", [("fft", {}), ("ifft", {"n": 7}), ("rfft", {"norm": "ortho"}),
                                     ("fft2", {}), ("rfft2", {"s": (3, 6)}),
                                     ("fftn", {"dim": (0, 2)}), ("ifftn", {"norm": "forward"}),
                                     ("rfftn", {}), ("ihfft", {})])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_real_input_transforms(name, kw, dtype):
    x = R.randn(2, 4, 6).astype(dtype)
    g = getattr(gt.fft, name)(gt.tensor(x), **kw)
    t = getattr(torch.fft, name)(torch.tensor(x), **kw).resolve_conj()
    assert_close(g, t, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name,kw", [("irfft", {}), ("irfft", {"n": 9}), ("hfft", {}),
                                     ("irfftn", {}), ("irfft2", {"norm": "ortho"}),
                                     ("fft", {}), ("ifft2", {})])
def test_complex_input_transforms(name, kw):
    x = (R.randn(3, 5) + 1j * R.randn(3, 5)).astype(np.complex64)
    g = getattr(gt.fft, name)(gt.tensor(x), **kw)
    t = getattr(torch.fft, name)(torch.tensor(x), **kw)
    assert_close(g, t, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["fft", "rfft", "ifft", "fftn", "rfftn"])
@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
def test_grads(name, norm):
    x = R.randn(3, 8)
    w = R.randn(3, 8 if "r" not in name else 5) if name != "rfftn" else R.randn(3, 5)
    gx, tx = gt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g = getattr(gt.fft, name)(gx, norm=norm)
    t = getattr(torch.fft, name)(tx, norm=norm)
    if name != "ifft":  # ifft of a real signal ends in conj, whose node the conj family names
        assert type(g.grad_fn).__name__ == type(t.grad_fn).__name__
    (g.abs() * gt.tensor(w)).sum().backward()
    (t.abs() * torch.tensor(w)).sum().backward()
    assert_close(gx.grad, tx.grad)


def test_irfft_grad():
    c = R.randn(3, 5) + 1j * R.randn(3, 5)
    gx, tx = gt.tensor(c, requires_grad=True), torch.tensor(c, requires_grad=True)
    w = R.randn(3, 8)
    (gt.fft.irfft(gx) * gt.tensor(w)).sum().backward()
    (torch.fft.irfft(tx) * torch.tensor(w)).sum().backward()
    assert_close(gx.grad, tx.grad)


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "bartlett", "kaiser"])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows(name, periodic):
    for n in (0, 1, 7, 8):
        g = getattr(gt, f"{name}_window")(n, periodic)
        t = getattr(torch, f"{name}_window")(n, periodic)
        assert_close(g, t, atol=1e-6)
    assert getattr(gt, f"{name}_window")(4, dtype=gt.float64).dtype is gt.float64


@pytest.mark.parametrize("kw", [{}, {"hop_length": 5, "win_length": 10, "normalized": True},
                                {"center": False}, {"onesided": False}])
def test_stft_istft(kw):
    x = R.randn(2, 60)
    win = kw.get("win_length", 16)
    g = gt.stft(gt.tensor(x), 16, window=gt.hann_window(win, dtype=gt.float64),
                return_complex=True, **kw)
    t = torch.stft(torch.tensor(x), 16, window=torch.hann_window(win, dtype=torch.float64),
                   return_complex=True, **kw)
    assert_close(g, t)
    ikw = {k: v for k, v in kw.items()}
    if not kw.get("center", True):  # a Hann envelope vanishes at the edges: both refuse
        with pytest.raises(RuntimeError):
            torch.istft(t, 16, window=torch.hann_window(win, dtype=torch.float64), **ikw)
        with pytest.raises(RuntimeError, match="window overlap add min"):
            gt.istft(g, 16, window=gt.hann_window(win, dtype=gt.float64), **ikw)
        return
    gi = gt.istft(g, 16, window=gt.hann_window(win, dtype=gt.float64), length=60, **ikw)
    ti = torch.istft(t, 16, window=torch.hann_window(win, dtype=torch.float64), length=60,
                     **ikw)
    assert_close(gi, ti)


def test_stft_requires_return_complex():
    with pytest.raises(RuntimeError) as e1:
        gt.stft(gt.tensor(R.randn(40)), 8)
    with pytest.raises(RuntimeError) as e2:
        torch.stft(torch.tensor(R.randn(40)), 8)
    assert str(e1.value) == str(e2.value)


def test_stft_grad():
    x = R.randn(40)
    gx, tx = gt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gt.stft(gx, 8, window=gt.hann_window(8, dtype=gt.float64), return_complex=True).abs() \
        .sum().backward()
    torch.stft(tx, 8, window=torch.hann_window(8, dtype=torch.float64),
               return_complex=True).abs().sum().backward()
    assert_close(gx.grad, tx.grad)
