"""60-minute blitz, tensors: from lists / numpy (shared memory), ones_like/rand_like props,
shape tuples, attributes, indexing and slicing assignment, cat, matmul three ways, in-place
add_, item, numpy bridge sharing memory both ways, t() and T."""
import numpy as np
import torch
from casekit import randn, npy


def run():
    r = {}
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    r["x_data"] = x_data
    r["x_data_dtype"] = x_data.dtype
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    r["x_np_dtype"] = x_np.dtype
    x_ones = torch.ones_like(x_data)
    r["x_ones"] = x_ones
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    r["x_rand_props"] = (x_rand.shape, x_rand.dtype, bool(((x_rand >= 0) & (x_rand < 1)).all()))
    shape = (2, 3,)
    r["zeros"] = torch.zeros(shape)
    r["ones"] = torch.ones(shape)
    tensor = torch.tensor(randn(3, 4, seed=1))
    r["attrs"] = (tensor.shape, tensor.dtype, str(tensor.device))
    t = torch.ones(4, 4)
    t[:, 1] = 0
    r["first_row"] = t[0]
    r["first_col"] = t[:, 0]
    r["last_col"] = t[..., -1]
    r["t"] = t
    t1 = torch.cat([t, t, t], dim=1)
    r["cat_shape"] = t1.shape
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    r["y1"], r["y2"], r["y3"] = y1, y2, y3
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    r["z_eq"] = bool(torch.equal(z1, z2) and torch.equal(z2, z3))
    agg = tensor.sum()
    agg_item = agg.item()
    r["agg_item_type"] = type(agg_item).__name__
    r["agg_item"] = agg_item
    tt = tensor.clone()
    tt.add_(5)
    r["add_"] = tt
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    r["numpy_shared"] = n.copy()
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    r["from_numpy_shared"] = t
    r["t_dtype"] = t.dtype
    r["t_method"] = torch.arange(6.).view(2, 3).t()
    r["repr_int"] = repr(torch.tensor([[1, 2], [3, 4]]))
    r["repr_float"] = repr(torch.tensor([1.5, 2.0, -3.25]))
    return r
