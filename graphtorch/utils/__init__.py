"""torch.utils: data loading (``graphtorch.utils.data``) and activation checkpointing
(``graphtorch.utils.checkpoint``)."""
from . import checkpoint, data  # noqa: F401

__all__ = ["checkpoint", "data"]
