"""Memory-layout and storage API: channels_last (to/contiguous(memory_format), strides,
is_contiguous(memory_format=...), conv on channels_last input), element_size/nbytes/itemsize,
untyped_storage().nbytes(), resize_/resize_as_, apply_/map_, new_tensor, clone
preserve_format, empty_like strides, dim_order."""
import torch
import torch.nn as nn
from casekit import init_params, randn


def run():
    r = {}
    x = torch.tensor(randn(2, 3, 4, 5, seed=1))
    cl = x.to(memory_format=torch.channels_last)
    r["cl_stride"] = cl.stride()
    r["cl_contig"] = (cl.is_contiguous(), cl.is_contiguous(memory_format=torch.channels_last))
    r["cl_equal"] = torch.equal(cl, x)
    r["contig_cl"] = x.contiguous(memory_format=torch.channels_last).stride()
    r["clone_preserve"] = cl.clone().stride()
    r["empty_like"] = torch.empty_like(cl).stride()
    conv = init_params(nn.Conv2d(3, 2, 3), seed=2).to(memory_format=torch.channels_last)
    y = conv(cl)
    r["conv_cl"] = y
    r["conv_cl_contig"] = y.is_contiguous(memory_format=torch.channels_last)
    r["sizes"] = (x.element_size(), x.nbytes, x.itemsize, x.half().element_size())
    r["storage_nbytes"] = x.untyped_storage().nbytes()
    r["view_storage_shared"] = x[0].untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    t = torch.arange(6.0)
    t.resize_(2, 2)
    r["resize_"] = t
    u = torch.zeros(1)
    u.resize_as_(torch.ones(3, 2))
    r["resize_as_"] = u.shape
    a = torch.tensor([1.0, 2.0, 3.0])
    a.apply_(lambda v: v * 10 + 1)
    r["apply_"] = a
    a.map_(torch.tensor([1.0, 1.0, 1.0]), lambda p, q: p - q)
    r["map_"] = a
    r["new_tensor"] = (a.new_tensor([1, 2]).dtype, a.new_tensor([1, 2], dtype=torch.int64).dtype)
    r["dim_order"] = (x.dim_order(), cl.dim_order())
    r["memory_format_names"] = str(torch.channels_last), str(torch.contiguous_format)
    return r
