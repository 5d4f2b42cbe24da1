"""View ops: permute, transpose, t, squeeze, unsqueeze, unfold, diagonal, as_strided,
view_as_real / view_as_complex.  Each output aliases input 0 (``view=True``) with exactly the
strides and storage offset PyTorch gives it; the split family (split, unbind) lives in
shape_split.py, the copying ops (cat, flip, repeat, ...) in shape_join.py / shape_tri.py."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import fmt_shape, spec_of, wrap_dim
from .registry import OpDef, Sample, get, register

VIEW_DTYPES = S.ALL_REAL + (D.complex64, D.complex128)


class _Iface:
    """An object exposing a hand-made ``__array_interface__`` (numpy builds a view from it)."""

    def __init__(self, iface, base):
        self.__array_interface__ = iface
        self.base = base


def raw_view(xp, x, shape, strides, offset=0, dtype=None):
    """A view of ``x``'s memory: ``shape``/``strides`` in bytes, starting ``offset`` bytes from
    ``x``'s first element, read as ``dtype`` (default x's).  The caller guarantees bounds."""
    dtype = np.dtype(x.dtype if dtype is None else dtype)
    shape, strides = tuple(int(s) for s in shape), tuple(int(s) for s in strides)
    if type(x) is not np.ndarray:  # cupy: a memory pointer plus strides
        return xp.ndarray(shape, dtype, memptr=x.data + offset, strides=strides)
    if offset == 0 and dtype == x.dtype:
        return np.lib.stride_tricks.as_strided(x, shape, strides)
    iface = {"shape": shape, "strides": strides, "version": 3,
             "typestr": dtype.str if dtype.kind != "V" else "|V%d" % dtype.itemsize,
             "data": (x.__array_interface__["data"][0] + offset, False)}
    out = np.asarray(_Iface(iface, x))
    return out if out.dtype == dtype else out.view(dtype)


def estrides(x) -> tuple:
    """Strides of array ``x`` in elements."""
    return tuple(s // x.itemsize for s in x.strides)


# ------------------------------------------------------------------------------ permute
def check_perm(dims, ndim) -> tuple:
    dims = tuple(dims)
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{ndim} is not equal to len(dims) = {len(dims)}")
    out = tuple(wrap_dim(d, ndim, "permute") for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return out


def _permute_vjp(ctx, g):
    perm = check_perm(ctx.attrs["dims"], len(ctx._input_meta[0][0]))
    return (g.permute(tuple(int(i) for i in np.argsort(perm))),)


permute = register(OpDef(
    name="permute", dtypes=VIEW_DTYPES, view=True, save_inputs=(),
    kernel=lambda xp, x, dims: x.transpose(check_perm(dims, x.ndim)),
    meta=lambda x, dims: x.with_(shape=tuple(x.shape[d] for d in check_perm(dims, x.ndim))),
    vjp=_permute_vjp,
    samples=lambda dt: [Sample((S.array((2, 3, 4), dt),), {"dims": (2, 0, 1)}),
                        Sample((S.array((3, 4), dt),), {"dims": (-1, 0)}),
                        Sample((S.array((), dt),), {"dims": ()})]))


# ------------------------------------------------------------------------------ transpose, t
def _tdims(ndim, dim0, dim1):
    return wrap_dim(dim0, ndim, "transpose"), wrap_dim(dim1, ndim, "transpose")


def _swap(shape, a, b):
    s = list(shape)
    if s:
        s[a], s[b] = s[b], s[a]
    return tuple(s)


def _transpose_kernel(xp, x, dim0, dim1):
    a, b = _tdims(x.ndim, dim0, dim1)
    return xp.swapaxes(x, a, b) if x.ndim else x[...]


transpose = register(OpDef(
    name="transpose", kernel=_transpose_kernel, dtypes=VIEW_DTYPES, view=True, save_inputs=(),
    meta=lambda x, dim0, dim1: x.with_(shape=_swap(x.shape, *_tdims(x.ndim, dim0, dim1))),
    vjp=lambda ctx, g: (g.transpose(ctx.attrs["dim0"], ctx.attrs["dim1"]),),
    samples=lambda dt: [Sample((S.array((2, 3, 4), dt),), {"dim0": 0, "dim1": -1}),
                        Sample((S.array((3, 4), dt),), {"dim0": 1, "dim1": 1}),
                        Sample((S.array((), dt),), {"dim0": 0, "dim1": -1})]))


def _t_meta(x):
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return x.with_(shape=tuple(reversed(x.shape)))


def _t_kernel(xp, x):
    _t_meta(spec_of(x))
    return x.T if x.ndim == 2 else x[...]


t = register(OpDef(
    name="t", kernel=_t_kernel, meta=_t_meta, dtypes=VIEW_DTYPES, view=True, save_inputs=(),
    vjp=lambda ctx, g: (g.t(),), grad_name="TBackward0",
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {}), Sample((S.array((3,), dt),), {}),
                        Sample((S.array((), dt),), {})]))


# ------------------------------------------------------------------------------ squeeze
def squeeze_dims(shape, dim) -> tuple:
    """The (wrapped) dims of ``shape`` that squeeze(dim) removes."""
    n = len(shape)
    if dim is None:
        return tuple(i for i, s in enumerate(shape) if s == 1)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    wrapped = [wrap_dim(d, n, "squeeze") for d in dims]
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"dim {wrapped[0]} appears multiple times in the list of dims")
    return tuple(sorted(d for d in set(wrapped) if n and shape[d] == 1))


def _squeeze_kernel(xp, x, dim=None):
    return x.squeeze(squeeze_dims(x.shape, dim)) if x.ndim else x[...]


def _squeeze_meta(x, dim=None):
    drop = set(squeeze_dims(x.shape, dim))
    return x.with_(shape=tuple(s for i, s in enumerate(x.shape) if i not in drop))


def _squeeze_vjp(ctx, g):
    for d in squeeze_dims(ctx._input_meta[0][0], ctx.attrs.get("dim")):
        g = g.unsqueeze(d)
    return (g,)


def _squeeze_name(attrs):
    dim = attrs.get("dim")
    return "SqueezeBackward" + ("0" if dim is None else "1" if isinstance(dim, int) else "2")


squeeze = register(OpDef(
    name="squeeze", kernel=_squeeze_kernel, meta=_squeeze_meta, vjp=_squeeze_vjp,
    dtypes=VIEW_DTYPES, view=True, save_inputs=(), grad_name=_squeeze_name,
    samples=lambda dt: [Sample((S.array((3, 1, 2, 1), dt),), {}),
                        Sample((S.array((3, 1, 2), dt),), {"dim": 1}),
                        Sample((S.array((3, 1, 2), dt),), {"dim": 0}),
                        Sample((S.array((1, 3, 1), dt),), {"dim": (0, -1)}),
                        Sample((S.array((), dt),), {"dim": 0})]))


# ------------------------------------------------------------------------------ unsqueeze
def _unsqueeze_geom(shape, strides, dim, itemsize=1):
    """Shape and strides after unsqueeze(dim), with the stride PyTorch gives the new dim."""
    d = wrap_dim(dim, len(shape) + 1, "unsqueeze")
    new = itemsize if d >= len(shape) else shape[d] * strides[d]
    return (tuple(shape[:d]) + (1,) + tuple(shape[d:]),
            tuple(strides[:d]) + (new,) + tuple(strides[d:]))


def _unsqueeze_kernel(xp, x, dim):
    shape, strides = _unsqueeze_geom(x.shape, x.strides, dim, x.itemsize)
    return raw_view(xp, x, shape, strides)


unsqueeze = register(OpDef(
    name="unsqueeze", kernel=_unsqueeze_kernel, dtypes=VIEW_DTYPES, view=True, save_inputs=(),
    meta=lambda x, dim: x.with_(shape=_unsqueeze_geom(x.shape, x.shape, dim)[0]),
    vjp=lambda ctx, g: (g.squeeze(ctx.attrs["dim"] % (len(ctx._input_meta[0][0]) + 1)),),
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {"dim": 1}),
                        Sample((S.array((3, 4), dt),), {"dim": -1}),
                        Sample((S.array((), dt),), {"dim": 0})]))


# ------------------------------------------------------------------------------ unfold
def unfold_shape(shape, dimension, size, step) -> tuple:
    n = len(shape)
    d = wrap_dim(dimension, n, "unfold")
    length = shape[d] if n else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if not n:
        return (size,)
    return tuple(shape[:d]) + ((length - size) // step + 1,) + tuple(shape[d + 1:]) + (size,)


def _unfold_kernel(xp, x, dimension, size, step):
    shape = unfold_shape(x.shape, dimension, size, step)
    if x.ndim == 0:
        return raw_view(xp, x, shape, (x.itemsize,))
    d = dimension % x.ndim
    st = list(x.strides)
    st[d] *= step
    return raw_view(xp, x, shape, tuple(st) + (x.strides[d],))


def _unfold_vjp(ctx, g):
    a = ctx.attrs
    return (g._dispatch(unfold_backward, g, input_sizes=tuple(ctx._input_meta[0][0]),
                        dimension=a["dimension"], size=a["size"], step=a["step"]),)


unfold = register(OpDef(
    name="unfold", kernel=_unfold_kernel, vjp=_unfold_vjp, dtypes=VIEW_DTYPES, view=True,
    meta=lambda x, dimension, size, step: x.with_(
        shape=unfold_shape(x.shape, dimension, size, step)), save_inputs=(),
    samples=lambda dt: [Sample((S.array((2, 7), dt),), {"dimension": 1, "size": 3, "step": 2}),
                        Sample((S.array((4, 3), dt),), {"dimension": 0, "size": 2, "step": 1}),
                        Sample((S.array((5,), dt),), {"dimension": -1, "size": 5, "step": 3}),
                        Sample((S.array((), dt),), {"dimension": 0, "size": 1, "step": 1})]))


def _unfold_bwd_kernel(xp, g, input_sizes, dimension, size, step):
    out = xp.zeros(tuple(input_sizes), g.dtype)
    if not input_sizes:
        return out + g.reshape(()) if size else out
    d = dimension % len(input_sizes)
    windows = g.shape[d]
    for k in range(size):  # one strided slice per window offset: `size` numpy calls
        idx = (slice(None),) * d + (slice(k, k + step * (windows - 1) + 1, step),)
        out[idx] += g[..., k]
    return out


unfold_backward = register(OpDef(
    name="unfold_backward", kernel=_unfold_bwd_kernel, save_inputs=(),
    meta=lambda g, input_sizes, dimension, size, step: g.with_(shape=tuple(input_sizes)),
    vjp=lambda ctx, g: (g.unfold(ctx.attrs["dimension"], ctx.attrs["size"],
                                 ctx.attrs["step"]),),
    dtypes=S.NUMERIC + (D.float16, D.bfloat16), grad_name="UnfoldBackwardBackward0",
    samples=lambda dt: [Sample((S.array((2, 3, 3), dt),), {"input_sizes": (2, 7), "dimension": 1,
                                                           "size": 3, "step": 2})]))


# ------------------------------------------------------------------------------ diagonal
def diag_dims(ndim, offset, dim1, dim2, op="diagonal"):
    a, b = wrap_dim(dim1, ndim, op), wrap_dim(dim2, ndim, op)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return a, b


def diag_len(n1, n2, offset) -> int:
    return max(min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2), 0)


def _diagonal_meta(x, offset=0, dim1=0, dim2=1):
    a, b = diag_dims(x.ndim, offset, dim1, dim2)
    rest = tuple(s for i, s in enumerate(x.shape) if i not in (a, b))
    return x.with_(shape=rest + (diag_len(x.shape[a], x.shape[b], offset),))


def _diagonal_kernel(xp, x, offset=0, dim1=0, dim2=1):
    a, b = diag_dims(x.ndim, offset, dim1, dim2)
    n = diag_len(x.shape[a], x.shape[b], offset)
    start = 0 if n == 0 else offset * x.strides[b] if offset >= 0 else -offset * x.strides[a]
    rest = [i for i in range(x.ndim) if i not in (a, b)]
    shape = tuple(x.shape[i] for i in rest) + (n,)
    strides = tuple(x.strides[i] for i in rest) + (x.strides[a] + x.strides[b],)
    return raw_view(xp, x, shape, strides, start)


def _diagonal_vjp(ctx, g):
    a = ctx.attrs
    return (g._dispatch(diagonal_backward, g, input_sizes=tuple(ctx._input_meta[0][0]),
                        offset=a.get("offset", 0), dim1=a.get("dim1", 0), dim2=a.get("dim2", 1)),)


def _diagonal_samples(dt):
    return [Sample((S.array((3, 4), dt),), {}),
            Sample((S.array((2, 3, 4), dt),), {"offset": 1, "dim1": 0, "dim2": 2}),
            Sample((S.array((2, 3, 4), dt),), {"offset": -1, "dim1": -1, "dim2": 1}),
            Sample((S.array((3, 3), dt),), {"offset": 5})]


diagonal = register(OpDef(
    name="diagonal", kernel=_diagonal_kernel, meta=_diagonal_meta, vjp=_diagonal_vjp,
    dtypes=VIEW_DTYPES, view=True, save_inputs=(), samples=_diagonal_samples))


def _diag_bwd_kernel(xp, g, input_sizes, offset=0, dim1=0, dim2=1):
    out = xp.zeros(tuple(input_sizes), g.dtype)
    _diagonal_kernel(xp, out, offset, dim1, dim2)[...] = g
    return out


diagonal_backward = register(OpDef(
    name="diagonal_backward", kernel=_diag_bwd_kernel, save_inputs=(),
    meta=lambda g, input_sizes, offset=0, dim1=0, dim2=1: g.with_(shape=tuple(input_sizes)),
    vjp=lambda ctx, g: (g.diagonal(ctx.attrs.get("offset", 0), ctx.attrs.get("dim1", 0),
                                   ctx.attrs.get("dim2", 1)),),
    dtypes=VIEW_DTYPES, grad_name="DiagonalBackwardBackward0",
    samples=lambda dt: [Sample((S.array((3, 2), dt),), {"input_sizes": (2, 3, 4), "offset": 1,
                                                        "dim1": 0, "dim2": 2})]))


def _diagonal_copy_kernel(xp, x, offset=0, dim1=0, dim2=1):
    return _diagonal_kernel(xp, x, offset, dim1, dim2).copy()


diagonal_copy = register(OpDef(
    name="diagonal_copy", kernel=_diagonal_copy_kernel, meta=_diagonal_meta, vjp=_diagonal_vjp,
    dtypes=VIEW_DTYPES, save_inputs=(), samples=_diagonal_samples,
    grad_name="DiagonalBackward0_copy"))


# ------------------------------------------------------------------------------ as_strided
def _as_strided_meta(x, size, stride, storage_offset=0, in_stride=None, in_offset=0):
    return x.with_(shape=check_strided(size, stride, storage_offset))


def check_strided(size, stride, storage_offset) -> tuple:
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {fmt_shape(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(size)}: {fmt_shape(size)}")
    if storage_offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    return size


def _as_strided_kernel(xp, x, size, stride, storage_offset=0, in_stride=None, in_offset=0):
    check_strided(size, stride, storage_offset)
    it = x.itemsize
    return raw_view(xp, x, size, tuple(s * it for s in stride),
                    (storage_offset - in_offset) * it)


def positions(shape, strides, offset):
    """Storage positions (int64 array of ``shape``) of a strided tensor's elements."""
    pos = np.full(tuple(shape), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(shape, strides)):
        pos += (np.arange(n, dtype=np.int64) * s).reshape((-1,) + (1,) * (len(shape) - d - 1))
    return pos


def _as_strided_vjp(ctx, g):
    # scatter-add the gradient into storage positions, then read it back through the input's
    # own geometry (PyTorch's semantics: as_strided addresses the storage, not the input)
    a = ctx.attrs
    shape = tuple(ctx._input_meta[0][0])
    in_stride = a.get("in_stride")
    if in_stride is None:
        in_stride = tuple(int(np.prod(shape[i + 1:])) for i in range(len(shape)))
    out_pos = positions(a["size"], a["stride"], a.get("storage_offset", 0))
    in_pos = positions(shape, in_stride, a.get("in_offset", 0))
    n = int(max(out_pos.max(initial=-1), in_pos.max(initial=-1))) + 1
    store = g._dispatch(get("put"), g.new_zeros((n,)), g.new_tensor(out_pos, dtype=D.int64),
                        g.reshape(-1), accumulate=True)
    return (g._dispatch(get("take"), store, g.new_tensor(in_pos, dtype=D.int64)),)


as_strided = register(OpDef(
    name="as_strided", kernel=_as_strided_kernel, meta=_as_strided_meta, vjp=_as_strided_vjp,
    dtypes=VIEW_DTYPES, view=True, save_inputs=(), grad_name="AsStridedBackward0",
    samples=lambda dt: [
        Sample((S.array((3, 4), dt),), {"size": (2, 2), "stride": (1, 2), "storage_offset": 1}),
        Sample((S.array((12,), dt),), {"size": (3, 3), "stride": (1, 1), "storage_offset": 2,
                                       "in_stride": (1,), "in_offset": 2}),
        Sample((S.array((3, 4), dt),), {"size": (4, 3), "stride": (1, 4)})]))


# ------------------------------------------------------------------------------ complex views
_REAL_OF = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}
_COMPLEX_OF = {D.float32: D.complex64, D.float64: D.complex128}


def _vreal_meta(x):
    if not x.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return x.with_(shape=tuple(x.shape) + (2,), dtype=x.dtype.to_real())


def _vreal_kernel(xp, x):
    if x.dtype not in _REAL_OF:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    half = x.itemsize // 2
    return raw_view(xp, x, x.shape + (2,), x.strides + (half,), 0, _REAL_OF[x.dtype])


def _vreal_samples(dt):
    return [Sample((S.array((3, 2), dt),), {}), Sample((S.array((), dt),), {})]


def _vcomplex_samples(dt):
    return [Sample((S.array((4, 2), dt),), {}), Sample((S.array((2,), dt),), {})]


def _vreal_vjp(ctx, g):
    g = g.contiguous()
    return (g._dispatch(view_as_complex, g),)


view_as_real = register(OpDef(
    name="view_as_real", kernel=_vreal_kernel, meta=_vreal_meta, dtypes=(D.complex64,
                                                                          D.complex128),
    vjp=_vreal_vjp, view=True, save_inputs=(), grad_name="ViewAsRealBackward0",
    samples=_vreal_samples))


def _vcomplex_meta(x):
    if x.dtype is D.float16:  # PyTorch would give complex32, which graphtorch lacks
        raise RuntimeError("view_as_complex: complex32 (ComplexHalf) tensors are not supported")
    if x.dtype not in _COMPLEX_OF:
        raise RuntimeError("view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: {D.SCALAR_NAMES[x.dtype]}")
    if not x.shape or x.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return x.with_(shape=tuple(x.shape[:-1]), dtype=_COMPLEX_OF[x.dtype])


def check_complex_strides(estr, offset):
    """PyTorch's layout rules for view_as_complex (element strides and storage offset)."""
    if estr[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in estr[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if offset % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")


def _vcomplex_kernel(xp, x):
    _vcomplex_meta(spec_of(x))
    st = estrides(x)
    check_complex_strides(st, 0)
    cdt = _COMPLEX_OF[D.from_numpy_dtype(x.dtype)].np
    return raw_view(xp, x, x.shape[:-1], x.strides[:-1], 0, cdt)


view_as_complex = register(OpDef(
    name="view_as_complex", kernel=_vcomplex_kernel, meta=_vcomplex_meta,
    dtypes=(D.float32, D.float64), vjp=lambda ctx, g: (g._dispatch(view_as_real, g),),
    view=True, save_inputs=(), grad_name="ViewAsComplexBackward0",
    samples=_vcomplex_samples))

from . import shape_split  # noqa: E402,F401 - the split family (split, unbind)
