"""torch.utils: the data loading utilities (``graphtorch.utils.data``)."""
from . import data  # noqa: F401

__all__ = ["data"]
