"""graphtorch: a deep learning framework with the PyTorch API and a compiler behind it.

Use it as ``import graphtorch as torch``."""
from __future__ import annotations

import numpy as _np

from . import ops  # noqa: F401 - the registry first
from .ops.dtypes import (bfloat16, bool, complex64, complex128, finfo, float16, float32,
                         float64, get_default_dtype, iinfo, int8, int16, int32, int64,
                         promote_types, result_type, set_default_dtype, uint8, can_cast)
from .ops.dtypes import dtype
from .eager.device import device
from .eager.size import Size
from .eager.tensor import Tensor, is_tensor
from .eager.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                              is_inference_mode_enabled, no_grad, set_grad_enabled)
from .api import *  # noqa: F401,F403 - the torch namespace functions
from . import autograd, fft, linalg, random, return_types, special, testing  # noqa: E402,F401
from . import __config__, backends, cuda, distributed, functional, nn, optim, utils  # noqa: E402,F401
from . import distributions  # noqa: E402,F401 - torch.distributions
from .eager import printing as _tensor_str  # noqa: E402,F401 - torch._tensor_str.PRINT_OPTS
from .serialization import (add_safe_globals, clear_safe_globals, get_safe_globals,  # noqa: E402
                            load, safe_globals, save)
from . import hub, multiprocessing, safetensors_io, serialization  # noqa: E402,F401
from . import jit  # noqa: E402,F401
from .jit._control_flow import cond, while_loop  # noqa: E402,F401
from . import compiler  # noqa: E402,F401
from . import _dynamo, profiler  # noqa: E402,F401 - torch._dynamo / torch.profiler after import torch
from . import onnx  # noqa: E402,F401
from .compiler import compile  # noqa: E402,F401,A001 - torch.compile shadows the builtin
from .eager.legacy import LEGACY_TYPES as _LEGACY  # noqa: E402

globals().update(_LEGACY)  # torch.FloatTensor, torch.LongTensor, ...

_np.seterr(all="ignore")  # PyTorch computes inf/nan silently; so do its kernels here

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128


class layout:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")


class memory_format:
    """A memory layout request (torch.contiguous_format, torch.preserve_format, ...)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
__version__ = "0.1.0"

from . import sparse  # noqa: E402 - torch.sparse: sparse COO tensors
from .sparse import sparse_coo_tensor  # noqa: E402,F401
sparse._install_methods(globals())  # sparse-aware mm/add/sum/...; dense calls are unchanged
