"""Writes through views while tracing: the base's new value after ``view.op_(...)``, as the
functional inverse of the view (``slice_scatter``, ``select_scatter``, reshape back, ...)."""
from __future__ import annotations

from ._tracer import source_line

__all__ = ["scatter_back"]


def scatter_back(tr, parent, pv, v, op, attrs, idx):
    """The new value of ``parent`` after its view (``op(parent, **attrs)``) became ``v``."""
    name = op.name
    pshape = pv.type.shape
    if name == "_indexing_alias":
        return v
    if name in ("view", "reshape", "unsqueeze", "squeeze"):
        return tr._node("reshape", [v], {"shape": list(pshape)}, None, [parent._data]).outputs[0]
    if name in ("transpose", "t"):
        return tr._node(name, [v], attrs, None, [parent._data]).outputs[0]
    if name == "permute":
        dims = list(attrs["dims"])
        inv = [dims.index(i) for i in range(len(dims))]
        return tr._node("permute", [v], {"dims": inv}, None, [parent._data]).outputs[0]
    if name in ("slice", "select", "diagonal", "as_strided"):
        return tr._node(f"{name}_scatter", [pv, v], attrs, None, [parent._data]).outputs[0]
    if name in ("split", "split_with_sizes", "unbind"):
        sattrs = _split_as_slice(parent, op, attrs, idx)
        kind = "select_scatter" if name == "unbind" else "slice_scatter"
        return tr._node(kind, [pv, v], sattrs, None, [parent._data]).outputs[0]
    raise RuntimeError(f"jit.trace: an in-place write through a '{name}' view is not supported "
                       f"(at {source_line()}); write to a clone instead")


def _split_as_slice(parent, op, attrs, idx):
    dim = attrs.get("dim", 0)
    if op.name == "unbind":
        return {"dim": dim, "index": idx}
    if op.name == "split":
        size = attrs["split_size"]
        return {"dim": dim, "start": size * idx, "end": size * (idx + 1), "step": 1}
    sizes = attrs["split_sizes"]
    start = sum(sizes[:idx])
    return {"dim": dim, "start": start, "end": start + sizes[idx], "step": 1}
