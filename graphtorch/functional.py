"""torch.functional: the functions PyTorch defines in Python (split, einsum, meshgrid, norm,
tensordot, unique, ...), here re-exported from the torch namespace."""
from __future__ import annotations

_NAMES = ("atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "broadcast_shapes",
          "broadcast_tensors", "cartesian_prod", "cdist", "chain_matmul", "einsum", "lu",
          "meshgrid", "norm", "split", "stft", "istft", "tensordot", "unique",
          "unique_consecutive", "unravel_index")


def __getattr__(name):
    if name in _NAMES:
        import graphtorch
        return getattr(graphtorch, name)
    raise AttributeError(f"module 'graphtorch.functional' has no attribute '{name}'")


__all__ = list(_NAMES)
