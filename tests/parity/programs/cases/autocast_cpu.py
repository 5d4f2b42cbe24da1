"""torch.autocast on CPU with bfloat16: output dtypes of linear/matmul/conv (lower precision),
softmax/layer_norm/sum policy, nested autocast(enabled=False), is_autocast_enabled,
autocast as decorator, values close to float32 results; torch.get_autocast_dtype."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn

RTOL = 2e-2
ATOL = 2e-2


def run():
    r = {}
    lin = init_params(nn.Linear(4, 3), seed=1)
    conv = init_params(nn.Conv2d(2, 2, 3), seed=2)
    x = torch.tensor(randn(2, 4, seed=3))
    img = torch.tensor(randn(1, 2, 5, 5, seed=4))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = lin(x)
        r["linear_dtype"] = y.dtype
        r["linear_val"] = y.float()
        r["matmul_dtype"] = (x @ x.T).dtype
        r["conv_dtype"] = conv(img).dtype
        r["softmax_dtype"] = F.softmax(y, dim=-1).dtype
        r["add_dtype"] = (y + x[:, :3]).dtype
        r["sum_dtype"] = y.sum().dtype
        r["enabled"] = torch.is_autocast_enabled("cpu")
        r["ac_dtype"] = torch.get_autocast_dtype("cpu")
        with torch.autocast("cpu", enabled=False):
            r["inner_dtype"] = lin(x).dtype
        r["layer_norm_dtype"] = F.layer_norm(y, (3,)).dtype
        r["mse_dtype"] = F.mse_loss(y, torch.zeros(2, 3)).dtype
    r["outside"] = lin(x).dtype

    @torch.autocast("cpu", dtype=torch.bfloat16)
    def f(a):
        return lin(a)
    r["decorated"] = f(x).dtype
    r["bf16_close"] = torch.allclose(r["linear_val"], lin(x), atol=5e-2)
    return r
