"""torch.testing: assert_close (PyTorch's default tolerances and messages) and make_tensor."""
from __future__ import annotations

import collections.abc as abc
import numbers

import numpy as np

from ..eager.tensor import Tensor

__all__ = ["assert_close", "make_tensor", "assert_allclose"]

# (rtol, atol) by dtype, as torch.testing; dtypes not listed compare exactly
_TOLS = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
         "float64": (1e-7, 1e-7), "complex32": (1e-3, 1e-5), "complex64": (1.3e-6, 1e-5),
         "complex128": (1e-7, 1e-7)}


class _Mismatch(AssertionError):
    pass


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Assert that ``actual`` and ``expected`` are close (tensors, numbers, and sequences or
    mappings of them): ``|actual - expected| <= atol + rtol * |expected|`` elementwise.

    Args:
        rtol, atol: tolerances; both or neither (defaults depend on the dtype, as PyTorch's).
        equal_nan: whether two NaNs count as equal.
        check_dtype: require equal dtypes (else both are promoted to a common dtype).
        msg: a str replacing the message, or a callable ``msg(generated) -> str``.

    Raises:
        AssertionError: with PyTorch's mismatch statistics when the inputs are not close.
    """
    if (rtol is None) != (atol is None):
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    opts = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype,
                check_stride=check_stride, check_device=check_device)
    try:
        _compare(actual, expected, (), opts)
    except _Mismatch as e:
        text = str(e)
        if callable(msg):
            text = msg(text)
        elif msg is not None:
            text = msg
        raise AssertionError(text) from None


assert_allclose = assert_close


def _path_note(path) -> str:
    if not path:
        return ""
    return "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)


def _is_number(x) -> bool:
    return isinstance(x, (numbers.Number, np.number, np.bool_)) and not isinstance(x, Tensor)


def _compare(a, e, path, opts):
    if isinstance(a, Tensor) and isinstance(e, Tensor):
        return _compare_tensors(a, e, path, opts)
    if isinstance(a, np.ndarray) and isinstance(e, np.ndarray):
        from ..eager.tensor import wrap
        return _compare_tensors(wrap(a), wrap(e), path, opts)
    if _is_number(a) and _is_number(e):
        return _compare_scalars(a, e, path, opts)
    if isinstance(a, abc.Mapping) and isinstance(e, abc.Mapping):
        return _compare_maps(a, e, path, opts)
    if _is_seq(a) and _is_seq(e):
        if len(a) != len(e):
            raise _Mismatch(f"The length of the sequences mismatch: {len(a)} != {len(e)}"
                            + _path_note(path))
        for i, (x, y) in enumerate(zip(a, e)):
            _compare(x, y, path + (i,), opts)
        return None
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(a)} and "
                    f"{type(e)}.")


def _is_seq(x) -> bool:
    return isinstance(x, abc.Sequence) and not isinstance(x, (str, bytes))


def _compare_maps(a, e, path, opts):
    if set(a) != set(e):
        missing = sorted(map(repr, set(e) - set(a)))
        extra = sorted(map(repr, set(a) - set(e)))
        raise _Mismatch("The keys of the mappings do not match:\n"
                        f"Missing keys in the actual mapping: {', '.join(missing)}\n"
                        f"Extra keys in the actual mapping: {', '.join(extra)}"
                        + _path_note(path))
    for k in e:
        _compare(a[k], e[k], path + (k,), opts)


def _tolerances(dtypes, opts):
    if opts["rtol"] is not None:
        return opts["rtol"], opts["atol"]
    pairs = [_TOLS.get(d, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _compare_scalars(a, e, path, opts):
    def kind(x):
        return bool if isinstance(x, (bool, np.bool_)) else complex if isinstance(
            x, (complex, np.complexfloating)) else float if isinstance(
            x, (float, np.floating)) else int
    ka, ke = kind(a), kind(e)
    if opts["check_dtype"] and ka is not ke:
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {ka} != {ke}."
                        + _path_note(path))
    names = {float: "float64", complex: "complex128"}
    rtol, atol = _tolerances([names.get(ka, "int64"), names.get(ke, "int64")], opts)
    _scalar_check(a, e, rtol, atol, opts["equal_nan"], path)


def _scalar_check(a, e, rtol, atol, equal_nan, path):
    ok = np.isclose(complex(a) if isinstance(a, complex) else a, e, rtol=rtol, atol=atol,
                    equal_nan=equal_nan) if not isinstance(e, bool) else a == e
    if bool(ok) or (a == e):
        return
    word = "equal" if rtol == 0 and atol == 0 else "close"
    diff = abs(a - e)
    rel = diff / abs(e) if e != 0 else float("inf")
    tail = lambda t: f" (up to {t} allowed)" if word == "close" else ""  # noqa: E731
    raise _Mismatch(f"Scalars are not {word}!\n\nExpected {e} but got {a}.\n"
                    f"Absolute difference: {diff}{tail(atol)}\n"
                    f"Relative difference: {rel}{tail(rtol)}" + _path_note(path))


def _compare_tensors(a, e, path, opts):
    from ..eager.size import Size
    if a._data.shape != e._data.shape:
        raise _Mismatch(f"The values for attribute 'shape' do not match: "
                        f"{Size(a._data.shape)} != {Size(e._data.shape)}." + _path_note(path))
    if opts["check_dtype"] and a._dtype is not e._dtype:
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {a.dtype} != "
                        f"{e.dtype}." + _path_note(path))
    if opts["check_device"] and str(a.device) != str(e.device):
        raise _Mismatch(f"The values for attribute 'device' do not match: {a.device} != "
                        f"{e.device}." + _path_note(path))
    if opts["check_stride"] and a.stride() != e.stride():
        raise _Mismatch(f"The values for attribute 'stride()' do not match: {a.stride()} != "
                        f"{e.stride()}." + _path_note(path))
    rtol, atol = _tolerances([a._dtype.name, e._dtype.name], opts)
    x, y = _common(a, e)
    if x.ndim == 0:
        return _scalar_check(x.item(), y.item(), rtol, atol, opts["equal_nan"], path)
    close = _isclose(x, y, rtol, atol, opts["equal_nan"])
    if close.all():
        return None
    raise _Mismatch(_tensor_message(x, y, close, rtol, atol) + _path_note(path))


def _common(a, e):
    from ..ops.dtypes import promote_types
    dt = promote_types(a._dtype, e._dtype)
    x, y = np.asarray(a._data), np.asarray(e._data)
    if hasattr(x, "get"):
        x, y = x.get(), y.get()
    x, y = x.astype(dt.np), y.astype(dt.np)
    if x.dtype.kind == "V" or str(x.dtype) == "bfloat16":
        x, y = x.astype(np.float32), y.astype(np.float32)
    return x, y


def _isclose(x, y, rtol, atol, equal_nan):
    if x.dtype.kind in "biu":
        return x == y
    with np.errstate(all="ignore"):
        close = (x == y) | (np.abs(x - y) <= atol + rtol * np.abs(y))
    if equal_nan:
        close |= np.isnan(x) & np.isnan(y)
    return close


def _tensor_message(x, y, close, rtol, atol):
    word = "equal" if rtol == 0 and atol == 0 else "close"
    if x.dtype.kind == "b":
        x, y = x.astype(np.int64), y.astype(np.int64)
    with np.errstate(all="ignore"):
        diff = np.abs(x - y) if x.dtype.kind != "u" else np.abs(x.astype(np.int64) - y)
        rel = diff / np.abs(y)
        if rel.dtype.kind == "f" and x.dtype.kind in "iu":
            rel = rel.astype(np.float64)
    n, total = int((~close).sum()), close.size
    ia = _argmax(diff)
    ir = _argmax(rel)
    tail = (lambda t: f" (up to {t} allowed)") if word == "close" else (lambda t: "")
    return (f"Tensor-likes are not {word}!\n\n"
            f"Mismatched elements: {n} / {total} ({100 * n / total:.1f}%)\n"
            f"Greatest absolute difference: {diff[ia].item()} at index {ia}{tail(atol)}\n"
            f"Greatest relative difference: {rel[ir].item()} at index {ir}{tail(rtol)}")


def _argmax(a):
    flat = a.reshape(-1)
    nan = np.isnan(flat) if flat.dtype.kind in "fc" else None
    i = int(np.argmax(nan)) if nan is not None and nan.any() else int(np.argmax(flat))
    return tuple(int(v) for v in np.unravel_index(i, a.shape))


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` filled with random values in ``[low, high)`` (PyTorch's
    defaults: floats in [-9, 9), integers in [-9, 10), bools random)."""
    from ..eager.tensor import wrap
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    rng = np.random.default_rng()
    cat = dtype.category
    if dtype.name == "bool":
        arr = rng.integers(0, 2, size=shape).astype(bool)
    elif cat < 2:
        lo = -9 if low is None else int(low)
        hi = 10 if high is None else int(high)
        lo = max(lo, 0) if dtype.name == "uint8" else lo
        arr = rng.integers(lo, hi, size=shape)
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        arr = rng.uniform(lo, hi, size=shape)
        if cat > 2:
            arr = arr + 1j * rng.uniform(lo, hi, size=shape)
    if exclude_zero:
        arr = np.where(arr == 0, 1 if cat < 2 else np.finfo(np.float32).tiny, arr)
    t = wrap(np.ascontiguousarray(arr).astype(dtype.np))
    t._dtype = dtype
    if requires_grad:
        t.requires_grad_(True)
    return t
