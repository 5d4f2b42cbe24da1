"""Broadcasting semantics and Reproducibility notes: broadcastable shapes (trailing dims, size-1,
missing dims), resulting sizes, in-place ops cannot change the self shape (RuntimeError), backwards
compat of pointwise ops with equal numel (error), torch.manual_seed determinism of rand/randn/
randint/randperm/normal_/dropout, torch.use_deterministic_algorithms flag round trip,
torch.Generator state get/set, seed_worker pattern with torch.initial_seed, numpy seeding."""
import random
import numpy as np
import torch
from casekit import err


def run():
    r = {}
    x = torch.empty(5, 7, 3)
    y = torch.empty(5, 7, 3)
    r["same"] = (x + y).size()
    x = torch.empty((0,))
    y = torch.empty(2, 2)
    r["empty_bcast"] = err(lambda: x + y)
    x = torch.empty(5, 3, 4, 1)
    y = torch.empty(3, 1, 1)
    r["s1"] = (x + y).size()
    x = torch.empty(5, 2, 4, 1)
    y = torch.empty(3, 1, 1)
    r["bad"] = err(lambda: x + y)
    x = torch.empty(1)
    y = torch.empty(3, 1, 7)
    r["s2"] = (x + y).size()
    x = torch.empty(5, 1, 4, 1)
    y = torch.empty(3, 1, 1)
    r["inplace_ok"] = x.add_(torch.ones(1)).size()
    r["inplace_bad"] = err(lambda: y.add_(torch.ones(5, 1, 4, 1)))
    r["bcast_shapes"] = torch.broadcast_shapes((2, 1), (1, 3), (3,))
    r["expand_as"] = torch.arange(3).expand(2, 3)
    r["numel_same_err"] = err(lambda: torch.ones(4) + torch.ones(2, 2, 1, 3))
    torch.manual_seed(0)
    a = (torch.rand(3), torch.randn(2), torch.randint(0, 10, (4,)), torch.randperm(6),
         torch.empty(3).normal_(), torch.nn.functional.dropout(torch.ones(8), 0.5))
    torch.manual_seed(0)
    b = (torch.rand(3), torch.randn(2), torch.randint(0, 10, (4,)), torch.randperm(6),
         torch.empty(3).normal_(), torch.nn.functional.dropout(torch.ones(8), 0.5))
    r["reproducible"] = all(torch.equal(u, v) for u, v in zip(a, b))
    g = torch.Generator()
    g.manual_seed(123)
    st = g.get_state()
    u = torch.rand(4, generator=g)
    g.set_state(st)
    v = torch.rand(4, generator=g)
    r["gen_state"] = bool(torch.equal(u, v))
    r["gen_state_dtype"] = (st.dtype, st.dim())
    r["initial_seed"] = g.initial_seed()
    torch.use_deterministic_algorithms(True)
    r["det_on"] = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)
    r["det_off"] = torch.are_deterministic_algorithms_enabled()
    torch.manual_seed(7)
    r["initial_seed_global"] = torch.initial_seed()
    worker_seed = torch.initial_seed() % 2 ** 32
    np.random.seed(worker_seed)
    random.seed(worker_seed)
    r["worker_seed"] = worker_seed
    r["bcast_tensors"] = [t.shape for t in torch.broadcast_tensors(torch.ones(3, 1), torch.ones(1, 4))]
    r["scalar_bcast"] = torch.tensor(2.0) * torch.ones(2, 3, dtype=torch.float64)
    r["mixed"] = (torch.ones(2, 1, dtype=torch.int32) + torch.ones(3, dtype=torch.int64)).dtype
    return r
