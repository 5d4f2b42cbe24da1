"""Tensor: an n-d array (numpy on cpu, cupy on cuda) with dtype, device, autograd fields and a
version counter shared with its views.  Op methods (add, view, sum, ...) are attached by
``graphtorch.api`` from one table; this file holds only the storage and autograd protocol."""
from __future__ import annotations

import numpy as np

from ..ops import dtypes as D
from . import autograd as AG
from .device import CPU, device
from .grad_mode import STATE
from .size import Size
from .sparse_tensor import SparseData as _SparseData

__all__ = ["Tensor", "wrap", "is_tensor"]

_np_to_dt = D._NP_TO_DTYPE
_ndarray = np.ndarray


class Tensor:
    """A multi-dimensional array with autograd; see the PyTorch documentation of torch.Tensor."""

    __slots__ = ("_data", "_dtype", "_requires_grad", "grad_fn", "_grad", "_vc", "_base",
                 "_output_nr", "_hooks", "_post_acc_hooks", "_acc", "_retains_grad",
                 "_is_inference", "__dict__", "__weakref__")

    __array_priority__ = 1000  # numpy defers to our reflected operators

    def __new__(cls, *args, **kwargs):
        # torch.Tensor(2, 3) / torch.Tensor([1, 2]) legacy constructors
        self = object.__new__(cls)
        if args and isinstance(args[0], np.ndarray) and len(args) == 1:
            arr = args[0]
        elif args and isinstance(args[0], (list, tuple)) and len(args) == 1:
            arr = np.array(args[0], dtype=D.get_default_dtype().np)
        elif args and all(isinstance(a, int) for a in args):
            arr = np.empty(args, dtype=D.get_default_dtype().np)
        elif len(args) == 1 and isinstance(args[0], Size):
            arr = np.empty(tuple(args[0]), dtype=D.get_default_dtype().np)
        elif not args:
            arr = np.empty((0,), dtype=D.get_default_dtype().np)
        else:
            raise TypeError("new(): invalid arguments for torch.Tensor(...)")
        _init(self, arr)
        return self

    def __init__(self, *args, **kwargs):
        pass

    # ------------------------------------------------------------------ basic properties
    @property
    def dtype(self) -> D.dtype:
        return self._dtype

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def device(self) -> device:
        return CPU if type(self._data) is _ndarray else _cuda_device(self._data)

    @property
    def is_cuda(self) -> bool:
        return type(self._data) is not _ndarray and type(self._data) is not _SparseData

    @property
    def is_sparse(self) -> bool:
        return type(self._data) is _SparseData

    is_quantized = False
    is_meta = False
    is_mkldnn = False
    is_nested = False

    @property
    def layout(self):
        from .. import sparse_coo, strided
        return sparse_coo if type(self._data) is _SparseData else strided

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def size(self, dim=None):
        """The shape as ``torch.Size``, or the size of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        from ..ops.meta import wrap_dim
        return self._data.shape[wrap_dim(dim, self._data.ndim, "size")]

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def stride(self, dim=None):
        """Strides in elements (not bytes), as PyTorch reports them."""
        st = tuple(s // self._dtype.itemsize for s in self._data.strides)
        if dim is None:
            return st
        from ..ops.meta import wrap_dim
        return st[wrap_dim(dim, self._data.ndim, "stride")]

    def storage_offset(self) -> int:
        if self._base is None:
            return 0
        return (_addr(self._data) - _addr(self._base._data)) // self._dtype.itemsize

    def data_ptr(self) -> int:
        return _addr(self._data)

    def is_contiguous(self, memory_format=None) -> bool:
        if memory_format is not None and getattr(memory_format, "name", "") != \
                "contiguous_format":
            from .memory_format import is_contiguous_as
            return is_contiguous_as(self._data, memory_format)
        return is_contiguous(self._data.shape, self._data.strides, self._dtype.itemsize)

    def is_floating_point(self) -> bool:
        return self._dtype.category == D._FLOAT

    def is_complex(self) -> bool:
        return self._dtype.category == D._COMPLEX

    def is_signed(self) -> bool:
        return self._dtype.is_signed

    def is_inference(self) -> bool:
        return self._is_inference

    def get_device(self) -> int:
        return -1 if self.device.type == "cpu" else self.device.index or 0

    @property
    def _version(self) -> int:
        return self._vc[0]

    # ------------------------------------------------------------------ autograd fields
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set whether autograd records operations on this (leaf) tensor; returns self."""
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "If you want to use a computed variable in a subgraph that "
                                   "doesn't require differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and self._dtype.category < D._FLOAT:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self._is_inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                               "InferenceMode is not allowed.")
        self._requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed "
                "want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
                "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
                "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more informations.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    def retain_grad(self) -> None:
        """Populate ``.grad`` of this non-leaf tensor during backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = __import__("weakref").ref(self)

        def _retain(g):
            t = ref()
            if t is not None:
                from .engine_ops import detach_copy
                t._grad = detach_copy(g) if t._grad is None else t._grad + g.detach()
            return None
        self.grad_fn._add_tensor_hook(self._output_nr, _retain)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """Register ``hook(grad) -> Tensor | None`` to run when this tensor's gradient is
        computed; returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = {}
        return AG._Handle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Register ``hook(tensor)`` to run after a leaf's ``.grad`` has been accumulated."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = {}
        return AG._Handle(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor w.r.t. graph leaves (see torch.autograd.backward)."""
        from .. import autograd as _autograd
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A new tensor sharing storage (and version counter) that is cut from the graph."""
        t = _alias(self)
        t._vc = self._vc
        if self.__dict__.get("_conj_bit"):
            t._conj_bit = True  # torch's detach keeps the conjugate bit
        return t

    def detach_(self) -> "Tensor":
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> "Tensor":
        return _alias(self)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        if self._requires_grad and value._dtype.category < D._FLOAT:
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point or complex dtype")
        if value._dtype is not self._dtype or value._data.shape != self._data.shape:
            self._acc = None  # the cached AccumulateGrad records the old shape/dtype
        self._data = value._data
        self._dtype = value._dtype

    # ------------------------------------------------------------------ Python protocol
    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        _hook_scalar(self, "bool")
        return bool(self._data.reshape(()))

    def __int__(self):
        _check_one(self, "int")
        _hook_scalar(self, "int")
        return int(self._data.reshape(()).real if self.is_complex() else self._data.reshape(()))

    def __float__(self):
        _check_one(self, "float")
        _hook_scalar(self, "float")
        return float(self._data.reshape(()))

    def __complex__(self):
        _check_one(self, "complex")
        return complex(self._data.reshape(()))

    def __index__(self):
        if self._dtype.category > D._INT or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        _hook_scalar(self, "int")
        return int(self._data.reshape(()))

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        _hook_scalar(self, "item")
        return self._data.reshape(()).item() if self._dtype is not D.bfloat16 else \
            float(self._data.reshape(()))

    def tolist(self):
        """The tensor as (nested) Python lists of numbers."""
        _hook_scalar(self, "tolist")
        if self._dtype is D.bfloat16:
            return self._data.astype(np.float32).tolist()
        return _host(self._data).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """A numpy array sharing this tensor's memory (cpu tensors that don't require grad)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if not force and self.__dict__.get("_conj_bit"):
            raise RuntimeError("Can't call numpy() on Tensor that has conjugate bit set. Use "
                               "tensor.resolve_conj().numpy() instead.")
        if type(self._data) is not _ndarray:
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                                "Tensor.cpu() to copy the tensor to host memory first.")
            return _host(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.numpy(force=False) if not self._requires_grad else self._data
        return a if dtype is None else a.astype(dtype)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # as torch: a numpy ufunc applied to a tensor returns a tensor (bool as uint8)
        if array.dtype == bool:
            array = array.astype("uint8")
        return wrap(np.asarray(array))

    def __repr__(self, *, tensor_contents=None):
        if type(self._data) is _SparseData:
            from ..sparse._format import sparse_repr
            return sparse_repr(self)
        from .printing import tensor_repr
        return tensor_repr(self, tensor_contents=tensor_contents)

    def __format__(self, spec):
        # as torch: a plain 0-dim tensor formats its Python number, even with an empty spec
        if self._data.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def as_subclass(self, cls) -> "Tensor":
        """A ``cls`` instance (a Tensor subclass) sharing this tensor's data and autograd
        identity."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"as_subclass(): argument 'cls' must be a Tensor subclass")
        new = object.__new__(cls)
        for slot in Tensor.__slots__:
            if slot not in ("__dict__", "__weakref__"):
                object.__setattr__(new, slot, getattr(self, slot))
        return new

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = object.__new__(type(self))
        _init(new, self._data.copy())
        new._dtype = self._dtype
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        if "__dict__" in dir(self) and self.__dict__:
            import copy
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, proto):
        return (_rebuild, (_host(self._data), self._dtype.name, self._requires_grad))

    def __setstate__(self, state):
        pass


def _rebuild(arr, dtype_name, requires_grad):
    t = wrap(np.array(arr, dtype=getattr(D, dtype_name).np))
    t._requires_grad = requires_grad
    return t


# ------------------------------------------------------------------ construction helpers
def _init(t, arr):
    t._data = arr
    t._dtype = _np_to_dt[arr.dtype]
    t._requires_grad = False
    t.grad_fn = None
    t._grad = None
    t._vc = [0]
    t._base = None
    t._output_nr = 0
    t._hooks = None
    t._post_acc_hooks = None
    t._acc = None
    t._retains_grad = False
    t._is_inference = STATE.inference


def wrap(arr) -> Tensor:
    """A fresh (non-view, leaf) Tensor around array ``arr`` (numpy scalars become 0-dim).

    The field initialisation repeats ``_init`` inline on purpose: every op's output goes
    through here, and the extra call would cost a few percent of eager dispatch."""
    if type(arr) is not _ndarray:
        arr = _as_array(arr)
    t = object.__new__(Tensor)
    t._data = arr
    t._dtype = _np_to_dt[arr.dtype]
    t._requires_grad = False
    t.grad_fn = None
    t._grad = None
    t._vc = [0]
    t._base = None
    t._output_nr = 0
    t._hooks = None
    t._post_acc_hooks = None
    t._acc = None
    t._retains_grad = False
    t._is_inference = STATE.inference
    return t


def _as_array(a):
    if isinstance(a, np.generic):
        return np.asarray(a)
    if isinstance(a, _ndarray):  # ndarray subclass (e.g. memmap)
        return a.view(np.ndarray)
    if hasattr(a, "__cuda_array_interface__"):
        return a
    return np.asarray(a)


def _alias(t: Tensor) -> Tensor:
    """A detached tensor sharing ``t``'s memory, with its own version counter."""
    if type(t._data) is _SparseData:
        from ..sparse._coo import detach_sparse
        return detach_sparse(t)
    out = wrap(t._data)
    out._dtype = t._dtype
    out._base = t._base if t._base is not None else t
    return out


def make_view(out_arr, src: Tensor) -> Tensor:
    """Wrap ``out_arr`` (which aliases ``src``'s memory) as a view of ``src``."""
    t = wrap(out_arr)
    t._base = src._base if src._base is not None else src
    t._vc = src._vc
    return t


def is_tensor(obj) -> bool:
    """True if ``obj`` is a graphtorch Tensor (torch.is_tensor)."""
    return isinstance(obj, Tensor)


def is_contiguous(shape, strides, itemsize) -> bool:
    expected = itemsize
    for n, s in zip(reversed(shape), reversed(strides)):
        if n == 1:
            continue
        if n == 0:
            return True
        if s != expected:
            return False
        expected *= n
    return True


def _addr(a) -> int:
    if type(a) is _ndarray:
        return a.__array_interface__["data"][0]
    return int(a.data.ptr)


def _host(a):
    return a if type(a) is _ndarray else a.get()


def _cuda_device(a):
    if type(a) is _SparseData:
        return CPU
    return device("cuda", a.device.id)


def _check_one(t, what):
    if t._data.size != 1:
        raise RuntimeError(f"a Tensor with {t._data.size} elements cannot be converted to Scalar")


_scalar_hook = [None]  # set by the tracer: converting a traced tensor to Python records a guard


def _hook_scalar(t, kind):
    h = _scalar_hook[0]
    if h is not None:
        h(t, kind)
