"""Activation ops of torch.nn.functional that carry their own grad nodes in PyTorch
(gelu, silu, leaky_relu, elu, softplus, hardtanh, hardswish, hardsigmoid, mish, logsigmoid,
softshrink, hardshrink, threshold, glu, prelu).  Derivatives use Tensor methods only."""
from __future__ import annotations

import math

from scipy import special as sps

from . import dtypes as D
from . import samples as S
from .meta import wrap_dim
from .registry import OpDef, Sample, register

_SQRT2, _SQRT_2_PI = math.sqrt(2.0), math.sqrt(2.0 / math.pi)


def _act(name, kernel, dx, grad_name, samples=None, save_output=False, lo=-3.0, hi=3.0):
    def vjp(ctx, g):
        return (dx(ctx.inputs[0], ctx.output, g, ctx.attrs),)

    def default_samples(dt):
        return S.unary(dt, lo, hi)

    def meta(x, **attrs):
        if x.dtype.category < 2:
            raise RuntimeError(f'"{name}" not implemented for \'{x.dtype.name}\'')
        return x

    def kern(xp, x, **attrs):
        if x.dtype.kind not in "fc" and x.dtype != D.bfloat16.np:
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{x.dtype.name}\'')
        if x.dtype.itemsize == 2:
            # float16/bfloat16: computed in float32 and rounded once, as torch does (float16
            # throughout was 1 ulp off; numpy has no bfloat16 ufuncs)
            return kernel(xp, x.astype(xp.float32), **attrs).astype(x.dtype)
        return kernel(xp, x, **attrs).astype(x.dtype, copy=False)

    return register(OpDef(name=name, kernel=kern, meta=meta, vjp=vjp,
                          samples=samples or default_samples, dtypes=S.FLOAT_DTYPES,
                          save_output=save_output, grad_name=grad_name,
                          tags=frozenset({"pointwise", "activation"})))


def _gelu(xp, x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + xp.tanh(_SQRT_2_PI * (x + 0.044715 * x ** 3)))
    if approximate != "none":
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    return 0.5 * x * (1 + sps.erf(x / _SQRT2))


def _gelu_dx(x, y, g, a):
    if a.get("approximate", "none") == "tanh":
        inner = _SQRT_2_PI * (x + 0.044715 * x ** 3)
        t = inner.tanh()
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_PI * (1 + 3 * 0.044715 * x * x))
    cdf = 0.5 * (1 + (x / _SQRT2).erf())
    pdf = (-0.5 * x * x).exp() / math.sqrt(2 * math.pi)
    return g * (cdf + x * pdf)


gelu = _act("gelu", _gelu, _gelu_dx, "GeluBackward0",
            samples=lambda dt: list(S.unary(dt, -3, 3)) +
            [Sample((S.array((3, 4), dt),), {"approximate": "tanh"})])


def _sig(xp, x):
    return 1 / (1 + xp.exp(-x))


silu = _act("silu", lambda xp, x: x * _sig(xp, x),
            lambda x, y, g, a: g * (x.sigmoid() * (1 + x * (1 - x.sigmoid()))), "SiluBackward0")
mish = _act("mish", lambda xp, x: x * xp.tanh(xp.logaddexp(0, x)),
            lambda x, y, g, a: g * _mish_grad(x), "MishBackward0")


def _mish_grad(x):
    sp = x.exp().log1p()
    t = sp.tanh()
    return t + x * (1 - t * t) * x.sigmoid()


leaky_relu = _act(
    "leaky_relu", lambda xp, x, negative_slope=0.01: xp.where(x > 0, x, x * negative_slope),
    lambda x, y, g, a: g * ((x > 0) + (x <= 0) * a.get("negative_slope", 0.01)),
    "LeakyReluBackward0",
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {"negative_slope": 0.2}),
                        Sample((S.array((5,), dt),), {})])


def _elu(xp, x, alpha=1.0, scale=1.0, input_scale=1.0):
    return xp.where(x > 0, x * scale, alpha * scale * xp.expm1(x * input_scale))


def _elu_dx(x, y, g, a):
    alpha, scale, ins = a.get("alpha", 1.0), a.get("scale", 1.0), a.get("input_scale", 1.0)
    neg = alpha * scale * ins * (x * ins).exp()
    return g * ((x > 0) * scale + (x <= 0) * neg)


elu = _act("elu", _elu, _elu_dx, "EluBackward0",
           samples=lambda dt: [Sample((S.array((3, 4), dt),), {"alpha": 1.5}),
                               Sample((S.array((3, 4), dt),),
                                      {"alpha": 1.6732632423543772,
                                       "scale": 1.0507009873554805})])


def _softplus(xp, x, beta=1.0, threshold=20.0):
    bx = x * beta
    return xp.where(bx > threshold, x, xp.log1p(xp.exp(bx)) / beta)


softplus = _act("softplus", _softplus,
                lambda x, y, g, a: g * ((x * a.get("beta", 1.0) > a.get("threshold", 20.0)) +
                                        (x * a.get("beta", 1.0) <= a.get("threshold", 20.0)) *
                                        (x * a.get("beta", 1.0)).sigmoid()),
                "SoftplusBackward0",
                samples=lambda dt: [Sample((S.array((3, 4), dt),), {"beta": 2.0,
                                                                     "threshold": 3.0})])


def _in_range(x, lo, hi):
    return (x > lo) * (x < hi)


hardtanh = _act("hardtanh", lambda xp, x, min_val=-1.0, max_val=1.0: xp.clip(x, min_val, max_val),
                lambda x, y, g, a: g * _in_range(x, a.get("min_val", -1.0), a.get("max_val", 1.0)),
                "HardtanhBackward0",
                samples=lambda dt: [Sample((S.array((3, 4), dt) * 1.37,), {}),
                                    Sample((S.array((3, 4), dt) * 2.9,), {"min_val": 0.0,
                                                                          "max_val": 6.0})])
hardswish = _act("hardswish", lambda xp, x: x * xp.clip(x + 3, 0, 6) / 6,
                 lambda x, y, g, a: g * ((x >= 3) + _in_range(x, -3, 3) * (2 * x + 3) / 6),
                 "HardswishBackward0", lo=-4.9, hi=4.9)
hardsigmoid = _act("hardsigmoid", lambda xp, x: xp.clip(x + 3, 0, 6) / 6,
                   lambda x, y, g, a: g * _in_range(x, -3, 3) / 6, "HardsigmoidBackward0",
                   lo=-4.9, hi=4.9)
logsigmoid = _act("log_sigmoid", lambda xp, x: -xp.logaddexp(0, -x),
                  lambda x, y, g, a: g * (1 - x.sigmoid()), "LogSigmoidBackward0")


def _shrink(xp, x, lambd=0.5):
    return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, 0))


softshrink = _act("softshrink", _shrink,
                  lambda x, y, g, a: g * ((x > a.get("lambd", 0.5)) + (x < -a.get("lambd", 0.5))),
                  "SoftshrinkBackward0")
hardshrink = _act("hardshrink",
                  lambda xp, x, lambd=0.5: xp.where(abs(x) > lambd, x, 0),
                  lambda x, y, g, a: g * ((x > a.get("lambd", 0.5)) + (x < -a.get("lambd", 0.5))),
                  "HardshrinkBackward0")
threshold = _act("threshold", lambda xp, x, threshold=0.0, value=0.0: xp.where(
    x > threshold, x, value), lambda x, y, g, a: g * (x > a["threshold"]), "ThresholdBackward0",
    samples=lambda dt: [Sample((S.array((3, 4), dt),), {"threshold": 0.3, "value": -1.0})])


# ------------------------------------------------------------------------------ glu, prelu
def _glu_kernel(xp, x, dim=-1):
    d = wrap_dim(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{x.shape[d]}")
    a, b = xp.split(x, 2, axis=d)
    return a * _sig(xp, b)


def _glu_meta(x, dim=-1):
    d = wrap_dim(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{x.shape[d]}")
    return x.with_(shape=tuple(s // 2 if i == d else s for i, s in enumerate(x.shape)))


def _glu_vjp(ctx, g):
    x = ctx.inputs[0]
    d = ctx.attrs.get("dim", -1)
    a, b = x.chunk(2, d)
    sb = b.sigmoid()
    return (_cat2(g * sb, g * a * sb * (1 - sb), d),)


def _cat2(a, b, d):
    return a._dispatch(_cat_op(), a, b, dim=d)


def _cat_op():
    from .registry import get
    return get("cat")


glu = register(OpDef(name="glu", kernel=_glu_kernel, meta=_glu_meta, vjp=_glu_vjp,
                     samples=lambda dt: [Sample((S.array((3, 4), dt),), {}),
                                         Sample((S.array((4, 3), dt),), {"dim": 0})],
                     dtypes=S.FLOAT_DTYPES, grad_name="GluBackward0"))


def _prelu_kernel(xp, x, w):
    ws = w.reshape((1, -1) + (1,) * (x.ndim - 2)) if x.ndim >= 2 and w.size > 1 else w
    return xp.where(x > 0, x, x * ws)


def _prelu_meta(x, w):
    c = x.shape[1] if x.ndim >= 2 else 1
    n = 1
    for s in w.shape:
        n *= s
    if n != 1 and n != c:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {c}.")
    return x


def _prelu_vjp(ctx, g):
    x, w = ctx.inputs
    shape = [1, -1] + [1] * (x.dim() - 2) if x.dim() >= 2 and w.numel() > 1 else None
    ws = w.reshape(shape) if shape else w
    pos = x > 0
    gx = g * (pos + (~pos) * ws)
    gw = g * x * (~pos)
    if shape:
        gw = gw.sum([0] + list(range(2, x.dim())))
    else:
        gw = gw.sum().reshape(w.shape)
    return (gx, gw)


prelu = register(OpDef(name="prelu", kernel=_prelu_kernel, meta=_prelu_meta, vjp=_prelu_vjp,
                       samples=lambda dt: [Sample((S.array((2, 3, 4), dt),
                                                   S.array((3,), dt, 1, 0.1, 0.5)), {}),
                                           Sample((S.array((5,), dt),
                                                   S.array((1,), dt, 1, 0.1, 0.5)), {})],
                       dtypes=S.FLOAT_DTYPES, grad_name="PreluKernelBackward0"))
