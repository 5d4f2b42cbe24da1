"""torch.__config__: build configuration and threading information as strings."""
from __future__ import annotations

import platform


def show() -> str:
    import numpy
    import scipy
    from . import __version__
    return (f"graphtorch {__version__}\n  - Python {platform.python_version()}\n"
            f"  - numpy {numpy.__version__} (CPU kernels)\n  - scipy {scipy.__version__} "
            "(BLAS/LAPACK, special functions)\n")


def parallel_info() -> str:
    from .eager.threads import get_num_threads
    return f"graphtorch parallel info:\nnumber of threads: {get_num_threads()}\n"
