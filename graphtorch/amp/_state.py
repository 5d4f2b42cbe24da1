"""The autocast state read by eager dispatch (kept free of imports so dispatch can load it
first): ``AMP.dtype`` is the CPU autocast dtype while a CPU autocast region is active, else
None; ``AMP.policy`` maps op names to 'lower' (run in that dtype) or 'fp32'."""
from __future__ import annotations

# torch 2.13's CPU autocast lists, for the ops graphtorch has (checked empirically: under
# autocast("cpu", bfloat16) these give bfloat16 / float32 results)
LOWER = ("linear", "mm", "bmm", "matmul", "addmm", "baddbmm", "addbmm", "einsum",
         "convolution", "conv_transpose", "prelu")
FP32 = ("mse_loss", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
        "huber_loss", "smooth_l1_loss", "soft_margin_loss", "ctc_loss", "kl_div", "l1_loss",
        "prod", "cdist", "addmv", "mv", "dot", "lstm_cell", "gru_cell")


class _AmpState:
    __slots__ = ("dtype", "policy", "cuda_dtype")

    def __init__(self):
        self.dtype = None       # CPU autocast dtype when active
        self.cuda_dtype = None  # recorded only (no CUDA tensors exist here)
        self.policy = dict([(n, "lower") for n in LOWER] + [(n, "fp32") for n in FP32])


AMP = _AmpState()
