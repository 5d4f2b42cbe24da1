"""Shape functions and methods: view, reshape, expand, sum_to_size and the view ops (permute,
transpose, T/mT/H/mH, squeeze, unsqueeze, unfold, diagonal, as_strided, complex views) with
their in-place variants.  Splits are in shape_split.py, joins and copies in shape_join.py."""
from __future__ import annotations

import warnings

from ..eager.dispatch import call
from ..eager.tensor import Tensor
from ..ops import registry as R
from ._bind import both, tensor_method, torch_function
from ._util import size_args, write_out

_view, _reshape, _expand, _sum_to = (R.get(n) for n in ("view", "reshape", "expand",
                                                        "sum_to_size"))


@tensor_method
def view(self, *shape):
    """A view with a new shape sharing this tensor's memory (Tensor.view)."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and \
            not isinstance(shape[0], Tensor) and not hasattr(shape[0], "__index__"):
        from .conversion import view_as_dtype
        return view_as_dtype(self, shape[0])
    return call(_view, self, shape=size_args(shape, "view"))


@both
def reshape(input, *shape):
    """Same data with a new shape: a view when possible, else a copy (torch.reshape)."""
    return call(_reshape, input, shape=size_args(shape, "reshape"))


@tensor_method
def expand(self, *sizes):
    """A view broadcasting singleton dimensions to ``sizes`` (-1 keeps a size)."""
    return call(_expand, self, size=size_args(sizes, "expand"))


@tensor_method
def sum_to_size(self, *size):
    return call(_sum_to, self, size=size_args(size, "sum_to_size"))


@tensor_method
def view_as(self, other):
    return view(self, other.shape)


@tensor_method
def reshape_as(self, other):
    return reshape(self, other.shape)


@tensor_method
def expand_as(self, other):
    return expand(self, other.shape)


# ------------------------------------------------------------------------------ views
_permute, _transpose, _t, _squeeze, _unsqueeze, _unfold, _diagonal, _diagonal_copy, \
    _as_strided, _vreal, _vcomplex = (R.get(n) for n in (
        "permute", "transpose", "t", "squeeze", "unsqueeze", "unfold", "diagonal",
        "diagonal_copy", "as_strided", "view_as_real", "view_as_complex"))


def _int_list(args, name):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"{name}(): argument 'dims' must be tuple of ints, but found element "
                            f"of type {type(a).__name__}")
    return tuple(a.__index__() for a in args)


@both
def permute(input, *dims, **kw):
    """A view of ``input`` with its dimensions reordered to ``dims``."""
    if "dims" in kw:
        dims = (kw.pop("dims"),)
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    return call(_permute, input, dims=_int_list(dims, "permute"))


@both
def transpose(input, dim0, dim1):
    """A view of ``input`` with dimensions ``dim0`` and ``dim1`` swapped."""
    return call(_transpose, input, dim0=dim0, dim1=dim1)


@both
def swapaxes(input, axis0, axis1):
    """Alias of :func:`transpose`."""
    return call(_transpose, input, dim0=axis0, dim1=axis1)


@both
def swapdims(input, dim0, dim1):
    """Alias of :func:`transpose`."""
    return call(_transpose, input, dim0=dim0, dim1=dim1)


@both
def t(input):
    """Transpose of a tensor with <= 2 dimensions (a view)."""
    return call(_t, input)


def _warn(msg):
    warnings.warn(msg, UserWarning, stacklevel=3)


def _T(self):
    n = self.ndim
    if n == 0:
        _warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these "
              "cases.")
    elif n != 2:
        _warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
              "deprecated and it will throw an error in a future release. Consider `x.mT` to "
              "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
              "to reverse the dimensions of a tensor.")
    return call(_permute, self, dims=tuple(range(n - 1, -1, -1)))


def _mT(self):
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return call(_transpose, self, dim0=-2, dim1=-1)


def _conj(x):
    return x.conj() if x.is_complex() else x


def _H(self):
    if self.ndim == 0:
        _warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().")
        return _conj(call(_permute, self, dims=()))
    if self.ndim != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor." + (" For batches of matrices, consider using "
                                                      "tensor.mH" if self.ndim > 2 else ""))
    return _conj(call(_transpose, self, dim0=0, dim1=1))


def _adjoint_of(self, what, word):
    if self.ndim == 0:
        _warn(f"{word} is deprecated on 0-D tensors. Consider using x.conj().")
        return _conj(call(_permute, self, dims=()))
    if self.ndim < 2:
        raise RuntimeError(f"{what} is only supported on matrices or batches of matrices. Got "
                           f"{self.ndim}-D tensor.")
    return _conj(call(_transpose, self, dim0=-2, dim1=-1))


tensor_method(property(_T), name="T")
tensor_method(property(_mT), name="mT")
tensor_method(property(_H), name="H")
tensor_method(property(lambda self: _adjoint_of(self, "tensor.mH", "Tensor.mH")), name="mH")


@both
def adjoint(input):
    """Conjugate transpose of the last two dimensions (a view for real tensors)."""
    return _adjoint_of(input, "tensor.adjoint()", "adjoint()")


@both
def squeeze(input, dim=None):
    """A view of ``input`` without its size-1 dimensions (all, or those in ``dim``)."""
    if dim is not None and not isinstance(dim, int):
        dim = _int_list((dim,), "squeeze")
    return call(_squeeze, input, dim=dim)


@both
def unsqueeze(input, dim):
    """A view of ``input`` with a size-1 dimension inserted at ``dim``."""
    return call(_unsqueeze, input, dim=dim)


@tensor_method
def unfold(self, dimension, size, step):
    """A view of all slices of length ``size`` (stride ``step``) along ``dimension``, in a new
    last dimension."""
    return call(_unfold, self, dimension=dimension, size=size, step=step)


@both
def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of the diagonal (``offset`` above the main one) of planes ``dim1``/``dim2``."""
    return call(_diagonal, input, offset=offset, dim1=dim1, dim2=dim2)


@torch_function
def diagonal_copy(input, offset=0, dim1=0, dim2=1, *, out=None):
    return write_out(call(_diagonal_copy, input, offset=offset, dim1=dim1, dim2=dim2), out)


@both
def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with the given size, stride (in elements) and storage
    offset (default: the tensor's own)."""
    size, stride = size_args((size,), "as_strided"), size_args((stride,), "as_strided")
    own = input.storage_offset()
    off = own if storage_offset is None else int(storage_offset)
    base = input._base if input._base is not None else input
    it = input.element_size()
    if len(size) == len(stride) and all(s >= 0 for s in stride + size) and off >= 0:
        need = 0 if 0 in size else off + 1 + sum((n - 1) * s for n, s in zip(size, stride))
        have = base._data.size if base._data.flags.c_contiguous else \
            base.storage_offset() + base._data.size
        if need > have:
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                               f"offset {off}, and itemsize {it} requiring a storage size of "
                               f"{need * it} are out of bounds for storage of size {have * it}")
    return call(_as_strided, input, size=size, stride=stride, storage_offset=off,
                in_stride=input.stride(), in_offset=own)


@torch_function
def view_as_real(input):
    """A real view of a complex tensor with a trailing dimension of size 2."""
    if input.__dict__.get("_conj_bit"):
        raise RuntimeError(
            "view_as_real doesn't work on unresolved conjugated tensors.  To resolve the "
            "conjugate tensor so you can view it as real, use self.resolve_conj(); however, be "
            "warned that the resulting tensor will NOT alias the original.")
    return call(_vreal, input)


@torch_function
def view_as_complex(input):
    """A complex view of a real tensor whose last dimension has size 2 and stride 1."""
    if input.ndim and input.shape[-1] == 2 and input.stride(-1) == 1 and \
            input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return call(_vcomplex, input)


# ------------------------------------------------------------------------------ in-place views
def _inplace_view(self, op, grad_name, **attrs):
    from ..eager import autograd as AG
    from ..eager.grad_mode import STATE
    if STATE.enabled and self._requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    r = call(op, self, **attrs)
    self._data = r._data
    self._vc[0] += 1
    if r.grad_fn is not None:
        r.grad_fn.__class__ = AG.node_class(grad_name)  # PyTorch names in-place nodes ...1
        self.grad_fn, self._output_nr = r.grad_fn, 0
    return self


@tensor_method
def t_(self):
    return _inplace_view(self, _t, "TBackward1")


@tensor_method
def transpose_(self, dim0, dim1):
    return _inplace_view(self, _transpose, "TransposeBackward1", dim0=dim0, dim1=dim1)


@tensor_method
def swapaxes_(self, axis0, axis1):
    return _inplace_view(self, _transpose, "TransposeBackward1", dim0=axis0, dim1=axis1)


@tensor_method
def swapdims_(self, dim0, dim1):
    return _inplace_view(self, _transpose, "TransposeBackward1", dim0=dim0, dim1=dim1)


@tensor_method
def squeeze_(self, dim=None):
    if dim is not None and not isinstance(dim, int):
        dim = _int_list((dim,), "squeeze_")
    name = "3" if dim is None else "4" if isinstance(dim, int) else "5"
    return _inplace_view(self, _squeeze, "SqueezeBackward" + name, dim=dim)


@tensor_method
def unsqueeze_(self, dim):
    return _inplace_view(self, _unsqueeze, "UnsqueezeBackward1", dim=dim)


from . import shape_join, shape_split  # noqa: E402,F401 - the rest of the family
