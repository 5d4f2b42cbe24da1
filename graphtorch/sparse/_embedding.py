"""``F.embedding(..., sparse=True)``: the weight's gradient is a sparse COO tensor.

The forward is the dense embedding op; only the backward differs.  As torch's sparse
embedding backward, the gradient holds one entry per looked-up index (in lookup order,
duplicates kept, the ``padding_idx`` lookups dropped) whose value is that lookup's output
gradient row; it is flagged coalesced only when it has fewer than two entries."""
from __future__ import annotations

import sys

from ..eager.dispatch import HOOKS, call
from ..eager.grad_mode import STATE
from ..ops import dtypes as D
from ..ops import registry as R
from ..ops.registry import OpDef
from . import _coo as C

__all__ = ["embedding_sparse"]


def _vjp(ctx, g):
    if ctx.attrs.get("scale_grad_by_freq"):
        raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse "
                           "gradients")
    shape = ctx._input_meta[0][0]
    idx = ctx.inputs[1].reshape(-1)
    if idx.dtype is not D.int64:
        idx = idx.to(D.int64)
    vals = g.reshape(-1, shape[1])
    pad = ctx.attrs.get("padding_idx")
    if pad is not None:
        keep = idx != pad
        idx, vals = idx[keep], vals[keep]
    nnz = idx.shape[0]
    return (C.make_sparse(idx.reshape(1, nnz).detach(), vals, shape, nnz < 2), None)


_DENSE = R.get("embedding")
_SPARSE_EMBEDDING = OpDef(name="embedding_sparse_grad", kernel=_DENSE.kernel, meta=_DENSE.meta,
                          vjp=_vjp, save_inputs=(1,), grad_name="EmbeddingBackward0")


def embedding_sparse(weight, input, padding_idx=None, scale_grad_by_freq=False):
    """Rows of ``weight`` at ``input``; ``weight.grad`` will be sparse."""
    attrs = {} if padding_idx is None else {"padding_idx": padding_idx}
    if scale_grad_by_freq:
        attrs["scale_grad_by_freq"] = True
    if HOOKS.tracer is not None:
        if weight.requires_grad and STATE.enabled and _compiling():
            # a compiled graph would give the weight a dense gradient: torch.compile runs
            # this module eagerly instead (its capture falls back on this error)
            raise RuntimeError("nn.Embedding(sparse=True) needs a sparse weight gradient, "
                               "which graphtorch computes eagerly only")
        return call(_DENSE, weight, input, **attrs)  # jit.trace / export: the forward
    if C.ON_FIRST_SPARSE[0] is not None:
        C.ON_FIRST_SPARSE[0]()  # the engine must accept the sparse gradient
    return call(_SPARSE_EMBEDDING, weight, input, **attrs)



def _compiling() -> bool:
    """True inside torch.compile's capture (as opposed to jit.trace or ONNX export)."""
    f = sys._getframe(2)
    while f is not None:
        if f.f_globals.get("__name__") == "graphtorch.compiler._compile":
            return True
        f = f.f_back
    return False
