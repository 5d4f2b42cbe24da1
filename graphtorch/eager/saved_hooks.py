"""``torch.autograd.graph.saved_tensors_hooks``: the stack of (pack_hook, unpack_hook) pairs
and the packing of what a backward node saves (unpacked again on every access)."""
from __future__ import annotations

# the innermost pair applies; pushed and popped by autograd.graph.saved_tensors_hooks
SAVED_HOOKS: list = []


class _Packed:
    """What a pack hook returned for one saved tensor (unpacked on every access)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj


def pack_saved(node):
    """Run the innermost pack hook on the tensors ``node`` saves (its inputs and output)."""
    from .tensor import Tensor  # tensor.py imports autograd.py: bound at call time
    pack, unpack = SAVED_HOOKS[-1]
    node._inputs = tuple(_Packed(pack(x)) if isinstance(x, Tensor) else x
                         for x in node._inputs)
    out = node._output
    if out is not None:
        node._output = tuple(_Packed(pack(o)) for o in out) if type(out) is tuple \
            else _Packed(pack(out))
    node._unpack = lambda p: unpack(p.obj)
