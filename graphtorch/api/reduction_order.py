"""Order statistics: amax, amin, aminmax, max, min, argmax, argmin, sort, argsort, msort, topk,
kthvalue, median, nanmedian, mode (named tuples from torch.return_types)."""
from __future__ import annotations

from .. import return_types as RT
from ..eager.dispatch import call
from ..eager.tensor import Tensor
from ..ops import registry as R
from ._bind import both, tensor_method
from ._util import write_out
from .reduction import _dim_arg, attrs_of, out_tuple

_OPS = {n: R.get(n) for n in (
    "amax", "amin", "aminmax", "max", "min", "max_dim", "min_dim", "argmax", "argmin", "sort",
    "topk", "kthvalue", "median", "median_dim", "nanmedian", "nanmedian_dim", "mode",
    "_gather_dim", "_scatter_dim")}


def _all_if_empty(dim):
    dim = _dim_arg(dim)
    return None if isinstance(dim, tuple) and not dim else dim


def _one(r, out):
    return write_out(r, out) if out is not None else r


@both
def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over ``dim`` (all dims by default); the gradient is shared among ties."""
    return _one(call(_OPS["amax"], input, **attrs_of(dim=_all_if_empty(dim),
                                                     keepdim=keepdim)), out)


@both
def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over ``dim`` (all dims by default); the gradient is shared among ties."""
    return _one(call(_OPS["amin"], input, **attrs_of(dim=_all_if_empty(dim),
                                                     keepdim=keepdim)), out)


@both
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """(min, max) over all elements or one ``dim`` as torch.return_types.aminmax."""
    r = call(_OPS["aminmax"], input, **attrs_of(dim=dim, keepdim=keepdim))
    return out_tuple(RT.aminmax(r), out)


def _extreme(name):
    full, along, elementwise = _OPS[name], _OPS[name + "_dim"], name + "imum"
    rtype = getattr(RT, name)

    def fn(input, dim=None, keepdim=False, *, out=None):
        if isinstance(dim, Tensor):  # max(input, other): the elementwise maximum
            return _one(call(R.get(elementwise), input, dim), out)
        if dim is None:
            if keepdim:
                raise TypeError(f"{name}() received an invalid combination of arguments - got "
                                "(Tensor, keepdim=bool)")
            return _one(call(full, input), out)
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"(Tensor, dim={type(dim).__name__})")
        r = call(along, input, dim=dim, **attrs_of(keepdim=keepdim))
        return out_tuple(rtype(r), out)
    fn.__name__ = name
    fn.__doc__ = (f"The {name}imum of all elements; along ``dim`` the named tuple (values, "
                  f"indices) (first index among ties); ``{name}(input, other)`` is "
                  f"torch.{elementwise}.")
    return fn


max = both(_extreme("max"))  # noqa: A001
min = both(_extreme("min"))  # noqa: A001


def _arg(name):
    op = _OPS[name]

    def fn(input, dim=None, keepdim=False, *, out=None):
        return _one(call(op, input, **attrs_of(dim=dim, keepdim=keepdim)), out)
    fn.__name__ = name
    fn.__doc__ = f"Index of the {name[3:]}imum (of the flattened input when ``dim`` is None)."
    return fn


argmax = both(_arg("argmax"))
argmin = both(_arg("argmin"))


@both
def sort(input, dim=-1, descending=False, stable=None, *, out=None):
    """Sorted values and their indices along ``dim`` (stable: equal values keep their order)."""
    attrs = attrs_of(descending=descending)
    if stable is not None:
        attrs["stable"] = bool(stable)
    r = call(_OPS["sort"], input, dim=dim, **attrs)
    return out_tuple(RT.sort(r), out)


@both
def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim``."""
    return call(_OPS["sort"], input, dim=dim, **attrs_of(descending=descending,
                                                         stable=stable))[1]


@both
def msort(input, *, out=None):
    """``input`` sorted along its first dim."""
    return _one(call(_OPS["sort"], input, dim=0)[0], out)


@both
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    attrs = {} if largest else {"largest": False}
    r = call(_OPS["topk"], input, int(k), dim=dim, **attrs)
    return out_tuple(RT.topk(r), out)


@both
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest value along ``dim`` and its index."""
    r = call(_OPS["kthvalue"], input, int(k), dim=dim, **attrs_of(keepdim=keepdim))
    return out_tuple(RT.kthvalue(r), out)


def _median(name):
    full, along, rtype = _OPS[name], _OPS[name + "_dim"], getattr(RT, name)

    def fn(input, dim=None, keepdim=False, *, out=None):
        if dim is None:
            return _one(call(full, input), out)
        r = call(along, input, dim=dim, **attrs_of(keepdim=keepdim))
        return out_tuple(rtype(r), out)
    fn.__name__ = name
    fn.__doc__ = ("The lower median of all elements, or (values, indices) along ``dim``" +
                  (", ignoring NaN." if name == "nanmedian" else "; NaN if any is NaN."))
    return fn


median = both(_median("median"))
nanmedian = both(_median("nanmedian"))


@both
def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among ties) and its last index."""
    r = call(_OPS["mode"], input, dim=dim, **attrs_of(keepdim=keepdim))
    return out_tuple(RT.mode(r), out)


@tensor_method
def _gather_dim(self, index, dim):
    """``self`` picked at ``index`` along ``dim`` (gradient plumbing of the order ops)."""
    return call(_OPS["_gather_dim"], self, index, dim=dim)


@tensor_method
def _scatter_dim(self, index, dim, shape):
    """zeros(shape) with ``self`` added at ``index`` along ``dim`` (their gradients)."""
    return call(_OPS["_scatter_dim"], self, index, dim=dim, shape=tuple(shape))
