"""torch.special: special functions (aliases of torch.* where torch has them)."""
from __future__ import annotations

from ..api import FUNCTIONS as _F
from ..eager.dispatch import call as _call
from ..ops import registry as _R
from ..api._util import write_out as _write_out

__all__ = ["expit", "erf", "erfc", "erfcx", "erfinv", "logit", "xlogy", "xlog1py", "gammaln",
           "digamma", "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "ndtr",
           "ndtri", "log_ndtr", "sinc", "round", "log1p", "expm1", "exp2", "entr", "zeta",
           "softmax", "log_softmax", "logsumexp", "gammainc", "gammaincc", "bessel_j0",
           "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0", "modified_bessel_i1",
           "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "spherical_bessel_j0", "airy_ai"]

expit = _F["sigmoid"]
erf, erfc, erfinv, logit, xlogy = _F["erf"], _F["erfc"], _F["erfinv"], _F["logit"], _F["xlogy"]
gammaln, digamma, psi, polygamma = _F["lgamma"], _F["digamma"], _F["digamma"], _F["polygamma"]
multigammaln, i0, sinc = _F["mvlgamma"], _F["i0"], _F["sinc"]
log1p, expm1, exp2 = _F["log1p"], _F["expm1"], _F["exp2"]
logsumexp = _F["logsumexp"]


def softmax(input, dim, *, dtype=None):
    """softmax along ``dim`` (optionally computed in ``dtype``)."""
    return _F["softmax"](input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """log_softmax along ``dim`` (optionally computed in ``dtype``)."""
    return _F["log_softmax"](input, dim, dtype=dtype)


def round(input, *, decimals=0, out=None):  # noqa: A001 - torch.special.round
    """Round to ``decimals`` decimal places (torch.special.round records decimals always)."""
    if not input.is_floating_point():
        from ..ops.unary_helpers import not_implemented
        raise not_implemented("round_cpu", input.dtype)
    return _write_out(_call(_R.get("round"), input, decimals=decimals), out)


def _unary(name, doc):
    op = _R.get("special_" + name)

    def f(input, *, out=None):
        r = _call(op, input)
        return r if out is None else _write_out(r, out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


erfcx = _unary("erfcx", "Scaled complementary error function exp(x**2) * erfc(x).")
i0e = _unary("i0e", "Exponentially scaled modified Bessel function of order 0.")
i1 = _unary("i1", "Modified Bessel function of the first kind, order 1.")
i1e = _unary("i1e", "Exponentially scaled modified Bessel function of order 1.")
ndtr = _unary("ndtr", "Standard normal cumulative distribution function.")
ndtri = _unary("ndtri", "Inverse of the standard normal CDF.")
log_ndtr = _unary("log_ndtr", "Log of the standard normal CDF.")
entr = _unary("entr", "Elementwise entropy -x * log(x).")


def _binary(name, doc):
    op = _R.get("special_" + name)

    def f(input, other, *, out=None):
        r = _call(op, input, other)
        return r if out is None else _write_out(r, out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


xlog1py = _binary("xlog1py", "input * log1p(other), 0 where input is 0.")
zeta = _binary("zeta", "Hurwitz zeta function zeta(input, other).")


gammainc = _binary("gammainc", "Regularized lower incomplete gamma function P(input, other).")
gammaincc = _binary("gammaincc", "Regularized upper incomplete gamma function Q(input, other).")
for _name in ("bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
              "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
              "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0",
              "airy_ai"):
    globals()[_name] = _unary(_name, f"torch.special.{_name} (elementwise).")
del _name
