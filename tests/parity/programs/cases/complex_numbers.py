"""Complex numbers tutorial: torch.randn(..., dtype=torch.cfloat) props, torch.complex from real
and imag, view_as_real / view_as_complex sharing memory, .real/.imag views (writes through),
abs/angle, polar, conj and conj_physical, complex matmul and linalg.eig of a real matrix,
serialization roundtrip, and complex autograd (gradient of abs(z)**2 sum = 2 z, conjugate
Wirtinger convention) with a complex-parameter SGD step."""
import io
import torch
from casekit import randn


def run():
    r = {}
    x = torch.randn(2, 2, dtype=torch.cfloat)
    r["dtype"] = (x.dtype, x.is_complex(), x.real.dtype)
    real = torch.tensor(randn(2, 2, seed=1))
    imag = torch.tensor(randn(2, 2, seed=2))
    z = torch.complex(real, imag)
    r["z"] = z
    vr = torch.view_as_real(z)
    r["view_as_real"] = vr.shape
    vr[0, 0, 0] = 10.0
    r["write_through"] = z[0, 0]
    r["view_as_complex"] = torch.view_as_complex(torch.tensor(randn(3, 2, seed=3)))
    z.imag[1, 1] = -7.0
    r["imag_write"] = z[1, 1]
    r["abs_angle"] = (z.abs(), z.angle())
    r["polar"] = torch.polar(torch.tensor([1., 2.]), torch.tensor([0.5, -1.0]))
    r["conj"] = (z.conj(), z.conj().is_conj(), z.conj_physical().is_conj(), z.conj().resolve_conj())
    w = torch.complex(torch.tensor(randn(2, 2, seed=4)), torch.tensor(randn(2, 2, seed=5)))
    r["matmul"] = z @ w
    vals = torch.linalg.eigvals(torch.tensor([[0., -1.], [1., 0.]]))
    r["eigvals"] = vals
    buf = io.BytesIO()
    torch.save(z, buf)
    buf.seek(0)
    r["saved"] = torch.load(buf)
    p = torch.tensor([1 + 2j, -0.5 + 0.25j], requires_grad=True)
    loss = (p.abs() ** 2).sum()
    loss.backward()
    r["grad"] = p.grad
    q = torch.tensor([0.3 - 1j, 2 + 0.5j], requires_grad=True)
    opt = torch.optim.SGD([q], lr=0.1)
    target = torch.tensor([1 + 1j, -1 - 1j])
    for _ in range(3):
        opt.zero_grad()
        l = (q - target).abs().pow(2).sum()
        l.backward()
        opt.step()
    r["sgd_q"] = q
    return r
