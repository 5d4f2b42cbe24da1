"""torch.Generator: a seeded random number stream backed by numpy's PCG64.

The streams are not bit-identical to PyTorch's (Philox/MT19937 there); seeding, state
save/restore and independence of generators behave as in PyTorch.  The state is a uint8
tensor: 8 bytes of seed, then PCG64's 128-bit state and increment and its cached 32-bit half."""
from __future__ import annotations

import os

import numpy as np

from ..ops import dtypes as D
from .device import as_device

# the samplers that draw from a Generator's stream live in ops/random_ops.py
__all__ = ["Generator", "default_generator", "DEFAULT_SEED"]

DEFAULT_SEED = 67280421310721  # PyTorch's initial default seed
_U64 = (1 << 64) - 1
_STATE_BYTES = 8 + 16 + 16 + 1 + 4


class Generator:
    """A pseudo-random number generator (``torch.Generator(device='cpu')``)."""

    def __init__(self, device="cpu"):
        dev = as_device(device)
        if dev.type not in ("cpu", "cuda"):
            raise RuntimeError(f"{dev.type.upper()} device type not an accelerator.")
        self.device = dev
        self._seed = DEFAULT_SEED
        self._np = np.random.Generator(np.random.PCG64(DEFAULT_SEED))

    def manual_seed(self, seed) -> "Generator":
        """Seed the stream with an integer; returns self."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            if hasattr(seed, "__index__") and not isinstance(seed, float):
                seed = seed.__index__()
            else:
                raise RuntimeError(f"manual_seed expected a long, but got "
                                   f"{type(seed).__name__}")
        seed = int(seed)
        if seed >= 1 << 64 or seed < -(1 << 63):
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & _U64  # negative seeds wrap, as in PyTorch
        self._np = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Seed with a non-deterministic random number; returns it."""
        s = int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The generator state as a uint8 tensor (for set_state)."""
        from .tensor import wrap
        st = self._np.bit_generator.state
        raw = (self._seed.to_bytes(8, "little")
               + st["state"]["state"].to_bytes(16, "little")
               + st["state"]["inc"].to_bytes(16, "little")
               + bytes([st["has_uint32"]]) + int(st["uinteger"]).to_bytes(4, "little"))
        return wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        """Restore a state returned by get_state; returns self."""
        from .tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state._dtype is not D.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if new_state.numel() != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but "
                               f"found the input RNG state size to be {new_state.numel()}")
        raw = bytes(np.ascontiguousarray(new_state._data).reshape(-1))
        bg = np.random.PCG64()
        bg.state = {"bit_generator": "PCG64",
                    "state": {"state": int.from_bytes(raw[8:24], "little"),
                              "inc": int.from_bytes(raw[24:40], "little")},
                    "has_uint32": raw[40], "uinteger": int.from_bytes(raw[41:45], "little")}
        self._seed = int.from_bytes(raw[:8], "little")
        self._np = np.random.Generator(bg)
        return self

    def clone_state(self) -> "Generator":
        g = Generator(self.device)
        return g.set_state(self.get_state())

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


default_generator = Generator()
