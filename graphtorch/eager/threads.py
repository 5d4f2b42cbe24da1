"""torch.get_num_threads / set_num_threads: the thread count used by BLAS (and, later, by
compiled kernels).  OpenBLAS's thread pools (numpy's and scipy's) are set by their C entry
points when they can be found."""
from __future__ import annotations

import ctypes
import os

_state = {"n": None, "interop": 1}


def _openblas_setters():
    try:
        from threadpoolctl import threadpool_limits
        return lambda n: threadpool_limits(n)
    except ImportError:
        pass
    fns = []
    for lib in _loaded_openblas():
        # numpy and scipy ship OpenBLAS builds whose symbols carry a scipy_ prefix
        for sym in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                    "openblas_set_num_threads64_", "openblas_set_num_threads"):
            f = getattr(lib, sym, None)
            if f is not None:
                fns.append(f)
                break
    return (lambda n: [f(int(n)) for f in fns]) if fns else None


def _loaded_openblas():
    libs = []
    try:
        with open("/proc/self/maps") as fh:
            paths = {line.split()[-1] for line in fh if "openblas" in line.lower()}
    except OSError:
        return libs
    for p in sorted(paths):
        try:
            libs.append(ctypes.CDLL(p))
        except OSError:
            pass
    return libs


def get_num_threads() -> int:
    """Number of threads used for intra-op parallelism."""
    if _state["n"] is None:
        env = os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS")
        _state["n"] = int(env) if env and env.isdigit() else (os.cpu_count() or 1)
    return _state["n"]


def set_num_threads(n: int) -> None:
    """Set the number of threads used for intra-op parallelism (BLAS included)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["n"] = n
    setter = _openblas_setters()
    if setter is not None:
        setter(n)


def get_num_interop_threads() -> int:
    return _state["interop"]


def set_num_interop_threads(n: int) -> None:
    _state["interop"] = int(n)
