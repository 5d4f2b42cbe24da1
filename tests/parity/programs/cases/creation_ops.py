"""Tensor creation: arange float steps/negative, linspace/logspace, eye, full dtype inference,
zeros(tuple)/(list), empty_like props, tensor from numpy scalars/bools/mixed lists,
as_strided, randperm/randint props with Generator, Generator state round trip, tril_indices."""
import numpy as np
import torch


def run():
    r = {}
    r["arange"] = (torch.arange(5), torch.arange(1, 2.5, 0.5), torch.arange(5, 0, -2), torch.arange(0, 1, 0.1).shape, torch.arange(10, dtype=torch.float16)[-2:])
    r["arange_dtype"] = (torch.arange(3).dtype, torch.arange(3.0).dtype, torch.arange(0, 3, 1.0).dtype)
    r["linspace"] = (torch.linspace(0, 1, 5), torch.linspace(-1, 1, 1), torch.linspace(0, 10, 4, dtype=torch.int64))
    r["logspace"] = torch.logspace(0, 2, 3, base=10.0)
    r["eye"] = (torch.eye(2, 3), torch.eye(3, dtype=torch.int32))
    r["full"] = (torch.full((2,), 3).dtype, torch.full((2,), 3.0).dtype, torch.full((2,), True).dtype, torch.full([2, 1], -1.5))
    r["zeros_forms"] = (torch.zeros((2, 3)).shape, torch.zeros([2]).shape, torch.zeros(2, 3).shape, torch.ones(()).shape, torch.zeros(torch.Size([1, 2])).shape)
    r["from_np_scalars"] = torch.tensor([np.float32(1.5), np.float32(2)]).dtype
    r["from_np_int"] = torch.tensor(np.int32(3)).dtype
    r["from_np_f64_arr"] = torch.tensor(np.arange(3.0)).dtype
    r["from_np_u8"] = torch.from_numpy(np.array([1, 2], dtype=np.uint8)).dtype
    r["mixed_list"] = torch.tensor([1, 2.5, True]).dtype
    r["bool_list"] = torch.tensor([True, False]).dtype
    r["int_list_big"] = torch.tensor([2 ** 40]).dtype
    r["complex_list"] = torch.tensor([1, 2j]).dtype
    r["empty_like"] = (torch.empty_like(torch.ones(2, 3, dtype=torch.int16)).dtype, torch.empty(0).shape)
    base = torch.arange(9.)
    r["as_strided"] = torch.as_strided(base, (2, 2), (3, 1), 1)
    g = torch.Generator().manual_seed(42)
    p1 = torch.randperm(10, generator=g)
    r["randperm_sorted"] = p1.sort().values
    st = g.get_state()
    a = torch.randint(0, 100, (5,), generator=g)
    g.set_state(st)
    b = torch.randint(0, 100, (5,), generator=g)
    r["gen_state_roundtrip"] = bool(torch.equal(a, b))
    r["gen_seed"] = g.initial_seed()
    torch.manual_seed(3)
    c = torch.rand(4)
    torch.manual_seed(3)
    r["manual_seed_repro"] = bool(torch.equal(c, torch.rand(4)))
    r["rand_range"] = bool(((c >= 0) & (c < 1)).all())
    r["randn_dtype"] = torch.randn(2, dtype=torch.float64).dtype
    r["randint_dtype"] = (torch.randint(3, (2,)).dtype, torch.randint(0, 3, (2,), dtype=torch.int32).dtype)
    r["normal_shape"] = torch.normal(torch.zeros(3), torch.ones(3)).shape
    r["normal_scalar"] = torch.normal(0.0, 1.0, size=(2, 2)).shape
    r["bernoulli_vals"] = sorted(set(torch.bernoulli(torch.full((100,), 0.5)).tolist()))
    r["multinomial"] = torch.multinomial(torch.tensor([0.0, 1.0, 0.0]), 3, replacement=True)
    r["tril_indices"] = torch.tril_indices(3, 3, offset=-1)
    r["triu_indices"] = torch.triu_indices(2, 4, 1)
    r["heaviside"] = torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor(0.5))
    r["scalar_tensor"] = torch.scalar_tensor(3).dtype
    r["complex_ctor"] = torch.zeros(2, dtype=torch.cfloat).dtype
    r["range_deprecated"] = torch.range(0, 2) if hasattr(torch, "range") else torch.arange(0, 3.0)
    return r
