"""Complex numbers and FFT in signal code: rfft/irfft round trip, fft2, fftshift, stft-free
spectrogram by framing (unfold), complex abs/angle/polar, view_as_complex, complex matmul,
gradient through abs of a complex FFT."""
import math

import torch
from casekit import randn

RTOL = 1e-4
ATOL = 1e-4


def run():
    r = {}
    sig = torch.tensor(randn(2, 16, seed=1))
    X = torch.fft.rfft(sig)
    r["rfft"] = torch.view_as_real(X)
    r["irfft"] = torch.fft.irfft(X, n=16)
    r["fft2"] = torch.view_as_real(torch.fft.fft2(sig.reshape(2, 4, 4)))
    r["fftshift"] = torch.fft.fftshift(torch.arange(8))
    r["fftfreq"] = torch.fft.rfftfreq(16, d=0.5)
    r["ortho"] = torch.view_as_real(torch.fft.fft(sig, norm="ortho"))
    frames = sig.unfold(-1, 8, 4)
    win = torch.hann_window(8)
    spec = torch.fft.rfft(frames * win).abs()
    r["frames_shape"] = frames.shape
    r["spec"] = spec
    z = torch.complex(torch.tensor([3.0, 0.0]), torch.tensor([4.0, -1.0]))
    r["abs_angle"] = (z.abs(), z.angle())
    r["polar"] = torch.view_as_real(torch.polar(torch.tensor([2.0]), torch.tensor([math.pi / 2])))
    r["real_imag"] = (z.real, z.imag, z.conj().imag)
    vc = torch.view_as_complex(torch.tensor([[1.0, 2.0], [3.0, -1.0]]))
    r["vac"] = torch.view_as_real(vc * vc)
    A = torch.complex(torch.tensor(randn(3, 3, seed=2)), torch.tensor(randn(3, 3, seed=3)))
    r["cmatmul"] = torch.view_as_real(A @ A.conj().T)
    r["cdtype"] = (A.dtype, A.real.dtype, (A * 2.0).dtype, (A.to(torch.complex128) + 1).dtype)
    s = sig.clone().requires_grad_(True)
    torch.fft.rfft(s).abs().sum().backward()
    r["fft_grad"] = s.grad
    r["exp_complex"] = torch.view_as_real(torch.exp(1j * torch.tensor([0.0, math.pi / 3])))
    r["repr"] = repr(torch.tensor([1 + 2j, 3.5 - 1j]))
    return r
