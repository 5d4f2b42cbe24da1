"""Input helpers the parity programs import (``from casekit import randn, init_params``).

Inputs are built with numpy so that torch and graphtorch see bit-identical data; the
framework helpers do ``import torch`` lazily, which under the graphtorch side of the
runner resolves to graphtorch (see shim.py).
"""
import zlib

import numpy as np


def rs(seed=0):
    """A numpy RandomState: the only randomness whose values a program may compare."""
    return np.random.RandomState(seed)


def rand(*shape, seed=0, lo=0.0, hi=1.0, dtype=np.float32):
    """Uniform [lo, hi) numpy array of ``shape``."""
    return rs(seed).uniform(lo, hi, size=shape).astype(dtype)


def randn(*shape, seed=0, dtype=np.float32):
    """Standard-normal numpy array of ``shape``."""
    return rs(seed).standard_normal(size=shape).astype(dtype)


def randint(lo, hi, shape, seed=0):
    """int64 numpy array with values in [lo, hi)."""
    return rs(seed).randint(lo, hi, size=shape).astype(np.int64)


def T(a, dtype=None, requires_grad=False):
    """Copy a numpy array into a framework tensor."""
    import torch
    t = torch.tensor(np.array(a))
    if dtype is not None:
        t = t.to(dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def npy(t):
    """Framework tensor -> numpy array (detached, on the CPU)."""
    return t.detach().cpu().numpy()


def init_params(module, seed=0, scale=0.5):
    """Overwrite every parameter of ``module`` deterministically.

    Values depend only on (seed, parameter name, shape), never on the framework's RNG
    or on registration order, so both frameworks start from the same weights.
    """
    import torch
    with torch.no_grad():
        for name, p in module.named_parameters():
            gen = np.random.RandomState((zlib.crc32(name.encode()) + seed) % (2 ** 31))
            vals = gen.uniform(-scale, scale, size=tuple(p.shape))
            p.copy_(torch.tensor(vals.astype(np.float64)).to(p.dtype))
    return module


def err(fn, *args, **kwargs):
    """Call ``fn``; return the raised exception's type name, or ``'no error'``."""
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the type name is the result
        return type(e).__name__
    return "no error"


def shares_memory(a_np, b_np):
    """Whether two numpy arrays overlap in memory."""
    return bool(np.shares_memory(a_np, b_np))


def show(result):
    """Print a result dict (for running a program by hand)."""
    for k, v in result.items():
        print("%s: %r" % (k, v))
