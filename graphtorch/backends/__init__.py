"""torch.backends: flags and availability of optional libraries (none are CUDA/cuDNN here)."""
from __future__ import annotations

import types


def _flags_module(name, available, **flags):
    m = types.ModuleType(f"graphtorch.backends.{name}")
    m.is_available = lambda: available
    m.__dict__.update(flags)
    return m


cudnn = _flags_module("cudnn", False, enabled=True, benchmark=False, deterministic=False,
                      allow_tf32=True)
mkl = _flags_module("mkl", False)
mkldnn = _flags_module("mkldnn", False, enabled=True)
openmp = _flags_module("openmp", False)
mps = _flags_module("mps", False, is_built=lambda: False)
cuda = _flags_module("cuda", False, is_built=lambda: False)
cuda.matmul = types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)
cudnn.version = lambda: None

import sys as _sys  # noqa: E402
for _name in ("cudnn", "mkl", "mkldnn", "openmp", "mps", "cuda"):
    _sys.modules[f"graphtorch.backends.{_name}"] = globals()[_name]
