"""torch.nn.utils: gradient clipping, parameter/vector conversion, rnn packing, pruning,
conv/linear + batch norm fusion."""
from . import fusion, parametrizations, parametrize, prune, rnn  # noqa: F401
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,  # noqa: F401
                     fuse_linear_bn_weights)
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,  # noqa: F401
                        clip_grads_with_norm_, get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .norm_hooks import (remove_spectral_norm, remove_weight_norm, spectral_norm,  # noqa: F401
                         weight_norm)
