"""torch.multiprocessing: Python's multiprocessing, plus tensors that cross process boundaries
through shared memory (``Tensor.share_memory_()``; queues and pipes then pass them by name, not
by copy) and ``spawn`` for starting worker processes."""
from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import *  # noqa: F401,F403 - the same API as Python's multiprocessing

from . import _shared
from .spawn import (ProcessContext, ProcessExitedException, ProcessRaisedException,  # noqa: F401
                    spawn, start_processes)

__all__ = list(_mp.__all__) + ["spawn", "start_processes", "ProcessContext",
                               "ProcessRaisedException", "ProcessExitedException",
                               "get_all_sharing_strategies", "get_sharing_strategy",
                               "set_sharing_strategy"]

_sharing_strategy = ["file_system"]


def get_all_sharing_strategies() -> set:
    """The sharing strategies available (graphtorch shares through named files)."""
    return {"file_system"}


def get_sharing_strategy() -> str:
    return _sharing_strategy[0]


def set_sharing_strategy(new_strategy: str) -> None:
    if new_strategy not in get_all_sharing_strategies():
        raise ValueError(f"invalid sharing strategy {new_strategy!r}")
    _sharing_strategy[0] = new_strategy


_shared.install()
