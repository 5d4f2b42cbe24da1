"""dtype/device conversion and copies: to, type casts (float(), long(), ...), clone,
contiguous, cpu/cuda, detach-style helpers."""
from __future__ import annotations


from ..eager.device import as_device, device as Device
from ..eager.dispatch import call
from ..eager.tensor import Tensor, make_view
from ..ops import dtypes as D
from ..ops import registry as R
from ._bind import both, tensor_method

_cast, _clone = R.get("_to_copy"), R.get("clone")


def _parse_to(args, kwargs):
    dtype, dev = kwargs.get("dtype"), kwargs.get("device")
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, dev = a._dtype, a.device
        elif isinstance(a, (str, Device, int)) and not isinstance(a, bool):
            dev = a
    return dtype, dev


@tensor_method
def to(self, *args, non_blocking=False, copy=False, memory_format=None, **kwargs):
    """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``,
    ``to(device, dtype)``; returns self when nothing changes and ``copy`` is False."""
    dtype, dev = _parse_to(args, kwargs)
    out = self
    if dtype is not None and dtype is not self._dtype:
        out = call(_cast, out, dtype=dtype)
    elif copy:
        out = call(_clone, out)
    if dev is not None:
        dev = as_device(dev)
        if dev != out.device:
            from ..eager.transfer import to_device
            out = to_device(out, dev)
    if memory_format is not None:
        from ..eager.memory_format import to_format
        out = to_format(out, memory_format)
    return out


def _caster(dt):
    def f(self, memory_format=None):
        return to(self, dt)
    f.__name__ = dt.name
    return f


for _name, _dt in (("float", D.float32), ("double", D.float64), ("half", D.float16),
                   ("bfloat16", D.bfloat16), ("long", D.int64), ("int", D.int32),
                   ("short", D.int16), ("char", D.int8), ("byte", D.uint8), ("bool", D.bool),
                   ("cfloat", D.complex64), ("cdouble", D.complex128)):
    tensor_method(_caster(_dt), name=_name)


@tensor_method
def type(self, dtype=None, non_blocking=False):  # noqa: A001
    """Without arguments the type string ('torch.FloatTensor'); with a dtype, a cast."""
    if dtype is None:
        return "torch." + D.TYPE_NAMES[self._dtype]
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        dtype = {v: k for k, v in D.TYPE_NAMES.items()}[name]
    return to(self, dtype)


@tensor_method
def type_as(self, other):
    return to(self, other._dtype)


@both
def clone(input, *, memory_format=None):
    """A copy of ``input`` that stays in the autograd graph (layout preserved unless
    ``memory_format=torch.contiguous_format``)."""
    if memory_format is not None and str(memory_format) == "torch.contiguous_format":
        return call(_clone, input, memory_format="contiguous")
    return call(_clone, input)


@tensor_method
def contiguous(self, memory_format=None):
    """Self if already contiguous in ``memory_format`` (default C order), else a copy."""
    if memory_format is not None and str(memory_format) != "torch.contiguous_format":
        from ..eager.memory_format import to_format
        return to_format(self, memory_format)
    return self if self.is_contiguous() else call(_clone, self, memory_format="contiguous")


@tensor_method
def cpu(self, memory_format=None):
    return to(self, "cpu")


@tensor_method
def cuda(self, device=None, non_blocking=False, memory_format=None):
    return to(self, as_device("cuda" if device is None else
                              device if not isinstance(device, int) else f"cuda:{device}"))


def view_as_dtype(self, dtype):
    """Tensor.view(dtype): reinterpret the bytes (last dim rescaled if item sizes differ)."""
    a = self._data
    old, new = self._dtype.itemsize, dtype.itemsize
    if new != old:
        what = (f"to view {D.SCALAR_NAMES.get(self._dtype, self._dtype.name)} as "
                f"{D.SCALAR_NAMES.get(dtype, dtype.name)} (different element sizes)")
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if a.shape[-1] != 1 and a.strides[-1] != a.itemsize:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got "
                               f"{a.strides[-1] // a.itemsize}")
        if new > old and (a.shape[-1] * old) % new:
            raise RuntimeError(f"self.size(-1) must be divisible by {new // old} {what}, but "
                               f"got {a.shape[-1]}")
    try:
        return make_view(a.view(dtype.np), self)
    except ValueError as e:  # a layout numpy cannot reinterpret (e.g. offset misaligned)
        raise RuntimeError(f"cannot view {self._dtype} as {dtype}: {e}") from None


@tensor_method
def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from .creation import tensor
    return tensor(data, dtype=dtype or self._dtype, device=device or self.device,
                  requires_grad=requires_grad)


def _new(fill):
    def f(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
          pin_memory=False):
        from .creation import new_filled  # the `full` op: recorded while tracing
        return new_filled(self, size, fill, dtype, device, requires_grad)
    return f


tensor_method(_new(0), name="new_zeros")
tensor_method(_new(1), name="new_ones")
tensor_method(_new(None), name="new_empty")


@tensor_method
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    from .creation import new_filled
    return new_filled(self, (size,), fill_value, dtype, device, requires_grad)


_copy, _fill = R.get("copy"), R.get("fill")


@tensor_method
def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast to this dtype) into this tensor in place."""
    from ..eager.dispatch import call_inplace
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{src.__class__.__name__}")
    return call_inplace(_copy, self, src)


@tensor_method
def fill_(self, value):
    """Fill with ``value`` (a number or a 0-dim tensor) in place."""
    from ..eager.dispatch import call_inplace
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.dim()} dimensions.")
    return call_inplace(_fill, self, value)


@tensor_method
def zero_(self):
    """Fill with zeros in place."""
    return fill_(self, 0)


@tensor_method
def pin_memory(self, device=None):
    """Page-locked memory needs an accelerator: a RuntimeError, as CPU-only torch raises."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


@tensor_method
def is_pinned(self, device=None) -> bool:
    """False: host memory is never page-locked here."""
    return False
