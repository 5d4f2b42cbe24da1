"""Shared meta helpers: TensorSpec, broadcasting, reductions' shapes, dim wrapping and the
PyTorch-worded errors they raise.  Shapes may hold symbolic dims (any object that is not an
int), which pass through unchanged where their value is not needed."""
from __future__ import annotations

from dataclasses import dataclass

from . import dtypes as D

__all__ = ["TensorSpec", "broadcast_shapes", "wrap_dim", "reduce_shape", "fmt_shape",
           "spec_of", "same_spec"]


@dataclass(frozen=True)
class TensorSpec:
    """The static type of a tensor: shape (ints or symbols), dtype and device string."""

    shape: tuple
    dtype: D.dtype
    device: str = "cpu"

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def with_(self, shape=None, dtype=None) -> "TensorSpec":
        return TensorSpec(self.shape if shape is None else tuple(shape),
                          self.dtype if dtype is None else dtype, self.device)


def spec_of(x) -> TensorSpec:
    """TensorSpec of anything with ``shape`` and ``dtype`` (numpy array, Tensor, spec)."""
    if isinstance(x, TensorSpec):
        return x
    dt = x.dtype if isinstance(x.dtype, D.dtype) else D.from_numpy_dtype(x.dtype)
    return TensorSpec(tuple(x.shape), dt)


def fmt_shape(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def broadcast_shapes(*shapes, op: str = "") -> tuple:
    """The broadcast of ``shapes`` (torch.broadcast_shapes); RuntimeError naming both sizes."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        off = ndim - len(s)
        for i, d in enumerate(s):
            j = off + i
            cur = out[j]
            if cur == 1 or cur is d:
                out[j] = d
            elif d == 1 or d == cur:
                continue
            elif not isinstance(d, int) or not isinstance(cur, int):
                out[j] = d if isinstance(cur, int) else cur
            else:
                a, b = (shapes[0], s) if len(shapes) >= 2 else (s, s)
                raise RuntimeError(
                    f"The size of tensor a ({cur}) must match the size of tensor b ({d}) at "
                    f"non-singleton dimension {j}" + (f" (in {op})" if op else ""))
    return tuple(out)


def wrap_dim(dim: int, ndim: int, op: str = "") -> int:
    """Normalize a possibly negative ``dim``; IndexError with PyTorch's wording if out of range."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    n = max(ndim, 1)
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def wrap_dims(dims, ndim: int, op: str = "") -> tuple:
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(wrap_dim(d, ndim, op) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def reduce_shape(shape, dims, keepdim: bool) -> tuple:
    """Shape after reducing ``dims`` (already wrapped; None means all)."""
    if dims is None:
        dims = range(len(shape))
    dims = set(dims)
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def same_spec(x: TensorSpec, **_) -> TensorSpec:
    return x


def numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n
