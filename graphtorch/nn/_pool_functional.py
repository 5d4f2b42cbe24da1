"""F.max_pool*, F.avg_pool*, F.adaptive_*_pool*: argument handling over the pooling ops."""
from __future__ import annotations

from ..eager.dispatch import call
from ..ops import registry as R
from ..ops.nn_pool import adaptive_bounds

_max, _avg = R.get("max_pool"), R.get("avg_pool")


def _tup(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _check_dims(name, x, nd):
    if x.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D input tensor, but got "
                           f"{list(x.shape)}")


def _max_poolnd(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_dims(f"max_pool{nd}d", input, nd)
    k = _tup(kernel_size, nd)
    s = _tup(stride, nd) if stride not in (None, (), []) else k
    vals, idx = call(_max, input, kernel_size=k, stride=s, padding=_tup(padding, nd),
                     dilation=_tup(dilation, nd), ceil_mode=bool(ceil_mode))
    return (vals, idx) if return_indices else vals


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L)."""
    return _max_poolnd(1, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W)."""
    return _max_poolnd(2, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _max_poolnd(3, input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def _avg_poolnd(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    _check_dims(f"avg_pool{nd}d", input, nd)
    k = _tup(kernel_size, nd)
    s = _tup(stride, nd) if stride not in (None, (), []) else k
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    attrs = dict(kernel_size=k, stride=s, padding=_tup(padding, nd), ceil_mode=bool(ceil_mode),
                 count_include_pad=bool(count_include_pad))
    if divisor_override:
        attrs["divisor_override"] = divisor_override
    return call(_avg, input, **attrs)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_poolnd(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (N, C, H, W) or (C, H, W)."""
    return _avg_poolnd(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_poolnd(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)


def _adaptive(nd, input, output_size, reduce_fn, name):
    _check_dims(name, input, nd)
    out = _tup(output_size, nd)
    sizes = tuple(input.shape[-nd:])
    out = tuple(sizes[i] if o is None else o for i, o in enumerate(out))
    if all(s % o == 0 for s, o in zip(sizes, out)):  # uniform windows: one pooling op
        k = tuple(s // o for s, o in zip(sizes, out))
        return reduce_fn(nd, input, k)
    # non-uniform windows: pool each output cell along one dim at a time
    x = input
    for i in range(nd):
        dim = x.dim() - nd + i
        parts = [reduce_fn(1, x.narrow(dim, a, b - a).movedim(dim, -1), (b - a,)).movedim(-1, dim)
                 for a, b in adaptive_bounds(sizes[i], out[i])]
        x = parts[0].__class__.cat(parts, dim) if hasattr(parts[0].__class__, "cat") else \
            _cat(parts, dim)
    return x


def _cat(parts, dim):
    import graphtorch
    return graphtorch.cat(parts, dim)


def _avg_reduce(nd, x, k):
    return call(_avg, x, kernel_size=k, stride=k, padding=(0,) * nd, ceil_mode=False,
                count_include_pad=True)


def _max_reduce(nd, x, k):
    return call(_max, x, kernel_size=k, stride=k, padding=(0,) * nd, dilation=(1,) * nd,
                ceil_mode=False)[0]


def adaptive_avg_pool1d(input, output_size):
    return _adaptive(1, input, output_size, _avg_reduce, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (windows of adaptive size)."""
    return _adaptive(2, input, output_size, _avg_reduce, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size):
    return _adaptive(3, input, output_size, _avg_reduce, "adaptive_avg_pool3d")


