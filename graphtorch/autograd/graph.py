"""torch.autograd.graph: the grad_fn node type and gradient edges.

``saved_tensors_hooks`` (pack/unpack hooks) is not implemented: entering it raises
NotImplementedError rather than silently ignoring the hooks."""
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
    """Pack/unpack hooks for saved tensors: not supported by graphtorch's engine."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        raise NotImplementedError("torch.autograd.graph.saved_tensors_hooks is not supported "
                                  "by graphtorch: saved tensors are kept as they are")

    def __exit__(self, *exc):
        return None


class save_on_cpu(saved_tensors_hooks):
    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__(None, None)


class disable_saved_tensors_hooks:
    """No saved-tensor hooks exist, so disabling them is always satisfied."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None
