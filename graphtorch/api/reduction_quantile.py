"""quantile and nanquantile, composed of sort + gather + lerp (so they are differentiable and
traceable without an op of their own)."""
from __future__ import annotations

from ..eager.tensor import Tensor
from ..ops import dtypes as D
from ._bind import both
from ._util import write_out

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_tensor(input, q):
    from .creation import tensor
    if isinstance(q, Tensor):
        if q.dim() > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q._dtype is not input._dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if q.numel() and bool(((q < 0) | (q > 1)).any()):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
        return q
    if not 0 <= q <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
    return tensor(q, dtype=input._dtype)


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    if input._dtype not in (D.float32, D.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    qt = _q_tensor(input, q)
    if interpolation not in _MODES:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if dim is None or input.dim() == 0:
        if dim is not None and dim not in (-1, 0):
            raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but "
                             f"got {dim})")
        x = input.flatten()
    else:
        x = input.movedim(dim, -1)
    srt = x.sort(-1).values  # NaN sorts last
    n = x.shape[-1]
    nan = srt.isnan()
    if ignore_nan:
        cnt = (~nan).sum(-1, keepdim=True)
        ranks = (qt.reshape(-1) * (cnt - 1).to(input._dtype)).clamp(min=0)
    else:
        # any NaN in a slice makes its quantiles NaN: point every rank at the last (NaN) value
        ranks = (qt.reshape(-1) * (n - 1)).expand(srt.shape[:-1] + (qt.numel(),))
        ranks = ranks.masked_fill(nan.any(-1, keepdim=True), float(n - 1))
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()  # half to even, as torch
    lo = ranks.floor()
    v_lo = srt.gather(-1, lo.long())
    v_hi = srt.gather(-1, ranks.ceil().long())
    if interpolation == "midpoint":
        out = v_lo.lerp(v_hi, 0.5)
    elif interpolation == "linear":
        out = v_lo.lerp(v_hi, ranks - lo)
    else:
        out = v_lo
    return _shape_result(out, input, qt, dim, keepdim)


def _shape_result(out, input, qt, dim, keepdim):
    """(..., Q) -> torch's layout: the q dim first (only for a 1-D q), then the kept dims."""
    if keepdim:
        if dim is None:
            out = out.reshape(out.shape[:-1] + (1,) * input.dim() + out.shape[-1:])
        elif input.dim():
            out = out.unsqueeze(dim % input.dim())
    out = out.movedim(-1, 0)
    return out if qt.dim() == 1 else out.squeeze(0)


@both
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles of ``input`` along ``dim`` (flattened when None).

    Args:
        q: a float in [0, 1] or a 1-D tensor of them (its quantiles come first in the result).
        interpolation: between the two nearest ranks: 'linear', 'lower', 'higher',
            'midpoint' or 'nearest'.
    """
    r = _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)
    return write_out(r, out) if out is not None else r


@both
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """quantile ignoring NaN values (a slice of only NaNs gives NaN)."""
    r = _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)
    return write_out(r, out) if out is not None else r
