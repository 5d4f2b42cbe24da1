"""torch.autograd.forward_ad: dual tensors for Jacobian-vector products.

A dual tensor here is a fresh leaf that requires grad and carries its tangent; the tangent
of a result is computed when it is unpacked, by the double-vjp identity
``J v = d/du <u, J^T u>``-applied-to-v (every vjp is differentiable, so this is exact).
Divergences from torch: results computed from duals report ``requires_grad=True`` and have a
``grad_fn``, and forward AD does not work under ``no_grad()``."""
from __future__ import annotations

from typing import NamedTuple, Optional

from ..eager.grad_mode import enable_grad
from ..eager.tensor import Tensor

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]

_levels: list = []  # one list of dual tensors per open level


class UnpackedDualTensor(NamedTuple):
    """``(primal, tangent)`` of a dual tensor (tangent None when it has none)."""
    primal: Tensor
    tangent: Optional[Tensor]


def enter_dual_level() -> int:
    """Open a new forward-AD level and return its index."""
    if _levels:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _levels.append([])
    return len(_levels) - 1


def exit_dual_level(*, level=None) -> None:
    """Close the current level: its duals lose their tangents."""
    if not _levels:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    for d in _levels.pop():
        d.__dict__.pop("_fw_tangent", None)


class dual_level:
    """Context manager scoping dual tensors: ``with dual_level(): ...``."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def make_dual(tensor, tangent, *, level=None) -> Tensor:
    """A tensor with the values of ``tensor`` whose forward gradient is ``tangent``."""
    if not _levels:
        raise RuntimeError("To create a dual Tensor, you need to enter a dual level first "
                           "using the dual_level() context manager.")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor.shape)} while the given forward gradient is of "
                           f"size {list(tangent.shape)}.")
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    dual = tensor.detach().requires_grad_(True)
    dual._fw_tangent = tangent.detach()
    _levels[-1].append(dual)
    return dual


def unpack_dual(tensor, *, level=None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``; the tangent is J v through the ops since the
    duals it depends on were made."""
    own = tensor.__dict__.get("_fw_tangent")
    if own is not None or not _levels or not tensor.requires_grad:
        return UnpackedDualTensor(tensor.detach(), own)
    from .api import grad
    duals = [d for d in _levels[-1] if "_fw_tangent" in d.__dict__]
    if not duals or not (tensor.is_floating_point() or tensor.is_complex()):
        return UnpackedDualTensor(tensor.detach(), None)
    with enable_grad():
        u = tensor.detach().new_zeros(tuple(tensor.shape)).requires_grad_(True)
        gs = grad(tensor, duals, grad_outputs=u, create_graph=True, retain_graph=True,
                  allow_unused=True)
        live = [(g, d._fw_tangent) for g, d in zip(gs, duals)
                if g is not None and g.requires_grad]
        if not live:
            return UnpackedDualTensor(tensor.detach(), None)
        (tan,) = grad([g for g, _ in live], [u], grad_outputs=[t for _, t in live],
                      allow_unused=True)
    if tan is None:
        tan = tensor.detach().new_zeros(tuple(tensor.shape))
    return UnpackedDualTensor(tensor.detach(), tan.detach())
