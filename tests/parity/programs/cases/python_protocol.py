"""Python protocol on tensors: bool()/int()/float()/complex()/round()/math.floor of 1-element
tensors and their error types, operator.index, `in`, len/iter of 0-d (TypeError), hash by id,
format specs, divmod-like ops with Python scalars on the left, numpy interop (np.asarray,
np.add on a tensor), copy/deepcopy with grads, pickle round trip."""
import copy
import math
import operator
import pickle

import numpy as np
import torch
from casekit import err


def run():
    r = {}
    t = torch.tensor([2.7])
    r["bool"] = (bool(torch.tensor([0.0])), bool(torch.tensor(3)))
    r["bool_err"] = err(bool, torch.tensor([1.0, 2.0]))
    r["int_float"] = (int(t), float(torch.tensor(3)), complex(torch.tensor(1.5)))
    r["round"] = round(torch.tensor(2.567).item(), 2)
    r["floor"] = math.floor(torch.tensor(2.7))
    r["index"] = operator.index(torch.tensor(3))
    r["index_err"] = err(operator.index, torch.tensor(3.0))
    r["list_slice"] = [10, 20, 30, 40][torch.tensor(1):torch.tensor(3)]
    r["in"] = (2 in torch.tensor([1, 2, 3]), 5 in torch.tensor([1, 2, 3]))
    r["len0_err"] = err(len, torch.tensor(1.0))
    r["iter0_err"] = err(iter, torch.tensor(1.0))
    r["format"] = ("{:.3f}".format(torch.tensor(1.23456)), f"{torch.tensor(7):>4}")
    r["format_err"] = err(lambda: "{:.2f}".format(torch.tensor([1.0, 2.0])))
    x = torch.tensor([1.0, -2.0, 4.0])
    r["rops"] = (2 ** x, 7 % torch.tensor([3, -3]), 7 // torch.tensor([2.0, -2.0]), 1 / x, 3 - x)
    r["abs_neg_pos"] = (abs(x), -x, +x)
    r["matmul_op"] = x @ x
    r["np_asarray"] = np.asarray(x).dtype.name
    r["np_ufunc"] = type(np.add(x, 1)).__name__
    r["np_mean"] = float(np.mean(x.numpy()))
    r["hash_id"] = hash(x) == id(x) or hash(x) != hash(x.clone())
    r["eq_list"] = (x == torch.tensor([1.0, 0.0, 4.0])).tolist()
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    (a * 3).sum().backward()
    b = copy.deepcopy(a)
    r["deepcopy"] = (b.requires_grad, b.grad, b.is_leaf, b is not a)
    c = copy.copy(a)
    r["copy"] = c.requires_grad
    p = pickle.loads(pickle.dumps(torch.arange(6).reshape(2, 3).t()))
    r["pickle"] = (p, p.shape, p.dtype)
    r["pickle_param"] = type(pickle.loads(pickle.dumps(torch.nn.Parameter(torch.ones(2))))).__name__
    r["tolist_types"] = [type(v).__name__ for v in torch.tensor([1.0, 2.0]).tolist()] + \
        [type(torch.tensor([True]).tolist()[0]).__name__, type(torch.tensor(5).item()).__name__]
    r["item_err"] = err(lambda: torch.ones(2).item())
    r["dir_has"] = all(n in dir(x) for n in ("add_", "shape", "grad"))
    return r
