"""Reduction functions and methods: sum, mean, nansum, nanmean, prod, std, var, std_mean,
var_mean, logsumexp, norm, all, any, count_nonzero.  Order statistics and scans live in
reduction_order.py and reduction_scan.py (imported at the bottom so they register too)."""
from __future__ import annotations

from ..eager.dispatch import call
from ..eager.tensor import Tensor
from ..ops import registry as R
from ..ops.meta import wrap_dims
from ._bind import both, tensor_method, torch_function
from ._util import write_out

_sum, _sum_to = R.get("sum"), R.get("sum_to_size")
_OPS = {n: R.get(n) for n in (
    "mean", "nansum", "nanmean", "prod", "var", "std", "var_mean", "std_mean", "logsumexp",
    "norm", "all", "any", "count_nonzero", "_prod_others")}


def attrs_of(**kw) -> dict:
    """Only the attributes that differ from their defaults (keeps the IR and grad names tidy)."""
    return {k: v for k, v in kw.items() if v is not None and v is not False}


def out_tuple(result, out):
    """``out=`` for functions returning several tensors: copy each result into its out."""
    if out is None:
        return result
    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        raise TypeError(f"argument 'out' must be tuple of {len(result)} Tensors")
    return type(result)(tuple(write_out(r, o) for r, o in zip(result, out)))


def _dim_arg(dim):
    """torch accepts a dim as int, tuple, list or torch.Size; None means all dims."""
    if isinstance(dim, list):
        return tuple(dim)
    return dim


@both
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001
    """Sum of all elements, or over ``dim`` (int or tuple) (torch.sum)."""
    dim = _dim_arg(dim)
    if dim is not None and isinstance(input, Tensor) and input.ndim == 0:
        wrap_dims(dim, 0, "sum")  # a 0-dim tensor's dim 0 is itself: validate, reduce all
        dim = None
    r = call(_sum, input, **attrs_of(dim=dim, keepdim=keepdim, dtype=dtype))
    return r if out is None else write_out(r, out)


@both
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of all elements, or over ``dim``; floating point or complex input (or ``dtype``)."""
    r = call(_OPS["mean"], input, **attrs_of(dim=_dim_arg(dim), keepdim=keepdim, dtype=dtype))
    return write_out(r, out) if out is not None else r


@both
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating NaN as zero."""
    r = call(_OPS["nansum"], input, **attrs_of(dim=_dim_arg(dim), keepdim=keepdim, dtype=dtype))
    return write_out(r, out) if out is not None else r


@both
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of the non-NaN elements."""
    r = call(_OPS["nanmean"], input, **attrs_of(dim=_dim_arg(dim), keepdim=keepdim, dtype=dtype))
    return write_out(r, out) if out is not None else r


@both
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of all elements, or along one ``dim``; integers multiply in int64."""
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"prod() received an invalid combination of arguments - got (Tensor, "
                        f"{type(dim).__name__}), but expected (Tensor input, int dim, "
                        "bool keepdim, *, torch.dtype dtype)")
    r = call(_OPS["prod"], input, **attrs_of(dim=dim, keepdim=keepdim, dtype=dtype))
    return write_out(r, out) if out is not None else r


@tensor_method
def _prod_others(self, dim=None):
    """Product of every element but one along ``dim`` (prod's exact gradient with zeros)."""
    return call(_OPS["_prod_others"], self, **attrs_of(dim=dim))


def _correction(name, dim, unbiased, correction):
    """Resolve torch's three var/std overloads to (dim, correction)."""
    if isinstance(dim, bool):  # std(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        "(Tensor, unbiased=bool, correction=int)")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return _dim_arg(dim), correction


def _var_family(name):
    op = _OPS[name]

    def fn(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        dim, c = _correction(name, dim, unbiased, correction)
        attrs = attrs_of(dim=dim, keepdim=keepdim)
        if c != 1:
            attrs["correction"] = c
        r = call(op, input, **attrs)
        if isinstance(r, tuple):
            return out_tuple(r, out)
        return write_out(r, out) if out is not None else r
    fn.__name__ = name
    fn.__doc__ = (f"{name.replace('_', ' and ')} over ``dim`` with Bessel's ``correction`` "
                  "(default 1; ``unbiased=False`` means 0).")
    return fn


var = both(_var_family("var"))
std = both(_var_family("std"))
var_mean = torch_function(_var_family("var_mean"))
std_mean = torch_function(_var_family("std_mean"))


@both
def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over ``dim``, computed without overflow."""
    r = call(_OPS["logsumexp"], input, dim=_dim_arg(dim), **attrs_of(keepdim=keepdim))
    return write_out(r, out) if out is not None else r


def _p_value(p, dim):
    if p is None or p == "fro":
        return 2.0
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported norm type {p!r} for a vector norm")
    return float(p)


@torch_function
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector p-norm of ``input`` over ``dim`` (p a number, inf, -inf or 'fro').

    ``p='nuc'`` is a matrix norm and goes to torch.linalg.matrix_norm."""
    if p == "nuc":
        from .. import linalg
        r = linalg.matrix_norm(input, "nuc", dim=dim if dim is not None else (-2, -1),
                               keepdim=keepdim, dtype=dtype)
        return write_out(r, out) if out is not None else r
    if isinstance(dim, int):
        dim = (dim,)
    r = call(_OPS["norm"], input, **attrs_of(p=_p_value(p, dim), dim=_dim_arg(dim),
                                             keepdim=keepdim, dtype=dtype))
    return write_out(r, out) if out is not None else r


@tensor_method(name="norm")
def _norm_method(self, p="fro", dim=None, keepdim=False, dtype=None):
    return norm(self, p, dim, keepdim, dtype=dtype)


@both
def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast), a 0-dim tensor."""
    return norm(input - other, p)


def _logical(name):
    op = _OPS[name]

    def fn(input, dim=None, keepdim=False, *, out=None):
        r = call(op, input, **attrs_of(dim=_dim_arg(dim), keepdim=keepdim))
        return write_out(r, out) if out is not None else r
    fn.__name__ = name
    fn.__doc__ = f"Whether {name} elements (over ``dim``) are non-zero; bool (uint8 for uint8)."
    return fn


all = both(_logical("all"))  # noqa: A001
any = both(_logical("any"))  # noqa: A001


@both
def count_nonzero(input, dim=None):
    """Number of non-zero elements (over ``dim``), as int64."""
    return call(_OPS["count_nonzero"], input, **attrs_of(dim=_dim_arg(dim)))


from . import reduction_order, reduction_quantile, reduction_scan  # noqa: E402,F401 - they register

__all__ = ["attrs_of", "out_tuple"]
