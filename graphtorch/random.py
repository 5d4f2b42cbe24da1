"""torch.random: seeding the default generator and saving/restoring its state."""
from __future__ import annotations

import contextlib

from .eager.generator import Generator, default_generator

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state", "fork_rng",
           "default_generator", "Generator"]


def manual_seed(seed) -> Generator:
    """Seed the default generator (and the CUDA ones, when present); returns it."""
    default_generator.manual_seed(seed)
    from . import cuda
    cuda.manual_seed_all(int(seed))
    return default_generator


def seed() -> int:
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The initial seed of the default generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Context manager: random numbers drawn inside do not affect the state afterwards."""
    if not enabled:
        yield
        return
    from . import cuda
    state = get_rng_state()
    cuda_states = cuda.get_rng_state_all() if cuda.is_available() else []
    try:
        yield
    finally:
        set_rng_state(state)
        if cuda_states:
            cuda.set_rng_state_all(cuda_states)
