"""Shared handling of distributions given by exactly one of ``probs`` / ``logits``."""
from __future__ import annotations

from numbers import Number

from .utils import broadcast_all

__all__ = ["set_probs_or_logits"]


def set_probs_or_logits(dist, probs, logits):
    """Store the one given parameter on ``dist`` (broadcast to a tensor); True if scalar.

    Raises ValueError unless exactly one of them is given, as torch does."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    value = probs if probs is not None else logits
    (tensor,) = broadcast_all(value)
    if probs is not None:
        dist.probs = tensor
    else:
        dist.logits = tensor
    dist._param = tensor
    return isinstance(value, Number)
