"""Views, strides and bit reinterpretation: view(dtype) bitcasts (float32<->int32,
uint8 groups), Tensor.unfold (sliding windows) and its strides, as_strided, expand strides
(0), stride()/is_contiguous after permute/transpose/narrow, contiguous(), flatten of
non-contiguous, view errors vs reshape, unflatten, movedim, swapaxes, squeeze(dims tuple)."""
import torch
from casekit import err


def run():
    r = {}
    f = torch.tensor([1.0, -2.0, 0.5])
    r["f2i"] = f.view(torch.int32)
    r["i2f"] = torch.tensor([1065353216, -1073741824], dtype=torch.int32).view(torch.float32)
    r["f2u8"] = f.view(torch.uint8)
    r["u8_to_i16"] = torch.arange(8, dtype=torch.uint8).view(torch.int16)
    r["f64_to_f32_shape"] = torch.zeros(2, 3, dtype=torch.float64).view(torch.float32).shape
    r["view_dtype_err"] = err(lambda: torch.zeros(3, dtype=torch.uint8).view(torch.int16))
    x = torch.arange(10.0)
    w = x.unfold(0, 4, 2)
    r["unfold"] = w
    r["unfold_stride"] = w.stride()
    m = torch.arange(24).reshape(2, 3, 4)
    r["unfold_2d"] = m.unfold(2, 2, 1).shape
    r["as_strided"] = torch.as_strided(x, (3, 3), (1, 2), 1)
    e = torch.tensor([1, 2, 3]).expand(4, 3)
    r["expand_stride"] = e.stride()
    p = m.permute(2, 0, 1)
    r["perm_stride"] = (p.stride(), p.is_contiguous(), p.contiguous().stride())
    r["transpose_contig"] = m.transpose(0, 1).is_contiguous()
    n = m.narrow(2, 1, 2)
    r["narrow"] = (n.stride(), n.storage_offset(), n.is_contiguous())
    r["flatten_noncontig"] = p.flatten()
    r["view_err"] = err(lambda: p.view(-1))
    r["reshape_ok"] = p.reshape(-1)[:5]
    r["unflatten"] = x.unflatten(0, (2, -1)).shape
    r["movedim"] = m.movedim((0, 1), (2, 0)).shape
    r["swapaxes"] = m.swapaxes(0, 2).stride()
    s = torch.zeros(1, 3, 1, 2, 1)
    r["squeeze_tuple"] = s.squeeze((0, 2)).shape
    r["squeeze_neg"] = s.squeeze(-1).shape
    r["T_3d_err"] = err(lambda: m.T) if False else m.mT.shape
    r["diag_view"] = torch.arange(9).reshape(3, 3).diagonal(offset=1).stride()
    y = torch.zeros(3, 4)
    y.unfold(1, 2, 2)[:, :, 0] = 1.0
    r["unfold_write"] = y
    r["select_neg"] = m.select(-1, -1)
    r["split_sizes_view"] = [t.storage_offset() for t in x.split([3, 3, 4])]
    return r
