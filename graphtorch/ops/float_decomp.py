"""frexp: split floats into a mantissa in [0.5, 1) and an int32 power of two."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec
from .registry import OpDef, Sample, register


def _frexp_kernel(xp, x):
    if x.dtype.kind in "biuc":  # eager skips meta: the kernel rejects what meta rejects
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    if x.dtype.kind != "f" or x.dtype.itemsize < 2:  # bfloat16 (ml_dtypes): via float32
        m, e = xp.frexp(x.astype(np.float32))
        return m.astype(x.dtype), e.astype(np.int32)
    m, e = xp.frexp(x)
    return m, e.astype(np.int32)


def _frexp_meta(x):
    if x.dtype.category != D._FLOAT:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return (TensorSpec(x.shape, x.dtype, x.device), TensorSpec(x.shape, D.int32, x.device))


def _frexp_vjp(ctx, g, gexp=None):
    if g is None:
        return (None,)
    # mantissa = x / 2**exponent with the exponent piecewise constant
    return (g / ctx.output[1].to(g.dtype).exp2(),)


def _frexp_samples(dt):
    x = S.array((3, 4), dt, 5, -8.0, 8.0)
    edge = np.array([0.0, -0.0, 1.0, 0.5, -3.25, np.inf, -np.inf, np.nan]).astype(dt.np)
    return [Sample((x,), {}), Sample((edge,), {}, grad=False, name="edge")]


frexp = register(OpDef(
    name="frexp", kernel=_frexp_kernel, meta=_frexp_meta, vjp=_frexp_vjp,
    samples=_frexp_samples, dtypes=S.FLOAT_DTYPES, save_inputs=(), save_output=(1,),
    num_outputs=2, nondiff_outputs=(1,), grad_name="FrexpBackward0"))
