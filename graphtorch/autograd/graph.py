"""torch.autograd.graph: the grad_fn node type and gradient edges.

``saved_tensors_hooks`` (pack/unpack hooks) apply to the tensors that registry ops save for
backward."""
from __future__ import annotations

from typing import NamedTuple

from ..eager.autograd import Node, edge_of

__all__ = ["Node", "GradientEdge", "get_gradient_edge", "saved_tensors_hooks",
           "save_on_cpu", "disable_saved_tensors_hooks"]


class GradientEdge(NamedTuple):
    """The (node, output_nr) through which a gradient reaches a tensor."""

    node: Node
    output_nr: int


def get_gradient_edge(tensor) -> GradientEdge:
    """The gradient edge of ``tensor`` (its grad_fn, or its leaf's AccumulateGrad)."""
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does "
                           "not require gradients")
    return GradientEdge(*edge_of(tensor))


class saved_tensors_hooks:
    """Within this context, every tensor an op saves for backward is replaced by
    ``pack_hook(tensor)`` and read back through ``unpack_hook(packed)`` on each access (for
    the ops of the registry; custom Function.save_for_backward keeps its tensors)."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        from ..eager.autograd import SAVED_HOOKS
        SAVED_HOOKS.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        from ..eager.autograd import SAVED_HOOKS
        SAVED_HOOKS.pop()
        return None


def _to_cpu_pack(t):
    return (t.device, t.cpu())


def _from_cpu_unpack(packed):
    device, t = packed
    return t.to(device)


class save_on_cpu(saved_tensors_hooks):
    """Keep saved tensors on the CPU during the forward pass (identity for CPU tensors)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(_to_cpu_pack, _from_cpu_unpack)


class disable_saved_tensors_hooks:
    """No saved-tensor hooks exist, so disabling them is always satisfied."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None
