"""The seam for cupy arrays on cuda devices: imported only when a cuda tensor is requested."""
from __future__ import annotations


def available() -> bool:
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any failure (no cupy, no driver) means "no GPU"
        return False


def device_count() -> int:
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount()
    except Exception:  # noqa: BLE001
        return 0


def xp():
    """cupy, or PyTorch's error for a missing CUDA: without cupy graphtorch is like PyTorch's
    CPU build (AssertionError "Torch not compiled with CUDA enabled"); with cupy but no GPU,
    like a CUDA build on a machine without a driver (RuntimeError)."""
    try:
        import cupy
    except ImportError:
        raise AssertionError("Torch not compiled with CUDA enabled (graphtorch runs CUDA "
                             "through cupy: pip install graphtorch[cuda])") from None
    if not available():
        raise RuntimeError("Found no NVIDIA driver on your system. Please check that you have an "
                           "NVIDIA GPU and installed a driver.")
    return cupy
