"""linear: y = x @ weight.T + bias, one op so every backend sees one GEMM (+ bias epilogue)."""
from __future__ import annotations

from . import samples as S
from .registry import OpDef, Sample, register


def _kernel(xp, x, w, b=None):
    if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
        raise TypeError("dtypes differ")  # numpy would promote; meta raises torch's error
    dt = x.dtype
    if dt.itemsize == 2 and dt.kind in "fV":
        # float16/bfloat16: accumulate in float32 and round once, as torch's CPU GEMM does
        # (numpy gave float32 results for bfloat16 inputs)
        y = xp.matmul(x.astype(xp.float32), w.T.astype(xp.float32))
        if b is not None:
            y += b.astype(xp.float32)
        return y.astype(dt)
    y = xp.matmul(x, w.T)
    if b is not None:
        y += b
    return y


def _meta(x, w, b=None):
    if x.dtype is not w.dtype or (b is not None and b.dtype is not x.dtype):
        other = w.dtype if x.dtype is not w.dtype else b.dtype
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_name(x.dtype)} and {_name(other)}")
    xin = x.shape[-1] if x.ndim else 1
    if w.ndim != 2 or xin != w.shape[1]:
        rows = 1
        for s in x.shape[:-1]:
            rows *= s
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xin} and "
                           f"{'x'.join(map(str, reversed(w.shape)))})")
    return x.with_(shape=tuple(x.shape[:-1]) + (w.shape[0],))


def _name(dt):
    from .dtypes import SCALAR_NAMES
    return SCALAR_NAMES[dt]


def _vjp(ctx, g):
    x, w, b = (ctx.inputs + (None,))[:3]
    need = ctx.needs_input_grad
    gx = g @ w if need[0] else None
    gw = None
    if need[1]:
        g2 = g.reshape(-1, g.shape[-1])
        gw = g2.t() @ x.reshape(-1, x.shape[-1])
    gb = None
    if len(need) > 2 and need[2]:
        gb = g.reshape(-1, g.shape[-1]).sum(0) if g.dim() > 1 else g
    return (gx, gw, gb)


def _grad_name(attrs, args):
    x = args[0]
    has_bias = len(args) > 2 and args[2] is not None
    if x.dim() == 2:
        return "AddmmBackward0" if has_bias else "MmBackward0"
    return "SqueezeBackward4" if x.dim() == 1 and not has_bias else "ViewBackward0"


def _samples(dt):
    return [Sample((S.array((4, 3), dt), S.array((2, 3), dt, 1), S.array((2,), dt, 2)), {}),
            Sample((S.array((4, 3), dt), S.array((2, 3), dt, 1)), {}),
            Sample((S.array((2, 5, 3), dt), S.array((2, 3), dt, 1), S.array((2,), dt, 2)), {}),
            Sample((S.array((3,), dt), S.array((2, 3), dt, 1), S.array((2,), dt, 2)), {})]


linear = register(OpDef(name="linear", kernel=_kernel, meta=_meta, vjp=_vjp, samples=_samples,
                        dtypes=S.FLOAT_DTYPES, grad_name=_grad_name,
                        doc="y = x @ weight.T + bias"))
