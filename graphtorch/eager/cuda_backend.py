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
    if not available():
        raise RuntimeError("Found no NVIDIA driver on your system. Please check that you have an "
                           "NVIDIA GPU and installed a driver and cupy (pip install "
                           "graphtorch[cuda]).")
    import cupy
    return cupy
