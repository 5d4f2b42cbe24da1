"""numpy-backed samplers and special functions graphtorch has no op for.

``standard_gamma`` is torch._standard_gamma with its implicit reparameterization gradient
(dx/dalpha = -(dF/dalpha)(x; alpha) / f(x; alpha), F the regularized incomplete gamma
function), ``binomial`` is torch.binomial and ``gammainc`` is torch.special.gammainc (with the
gradient in x).  Samples draw from graphtorch's default generator, so torch.manual_seed
makes them reproducible."""
from __future__ import annotations

import numpy as np
from scipy import special as sp

import graphtorch as torch
from graphtorch.autograd import Function
from graphtorch.eager.generator import default_generator

__all__ = ["standard_gamma", "binomial", "gammainc"]


def _np(t):
    return t.detach().cpu().numpy()


def _wrap(arr, like):
    """A numpy result as a tensor with ``like``'s dtype and device."""
    return torch.from_numpy(np.ascontiguousarray(arr)).to(dtype=like.dtype, device=like.device)


def _standard_gamma_grad(x, alpha):
    """d sample / d alpha at fixed CDF value (float64 central differences of gammainc)."""
    a = alpha.astype(np.float64)
    xs = np.maximum(x.astype(np.float64), np.finfo(np.float64).tiny)
    h = 1e-5 * a
    dcdf = (sp.gammainc(a + h, xs) - sp.gammainc(a - h, xs)) / (2 * h)
    log_pdf = (a - 1) * np.log(xs) - xs - sp.gammaln(a)
    return -dcdf / np.exp(log_pdf)


class _StandardGamma(Function):
    @staticmethod
    def forward(ctx, alpha):
        a = _np(alpha)
        x = default_generator._np.standard_gamma(a.astype(np.float64))
        # a zero sample breaks log_prob and the gradient; torch clamps to tiny as well
        x = np.maximum(x, np.finfo(a.dtype).tiny)
        out = _wrap(x, alpha)
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        alpha, x = ctx.saved_tensors
        return grad * _wrap(_standard_gamma_grad(_np(x), _np(alpha)), alpha)


def standard_gamma(alpha):
    """Samples of Gamma(alpha, 1), differentiable in ``alpha`` (implicit reparameterization)."""
    return _StandardGamma.apply(alpha)


def binomial(count, prob):
    """Binomial(count, prob) samples (no gradient), with ``prob``'s dtype."""
    n = np.rint(_np(count)).astype(np.int64)
    p = np.clip(_np(prob).astype(np.float64), 0.0, 1.0)
    return _wrap(default_generator._np.binomial(n, p).astype(np.float64), prob)


class _GammaInc(Function):
    @staticmethod
    def forward(ctx, a, x):
        ctx.save_for_backward(a, x)
        a_np, x_np = np.broadcast_arrays(_np(a).astype(np.float64), _np(x).astype(np.float64))
        return _wrap(sp.gammainc(a_np, x_np), x)

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        # d/dx P(a, x) is the Gamma(a, 1) density; torch has no gradient in a either
        pdf = torch.exp((a - 1) * torch.log(x) - x - torch.lgamma(a))
        return None, grad * pdf


def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    a, x = torch.broadcast_tensors(a, x)
    return _GammaInc.apply(a, x)
