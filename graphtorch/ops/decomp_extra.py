"""Decompositions of the remaining composite spatial ops (transposed convolution, adaptive and
fractional max pooling, max unpooling, col2im, upsampling, CTC loss, affine grids) into
primitive ops, written with Tensor methods only.

Index and interpolation tables that depend only on shapes and attributes are built in Python
and enter the graph as constants (``new_tensor``), so a tracer sees plain gathers, scatters
and matmuls."""
from __future__ import annotations

import itertools
import math

import numpy as np

from . import dtypes as D
from .decomp_nn import attach, cat, constant_pad_nd
from .decomp_spatial import _tup, convolution
from .nn_grid import _base_grid
from .nn_interp import _mats
from .nn_spatial_pool import adaptive_starts
from .registry import get


def _stack(tensors, dim):
    """torch.stack through the registry (Tensor has no stack method)."""
    return tensors[0]._dispatch(get("stack"), *tensors, dim=dim)


def _index(x, values):
    """An int64 constant tensor (shape of the nested list ``values``)."""
    return x.new_tensor(values, dtype=D.int64)


# ------------------------------------------------------------------------------ conv_transpose
def _dilate(x, dim, s):
    """Insert ``s - 1`` zeros between consecutive entries of ``x`` along ``dim``."""
    n = x.shape[dim]
    if s == 1 or n == 0:
        return x
    shape = list(x.shape)
    shape.insert(dim + 1, s - 1)
    y = cat([x.unsqueeze(dim + 1), x.new_zeros(shape)], dim + 1)
    merged = list(x.shape)
    merged[dim] = n * s
    return y.reshape(merged).narrow(dim, 0, (n - 1) * s + 1)


def conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    """The adjoint of convolution as a convolution: zero-insert the input by the stride, pad
    each side by dilation*(k-1)-padding (plus output_padding on the right; negative pads crop)
    and convolve with the spatially flipped weight whose in/out channels are swapped per
    group."""
    nd = w.dim() - 2
    s, p = _tup(stride, nd), _tup(padding, nd)
    op, d = _tup(output_padding, nd), _tup(dilation, nd)
    k = tuple(w.shape[2:])
    y = x
    for i in range(nd):
        y = _dilate(y, 2 + i, s[i])
    pad = []
    for i in reversed(range(nd)):   # constant_pad_nd lists the last dim first
        e = d[i] * (k[i] - 1) - p[i]
        pad += [e, e + op[i]]
    y = constant_pad_nd(y, tuple(pad), 0)
    cin, coutg = w.shape[0], w.shape[1]
    wt = w.reshape((groups, cin // groups, coutg) + k).transpose(1, 2)
    wt = wt.reshape((groups * coutg, cin // groups) + k).flip(list(range(2, 2 + nd)))
    return convolution(y, wt, b, 1, 0, d, groups)


# ------------------------------------------------------------------------------ pooling
def _window_max(x, nd, starts, lens, outs):
    """Max and flat spatial argmax of the windows [starts[i][o], +lens[i][o]) per dim, one
    slice per output position, stacked back into (..., *outs)."""
    lead = x.dim() - nd
    spatial = tuple(x.shape[lead:])
    vals, idxs = [], []
    for pos in itertools.product(*(range(o) for o in outs)):
        win = x
        for i, o in enumerate(pos):
            win = win.narrow(lead + i, starts[i][o], lens[i][o])
        v, a = win.reshape(tuple(x.shape[:lead]) + (-1,)).max(-1)
        index = None
        for i, o in enumerate(pos):   # window-local row-major tap -> input coordinate
            inner = math.prod(lens[j][pos[j]] for j in range(i + 1, nd))
            coord = a.floor_divide(inner).remainder(lens[i][o]) + starts[i][o]
            index = coord if index is None else index * spatial[i] + coord
        vals.append(v)
        idxs.append(index)
    shape = tuple(x.shape[:lead]) + tuple(outs)
    return _stack(vals, -1).reshape(shape), _stack(idxs, -1).reshape(shape)


def adaptive_max_pool(x, output_size):
    nd = len(output_size)
    lead = x.dim() - nd
    if any(o == 0 for o in output_size) or x.numel() == 0:
        shape = tuple(x.shape[:lead]) + tuple(output_size)
        return x.new_zeros(shape), x.new_zeros(shape, dtype=D.int64)
    starts, lens = [], []
    for i, out in enumerate(output_size):
        st, ln = adaptive_starts(x.shape[lead + i], out)
        starts.append([int(v) for v in st])
        lens.append([int(v) for v in ln])
    return _window_max(x, nd, starts, lens, tuple(output_size))


def _frac_starts(u, size, out, pool):
    """Window starts (planes, out) from the uniform samples ``u`` (planes,), computed in u's
    dtype as the kernel does: int((i + u) * alpha) - int(u * alpha), the last at size-pool."""
    last = u.new_full(tuple(u.shape) + (1,), size - pool).long()
    if out == 1:
        return last
    alpha = u.new_tensor(float(size - pool)) / u.new_tensor(float(out - 1))
    i = u.new_tensor([float(v) for v in range(out - 1)])
    uu = u.unsqueeze(-1)
    seq = ((i + uu) * alpha).trunc().long() - (uu * alpha).trunc().long()
    return cat([seq, last], -1)


def fractional_max_pool(x, samples, kernel_size, output_size):
    """Windows of fixed size at data-dependent starts: gather each dim's windows with an
    index built from the random samples, then reduce over the taps."""
    nd = len(kernel_size)
    lead = x.dim() - nd
    c = x.shape[lead - 1]
    planes = math.prod(x.shape[:lead])
    shape = tuple(x.shape[:lead]) + tuple(output_size)
    if planes == 0:
        return x.new_zeros(shape), x.new_zeros(shape, dtype=D.int64)
    spatial = tuple(x.shape[lead:])
    u = samples.narrow(0, 0, planes // c).reshape(planes, nd)
    order = (1, 0) if nd == 2 else tuple(range(nd))   # PyTorch reads (w, h) for 2-d
    y = x.reshape((planes,) + spatial)
    coords = []
    for i in range(nd):
        st = _frac_starts(u.select(1, order[i]), spatial[i], output_size[i], kernel_size[i])
        taps = st.unsqueeze(-1) + _index(x, list(range(kernel_size[i])))  # (planes, out, k)
        coords.append(taps.reshape(planes, -1))
        # gather along spatial dim i of y: index broadcast over the other dims
        dim = 1 + i
        view = [planes] + [1] * (y.dim() - 1)
        view[dim] = output_size[i] * kernel_size[i]
        idx = taps.reshape(view).expand(tuple(y.shape[:dim]) + (view[dim],) +
                                        tuple(y.shape[dim + 1:]))
        y = y.gather(dim, idx)
    # y: (planes, out0*k0, out1*k1, ...) -> (planes, *outs, *ks) -> flattened taps
    split = [planes]
    for o, k in zip(output_size, kernel_size):
        split += [o, k]
    y = y.reshape(split).permute([0] + [1 + 2 * i for i in range(nd)] +
                                 [2 + 2 * i for i in range(nd)])
    vals, arg = y.reshape((planes,) + tuple(output_size) + (-1,)).max(-1)
    index = None
    for i in range(nd):
        tap = arg.floor_divide(math.prod(kernel_size[i + 1:])).remainder(kernel_size[i])
        st = coords[i].reshape(planes, output_size[i], kernel_size[i]).select(2, 0)
        st = st.reshape([planes] + [1] * i + [output_size[i]] + [1] * (nd - 1 - i))
        coord = st + tap
        index = coord if index is None else index * spatial[i] + coord
    return vals.reshape(shape), index.reshape(shape)


# ------------------------------------------------------------------------------ scatters
def max_unpool(x, indices, output_size):
    """Scatter each value to its flat spatial index in a zero plane (last write wins for
    duplicate indices, as the kernel's assignment)."""
    nd = len(output_size)
    lead = tuple(x.shape[:x.dim() - nd])
    rows = math.prod(lead)
    flat = x.new_zeros((rows, math.prod(output_size)))
    y = flat.scatter(1, indices.reshape(rows, -1), x.reshape(rows, -1))
    return y.reshape(lead + tuple(output_size))


def col2im(x, output_size, kernel_size, dilation, padding, stride):
    """fold: index_add every (tap, block) column onto its pixel of the padded output plane,
    then crop the padding."""
    k, d, p, s = (_tup(v, 2) for v in (kernel_size, dilation, padding, stride))
    n, ck, nblocks = x.shape
    c = ck // math.prod(k)
    outs = tuple((output_size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1
                 for i in range(2))
    hp, wp = output_size[0] + 2 * p[0], output_size[1] + 2 * p[1]
    pos = [(ki * d[0] + oi * s[0]) * wp + kj * d[1] + oj * s[1]
           for ki in range(k[0]) for kj in range(k[1])
           for oi in range(outs[0]) for oj in range(outs[1])]
    cols = x.reshape(n, c, math.prod(k) * nblocks)
    y = x.new_zeros((n, c, hp * wp)).index_add(2, _index(x, pos), cols)
    y = y.reshape(n, c, hp, wp)
    return y.narrow(2, p[0], output_size[0]).narrow(3, p[1], output_size[1])


# ------------------------------------------------------------------------------ upsample
def upsample(x, mode, output_size, scales=None, align_corners=None):
    """One matmul per spatial dim with the kernel's (out, in) interpolation matrix as a
    constant; nearest modes are an index_select of the source rows (exact, no 0*inf)."""
    nd = len(output_size)
    lead = x.dim() - nd
    mats = _mats(mode, tuple(x.shape[lead:]), tuple(output_size), scales, align_corners,
                 x.dtype.np)
    y = x
    for i, m in enumerate(mats):
        dim = lead + i
        if mode in ("nearest", "nearest-exact"):
            y = y.index_select(dim, _index(x, [int(r) for r in np.argmax(m, axis=1)]))
        else:
            mt = x.new_tensor(m.T.tolist())                       # (in, out)
            y = (y.movedim(dim, -1) @ mt).movedim(-1, dim)
    return y.contiguous() if y is not x else y.clone()


attach({"conv_transpose": conv_transpose, "adaptive_max_pool": adaptive_max_pool,
        "fractional_max_pool": fractional_max_pool, "max_unpool": max_unpool,
        "col2im": col2im, "upsample": upsample})


# ------------------------------------------------------------------------------ ctc_loss
_NEG_INF = -math.inf


def _lse(parts):
    """log(sum(exp(parts))) over a list of same-shape tensors; all -inf gives -inf (the
    registry logsumexp is itself composite, so it is written out here)."""
    x = _stack(parts, 0)
    m = x.amax(0)
    m = m.where(m.isfinite(), m.new_zeros(()))
    total = (x - m).exp().sum(0)
    # log of 1 where every part is -inf, so the masked branch's gradient stays finite
    hit = total > 0
    out = m + total.where(hit, total.new_ones(())).log()
    return out.where(hit, out.new_full((), _NEG_INF))


def _padded_targets(targets, target_lengths, n):
    """(N, S) targets; the concatenated 1-d form is gathered at each sample's offset (indices
    past a sample's length are clamped: those states never reach the read-out)."""
    if targets.dim() == 2:
        return targets.long()
    total = targets.shape[0]
    if total == 0:
        return targets.new_zeros((n, 0), dtype=D.int64)
    ends = target_lengths.long().cumsum(0)
    starts = (ends - target_lengths.long()).unsqueeze(1)
    idx = (starts + _index(targets, list(range(total)))).clamp(0, total - 1)
    return targets.long().gather(0, idx.reshape(-1)).reshape(n, total)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """The alpha recursion in log space (float64, as the kernel), one step per time frame:
    alpha_t(s) = lse(alpha(s), alpha(s-1), alpha(s-2) if l'(s) may skip) + lp_t(l'(s)),
    read out at each sample's last frame and last two extended states."""
    T, n = log_probs.shape[0], log_probs.shape[1]
    lp = log_probs.double()
    il, tl = input_lengths.reshape(-1).long(), target_lengths.reshape(-1).long()
    tg = _padded_targets(targets, tl, n)
    S = tg.shape[1]
    blanks = tg.new_full((n, S), blank)
    ext = cat([_stack([blanks, tg], -1).reshape(n, 2 * S), tg.new_full((n, 1), blank)], 1)
    L = 2 * S + 1
    lpe = lp.gather(2, ext.unsqueeze(0).expand(T, n, L))                 # (T, N, L)
    prev2 = cat([ext.new_full((n, 2), blank), ext.narrow(1, 0, L - 2)], 1) if L > 2 else ext
    # s may also come from s-2 when l'(s) is a label other than l'(s-2)
    skip = (ext != blank) & (ext != prev2) & (_index(ext, list(range(L))) >= 2)
    neg = lp.new_full((n, L), _NEG_INF)
    start = _index(ext, list(range(L))) < 2
    alphas = [lpe.select(0, 0).where(start, neg)] if T else []
    for t in range(1, T):
        a = alphas[-1]
        a1 = cat([lp.new_full((n, 1), _NEG_INF), a.narrow(1, 0, L - 1)], 1)
        a2 = cat([lp.new_full((n, min(2, L)), _NEG_INF), a.narrow(1, 0, max(L - 2, 0))], 1)
        alphas.append(_lse([a, a1, a2.where(skip, neg)]) + lpe.select(0, t))
    losses = _ctc_readout(lp, alphas, il, tl, n, L)
    if zero_infinity:
        losses = losses.where(losses.isfinite(), losses.new_zeros(()))
    if reduction == "sum":
        losses = losses.sum()
    elif reduction == "mean":
        losses = (losses / tl.clamp_min(1).double()).sum() / n
    return losses.to(log_probs.dtype)


def _ctc_readout(lp, alphas, il, tl, n, L):
    """-lse(alpha_{T_b-1}(2 l_b), alpha_{T_b-1}(2 l_b - 1)) per sample; inf if T_b == 0."""
    if not alphas:
        return lp.new_full((n,), math.inf)
    A = _stack(alphas, 0)                                                 # (T, N, L)
    last = A.gather(0, (il - 1).clamp_min(0).reshape(1, n, 1).expand(1, n, L)).squeeze(0)
    end = last.gather(1, (2 * tl).reshape(n, 1)).squeeze(1)
    end2 = last.gather(1, (2 * tl - 1).clamp_min(0).reshape(n, 1)).squeeze(1)
    end2 = end2.where(tl > 0, lp.new_full((n,), _NEG_INF))
    loss = -_lse([end, end2])
    return loss.where(il > 0, lp.new_full((n,), math.inf))


attach({"ctc_loss": ctc_loss})


# ------------------------------------------------------------------------------ affine grid
def affine_grid_generator(theta, size, align_corners):
    """The constant base grid [x, y, (z,) 1] of every output point times theta^T."""
    nd = len(size) - 2
    base = theta.new_tensor(_base_grid(size, align_corners, np.float64).reshape(
        -1, nd + 1).tolist())                                             # (P, nd + 1)
    out = base @ theta.transpose(1, 2)                                    # (N, P, nd)
    return out.reshape((theta.shape[0],) + tuple(size[2:]) + (nd,))


attach({"affine_grid_generator": affine_grid_generator})
