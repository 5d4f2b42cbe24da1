"""``grad_fn._saved_<name>``: PyTorch exposes what a backward node saved as attributes
(``_saved_self``, ``_saved_other``, ``_saved_result``, ``_saved_exponent``, ``_saved_dim``...).
graphtorch's nodes keep the saved inputs, output and attributes of their op; this maps
PyTorch's names onto them."""
from __future__ import annotations

_POSITIONS = {"self": 0, "input": 0, "other": 1, "exponent": 1, "weight": 1, "mat2": 1,
              "tensor": 0, "tensor1": 1, "tensor2": 2, "vec": 1, "mask": 1, "index": 1}


def saved_attr(node, name: str):
    """The value PyTorch's ``node._saved_<key>`` gives, or AttributeError when the node did
    not save it.  Accessing it after the graph was freed raises PyTorch's RuntimeError."""
    if not name.startswith("_saved_"):
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '{name}'")
    key = name[len("_saved_"):]
    if node._inputs is None:
        from .autograd import _FREED
        raise RuntimeError(_FREED)
    if key == "result" and node._output is not None:
        out = node.output
        return out[0] if type(out) is tuple else out
    attrs = node.attrs or {}
    if key in attrs:
        return attrs[key]
    pos = _POSITIONS.get(key)
    inputs = node.inputs
    if pos is not None and pos < len(inputs) and inputs[pos] is not None:
        return inputs[pos]
    if key in ("self", "other") and len(inputs) >= 2:
        return None  # a binary op saves an operand only when the other one needs its grad
    raise AttributeError(f"'{type(node).__name__}' object has no attribute '{name}'")
