"""Scans and counting ops: cumsum, cumprod, cummax, cummin, logcumsumexp, diff, unique,
unique_consecutive, bincount, histc, searchsorted, bucketize.

Ops whose output size depends on the data (unique, bincount) report that size in meta as an
``Unbacked`` dim: a size known only once the kernel has run."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import wrap_dim
from .reduction import sum_dtype
from .reduction_order import along, keys, route
from .reduction_stats import FLOATS, opdef
from .registry import Sample


class Unbacked:
    """A data-dependent size in a meta shape; equal to any int (it is unknown until run)."""

    def __init__(self, name):
        self.name = name

    def __eq__(self, other):
        return isinstance(other, (int, Unbacked))

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return self.name


def _same_shape(x, dim, **_):
    wrap_dim(dim, x.ndim, "")
    return x


# ------------------------------------------------------------------------------ cumsum / cumprod
def _cum_meta_for(name):
    def meta(x, dim, dtype=None, reverse=False):
        wrap_dim(dim, x.ndim, name)
        return x.with_(dtype=sum_dtype(x.dtype, dtype))
    return meta


def _cum_for(fn):
    def compute(xp, m, x, dim, dtype=None, reverse=False):
        x, axis = along(x, dim, "")
        x = x.astype(np.float32 if m.dtype in (D.float16, D.bfloat16) else m.dtype.np)
        if reverse:
            return xp.flip(fn(xp.flip(x, axis), axis=axis), axis)
        return fn(x, axis=axis)
    return compute


def _cumsum_vjp(ctx, g):
    dim = ctx.attrs["dim"]
    return (g.cumsum(dim) if ctx.attrs.get("reverse") else g._cumsum_reverse(dim),)


def _scan_samples(dt, **kw):
    return [Sample((S.array((3, 4), dt),), dict(kw, dim=1)),
            Sample((S.array((2, 3, 4), dt),), dict(kw, dim=0)),
            Sample((S.array((3, 4), dt),), dict(kw, dim=-2)),
            Sample((S.array((), dt),), dict(kw, dim=0)),
            Sample((S.array((0, 3), dt),), dict(kw, dim=0), grad=False)]


cumsum = opdef("cumsum", _cum_for(np.cumsum), _cum_meta_for("cumsum"), vjp=_cumsum_vjp,
               save_inputs=(), dtypes=S.ALL_REAL,
               samples=lambda dt: _scan_samples(dt) + [
                   Sample((S.array((3, 4), dt),), {"dim": 1, "reverse": True})])


def _cumprod_vjp(ctx, g):
    x, dim = ctx.inputs[0], ctx.attrs["dim"]
    if bool((x == 0).any()):
        return (g._cumprod_backward(x, dim=dim),)
    return ((g * ctx.output)._cumsum_reverse(dim) / x,)


cumprod = opdef("cumprod", _cum_for(np.cumprod), _cum_meta_for("cumprod"), vjp=_cumprod_vjp,
                save_inputs=(0,), save_output=True, dtypes=S.ALL_REAL,
                samples=lambda dt: _scan_samples(dt) + ([Sample((np.array(
                    [[1.5, 0.0, 2.0, 0.5], [0.0, 1.2, 0.0, 0.7]], dt.np),), {"dim": 1},
                    name="zeros")] if dt.category >= D._FLOAT else []))


def _cumprod_bw(xp, m, g, x, dim):
    """Exact gradient of cumprod for inputs with zeros: sum_{k>=i} g_k prod_{j<=k, j!=i} x_j."""
    x1, axis = along(x, dim, "")
    xs, gs = xp.moveaxis(x1, axis, -1), xp.moveaxis(g.reshape(x1.shape), axis, -1)
    out = xp.zeros(xs.shape, xs.dtype)
    n = xs.shape[-1]
    for i in range(n):
        others = xp.cumprod(xp.where(xp.arange(n) == i, 1, xs), axis=-1)
        out[..., i] = xp.sum((gs * others)[..., i:], axis=-1)
    return xp.moveaxis(out, -1, axis).reshape(x.shape)


cumprod_backward = opdef(
    "_cumprod_backward", _cumprod_bw, lambda g, x, dim: x, differentiable=False,
    samples=lambda dt: [Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1)), {"dim": 1})],
    dtypes=S.FLOAT_DTYPES)


# ------------------------------------------------------------------------------ cummax / cummin
def _cumext_meta(x, dim):
    wrap_dim(dim, x.ndim, "cummax")
    return x, x.with_(dtype=D.int64)


def _cumext_for(better):
    def compute(xp, m, x, dim):
        x1, axis = along(x, dim, "")
        k = xp.moveaxis(keys(x1), axis, 0)
        vals = xp.moveaxis(x1, axis, 0).copy()
        idx = xp.zeros(k.shape, np.int64)
        isnan = xp.isnan(k) if k.dtype.kind == "f" else xp.zeros(k.shape, bool)
        cur, cur_i = k[:1].copy(), xp.zeros(k.shape[1:], np.int64)
        for i in range(k.shape[0]):
            # ties move to the later index; a NaN sticks (and a later NaN takes over)
            take = (better(k[i], cur[0]) | (k[i] == cur[0]) | isnan[i]) & ~(
                xp.isnan(cur[0]) & ~isnan[i]) if i else xp.ones(k.shape[1:], bool)
            cur[0] = xp.where(take, k[i], cur[0])
            cur_i = xp.where(take, i, cur_i)
            idx[i] = cur_i
        vals = xp.take_along_axis(xp.moveaxis(x1, axis, 0), idx, axis=0)
        return xp.moveaxis(vals, 0, axis).reshape(x.shape), xp.moveaxis(idx, 0, axis).reshape(
            x.shape)
    return compute


def _cumext_vjp(ctx, g, gi=None):
    if g is None:
        return (None,)
    return (route(g, ctx.output[1], ctx, keepdim=True),)


cummax = opdef("cummax", _cumext_for(np.greater), _cumext_meta, vjp=_cumext_vjp, save_inputs=(),
               save_output=(1,), num_outputs=2, nondiff_outputs=(1,), samples=_scan_samples,
               dtypes=S.ALL_REAL)
cummin = opdef("cummin", _cumext_for(np.less), _cumext_meta, vjp=_cumext_vjp, save_inputs=(),
               save_output=(1,), num_outputs=2, nondiff_outputs=(1,), samples=_scan_samples,
               dtypes=S.ALL_REAL)


# ------------------------------------------------------------------------------ logcumsumexp
def _lcse_meta(x, dim):
    wrap_dim(dim, x.ndim, "logcumsumexp")
    if x.dtype.category < D._FLOAT:
        raise NotImplementedError(
            f"\"logcumsumexp_out_cpu\" not implemented for '{D.SCALAR_NAMES[x.dtype]}'")
    return x


def _lcse(xp, m, x, dim):
    x1, axis = along(x, dim, "")
    a = x1.astype(np.float32) if m.dtype in (D.float16, D.bfloat16) else x1
    return xp.logaddexp.accumulate(a, axis=axis) if a.size else a.copy()


def _lcse_vjp(ctx, g):
    x, y, dim = ctx.inputs[0], ctx.output, ctx.attrs["dim"]
    return ((g * (-y).exp())._cumsum_reverse(dim) * x.exp(),)


logcumsumexp = opdef("logcumsumexp", _lcse, _lcse_meta, vjp=_lcse_vjp, save_inputs=(0,),
                     save_output=True, samples=_scan_samples, dtypes=FLOATS)


# ------------------------------------------------------------------------------ diff
def _diff_meta(x, prepend=None, append=None, n=1, dim=-1):
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    axis = wrap_dim(dim, x.ndim, "diff")
    dt, size = x.dtype, x.shape[axis]
    for p in (prepend, append):
        if p is not None:
            dt = D.promote_types(dt, p.dtype)
            size += p.shape[axis] if p.ndim else 1
    shape = x.shape[:axis] + (max(size - n, 0),) + x.shape[axis + 1:]
    return x.with_(shape=shape, dtype=dt)


def _diff(xp, m, x, prepend=None, append=None, n=1, dim=-1):
    axis = wrap_dim(dim, x.ndim, "diff")
    parts = [p if p.ndim else xp.broadcast_to(p, x.shape[:axis] + (1,) + x.shape[axis + 1:])
             for p in (prepend, x, append) if p is not None]
    a = xp.concatenate([p.astype(m.dtype.np) for p in parts], axis=axis) if len(parts) > 1 \
        else x
    for _ in range(n):
        if a.shape[axis] == 0:
            break
        a = xp.diff(a, axis=axis)
    return a


def _diff_vjp(ctx, g):
    n, dim = ctx.attrs.get("n", 1), ctx.attrs.get("dim", -1)
    shape = list(g.shape)
    axis = wrap_dim(dim, len(shape))
    shape[axis] = n
    z = g.new_zeros(shape)
    full = g.diff(n, dim, prepend=z, append=z)  # the adjoint of n differences, up to sign
    full = -full if n % 2 else full
    grads, start = [None, None, None], 0
    metas = tuple(ctx._input_meta) + (None,) * (3 - len(ctx._input_meta))
    for i in (1, 0, 2):  # the order in which the inputs were concatenated
        meta = metas[i]
        if meta is None:
            continue
        size = meta[0][axis] if len(meta[0]) else 1
        part = full.narrow(axis, start, size) if full.shape[axis] != size else full
        grads[i] = part if len(meta[0]) else part.sum()
        start += size
    return tuple(grads[:len(ctx._input_meta)])


diff = opdef("diff", _diff, _diff_meta, vjp=_diff_vjp, save_inputs=(), dtypes=S.ALL_REAL,
             grad_name="SubBackward0",
             samples=lambda dt: [Sample((S.array((3, 4), dt),), {}),
                                 Sample((S.array((3, 4), dt),), {"n": 2, "dim": 0}),
                                 Sample((S.array((3, 4), dt), S.array((3, 1), dt, 1),
                                         S.array((3, 2), dt, 2)), {"n": 2}),
                                 Sample((S.array((2, 3), dt),), {"n": 5})])


# ------------------------------------------------------------------------------ unique
def _unique_meta(x, sorted=True, dim=None, consecutive=False):  # noqa: A002 - torch's name
    if dim is None:
        n = Unbacked("u0")
        return (x.with_(shape=(n,)), x.with_(shape=x.shape, dtype=D.int64),
                x.with_(shape=(n,), dtype=D.int64))
    axis = wrap_dim(dim, x.ndim, "unique")
    n = Unbacked("u0")
    return (x.with_(shape=x.shape[:axis] + (n,) + x.shape[axis + 1:]),
            x.with_(shape=(x.shape[axis],), dtype=D.int64), x.with_(shape=(n,), dtype=D.int64))


def _unique(xp, m, x, sorted=True, dim=None, consecutive=False):  # noqa: A002
    if dim is None:
        rows = x.reshape(-1, 1)
        axis = 0
    else:
        axis = wrap_dim(dim, x.ndim, "unique")
        rows = xp.moveaxis(x, axis, 0).reshape(x.shape[axis] if x.ndim else 1, -1)
    k = keys(rows)
    if consecutive:
        change = xp.ones(len(k), bool)
        change[1:] = (k[1:] != k[:-1]).any(axis=1)
        first = xp.flatnonzero(change)
        inv = xp.cumsum(change) - 1
        counts = xp.diff(xp.append(first, len(k)))
        picked = rows[first]
    else:
        _, first, inv, counts = np.unique(k, axis=0, return_index=True, return_inverse=True,
                                          return_counts=True)
        picked = rows[first]
    if dim is None:
        return picked.reshape(-1), inv.reshape(x.shape), counts
    rest = tuple(s for i, s in enumerate(x.shape) if i != axis)
    vals = xp.moveaxis(picked.reshape((len(picked),) + rest), 0, axis)
    return vals, inv.reshape(-1), counts


def _unique_samples(dt):
    a = np.array([[3, 1, 2], [1, 1, 0], [3, 1, 2]]).astype(dt.np)
    return [Sample((a,), {}), Sample((a,), {"dim": 0}), Sample((a,), {"dim": 1}),
            Sample((a,), {"consecutive": True}), Sample((a,), {"consecutive": True, "dim": 0}),
            Sample((np.zeros((0,), dt.np),), {})]


unique = opdef("unique", _unique, _unique_meta, differentiable=False, num_outputs=3,
               samples=_unique_samples, dtypes=S.ALL_REAL)


# ------------------------------------------------------------------------------ bincount / histc
def _bincount_meta(x, weights=None, minlength=0):
    if x.dtype.category != D._INT:
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{D.SCALAR_NAMES[x.dtype]}'")
    if x.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and tuple(weights.shape) != tuple(x.shape):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dt = D.int64 if weights is None else (
        weights.dtype if weights.dtype is D.float32 else D.float64)
    return x.with_(shape=(Unbacked("u0"),), dtype=dt)


def _bincount(xp, m, x, weights=None, minlength=0):
    if x.size and int(x.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else weights.astype(np.float64)
    return xp.bincount(x.astype(np.int64), w, minlength=minlength)


bincount = opdef("bincount", _bincount, _bincount_meta, differentiable=False,
                 dtypes=(D.uint8, D.int8, D.int16, D.int32, D.int64),
                 samples=lambda dt: [Sample((np.array([1, 1, 3, 0], dt.np),), {}),
                                     Sample((np.array([1, 1, 3], dt.np),
                                             np.array([.5, .5, 1.], np.float32)),
                                            {"minlength": 6}),
                                     Sample((np.zeros(0, dt.np),), {})])


def _histc_meta(x, bins=100, min=0, max=0):  # noqa: A002 - torch's names
    if x.dtype.category < D._FLOAT:
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{D.SCALAR_NAMES[x.dtype]}'")
    if bins <= 0:
        raise RuntimeError("torch.histc(): bins must be > 0, but got "
                           f"{bins} for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc(): max must be larger than min")
    return x.with_(shape=(bins,))


def _histc(xp, m, x, bins=100, min=0, max=0):  # noqa: A002
    a = x.reshape(-1).astype(np.float64)
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc(): range of [{lo:g}, {hi:g}] is not finite")
    a = a[(a >= lo) & (a <= hi)]
    pos = ((a - lo) * bins / (hi - lo)).astype(np.int64)
    return xp.bincount(xp.minimum(pos, bins - 1), minlength=bins)[:bins]


histc = opdef("histc", _histc, _histc_meta, differentiable=False, dtypes=FLOATS,
              samples=lambda dt: [Sample((S.array((3, 4), dt),), {"bins": 5}),
                                  Sample((S.array((10,), dt),), {"bins": 4, "min": -1, "max": 1}),
                                  Sample((np.zeros(0, dt.np),), {})])


# ------------------------------------------------------------------------------ searchsorted
def _ss_meta(seq, values, sorter=None, right=False, out_int32=False, bucketize=False):
    vshape = () if not hasattr(values, "shape") else tuple(values.shape)
    if bucketize and seq.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({seq.ndim})")
    if seq.ndim > 1 and (len(vshape) != seq.ndim or vshape[:-1] != tuple(seq.shape[:-1])):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(seq.shape)} and input value tensor {list(vshape)}")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    return seq.with_(shape=vshape, dtype=D.int32 if out_int32 else D.int64)


def _ss(xp, m, seq, values, sorter=None, right=False, out_int32=False, bucketize=False):
    side = "right" if right else "left"
    values = xp.asarray(values)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter.astype(np.int64), axis=-1)
    if seq.ndim == 1:
        return xp.searchsorted(keys(seq), keys(values), side=side)
    s2, v2 = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
    out = xp.stack([xp.searchsorted(keys(a), keys(b), side=side) for a, b in zip(s2, v2)])
    return out.reshape(values.shape)


searchsorted = opdef(
    "searchsorted", _ss, _ss_meta, differentiable=False, dtypes=S.NUMERIC,
    samples=lambda dt: [Sample((np.array([1, 3, 5, 7], dt.np), np.array([[3, 6], [0, 9]], dt.np)),
                               {}),
                        Sample((np.array([1, 3, 5, 7], dt.np), np.array([3, 5], dt.np)),
                               {"right": True, "out_int32": True}),
                        Sample((np.array([[1, 3, 5], [2, 4, 6]], dt.np),
                                np.array([[3], [5]], dt.np)), {}),
                        Sample((np.array([5, 1, 3], dt.np), np.array([2, 4], dt.np),
                                np.array([1, 2, 0])), {}, name="sorter"),
                        Sample((np.array([1, 3], dt.np), 2), {"bucketize": True})])
