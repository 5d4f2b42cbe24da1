"""Random ops: ``_random_values`` puts values drawn by a Generator into a tensor's place.

Random numbers themselves are drawn in the API layer (graphtorch/api/random.py) from a
Generator; this op only records the result in autograd, so that in-place sampling on a tensor
that requires grad gets PyTorch's node (UniformBackward0, NormalBackward0, ...) and a zero
gradient for the overwritten input."""
from __future__ import annotations

from . import samples as S
from .meta import broadcast_shapes
from .registry import OpDef, Sample, register


def _kernel(xp, x, values, grad="RandomBackward0"):
    return xp.broadcast_to(values, x.shape).astype(x.dtype, copy=True)


def _meta(x, values, grad="RandomBackward0"):
    if broadcast_shapes(x.shape, values.shape) != tuple(x.shape):
        raise RuntimeError(f"output with shape [{', '.join(map(str, x.shape))}] doesn't match "
                           f"the broadcast shape of the sampled values "
                           f"[{', '.join(map(str, values.shape))}]")
    return x


def _vjp(ctx, g):
    # the sample does not depend on the old values; the drawn values pass the gradient through
    return (g * 0, g)


random_values = register(OpDef(
    name="_random_values", kernel=_kernel, meta=_meta, vjp=_vjp, save_inputs=(),
    grad_name=lambda attrs: attrs.get("grad", "RandomBackward0"),
    samples=lambda dt: [Sample((S.array((3, 4), dt), S.array((3, 4), dt, 1)),
                               {"grad": "UniformBackward0"}),
                        Sample((S.array((2, 3), dt), S.array((3,), dt, 2)), {}),
                        Sample((S.array((), dt), S.array((), dt, 3)), {})],
    dtypes=S.ALL_REAL, doc="x replaced by sampled values (broadcast, cast to x's dtype)"))
