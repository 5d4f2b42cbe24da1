"""Tensor repr (placeholder until the PyTorch-identical formatter lands)."""
from __future__ import annotations


def tensor_repr(t) -> str:
    return f"tensor({t._data!r}, dtype={t._dtype})"
