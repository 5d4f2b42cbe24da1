"""Gradient bookkeeping shared by nn.Module and optimizers."""
from __future__ import annotations


def reset_grads(params, set_to_none: bool = True) -> None:
    """Set each parameter's .grad to None, or detach it and fill it with zeros in place."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if p.grad.grad_fn is not None:
            p.grad.detach_()
        else:
            p.grad.requires_grad_(False)
        p.grad.zero_()
