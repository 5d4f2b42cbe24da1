"""torch.cuda: device queries, seeding and memory utilities over cupy.

Without a GPU (or without cupy) ``is_available()`` is False, seeding is a no-op, and calls that
need a device raise PyTorch's error: without cupy its CPU build's AssertionError ("Torch not
compiled with CUDA enabled"), with cupy but no GPU a CUDA build's RuntimeError ("Found no NVIDIA
driver on your system...")."""
from __future__ import annotations

import contextlib
import sys
import types

from ..eager import cuda_backend as _backend
from ..eager.generator import Generator

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed",
           "get_rng_state", "set_rng_state", "get_rng_state_all", "set_rng_state_all",
           "get_device_name", "get_device_capability", "get_device_properties",
           "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "reset_peak_memory_stats", "is_initialized", "init", "device", "amp",
           "is_bf16_supported", "default_generators"]

_pending_seed = [None]  # manual_seed before any generator exists: applied when one is made
_generators: dict = {}


def is_available() -> bool:
    """Whether a CUDA GPU (and cupy) can be used."""
    return _backend.available()


def device_count() -> int:
    """Number of visible CUDA GPUs (0 without one)."""
    return _backend.device_count()


def _cupy():
    return _backend.xp()  # raises PyTorch's error without a GPU (cuda_backend.xp)


def is_initialized() -> bool:
    return is_available()


def init() -> None:
    _cupy()


def current_device() -> int:
    """Index of the selected GPU."""
    return _cupy().cuda.runtime.getDevice()


def _index(dev) -> int:
    if dev is None:
        return current_device()
    if isinstance(dev, int):
        return dev
    from ..eager.device import as_device
    d = as_device(dev)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return d.index if d.index is not None else current_device()


def set_device(device) -> None:
    """Select the current GPU."""
    idx = _index(device)
    if idx >= 0:
        _cupy().cuda.runtime.setDevice(idx)


def synchronize(device=None) -> None:
    """Wait for all kernels on the GPU to finish."""
    _cupy().cuda.runtime.deviceSynchronize()


def get_device_properties(device=None):
    cp = _cupy()
    props = cp.cuda.runtime.getDeviceProperties(_index(device))
    name = props["name"]
    return types.SimpleNamespace(
        name=name.decode() if isinstance(name, bytes) else name, major=props["major"],
        minor=props["minor"], total_memory=props["totalGlobalMem"],
        multi_processor_count=props["multiProcessorCount"])


def get_device_name(device=None) -> str:
    """The GPU's name, e.g. 'NVIDIA H100 80GB HBM3'."""
    return get_device_properties(device).name


def get_device_capability(device=None) -> tuple:
    p = get_device_properties(device)
    return (p.major, p.minor)


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return is_available()


# ------------------------------------------------------------------------------ memory
def empty_cache() -> None:
    """Release cached GPU memory (a no-op without a GPU)."""
    if is_available():
        import cupy
        cupy.get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None) -> int:
    if not is_available():
        return 0
    import cupy
    return cupy.get_default_memory_pool().used_bytes()


def memory_reserved(device=None) -> int:
    if not is_available():
        return 0
    import cupy
    return cupy.get_default_memory_pool().total_bytes()


max_memory_allocated = memory_allocated


def reset_peak_memory_stats(device=None) -> None:
    return None


# ------------------------------------------------------------------------------ seeding
def default_generator(index: int = 0) -> Generator:
    """The generator used for random tensors created on cuda:``index``."""
    g = _generators.get(index)
    if g is None:
        g = _generators[index] = Generator(f"cuda:{index}")
        if _pending_seed[0] is not None:
            g.manual_seed(_pending_seed[0])
    return g


class _Generators:
    def __getitem__(self, i):
        return default_generator(i)

    def __len__(self):
        return device_count()


default_generators = _Generators()


def manual_seed(seed) -> None:
    """Seed the current GPU's generator (silently ignored without a GPU)."""
    manual_seed_all(seed)


def manual_seed_all(seed) -> None:
    """Seed every GPU's generator (silently ignored without a GPU)."""
    _pending_seed[0] = int(seed)
    for g in _generators.values():
        g.manual_seed(int(seed))


def seed() -> None:
    if is_available():
        default_generator(current_device()).seed()


seed_all = seed


def initial_seed() -> int:
    return default_generator(current_device()).initial_seed()


def get_rng_state(device="cuda"):
    return default_generator(_index(device)).get_state()


def set_rng_state(new_state, device="cuda") -> None:
    default_generator(_index(device)).set_state(new_state)


def get_rng_state_all() -> list:
    return [default_generator(i).get_state() for i in range(device_count())]


def set_rng_state_all(new_states) -> None:
    for i, s in enumerate(new_states):
        default_generator(i).set_state(s)


class device:
    """Context manager that selects a GPU for its duration."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device)
        self.prev = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev = current_device()
            set_device(self.idx)

    def __exit__(self, *exc):
        if self.prev >= 0:
            set_device(self.prev)
        return False


# ------------------------------------------------------------------------------ amp
class _Autocast(contextlib.ContextDecorator):
    """torch.cuda.amp.autocast: mixed precision is not applied; the context is accepted."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        self.enabled = enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _GradScaler:
    """torch.cuda.amp.GradScaler: without a GPU it is disabled and passes values through."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._enabled = enabled and is_available()
        self._scale = init_scale

    def is_enabled(self) -> bool:
        return self._enabled

    def scale(self, outputs):
        return outputs * self._scale if self._enabled else outputs

    def unscale_(self, optimizer) -> None:
        if self._enabled:
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.grad.mul_(1.0 / self._scale)

    def step(self, optimizer, *args, **kwargs):
        self.unscale_(optimizer)
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None) -> None:
        if new_scale is not None:
            self._scale = float(new_scale)

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def state_dict(self) -> dict:
        return {"scale": self._scale} if self._enabled else {}

    def load_state_dict(self, state_dict) -> None:
        self._scale = state_dict.get("scale", self._scale)


amp = types.ModuleType(__name__ + ".amp", "torch.cuda.amp: autocast and GradScaler")
amp.autocast = _Autocast
amp.GradScaler = _GradScaler
sys.modules[amp.__name__] = amp
