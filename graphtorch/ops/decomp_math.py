"""Decompositions of the composite linalg and statistics ops: the fused multiply-adds
(addmm, addmv, addr, baddbmm, addbmm) into a product plus scaled adds, and logsumexp,
var / std (and their _mean pairs) and the vector norm into pointwise ops and sums."""
from __future__ import annotations

import math

from . import dtypes as D
from .decomp_nn import attach
from .meta import wrap_dims


def _dims(dim, ndim):
    """The reduced dims as a list; None, () and [] reduce everything."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0) or ndim == 0:
        return list(range(ndim))
    return list(wrap_dims(dim, ndim, "decomp"))


def _squeeze(r, dims, keepdim):
    if keepdim:
        return r
    return r.reshape([s for i, s in enumerate(r.shape) if i not in dims])


# ------------------------------------------------------------------------------ fused products
def _addmm_family(inp, a, b, beta=1, alpha=1, reduce_batch=False, outer=False):
    """beta * inp + alpha * product; beta == 0 ignores inp (nan included), as in PyTorch."""
    if outer:
        prod = a.unsqueeze(1) * b.unsqueeze(0)
    else:
        prod = a @ b
        if reduce_batch:
            prod = prod.sum(0)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        return prod
    return prod + (inp if beta == 1 else inp * beta)


def trace(x):
    return x.diagonal().sum()


# ------------------------------------------------------------------------------ statistics
def mean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    dims = _dims(dim, x.dim())
    return x.sum(dims, keepdim=keepdim) / math.prod(x.shape[d] for d in dims)


def nanmean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    dims = _dims(dim, x.dim())
    return x.nansum(dims, keepdim=keepdim) / (x == x).sum(dims, keepdim=keepdim)


def count_nonzero(x, dim=None):
    return (x != 0).sum(_dims(dim, x.dim()))


def logsumexp(x, dim=(), keepdim=False):
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(D.get_default_dtype())
    dims = _dims(dim, x.dim())
    if x.numel() == 0:
        return x.exp().sum(dims, keepdim=keepdim).log()
    m = x.amax(dims, keepdim=True).detach()
    m = m.masked_fill(m.isinf(), 0)  # all -inf (or an inf): do not shift by inf
    r = (x - m).exp().sum(dims, keepdim=True).log() + m
    return _squeeze(r, dims, keepdim)


def _moments(x, dim, correction, keepdim):
    dims = _dims(dim, x.dim())
    n = math.prod(x.shape[d] for d in dims)
    mean = x.sum(dims, keepdim=True) / n
    d = x - mean
    sq = d.real * d.real + d.imag * d.imag if d.is_complex() else d * d
    var = sq.sum(dims, keepdim=keepdim) / max(n - correction, 0)
    return var, mean if keepdim else mean.reshape(var.shape)


def var(x, dim=None, correction=1, keepdim=False):
    return _moments(x, dim, correction, keepdim)[0]


def std(x, dim=None, correction=1, keepdim=False):
    return _moments(x, dim, correction, keepdim)[0].sqrt()


def var_mean(x, dim=None, correction=1, keepdim=False):
    return _moments(x, dim, correction, keepdim)


def std_mean(x, dim=None, correction=1, keepdim=False):
    v, m = _moments(x, dim, correction, keepdim)
    return v.sqrt(), m


def norm(x, p=2.0, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    a = x.abs()
    dims = _dims(dim, x.dim())
    if p == math.inf:
        return a.amax(dims, keepdim=keepdim)
    if p == -math.inf:
        return a.amin(dims, keepdim=keepdim)
    if p == 0:
        return (a != 0).to(a.dtype).sum(dims, keepdim=keepdim)
    if p == 1:
        return a.sum(dims, keepdim=keepdim)
    if p == 2:
        return (a * a).sum(dims, keepdim=keepdim).sqrt()
    return a.pow(p).sum(dims, keepdim=keepdim).pow(1.0 / p)


attach({"addmm": _addmm_family, "addmv": _addmm_family, "addr": _addmm_family,
        "baddbmm": _addmm_family, "addbmm": _addmm_family, "trace": trace, "mean": mean,
        "nanmean": nanmean, "count_nonzero": count_nonzero,
        "logsumexp": logsumexp,
        "var": var, "std": std, "var_mean": var_mean, "std_mean": std_mean, "norm": norm})
