"""torch.cov / torch.corrcoef as composites of differentiable tensor ops."""
from __future__ import annotations

import builtins

from ..ops import dtypes as D
from ._bind import both


def _check_weights(w, name, integral, n):
    if w is None:
        return None
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    is_int = w.dtype.category <= D._INT and w.dtype is not D.bool
    if integral and not is_int:
        raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights "
                           f"with {D.SCALAR_NAMES[w.dtype]} dtype")
    if not integral and w.dtype.category != D._FLOAT:
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                           f"aweights with {D.SCALAR_NAMES[w.dtype]} dtype")
    if bool((w < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w


@both
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the variables in the rows of ``input`` (observations in columns),
    optionally with integer frequency weights and float observation weights."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if x.dtype.category < D._FLOAT:
        x = x.float()
    n = x.shape[1]
    fw = _check_weights(fweights, "fweights", True, n)
    aw = _check_weights(aweights, "aweights", False, n)
    w = fw if aw is None else (aw if fw is None else fw * aw)
    if w is None:
        w_sum = float(n)
        avg = x.mean(1)
        norm = w_sum - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        norm = w_sum - correction * (w * aw).sum() / w_sum if (aw is not None and correction) \
            else w_sum - correction
    norm_ok = float(norm) > 0
    xc = x - avg.unsqueeze(1)
    c = xc @ (xc if w is None else xc * w).mT.conj()
    # torch warns and divides by zero when the degrees of freedom are <= 0
    c = c / (norm if norm_ok else 0.0 * norm)
    return c.squeeze()


@both
def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input``."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().real.sqrt() if c.is_complex() else c.diagonal().sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    if c.is_complex():
        from .creation_complex import complex as _complex
        return _complex(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
    return c.clamp(-1, 1)


@both
def histogramdd(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """Multi-dimensional histogram of the points in the last dim of ``input``:
    (hist, bin_edges tuple); ``bins`` is an int, one int per dim or one edge tensor per dim."""
    import numpy as np

    from .. import return_types as RT
    from ..eager.tensor import Tensor, wrap
    if input.dtype.category != D._FLOAT:
        raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the "
                           f"same dtype, but got input {input.dtype}")
    d = input.shape[-1]
    pts = input.detach().numpy().reshape(-1, d)
    if isinstance(bins, int):
        b = [bins] * d
    else:
        b = [t.detach().numpy() if isinstance(t, Tensor) else int(t) for t in bins]
    rng = None if range is None else [(range[2 * i], range[2 * i + 1]) for i in builtins.range(d)]
    w = None if weight is None else weight.detach().numpy().reshape(-1)
    hist, edges = np.histogramdd(pts, bins=b, range=rng, weights=w, density=density)
    dt = input.dtype.np
    return RT.histogramdd((wrap(hist.astype(dt)), tuple(wrap(e.astype(dt)) for e in edges)))

