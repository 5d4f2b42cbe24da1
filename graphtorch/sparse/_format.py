"""``repr`` of a sparse COO tensor, laid out exactly as PyTorch prints it."""
from __future__ import annotations

from ..eager import printing as P
from ..ops import dtypes as D


def _component(t, prefix: str) -> str:
    """``prefix`` + ``tensor(...)`` of a component, without a dtype suffix (torch prints the
    dtype once, after nnz)."""
    body = P.tensor_str(t, len(prefix))
    if t._data.size == 0 and t._data.ndim != 1:
        return f"{prefix}{body}, size={tuple(t._data.shape)})"
    if t._data.size == 0:
        return f"{prefix}{body}, size=(0,))"
    return prefix + body + ")"


def sparse_repr(t) -> str:
    sd = t._data
    head = "tensor(indices=tensor("
    text = _component(sd.indices, head) + ",\n" + _component(sd.values, "       values=tensor(")
    suffixes = [f"size={tuple(sd.shape)}", f"nnz={sd.indices._data.shape[1]}"]
    if not P._has_default_dtype(t._dtype) or t._dtype is D.int64:
        if t._dtype is not D.int64:
            suffixes.append(f"dtype={t._dtype!r}")
    suffixes.append("layout=torch.sparse_coo")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    # torch starts the suffixes on a new line after the values, then wraps at linewidth
    out = [text, ",\n       " + suffixes[0]]
    last = 7 + len(suffixes[0])
    for sfx in suffixes[1:]:
        if last + len(sfx) + 2 > P.PRINT_OPTS.linewidth:
            out.append(",\n       " + sfx)
            last = 7 + len(sfx)
        else:
            out.append(", " + sfx)
            last += len(sfx) + 2
    return "".join(out) + ")"
