"""torch.fft: discrete Fourier transforms (complex, real and Hermitian; 1-D, 2-D and N-D), the
sample frequencies and fftshift / ifftshift."""
from __future__ import annotations

from ..api._util import write_out
from ..eager.dispatch import call
from ..eager.tensor import Tensor
from ..ops import dtypes as D
from ..ops import registry as R
from ..ops.fft import check_norm

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq",
           "rfftfreq", "fftshift", "ifftshift"]

_C2C, _R2C, _C2R, _SHIFT, _PAD = (R.get(n) for n in ("fft_c2c", "fft_r2c", "fft_c2r",
                                                       "fft_fftshift", "constant_pad_nd"))
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _out(r, out):
    return r if out is None else write_out(r, out)


def _float(x, name):
    """Integer / bool inputs compute in the default float dtype (as torch)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if x.dtype.category < D._FLOAT:
        return x.to(D.get_default_dtype())
    if x.dtype in (D.float16, D.bfloat16):
        raise RuntimeError(f"Unsupported dtype {x.dtype.name.capitalize()}")
    return x


def _complex(x, name):
    x = _float(x, name)
    return x if x.dtype.is_complex else x.to(x.dtype.to_complex())


def _resize(x, dims, sizes):
    """Zero-pad or crop ``x`` to ``sizes`` along ``dims`` (torch's n / s arguments)."""
    pad = [0] * (2 * x.ndim)
    changed = False
    for d, n in zip(dims, sizes):
        if n == -1:
            continue
        k = x.ndim - 1 - d
        pad[2 * k + 1] = n - x.shape[d]
        changed |= n != x.shape[d]
    return call(_PAD, x, pad=tuple(pad)) if changed else x


def _dims(x, s, dim, name, default_all=True):
    """torch's rules for (s, dim): dim defaults to the last len(s) dims (or all dims)."""
    if dim is None:
        dims = list(range(x.ndim - len(s), x.ndim)) if s is not None else \
            list(range(x.ndim)) if default_all else [x.ndim - 2, x.ndim - 1]
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
        dims = [d % x.ndim if -x.ndim <= d < max(x.ndim, 1) else _bad_dim(d, x.ndim)
                for d in dims]
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{name} dims must be unique")
    if s is not None:
        s = [s] if isinstance(s, int) else list(s)
        if len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        for n in s:
            if n != -1 and n < 1:
                raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return dims, s


def _bad_dim(d, nd):
    n = max(nd, 1)
    raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                     f"but got {d})")


def _norm(norm):
    norm = "backward" if norm is None else norm
    check_norm(norm)
    return norm


def _c2c(name, forward):
    def fn(input, s=None, dim=None, norm=None, *, out=None):
        x = _float(input, name)
        dims, s = _dims(x, s, dim, name)
        if s is not None:
            x = _resize(x, dims, s)
        norm = _norm(norm)
        if not x.dtype.is_complex and len(dims) == 1:  # torch: two-sided real-to-complex
            if forward:
                return _out(call(_R2C, x, dim=tuple(dims), norm=norm, onesided=False), out)
            r = call(_R2C, x, dim=tuple(dims), norm=_DUAL[norm], onesided=False)
            return _out(r.conj(), out)
        x = x if x.dtype.is_complex else x.to(x.dtype.to_complex())
        return _out(call(_C2C, x, dim=tuple(dims), norm=norm, forward=forward), out)
    fn.__name__ = name
    return fn


def _r2c(name):
    def fn(input, s=None, dim=None, norm=None, *, out=None):
        x = _float(input, name)
        if x.dtype.is_complex:
            raise RuntimeError(f"{name} expects a real input tensor, but got "
                               f"{x.dtype.name.capitalize()}")
        dims, s = _dims(x, s, dim, name)
        if s is not None:
            x = _resize(x, dims, s)
        return _out(call(_R2C, x, dim=tuple(dims), norm=_norm(norm)), out)
    fn.__name__ = name
    return fn


def _c2r(name):
    def fn(input, s=None, dim=None, norm=None, *, out=None):
        x = _complex(input, name)
        dims, s = _dims(x, s, dim, name)
        last = s[-1] if s is not None and s[-1] != -1 else 2 * (x.shape[dims[-1]] - 1)
        if last < 1:
            raise RuntimeError(f"Invalid number of data points ({last}) specified")
        sizes = (list(s[:-1]) if s is not None else [-1] * (len(dims) - 1)) + [last // 2 + 1]
        x = _resize(x, dims, sizes)
        return _out(call(_C2R, x, dim=tuple(dims), last_dim_size=last, norm=_norm(norm)), out)
    fn.__name__ = name
    return fn


def _one_d(fn):
    def one(input, n=None, dim=-1, norm=None, *, out=None):
        return fn(input, None if n is None else [n], [dim], norm, out=out)
    one.__name__ = fn.__name__.rstrip("n")
    one.__doc__ = f"1-D {fn.__doc__ or ''}"
    return one


def _two_d(fn):
    def two(input, s=None, dim=(-2, -1), norm=None, *, out=None):
        return fn(input, s, dim, norm, out=out)
    two.__name__ = fn.__name__.rstrip("n") + "2"
    return two


fftn, ifftn = _c2c("fftn", True), _c2c("ifftn", False)
rfftn, irfftn = _r2c("rfftn"), _c2r("irfftn")
fftn.__doc__ = "N-D discrete Fourier transform."
ifftn.__doc__ = "N-D inverse discrete Fourier transform."
rfftn.__doc__ = "N-D Fourier transform of a real signal (one-sided last dim)."
irfftn.__doc__ = "Inverse of rfftn: a real signal from its one-sided spectrum."
fft, ifft, rfft, irfft = (_one_d(f) for f in (fftn, ifftn, rfftn, irfftn))
fft2, ifft2, rfft2, irfft2 = (_two_d(f) for f in (fftn, ifftn, rfftn, irfftn))


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """Real N-D spectrum of a Hermitian-symmetric signal given by its one-sided half."""
    x = _complex(input, "hfftn")
    return irfftn(x.conj(), s, dim, _DUAL[_norm(norm)], out=out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """Inverse of hfftn: the one-sided half of a real signal's inverse transform."""
    r = rfftn(input, s, dim, _DUAL[_norm(norm)])
    return _out(r.conj(), out)


hfft, ihfft = _one_d(hfftn), _one_d(ihfftn)
hfft2, ihfft2 = _two_d(hfftn), _two_d(ihfftn)


def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False, out=None):
    """Sample frequencies of an n-point FFT with sample spacing d."""
    import numpy as np

    import graphtorch as gt
    dt = dtype or D.get_default_dtype()
    r = gt.tensor(np.fft.fftfreq(n, d).astype(dt.np), dtype=dt, requires_grad=requires_grad)
    return _out(r, out)


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False, out=None):
    """Sample frequencies of an n-point rfft (non-negative only)."""
    import numpy as np

    import graphtorch as gt
    dt = dtype or D.get_default_dtype()
    r = gt.tensor(np.fft.rfftfreq(n, d).astype(dt.np), dtype=dt, requires_grad=requires_grad)
    return _out(r, out)


def _shift(inverse):
    def fn(input, dim=None):
        dims = tuple(range(input.ndim)) if dim is None else \
            ((dim,) if isinstance(dim, int) else tuple(dim))
        if input.ndim == 0 or not dims:
            return input.clone()
        return call(_SHIFT, input, dim=dims, inverse=inverse)
    return fn


fftshift, ifftshift = _shift(False), _shift(True)
fftshift.__doc__ = "Moves the zero-frequency term to the centre of ``dim``."
ifftshift.__doc__ = "Inverse of fftshift."
