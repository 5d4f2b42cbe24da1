"""The op registry: every op's definition, importable without eager, ir or codegen."""
from . import (arith, binary_math, compare, conversion, fft, indexing, linalg,  # noqa: F401
               linalg_decomp, random, reduction, reduction_order, reduction_scan,
               reduction_stats, shape, shape_join, shape_views, special, special_bessel,
               unary_math, float_decomp)
from . import (nn_activation, nn_conv, nn_ctc, nn_embedding, nn_linear, nn_loss,  # noqa: F401,E402
               nn_loss_pointwise, nn_norm, nn_pool, nn_softmax)
from . import nn_conv_transpose, nn_grid, nn_interp, nn_spatial  # noqa: F401,E402
from . import nn_rnn_cell  # noqa: F401,E402
from . import shape_scatter  # noqa: F401,E402
from . import creation, random_ops  # noqa: F401,E402
from . import linalg_lapack  # noqa: F401,E402
from . import decomp_nn  # noqa: F401,E402 - attaches decompositions; after every family
from .registry import OpDef, Sample, all_ops, get, register

__all__ = ["OpDef", "Sample", "all_ops", "get", "register"]
