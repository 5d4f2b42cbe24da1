"""Copies and dtype conversion: _to_copy (dtype casts), clone."""
from __future__ import annotations

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register


def _cast_kernel(xp, x, dtype):
    if x.dtype.kind == "c" and dtype.category != D._COMPLEX:
        x = x.real  # PyTorch warns and discards the imaginary part
    if dtype is D.bool:
        return x != 0
    if dtype.category == D._INT and x.dtype.kind == "f":
        with_nan = x  # float -> int casts of nan/inf are undefined in torch too
        return with_nan.astype(dtype.np)
    return x.astype(dtype.np, copy=True)


def _cast_vjp(ctx, g):
    return (g,)  # the engine casts the gradient back to the input dtype


to_copy = register(OpDef(
    name="_to_copy", kernel=_cast_kernel,
    meta=lambda x, dtype: x.with_(dtype=dtype),
    vjp=_cast_vjp, save_inputs=(),
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {"dtype": D.float64}),
                        Sample((S.array((2,), dt),), {"dtype": D.float32}, grad=False)],
    dtypes=S.FLOAT_DTYPES, doc="x converted to dtype (always a copy)"))

def _clone_kernel(xp, x, memory_format=None):
    # preserve_format keeps a dense tensor's layout (as PyTorch); contiguous_format is C order
    return xp.array(x, copy=True, order="C" if memory_format == "contiguous" else "K")


clone = register(OpDef(
    name="clone", kernel=_clone_kernel,
    meta=lambda x, memory_format=None: x, vjp=lambda ctx, g: (g,), save_inputs=(),
    samples=lambda dt: S.unary(dt), dtypes=S.ALL_REAL))


def _copy_kernel(xp, dst, src, non_blocking=False):
    if src.dtype.kind == "c" and dst.dtype.kind != "c":
        src = src.real
    return xp.broadcast_to(src, dst.shape).astype(dst.dtype, copy=True)


def _copy_meta(dst, src, non_blocking=False):
    from .meta import broadcast_shapes
    if broadcast_shapes(dst.shape, src.shape) != tuple(dst.shape):
        raise RuntimeError(f"output with shape [{', '.join(map(str, dst.shape))}] doesn't match "
                           f"the broadcast shape [{', '.join(map(str, broadcast_shapes(dst.shape, src.shape)))}]")
    return dst


def _copy_vjp(ctx, g):
    return (g * 0, g)  # the old value of dst is overwritten; src receives the gradient


copy = register(OpDef(
    name="copy", kernel=_copy_kernel, meta=_copy_meta, vjp=_copy_vjp, save_inputs=(),
    samples=lambda dt: [Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1)), {}),
                        Sample((S.array((3, 4), dt), S.array((4,), dt, 2)), {})],
    dtypes=S.ALL_REAL, grad_name="CopyBackwards"))


def _fill_kernel(xp, x, value):
    return xp.full(x.shape, value, dtype=x.dtype)


def _fill_vjp(ctx, g):
    gv = g.sum() if ctx._input_meta[1] is not None else None  # a tensor value gets all of g
    return (g * 0, gv)


fill = register(OpDef(
    name="fill", kernel=_fill_kernel, meta=lambda x, value: x, vjp=_fill_vjp, save_inputs=(),
    samples=lambda dt: [Sample((S.array((3, 4), dt), S.array((), dt, 3)), {})],
    dtypes=S.ALL_REAL,
    grad_name="FillBackward1"))
