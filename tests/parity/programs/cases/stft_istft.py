"""torch.stft / torch.istft: hann window, center True/False, pad_mode, onesided,
normalized, return_complex, hop/win length; magnitude spectrogram; round trip; window fns."""
import torch
from casekit import randn, err

RTOL = 1e-3
ATOL = 1e-4


def run():
    r = {}
    sig = torch.tensor(randn(2, 64, seed=1))
    win = torch.hann_window(16)
    r["hann"] = win
    r["hann_sym"] = torch.hann_window(8, periodic=False)
    r["hamming"] = torch.hamming_window(8)
    r["blackman"] = torch.blackman_window(8)
    r["bartlett"] = torch.bartlett_window(7)
    r["kaiser"] = torch.kaiser_window(8, True, 5.0)
    S = torch.stft(sig, n_fft=16, hop_length=4, window=win, return_complex=True)
    r["stft_shape"] = S.shape
    r["stft_dtype"] = S.dtype
    r["stft_real"] = torch.view_as_real(S)
    r["mag"] = S.abs()
    S2 = torch.stft(sig[0], 16, hop_length=8, win_length=12, window=torch.hann_window(12),
                    center=False, return_complex=True, normalized=True)
    r["stft_nocenter"] = torch.view_as_real(S2)
    S3 = torch.stft(sig, 16, hop_length=4, window=win, pad_mode="constant", onesided=False, return_complex=True)
    r["stft_twosided"] = torch.view_as_real(S3)
    y = torch.istft(S, n_fft=16, hop_length=4, window=win, length=64)
    r["istft"] = y
    r["roundtrip"] = torch.allclose(y, sig, atol=1e-4)
    r["no_complex_err"] = err(torch.stft, sig, 16)
    x = sig.clone().requires_grad_(True)
    torch.stft(x, 16, hop_length=4, window=win, return_complex=True).abs().sum().backward()
    r["grad"] = x.grad
    return r
