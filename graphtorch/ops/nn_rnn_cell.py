"""Fused recurrent cells: one LSTM / GRU time step as a single op, so nn.LSTM and nn.GRU pay
one dispatch (and one backward node) per step instead of ~15.  The input projection of the
whole sequence is computed outside (one matmul); each op takes that step's slice ``xg``.

lstm_cell(xg (*, 4H), h (*, P), c (*, H), w_hh (4H, P), b_hh (4H,) | None) -> (h', c'), gates
    gates i, f, g, o in PyTorch's order; P is H, or proj_size (projection applied outside)
gru_cell(xg (*, 3H), h (*, H), w_hh (3H, H), b_hh (3H,) | None) -> h', gates
    gates r, z, n; n = tanh(x_n + r * (W_hn h + b_hn)) as in PyTorch

The vjps call the fused ``*_backward`` ops, which are numpy kernels and not differentiable.
When the backward itself is being recorded (``create_graph=True``) the vjps instead compute
the same gradients with ordinary Tensor ops, so double backward still works."""
from __future__ import annotations

import numpy as np

from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, get, register


def _sigmoid(xp, x):
    # tanh form: no overflow warning for large |x|, same dtype as x
    return xp.tanh(x * 0.5) * 0.5 + 0.5


def _pre(xp, xg, h, w, b):
    """xg + h @ w.T + b as a fresh array (the gates before their nonlinearities)."""
    pre = xp.matmul(h, w.T)
    pre += xg
    if b is not None:
        pre += b
    return pre


def _kernel_dtypes(name, *arrays):
    """Eager dispatch runs meta only on failure, and numpy would silently promote mixed
    dtypes: the kernels check them themselves (PyTorch raises)."""
    dt = arrays[0].dtype
    if any(a is not None and a.dtype != dt for a in arrays):
        raise RuntimeError(f"{name}: expected all inputs to have the same dtype, got "
                           f"{sorted({str(a.dtype) for a in arrays if a is not None})}")


def _check(name, xg, h, states, w, b, n_gates):
    """PyTorch-style shape/dtype errors shared by both cells."""
    arrays = (xg, h) + tuple(states) + (w,) + ((b,) if b is not None else ())
    if any(a.dtype is not xg.dtype for a in arrays):
        raise RuntimeError(f"{name}: expected all inputs to have the same dtype, got "
                           f"{sorted({str(a.dtype) for a in arrays})}")
    if w.ndim != 2 or w.shape[0] % n_gates or xg.ndim < 1:
        raise RuntimeError(f"{name}: w_hh must be 2-D with {n_gates}*hidden_size rows, got "
                           f"{list(w.shape)}")
    hid = w.shape[0] // n_gates
    batch = tuple(xg.shape[:-1])
    if tuple(xg.shape) != batch + (n_gates * hid,) or tuple(h.shape) != batch + (w.shape[1],) \
            or any(tuple(s.shape) != batch + (hid,) for s in states) \
            or (b is not None and tuple(b.shape) != (n_gates * hid,)):
        raise RuntimeError(f"{name}: inconsistent shapes: input {list(xg.shape)}, hidden "
                           f"{list(h.shape)}, weight {list(w.shape)}")
    return batch, hid


# --------------------------------------------------------------------------------- LSTM
def _lstm_act(xp, xg, h, w, b):
    """The four gate activations (i, f, g, o) in one (*, 4H) array."""
    a = _pre(xp, xg, h, w, b)
    hid = w.shape[0] // 4
    a[..., 2 * hid:3 * hid] = xp.tanh(a[..., 2 * hid:3 * hid])
    a[..., :2 * hid] = _sigmoid(xp, a[..., :2 * hid])
    a[..., 3 * hid:] = _sigmoid(xp, a[..., 3 * hid:])
    return a


def _lstm_kernel(xp, xg, h, c, w, b=None):
    _kernel_dtypes("lstm_cell", xg, h, c, w, b)
    a = _lstm_act(xp, xg, h, w, b)
    hid = w.shape[0] // 4
    i, f, g, o = (a[..., k * hid:(k + 1) * hid] for k in range(4))
    c_new = f * c
    c_new += i * g
    h_new = xp.tanh(c_new)
    h_new *= o
    return h_new, c_new, a


def _lstm_meta(xg, h, c, w, b=None):
    batch, hid = _check("lstm_cell", xg, h, (c,), w, b, 4)
    out = TensorSpec(batch + (hid,), xg.dtype, xg.device)
    return (out, out, xg.with_())


def _lstm_bwd_kernel(xp, gh, gc, a, c, c_new, h, w):
    hid = w.shape[0] // 4
    i, f, g, o = (a[..., k * hid:(k + 1) * hid] for k in range(4))
    tc = xp.tanh(c_new)
    d = xp.empty_like(a)  # d(loss)/d(pre-activation gates), written gate by gate
    dc = xp.zeros_like(c) if gc is None else gc.astype(a.dtype, copy=True)
    if gh is not None:
        d[..., 3 * hid:] = gh * tc * o * (1 - o)
        dc += gh * o * (1 - tc * tc)
    else:
        d[..., 3 * hid:] = 0
    d[..., :hid] = dc * g * i * (1 - i)
    d[..., hid:2 * hid] = dc * c * f * (1 - f)
    d[..., 2 * hid:3 * hid] = dc * i * (1 - g * g)
    d2, h2 = d.reshape(-1, d.shape[-1]), h.reshape(-1, h.shape[-1])
    return (d, xp.matmul(d, w), dc * f, xp.matmul(d2.T, h2), d2.sum(0))


def _lstm_bwd_meta(gh, gc, a, c, c_new, h, w):
    for t in (gh, gc):
        if t is not None and tuple(t.shape) != tuple(c.shape):
            raise RuntimeError(f"lstm_cell_backward: gradient shape {list(t.shape)} does not "
                               f"match the cell state {list(c.shape)}")
    return (a.with_(), h.with_(), c.with_(), w.with_(),
            TensorSpec((w.shape[0],), w.dtype, w.device))


def _grad_mode_on(ctx):
    """True while the backward pass is itself recorded (create_graph=True): a fresh view of an
    input that requires grad then requires grad too.  (ops may not import eager's grad mode.)"""
    for t, need in zip(ctx.inputs, ctx.needs_input_grad):
        if need and t is not None and hasattr(t, "requires_grad"):
            return t.view(tuple(t.shape)).requires_grad
    return False


def _lstm_vjp(ctx, gh=None, gc=None, _ga=None):
    xg, h, c, w, b = (tuple(ctx.inputs) + (None,))[:5]
    if gh is None and gc is None:
        return (None,) * 5
    if _grad_mode_on(ctx):
        dxg, dh, dc, dw, db = _lstm_vjp_composite(gh, gc, xg, h, c, w, b)
    else:
        like = gh if gh is not None else gc
        _, c_new, act = ctx.output
        dxg, dh, dc, dw, db = like._dispatch(get("lstm_cell_backward"), gh, gc, act, c, c_new,
                                             h, w)
    need = tuple(ctx.needs_input_grad) + (False,) * 5
    return tuple(g if n else None for g, n in zip((dxg, dh, dc, dw, db), need))


def _lstm_vjp_composite(gh, gc, xg, h, c, w, b):
    """The lstm_cell gradients in differentiable Tensor ops (for double backward)."""
    pre = xg + h @ w.t()
    if b is not None:
        pre = pre + b
    pi, pf, pg, po = pre.chunk(4, -1)
    i, f, g, o = pi.sigmoid(), pf.sigmoid(), pg.tanh(), po.sigmoid()
    tc = (f * c + i * g).tanh()
    dc = gc if gc is not None else None
    if gh is not None:
        dct = gh * o * (1 - tc * tc)
        dc = dct if dc is None else dc + dct
        do = gh * tc * o * (1 - o)
    else:
        do = (o * 0)
    dpre = _cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), do])
    d2 = dpre.reshape(-1, dpre.shape[-1])
    return (dpre, dpre @ w, dc * f, d2.t() @ h.reshape(-1, h.shape[-1]), d2.sum(0))


def _cat(parts):
    return parts[0]._dispatch(get("cat"), *parts, dim=-1)


def _lstm_samples(dt):
    hid, p = 3, 2
    xg, c = S.array((2, 4 * hid), dt, 1), S.array((2, hid), dt, 2)
    w, b = S.array((4 * hid, hid), dt, 3, -1, 1), S.array((4 * hid,), dt, 4)
    return [Sample((xg, S.array((2, hid), dt, 5), c, w, b), {}),
            Sample((xg, S.array((2, p), dt, 6), c, S.array((4 * hid, p), dt, 7), None), {}),
            Sample((S.array((4 * hid,), dt, 8), S.array((hid,), dt, 9), S.array((hid,), dt, 10),
                    w, b), {})]


def _lstm_bwd_samples(dt):
    out = []
    for k, s in enumerate(_lstm_samples(dt)[:2]):
        xg, h, c, w, b = s.args
        _, c_new, a = _lstm_kernel(np, xg, h, c, w, b)
        gh, gc = S.array(c.shape, dt, 11), S.array(c.shape, dt, 12)
        out.append(Sample((gh, gc, a, c, c_new, h, w), {}, grad=False))
        out.append(Sample((None if k else gh, gc if k else None, a, c, c_new, h, w), {},
                          grad=False))
    return out


lstm_cell = register(OpDef(
    name="lstm_cell", kernel=_lstm_kernel, meta=_lstm_meta, vjp=_lstm_vjp,
    samples=_lstm_samples, dtypes=S.FLOAT_DTYPES, num_outputs=3, nondiff_outputs=(2,),
    save_output=True))

lstm_cell_backward = register(OpDef(
    name="lstm_cell_backward", kernel=_lstm_bwd_kernel, meta=_lstm_bwd_meta,
    samples=lambda dt: _lstm_bwd_samples(dt),
    dtypes=S.FLOAT_DTYPES, differentiable=False, num_outputs=5))


# ---------------------------------------------------------------------------------- GRU
def _gru_kernel(xp, xg, h, w, b=None):
    _kernel_dtypes("gru_cell", xg, h, w, b)
    hid = w.shape[0] // 3
    gh = xp.matmul(h, w.T)
    if b is not None:
        gh += b
    # saved for the backward: r, z, n and W_hn h + b_hn, side by side in one (*, 4H) array
    a = xp.empty(xg.shape[:-1] + (4 * hid,), dtype=xg.dtype)
    a[..., :2 * hid] = _sigmoid(xp, xg[..., :2 * hid] + gh[..., :2 * hid])
    a[..., 3 * hid:] = gh[..., 2 * hid:]
    a[..., 2 * hid:3 * hid] = xp.tanh(xg[..., 2 * hid:] + a[..., :hid] * gh[..., 2 * hid:])
    z, n = a[..., hid:2 * hid], a[..., 2 * hid:3 * hid]
    h_new = h - n
    h_new *= z
    h_new += n
    return h_new, a


def _gru_meta(xg, h, w, b=None):
    batch, hid = _check("gru_cell", xg, h, (), w, b, 3)
    if w.shape[1] != hid:
        raise RuntimeError(f"gru_cell: w_hh must be square per gate, got {list(w.shape)}")
    return (h.with_(), TensorSpec(batch + (4 * hid,), xg.dtype, xg.device))


def _gru_bwd_kernel(xp, g, a, h, w):
    hid = w.shape[0] // 3
    r, z, n, hn = (a[..., k * hid:(k + 1) * hid] for k in range(4))
    dxg = xp.empty(a.shape[:-1] + (3 * hid,), dtype=a.dtype)
    dpn = g * (1 - z) * (1 - n * n)
    dxg[..., 2 * hid:] = dpn
    dxg[..., :hid] = dpn * hn * r * (1 - r)
    dxg[..., hid:2 * hid] = g * (h - n) * z * (1 - z)
    dgh = dxg.copy()
    dgh[..., 2 * hid:] *= r
    dh = xp.matmul(dgh, w)
    dh += g * z
    d2, h2 = dgh.reshape(-1, dgh.shape[-1]), h.reshape(-1, h.shape[-1])
    return (dxg, dh, xp.matmul(d2.T, h2), d2.sum(0))


def _gru_bwd_meta(g, a, h, w):
    if tuple(g.shape) != tuple(h.shape):
        raise RuntimeError(f"gru_cell_backward: gradient shape {list(g.shape)} does not match "
                           f"the hidden state {list(h.shape)}")
    return (TensorSpec(tuple(h.shape[:-1]) + (w.shape[0],), a.dtype, a.device), h.with_(),
            w.with_(), TensorSpec((w.shape[0],), w.dtype, w.device))


def _gru_vjp(ctx, g=None, _ga=None):
    xg, h, w, b = (tuple(ctx.inputs) + (None,))[:4]
    if g is None:
        return (None,) * 4
    if _grad_mode_on(ctx):
        grads = _gru_vjp_composite(g, xg, h, w, b)
    else:
        grads = g._dispatch(get("gru_cell_backward"), g, ctx.output[1], h, w)
    need = tuple(ctx.needs_input_grad) + (False,) * 4
    return tuple(d if n else None for d, n in zip(grads, need))


def _gru_vjp_composite(g, xg, h, w, b):
    """The gru_cell gradients in differentiable Tensor ops (for double backward)."""
    gh = h @ w.t()
    if b is not None:
        gh = gh + b
    xr, xz, xn = xg.chunk(3, -1)
    hr, hz, hn = gh.chunk(3, -1)
    r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    dpn = g * (1 - z) * (1 - n * n)
    dpr = dpn * hn * r * (1 - r)
    dpz = g * (h - n) * z * (1 - z)
    dgh = _cat([dpr, dpz, dpn * r])
    d2 = dgh.reshape(-1, dgh.shape[-1])
    return (_cat([dpr, dpz, dpn]), dgh @ w + g * z, d2.t() @ h.reshape(-1, h.shape[-1]),
            d2.sum(0))


def _gru_samples(dt):
    hid = 3
    w, b = S.array((3 * hid, hid), dt, 3, -1, 1), S.array((3 * hid,), dt, 4)
    return [Sample((S.array((2, 3 * hid), dt, 1), S.array((2, hid), dt, 5), w, b), {}),
            Sample((S.array((2, 3 * hid), dt, 6), S.array((2, hid), dt, 7), w, None), {}),
            Sample((S.array((3 * hid,), dt, 8), S.array((hid,), dt, 9), w, b), {})]


def _gru_bwd_samples(dt):
    out = []
    for s in _gru_samples(dt)[:2]:
        _, a = _gru_kernel(np, *s.args)
        out.append(Sample((S.array(s.args[1].shape, dt, 11), a, s.args[1], s.args[2]), {},
                          grad=False))
    return out


gru_cell = register(OpDef(
    name="gru_cell", kernel=_gru_kernel, meta=_gru_meta, vjp=_gru_vjp,
    samples=_gru_samples, dtypes=S.FLOAT_DTYPES, num_outputs=2, nondiff_outputs=(1,),
    save_output=True))

gru_cell_backward = register(OpDef(
    name="gru_cell_backward", kernel=_gru_bwd_kernel, meta=_gru_bwd_meta,
    samples=_gru_bwd_samples, dtypes=S.FLOAT_DTYPES, differentiable=False, num_outputs=4))
