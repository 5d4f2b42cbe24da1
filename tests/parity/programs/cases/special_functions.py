"""torch.special and friends: erf/erfc/erfinv/erfcx, gammaln/digamma/polygamma/multigammaln,
i0/i0e/i1/i1e, ndtr/ndtri/log_ndtr, logit(eps)/expit, xlogy/xlog1py, sinc, entr, log1p/expm1,
logsumexp, softmax via special, zeta, bessel_j0/j1; gradients of several in float64."""
import torch
from casekit import rand

RTOL = 1e-4
ATOL = 1e-6


def run():
    r = {}
    x = torch.tensor(rand(6, seed=1, lo=0.05, hi=0.95), dtype=torch.float64)
    s = torch.special
    r["erf"] = s.erf(x * 3 - 1.5)
    r["erfc"] = s.erfc(x)
    r["erfinv"] = s.erfinv(x * 1.8 - 0.9)
    r["erfcx"] = s.erfcx(x * 10)
    r["gammaln"] = s.gammaln(x * 5)
    r["digamma"] = s.digamma(x * 5)
    r["polygamma2"] = s.polygamma(2, x + 1)
    r["multigammaln"] = s.multigammaln(x + 3, 2)
    r["i0_i0e"] = (s.i0(x * 4), s.i0e(x * 4), s.i1(x), s.i1e(x))
    r["ndtr"] = s.ndtr(x * 4 - 2)
    r["ndtri"] = s.ndtri(x)
    r["log_ndtr"] = s.log_ndtr(x * 10 - 8)
    r["logit_eps"] = s.logit(torch.tensor([0.0, 0.3, 1.0], dtype=torch.float64), eps=1e-6)
    r["expit"] = s.expit(x)
    r["xlogy"] = s.xlogy(torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.0, 3.0, 0.5]))
    r["xlog1py"] = s.xlog1py(x, x)
    r["sinc"] = s.sinc(torch.tensor([0.0, 0.5, 1.0, -2.5]))
    r["entr"] = s.entr(torch.tensor([-1.0, 0.0, 0.5, 2.0]))
    r["log1p_expm1"] = (s.log1p(x * 1e-8), s.expm1(x * 1e-8))
    r["softmax"] = s.softmax(x.reshape(2, 3), dim=1)
    r["log_softmax"] = s.log_softmax(x.reshape(2, 3), 0)
    r["zeta"] = s.zeta(x + 2, torch.tensor(1.0, dtype=torch.float64))
    r["bessel"] = (s.bessel_j0(x * 3), s.bessel_j1(x * 3))
    r["round"] = s.round(torch.tensor([0.5, 1.5, 2.5, -0.5]))
    g = x.clone().requires_grad_(True)
    (s.erfinv(g - 0.5).sum() + s.gammaln(g + 1).sum() + s.digamma(g).sum() + s.i0(g).sum()
     + s.xlogy(g, g + 1).sum() + s.ndtr(g).sum() + s.logit(g).sum()).backward()
    r["grad"] = g.grad
    r["int_promote"] = s.erf(torch.tensor([0, 1])).dtype
    return r
