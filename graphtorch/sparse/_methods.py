"""Sparse-aware Tensor methods and torch functions.

New methods (to_dense, coalesce, indices, ...) are attached to Tensor; existing dense functions
that PyTorch also defines for sparse COO inputs (mm, add, mul, sum, t, to, clone, ...) are
wrapped once by ``install``: the wrapper takes the sparse path only when an argument is a
sparse tensor, so dense calls pay one type check."""
from __future__ import annotations

import functools

from .. import api
from ..eager.device import device as _device
from ..eager.sparse_tensor import ACTIVE as SPARSE_ACTIVE
from ..eager.sparse_tensor import SparseData
from ..eager.tensor import Tensor
from ..ops import dtypes as D
from . import _coo as C
from . import _inplace as I
from . import _linalg as L


def _sp(x) -> bool:
    return isinstance(x, Tensor) and type(x._data) is SparseData


def _not_supported(name):
    raise RuntimeError(f"{name}(sparse, dense) is not supported. Use {name}(dense, sparse) "
                       "instead.")


# ----------------------------------------------------------------------------- new methods
def to_dense(self, dtype=None, *, masked_grad=None):
    """The dense (strided) tensor; a dense tensor returns itself."""
    if not _sp(self):
        return self if dtype is None else self.to(dtype)
    out = C.to_dense(self)
    return out if dtype is None else out.to(dtype)


def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """A sparse COO copy holding the nonzeros of the first ``sparse_dim`` dims."""
    if layout is not None and repr(layout) != "torch.sparse_coo":
        raise RuntimeError(f"to_sparse: layout {layout} is not supported by graphtorch")
    if _sp(self):
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError("to_sparse: conversion between sparse dims is not supported")
        return self
    return C.from_dense(self, sparse_dim)


def to_sparse_coo(self):
    """``to_sparse()``."""
    return to_sparse(self)


def _need_sparse(self, name):
    if not _sp(self):
        raise RuntimeError(f"{name} expected sparse coordinate tensor layout but got Strided")


def coalesce(self):
    """Sorted, duplicate-free indices (duplicates summed); returns self if already so."""
    _need_sparse(self, "coalesce")
    return C.coalesce(self)


def is_coalesced(self) -> bool:
    _need_sparse(self, "is_coalesced")
    return self._data.coalesced


def _nnz(self) -> int:
    _need_sparse(self, "_nnz")
    return int(self._data.indices._data.shape[1])


def indices(self):
    """The [sparse_dim, nnz] indices of a coalesced sparse tensor."""
    _need_sparse(self, "indices")
    if not self._data.coalesced:
        raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call "
                           ".coalesce() first")
    return self._data.indices


def values(self):
    """The [nnz, *dense_dims] values of a coalesced sparse tensor."""
    _need_sparse(self, "values")
    if not self._data.coalesced:
        raise RuntimeError("Cannot get values on an uncoalesced tensor, please call "
                           ".coalesce() first")
    return self._data.values


def _indices(self):
    _need_sparse(self, "_indices")
    return self._data.indices


def _values(self):
    _need_sparse(self, "_values")
    return self._data.values


def sparse_dim(self) -> int:
    return int(self._data.indices._data.shape[0]) if _sp(self) else 0


def dense_dim(self) -> int:
    return len(self._data.shape) - sparse_dim(self) if _sp(self) else self.dim()


NEW_METHODS = {f.__name__: f for f in (to_dense, to_sparse, to_sparse_coo, coalesce,
                                       is_coalesced, _nnz, indices, values, _indices, _values,
                                       sparse_dim, dense_dim)}


# ----------------------------------------------------------------------------- sparse paths
def _add(input, other, *, alpha=1, out=None):
    if _sp(input) and _sp(other):
        return C.add_sparse(input, other, alpha)
    if _sp(input):
        _not_supported("add")
    return api.add(input, C.to_dense(other), alpha=alpha, out=out)


def _sub(input, other, *, alpha=1, out=None):
    if _sp(input) and _sp(other):
        return C.add_sparse(input, other, -alpha)
    if _sp(input):
        _not_supported("sub")
    return api.sub(input, C.to_dense(other), alpha=alpha, out=out)


def _radd(self, other, alpha=1):
    _not_supported("add")


def _rsub(self, other, alpha=1):
    _not_supported("sub")


def _mul(input, other, *, out=None):
    if _sp(input) and _sp(other):
        return C.mul_sparse(input, other)
    s, o = (input, other) if _sp(input) else (other, input)
    if isinstance(o, Tensor) and o.dim() > 0:
        return C.mul_dense(s, o)
    return C.with_values(s, s._data.values * o)


def _div(input, other, *, rounding_mode=None, out=None):
    if not _sp(input) or _sp(other) or (isinstance(other, Tensor) and other.dim() > 0):
        raise RuntimeError("div: only a sparse tensor divided by a scalar is supported for "
                           "sparse COO tensors")
    return C.with_values(input, api.div(input._data.values, other, rounding_mode=rounding_mode))


def _rdiv(self, other):
    raise RuntimeError("div: dividing by a sparse tensor is not supported")


def _unary(name):
    def f(input, *args, **kwargs):
        kwargs.pop("out", None)
        return C.with_values(input, getattr(api, name)(input._data.values, *args, **kwargs))
    return f


def _pow(input, exponent):
    if _sp(exponent) or isinstance(exponent, Tensor) and exponent.dim() > 0:
        raise RuntimeError("pow: only a sparse base with a scalar exponent is supported")
    if exponent == 0:
        raise RuntimeError("pow: a zero exponent would fill the sparse tensor with ones")
    return C.with_values(input, input._data.values.pow(exponent))


def _dense_grad_mm(input, other):
    """torch.mm / matmul / @ give a sparse leaf a DENSE gradient (torch.sparse.mm a sparse
    one): with such a leaf, multiply its dense value instead."""
    if _sp(input) and not _sp(other):
        d = C.dense_leaf(input)
        if d is not None:
            L._check_mm(input, other, "mm")
            return api.mm(d, other)
    elif _sp(other) and not _sp(input):
        d = C.dense_leaf(other)
        if d is not None:
            L._check_mm(L.transpose(other, 0, 1), input.t() if input.dim() == 2 else input,
                        "mm")
            return api.mm(input, d)
    return None


def _matmul(input, other, *, out=None):
    r = _dense_grad_mm(input, other)
    if r is not None:
        return r
    if _sp(input):
        return L.spmm(input, other)
    return L.dense_sparse_mm(input, other)


def _rmatmul(self, other):
    return _matmul(other, self)


def _addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    if _sp(mat1) and not _sp(input) and not _sp(mat2):
        d = C.dense_leaf(mat1)  # a sparse leaf gets a dense gradient here (as torch)
        if d is not None:
            L._check_mm(mat1, mat2, "addmm")
            return api.addmm(input, d, mat2, beta=beta, alpha=alpha)
    if _sp(mat1):
        return L.addmm(input, mat1, mat2, beta=beta, alpha=alpha)
    prod = L.dense_sparse_mm(mat1, mat2)
    if _sp(input):
        input = C.to_dense(input)
    return (input if beta == 1 else input * beta) + (prod if alpha == 1 else prod * alpha)


def _t(input):
    return input if input.dim() < 2 else L.transpose(input, 0, 1)


def _transpose(input, dim0, dim1):
    return L.transpose(input, dim0, dim1)


def _sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if keepdim:
        raise RuntimeError("sum: keepdim=True is not supported for sparse COO tensors")
    if dim is None:
        d = C.dense_leaf(input)  # Tensor.sum() gives a sparse leaf a dense gradient (torch)
        if d is not None:
            return d.sum(dtype=dtype)
    return L.sparse_sum(input, dim, dtype)


def _norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Full-reduction vector norm of the (summed) entries, as torch's norm_sparse."""
    nd = input.dim()
    dims = [] if dim is None else [d % nd for d in ([dim] if isinstance(dim, int) else dim)]
    if dims and sorted(set(dims)) != list(range(nd)):
        raise RuntimeError("norm_sparse currently only supports full reductions, so 'dim' must "
                           "either be empty or contain all dimensions of the input")
    vals = C.coalesce(input)._data.values
    if dtype is not None:
        vals = vals.to(dtype)
    return vals.norm(2 if p in ("fro", None) else p)


def _to(self, *args, **kwargs):
    dt = kwargs.get("dtype")
    for a in list(args) + [kwargs.get("device")]:
        if isinstance(a, D.dtype):
            dt = a
        elif isinstance(a, Tensor):
            dt = a.dtype
        elif isinstance(a, (str, _device)) and _device(a).type != "cpu":
            raise RuntimeError("graphtorch sparse COO tensors live on the cpu only")
    if dt is None or dt is self._dtype:
        return self
    return C.with_values(self, self._data.values.to(dt))


def _cast(dt):
    def f(self, memory_format=None):
        return _to(self, dt)
    return f


def _clone(input, *, memory_format=None):
    sd = input._data
    return C.make_sparse(sd.indices.clone(), sd.values.clone(), sd.shape, sd.coalesced)


def _requires_grad_(self, requires_grad=True):
    if self.grad_fn is None:
        C.set_leaf_requires_grad(self, bool(requires_grad))
        return self
    return ORIG["requires_grad_"](self, requires_grad)


def _deepcopy(self, memo):
    sd = self._data
    new = C.make_sparse(sd.indices.clone(), sd.values.detach().clone(), sd.shape, sd.coalesced,
                        requires_grad=self._requires_grad)
    memo[id(self)] = new
    return new


def _reduce_ex(self, proto):
    sd = self._data
    return (rebuild_sparse, (sd.indices, sd.values.detach(), sd.shape, sd.coalesced,
                             self._requires_grad))


def rebuild_sparse(indices, values, shape, coalesced, requires_grad):
    """Unpickle a sparse COO tensor."""
    return C.make_sparse(indices, values, tuple(shape), coalesced, requires_grad=requires_grad)


def _numpy(self, *, force=False):
    raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")


def _smm(input, mat2):
    return C.from_dense(L.spmm(input, mat2, "smm"))


def _hspmm(mat1, mat2):
    return C.from_dense(L.spmm(mat1, mat2, "hspmm"), 1)


# name -> sparse implementation; ``both``: also wrapped in the torch namespace
SPARSE_PATHS = {
    "add": _add, "sub": _sub, "mul": _mul, "div": _div, "true_divide": _div, "pow": _pow,
    "mm": _matmul, "matmul": _matmul, "addmm": _addmm, "t": _t, "transpose": _transpose,
    "sum": _sum, "clone": _clone, "norm": _norm,
    **{n: _unary(n) for n in ("neg", "abs", "sqrt", "sin", "tanh", "relu", "sign", "square",
                               "floor", "ceil", "round", "trunc", "asin", "atan", "sinh",
                               "expm1", "log1p", "tan", "erf", "negative", "sgn")},
}
METHOD_ONLY = {
    "__add__": _add, "__radd__": _radd, "__sub__": _sub, "__rsub__": _rsub, "__mul__": _mul,
    "__rmul__": _mul, "__truediv__": _div, "__rtruediv__": _rdiv, "__matmul__": _matmul,
    "__rmatmul__": _rmatmul, "__neg__": _unary("neg"), "__abs__": _unary("abs"),
    "__pow__": _pow, "to": _to, "double": _cast(D.float64), "float": _cast(D.float32),
    "half": _cast(D.float16), "bfloat16": _cast(D.bfloat16), "long": _cast(D.int64),
    "int": _cast(D.int32), "bool": _cast(D.bool), "requires_grad_": _requires_grad_,
    "__deepcopy__": _deepcopy, "__reduce_ex__": _reduce_ex, "numpy": _numpy,
    **I.METHODS,
}
FUNCTION_ONLY = {"smm": _smm, "hspmm": _hspmm}
ORIG: dict = {}


def _dispatching(orig, impl):
    @functools.wraps(orig)
    def f(*args, **kwargs):
        for a in args:
            if isinstance(a, Tensor) and type(a._data) is SparseData:
                return impl(*args, **kwargs)
        for a in kwargs.values():
            if isinstance(a, Tensor) and type(a._data) is SparseData:
                return impl(*args, **kwargs)
        return orig(*args, **kwargs)
    f._sparse_wrapped = True
    return f


def install(namespace: dict) -> None:
    """Attach the new methods (to_dense, to_sparse, ...) now; the sparse-capable dense
    methods and functions are wrapped when the first sparse tensor is made (``activate``).

    Why lazily: each wrapper adds a Python call to every dense call (``x + y`` 2.03 ->
    2.39 us, ``x.numpy()`` 85 -> 280 ns); a program that never makes a sparse tensor cannot
    pass one, so it keeps the dense speed."""
    if getattr(Tensor, "to_dense", None) is to_dense:
        return
    for name, fn in NEW_METHODS.items():
        setattr(Tensor, name, fn)
    for name, impl in FUNCTION_ONLY.items():
        namespace[name] = impl
    _PENDING.append(namespace)
    C.ON_FIRST_SPARSE[0] = activate


def activate() -> None:
    """Wrap the sparse-capable dense methods and torch functions (once)."""
    C.ON_FIRST_SPARSE[0] = None
    SPARSE_ACTIVE[0] = True
    from ._accumulate import install_engine
    from ._grad_inputs import install as install_grad_inputs
    install_engine()  # sparse gradients (Embedding(sparse=True), sparse leaves) in backward
    install_grad_inputs()  # autograd.grad(out, sparse_leaf)
    if not _PENDING:
        return
    namespace = _PENDING.pop()
    for name, impl in list(SPARSE_PATHS.items()) + list(METHOD_ONLY.items()):
        orig = getattr(Tensor, name, None)
        if orig is not None:
            ORIG.setdefault(name, orig)
            I.ORIG.setdefault(name, orig)
            setattr(Tensor, name, _dispatching(orig, impl))
    for name, impl in SPARSE_PATHS.items():
        orig = namespace.get(name)
        if orig is not None:
            ORIG[name] = orig
            namespace[name] = _dispatching(orig, impl)


_PENDING: list = []


def rebuild_sparse_tensor(layout, data):
    """``torch._utils._rebuild_sparse_tensor``: a sparse COO tensor from a saved file."""
    if repr(layout) != "torch.sparse_coo":
        raise RuntimeError(f"rebuilding a {layout} tensor is not supported by graphtorch")
    indices, values, size = data[:3]
    coalesced = data[3] if len(data) > 3 else None
    return C.make_sparse(indices, values, tuple(size), bool(coalesced))
