"""Complex tensors: complex construction (torch.complex, polar), view_as_real/view_as_complex,
complex matmul/einsum, abs/angle/conj/real/imag, conj_physical, is_conj, complex exp/log/sqrt,
fft.rfft2/irfftn/fftn/ifft with norm modes, hfft, fftfreq; complex autograd through abs."""
import torch
from casekit import randn

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    re = torch.tensor(randn(3, 4, seed=1))
    im = torch.tensor(randn(3, 4, seed=2))
    z = torch.complex(re, im)
    r["dtype"] = z.dtype
    r["view_real"] = torch.view_as_real(z)
    r["back"] = torch.equal(torch.view_as_complex(torch.view_as_real(z)), z)
    w = torch.complex(torch.tensor(randn(4, 2, seed=3)), torch.tensor(randn(4, 2, seed=4)))
    r["matmul"] = torch.view_as_real(z @ w)
    r["einsum"] = torch.view_as_real(torch.einsum("ij,jk->ik", z, w))
    r["abs_angle"] = (z.abs(), z.angle())
    r["conj"] = torch.view_as_real(z.conj().resolve_conj())
    r["is_conj"] = z.conj().is_conj()
    r["real_imag"] = (z.real, z.imag)
    r["exp_log"] = torch.view_as_real(torch.log(torch.exp(z * 0.3)))
    r["sqrt"] = torch.view_as_real(torch.sqrt(z))
    r["polar"] = torch.view_as_real(torch.polar(re.abs(), im))
    r["sgn"] = torch.view_as_real(z.sgn())
    img = torch.tensor(randn(2, 6, 8, seed=5))
    F2 = torch.fft.rfft2(img)
    r["rfft2"] = torch.view_as_real(F2)
    r["irfftn"] = torch.fft.irfftn(F2, s=(6, 8))
    r["rfft2_ortho"] = torch.view_as_real(torch.fft.rfft2(img, norm="ortho"))
    r["fftn_dim"] = torch.view_as_real(torch.fft.fftn(img, dim=(0, 2), norm="forward"))
    r["ifft_n"] = torch.view_as_real(torch.fft.ifft(z, n=6))
    r["hfft"] = torch.fft.hfft(z[0], n=6)
    r["fftfreq"] = torch.fft.fftfreq(5, d=0.5)
    r["rfftfreq"] = torch.fft.rfftfreq(6)
    r["fftshift"] = torch.fft.ifftshift(torch.arange(6).reshape(2, 3), dim=1)
    zr = z.clone().requires_grad_(True)
    (zr.abs() ** 2 + zr.angle()).sum().backward()
    r["grad_complex"] = torch.view_as_real(zr.grad)
    x = img.clone().requires_grad_(True)
    torch.fft.rfft(x, dim=-1).abs().sum().backward()
    r["grad_rfft"] = x.grad
    r["promote"] = (z * 2).dtype, (z.to(torch.complex128) + re).dtype
    return r
