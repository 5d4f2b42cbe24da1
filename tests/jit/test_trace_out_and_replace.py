"""``out=`` while tracing (recorded as the op plus an assignment to the out tensor: later reads,
writes into inputs, dtype casts, views) and traced modules whose submodule is replaced after
tracing (only by a compiled module, as in PyTorch; the graph then reads the new parameters)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as torch


def _trace(fn, args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.trace(fn, args, check_trace=False)


def _data(*shape, seed=0):
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def _eq(a, b):
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_out_into_a_local_tensor_is_read_later():
    def f(x, y):
        buf = torch.empty(0)
        torch.add(x, y, out=buf)
        torch.matmul(buf.unsqueeze(1), buf.unsqueeze(0), out=buf)  # resized, written again
        return buf * 3

    t = _trace(f, (_data(3), _data(3, seed=1)))
    assert "add(" in str(t.graph) and "matmul(" in str(t.graph)
    for n in (3, 6):
        x, y = _data(n, seed=n), _data(n, seed=n + 1)
        _eq(t(x, y), f(x, y))


def test_out_into_an_input_is_written_back():
    def f(x, acc):
        torch.mul(x, 2, out=acc)
        return acc + 1

    t = _trace(f, (_data(4), torch.zeros(4)))
    x = _data(5, seed=3)
    a1, a2 = torch.zeros(5), torch.zeros(5)
    _eq(t(x, a1), f(x, a2))
    _eq(a1, a2)
    _eq(a1, x * 2)


def test_out_casts_to_the_out_dtype_and_writes_through_views():
    def f(x):
        base = torch.zeros(2, x.shape[0], dtype=torch.float64)
        torch.exp(x, out=base[1])
        return base

    t = _trace(f, (_data(3),))
    x = _data(6, seed=2)
    got, want = t(x), f(x)
    assert got.dtype == torch.float64
    _eq(got, want)


def _model():
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 4)
            self.head = torch.nn.Sequential(torch.nn.Linear(4, 2))

        def forward(self, x):
            return self.head(self.fc(x).relu())
    return M()


def test_replacing_a_submodule_needs_a_compiled_module():
    torch.manual_seed(0)
    t = _trace(_model(), (_data(2, 3),))
    with pytest.raises(RuntimeError, match="Cannot re-assign modules in a ScriptModule with "
                                           "non-scripted module.*'fc'"):
        t.fc = torch.nn.Linear(3, 4)


def test_replaced_submodule_parameters_are_used_nested_too():
    torch.manual_seed(0)
    m = _model()
    x = _data(5, 3, seed=4)
    t = _trace(m, (_data(2, 3),))
    _eq(t(x), m(x))  # fills the parameter-owner cache
    new_fc = torch.nn.Linear(3, 4)
    t.fc = _trace(new_fc, (_data(2, 3),))
    new_head = torch.nn.Linear(4, 2)
    setattr(t.head, "0", _trace(new_head, (_data(2, 4),)))  # nested (no item assignment)
    _eq(t(x), new_head(new_fc(x).relu()))
    assert [n for n, _ in t.named_parameters()] == [n for n, _ in m.named_parameters()]


def test_replacing_the_original_submodule_keeps_the_traced_one():
    # as in PyTorch: the trace owns the structure it recorded
    torch.manual_seed(0)
    m = _model()
    x = _data(2, 3)
    t = _trace(m, (x,))
    before = t(x).detach().clone()
    m.fc = torch.nn.Linear(3, 4)
    _eq(t(x), before)
