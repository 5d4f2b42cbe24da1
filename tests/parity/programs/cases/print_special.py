"""Printing: nested modules with custom extra_repr and ModuleList repeats, torch.Size and dtype
repr, return_types repr (torch.max / sort), Parameter repr, tensors with nan/inf mixes,
int64 large values, float64 sci mode, complex, bool 2-D, set_printoptions(profile=...)."""
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.lin = nn.Linear(2, 2, bias=False)

    def extra_repr(self):
        return "k={}, tag='b'".format(self.k)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(1), Block(1), Block(2)])
        self.head = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, bias=False), nn.Dropout(p=0.25), nn.Identity())
        self.emb = nn.Embedding(10, 3, padding_idx=0)


def run():
    r = {}
    r["model"] = repr(Model())
    r["size"] = repr(torch.Size([2, 3]))
    r["dtype"] = repr(torch.float16)
    r["max_rt"] = repr(torch.max(torch.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1))
    r["sort_rt"] = str(torch.sort(torch.tensor([3, 1, 2])))
    p = nn.Parameter(torch.tensor([1.0, -2.0]))
    r["param"] = repr(p)
    r["nan_inf"] = repr(torch.tensor([1.5, float("nan"), float("-inf"), 2.0]))
    r["big_int"] = repr(torch.tensor([1, -123456789012, 3]))
    r["sci64"] = repr(torch.tensor([1e-8, 1.0, 3e5], dtype=torch.float64))
    r["complex"] = repr(torch.tensor([1 + 2j, -0.5 - 1j]))
    r["bool2d"] = repr(torch.tensor([[True, False], [False, True]]))
    r["neg_zero"] = repr(torch.tensor([-0.0, 0.0, 1.0]))
    r["empty2d"] = repr(torch.zeros(0, 3))
    r["int8"] = repr(torch.tensor([1, 2], dtype=torch.int8))
    r["uint8_scalar"] = repr(torch.tensor(7, dtype=torch.uint8))
    torch.set_printoptions(profile="short")
    r["short"] = repr(torch.tensor([1.123456, 2.0]))
    torch.set_printoptions(profile="full")
    r["full"] = repr(torch.arange(1200.0).reshape(2, 600)[:, :3])
    torch.set_printoptions(profile="default")
    r["default"] = repr(torch.tensor([1.123456, 2.0]))
    r["requires_grad"] = repr(torch.ones(2, requires_grad=True) * 2)
    r["view_repr"] = repr(torch.arange(6).view(2, 3).t())
    r["str_item"] = str(torch.tensor(3.25).item())
    r["format"] = "{:.2f}".format(torch.tensor(3.14159))
    return r
