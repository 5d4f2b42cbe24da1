"""View and reshape ops (core): view, reshape, expand.  Outputs alias input 0 (``view=True``);
dispatch makes them views sharing the base's memory and version counter."""
from __future__ import annotations

from . import samples as S
from .meta import fmt_shape, numel
from .registry import OpDef, Sample, register


def infer_size(shape, n: int, op: str = "view") -> tuple:
    """Resolve one -1 in ``shape`` for a tensor of ``n`` elements (PyTorch's errors)."""
    shape = tuple(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if isinstance(s, int) and s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = numel([s for s in shape if s != -1])
    if neg:
        if known == 0 or n % known:
            raise RuntimeError(f"shape '{fmt_shape(shape)}' is invalid for input of size {n}")
        shape = shape[:neg[0]] + (n // known,) + shape[neg[0] + 1:]
    elif known != n:
        raise RuntimeError(f"shape '{fmt_shape(shape)}' is invalid for input of size {n}")
    return shape


def view_strides(in_shape, in_strides, shape):
    """Strides (in bytes) that view ``in_shape``/``in_strides`` as ``shape`` without copying,
    or None when impossible (the algorithm of PyTorch's computeStride)."""
    if numel(in_shape) == 0 or numel(shape) == 0:
        return None
    if not in_shape:
        return None  # a 0-dim tensor is contiguous: x.reshape(shape) is a view
    out = [0] * len(shape)
    view_d = len(shape) - 1
    base = in_strides[-1]
    tensor_numel, view_numel = 1, 1
    for d in range(len(in_shape) - 1, -1, -1):
        tensor_numel *= in_shape[d]
        if d == 0 or (in_shape[d - 1] != 1 and in_strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or shape[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base = in_strides[d - 1]
                tensor_numel, view_numel = 1, 1
    return None if view_d != -1 else tuple(out)


def _view_kernel(xp, x, shape):
    shape = infer_size(shape, x.size)
    if x.flags.c_contiguous:
        return x.reshape(shape)
    strides = view_strides(x.shape, x.strides, shape) if x.size else tuple(0 for _ in shape)
    if strides is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return xp.lib.stride_tricks.as_strided(x, shape, strides) if x.size else x.reshape(shape)


def _shape_meta(x, shape):
    return x.with_(shape=infer_size(shape, numel(x.shape)))


def _shape_samples(dt):
    return [Sample((S.array((3, 4), dt),), {"shape": (4, 3)}),
            Sample((S.array((2, 3, 4), dt),), {"shape": (-1, 4)}),
            Sample((S.array((), dt),), {"shape": (1,)}),
            Sample((S.array((0, 4), dt),), {"shape": (4, 0)})]


def _reshape_vjp(ctx, g):
    return (g.reshape(ctx._input_meta[0][0]),)


view = register(OpDef(
    name="view", kernel=_view_kernel, meta=_shape_meta, vjp=_reshape_vjp, save_inputs=(),
    samples=_shape_samples, dtypes=S.ALL_REAL, view=True))


def _reshape_kernel(xp, x, shape):
    shape = infer_size(shape, x.size)
    strides = view_strides(x.shape, x.strides, shape) if x.size else None
    if strides is not None:
        return xp.lib.stride_tricks.as_strided(x, shape, strides)
    return x.reshape(shape) if x.flags.c_contiguous else xp.ascontiguousarray(x).reshape(shape)


reshape = register(OpDef(
    name="reshape", kernel=_reshape_kernel, meta=_shape_meta, vjp=_reshape_vjp, save_inputs=(),
    samples=_shape_samples, dtypes=S.ALL_REAL, view="maybe", grad_name="ViewBackward0"))


def expand_shape(in_shape, size) -> tuple:
    size = tuple(size)
    if len(size) < len(in_shape):
        raise RuntimeError(
            f"expand({fmt_shape(in_shape)}, size={list(size)}): the number of sizes provided "
            f"({len(size)}) must be greater or equal to the number of dimensions in the tensor "
            f"({len(in_shape)})")
    lead = len(size) - len(in_shape)
    out = []
    for i, s in enumerate(size):
        if i < lead:
            if s == -1:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            out.append(s)
            continue
        cur = in_shape[i - lead]
        if s == -1:
            out.append(cur)
        elif cur == 1 or cur == s:
            out.append(s)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{fmt_shape(size)}.  Tensor sizes: {fmt_shape(in_shape)}")
    return tuple(out)


def _expand_kernel(xp, x, size):
    shape = expand_shape(x.shape, size)
    lead = len(shape) - x.ndim
    strides = (0,) * lead + tuple(0 if x.shape[i] == 1 and shape[lead + i] != 1 else x.strides[i]
                                  for i in range(x.ndim))
    return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=True)


expand = register(OpDef(
    name="expand", kernel=_expand_kernel,
    meta=lambda x, size: x.with_(shape=expand_shape(x.shape, size)),
    vjp=lambda ctx, g: (g.sum_to_size(ctx._input_meta[0][0]),), save_inputs=(),
    samples=lambda dt: [Sample((S.array((3, 1), dt),), {"size": (2, 3, 4)}),
                        Sample((S.array((3, 4), dt),), {"size": (-1, 4)})],
    dtypes=S.ALL_REAL, view=True))
