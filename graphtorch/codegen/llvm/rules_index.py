"""Index-driven reads: embedding as a lazy gather of weight rows (fused into its consumer).

Indices out of range are clamped into range in the element function, so a bad index can never
read outside the weight's memory, and checked first in the entry (index_check.py), so the call
raises eager's IndexError."""
from __future__ import annotations

from . import index_check as IC
from . import scalar as X
from .lower import rule
from .rules_views import clamp_index, out_shape
from .tensors import Lazy, cost


@rule("embedding")
def _embedding(lw, node, ins):
    """out[i..., j] = weight[indices[i...], j]."""
    w, ind = ins[0], ins[1]
    if X.is_float(ind.dt) or ind.dt == "b8":
        raise NotImplementedError("embedding with non-integer indices")
    n = w.shape[0]
    IC.check_tensor(lw, node, ind, n, wrap=False, exc="IndexError",
                    msg="index out of range in self")

    def fn(fc, idx):
        k = X.cast(fc.b, ind.load(fc, list(idx[:-1])), ind.dt, "i64")
        return w.load(fc, [clamp_index(fc, k, n), idx[-1]])
    return [Lazy(out_shape(node), w.dt, fn, cost=1 + cost(ind))]
