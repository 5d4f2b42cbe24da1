"""Shared parameter handling: distributions given by exactly one of ``probs`` / ``logits``,
and location-scale families."""
from __future__ import annotations

from numbers import Number

import graphtorch as torch

from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["set_probs_or_logits", "set_count_and_probs_or_logits", "expand_probs_logits",
           "BinaryProbsLogits", "set_loc_scale", "expand_loc_scale"]


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


def set_count_and_probs_or_logits(dist, total_count, probs, logits):
    """Binomial-style parameters: ``total_count`` broadcast with the one given of ``probs`` /
    ``logits`` (and cast to its dtype), both stored on ``dist``.

    Raises ValueError unless exactly one of them is given, as torch does."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    name, value = ("probs", probs) if probs is not None else ("logits", logits)
    count, tensor = broadcast_all(total_count, value)
    dist.total_count = count.type_as(tensor)
    setattr(dist, name, tensor)
    dist._param = tensor


def expand_probs_logits(src, new, shape) -> None:
    """``expand`` for a distribution parameterised by ``probs`` or ``logits``: whichever of the
    two ``src`` holds (computed lazily or given) is expanded to ``shape`` onto ``new``."""
    for name in ("probs", "logits"):
        if name in src.__dict__:
            setattr(new, name, getattr(src, name).expand(shape))
            new._param = getattr(new, name)


class BinaryProbsLogits:
    """``probs`` and ``logits`` of a two-outcome parameter, each computed from the other on
    first use (Bernoulli, Binomial, Geometric, NegativeBinomial)."""

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)


def set_loc_scale(dist, loc, scale):
    """``loc`` and ``scale`` broadcast together onto ``dist``; returns the batch shape (empty
    when both were Python numbers, as torch's location-scale families do)."""
    dist.loc, dist.scale = broadcast_all(loc, scale)
    scalar = isinstance(loc, Number) and isinstance(scale, Number)
    return torch.Size() if scalar else dist.loc.size()


def expand_loc_scale(src, new, batch_shape) -> None:
    """``expand`` of a location-scale family: ``src``'s parameters expanded onto ``new``."""
    new.loc = src.loc.expand(batch_shape)
    new.scale = src.scale.expand(batch_shape)
