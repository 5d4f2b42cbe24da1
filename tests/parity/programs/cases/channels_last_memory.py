"""Channels-last memory format tutorial: x.to(memory_format=torch.channels_last) strides,
is_contiguous(memory_format=...), contiguous(memory_format=...), empty(..., memory_format=...),
conv output keeps channels_last, model.to(memory_format=torch.channels_last) with identical
results, permute-based alternative, channels_last_3d, clone preserve_format, and
torch.contiguous_format default."""
import torch
import torch.nn as nn
from casekit import init_params, randn


def run():
    r = {}
    N, C, H, W = 2, 3, 4, 5
    x = torch.empty(N, C, H, W)
    r["default_stride"] = x.stride()
    x = x.to(memory_format=torch.channels_last)
    r["cl_shape"] = x.shape
    r["cl_stride"] = x.stride()
    r["is_cl"] = (x.is_contiguous(memory_format=torch.channels_last), x.is_contiguous())
    x = x.to(memory_format=torch.contiguous_format)
    r["back_stride"] = x.stride()
    y = torch.empty(N, C, H, W, memory_format=torch.channels_last)
    r["empty_cl"] = y.stride()
    z = torch.tensor(randn(N, C, H, W, seed=1)).contiguous(memory_format=torch.channels_last)
    r["values_same"] = z
    r["permute_alt"] = torch.tensor(randn(N, C, H, W, seed=1)).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).stride()
    conv = init_params(nn.Conv2d(3, 4, 3), seed=2)
    out_ref = conv(torch.tensor(randn(N, C, H, W, seed=1)))
    conv = conv.to(memory_format=torch.channels_last)
    r["conv_w_stride"] = conv.weight.stride()
    out = conv(z)
    r["conv_out_cl"] = out.is_contiguous(memory_format=torch.channels_last)
    r["conv_same"] = bool(torch.allclose(out, out_ref, atol=1e-6))
    r["relu_keeps"] = torch.relu(z).is_contiguous(memory_format=torch.channels_last)
    r["clone_keeps"] = z.clone().stride()
    r["clone_contig"] = z.clone(memory_format=torch.contiguous_format).stride()
    v = torch.empty(2, 3, 4, 5, 6).to(memory_format=torch.channels_last_3d)
    r["cl3d"] = v.stride()
    r["add_keeps"] = (z + 1).stride()
    r["formats"] = (str(torch.channels_last), str(torch.contiguous_format), str(torch.preserve_format))
    return r
