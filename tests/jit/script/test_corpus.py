"""A corpus of real control flow: an RNN time loop, early exit, greedy decoding with a
data-dependent stop, a tree of calls, a model with Optional inputs; scripted modules
(methods, submodules, export, super(), inherited methods, ignore/unused, is_scripting)."""
from __future__ import annotations

from typing import Optional

import numpy as np
import pytest

import graphtorch as torch
import graphtorch.nn as nn
from graphtorch.jit.script import script

from .helpers import kinds, same


class Cell(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.ih = nn.Linear(n, n)
        self.hh = nn.Linear(n, n)

    def forward(self, x, h):
        return torch.tanh(self.ih(x) + self.hh(h))


class TimeLoop(nn.Module):
    """The seed RNN: a Python time loop over the first dimension."""

    def __init__(self):
        super().__init__()
        self.cell = Cell()
        self.head = nn.Linear(4, 2)

    def forward(self, xs, h: Optional[torch.Tensor] = None):
        if h is None:
            h = torch.zeros(xs.size(1), 4)
        for t in range(xs.size(0)):
            h = self.cell(xs[t], h)
        return self.head(h)


def test_rnn_time_loop_is_one_loop_at_every_length():
    torch.manual_seed(0)
    m = TimeLoop()
    sm = script(m)
    for T in (3, 7, 1, 12):
        xs = torch.randn(T, 2, 4)
        same(m(xs), sm(xs))
        h = torch.randn(2, 4)
        same(m(xs, h), sm(xs, h))
    g = sm.graph
    assert kinds(g).count("Loop") == 1
    loop = next(n for n in g.walk() if n.kind == "Loop")
    assert any(n.scope == "cell" for n in loop.blocks[0].nodes)


def early_exit(x, thresh: float):
    total = torch.zeros(())
    for i in range(x.size(0)):
        total = total + x[i].sum()
        if total > thresh:
            return total, i
    return total, -1


def test_early_exit_returns_from_inside_the_loop():
    sf = script(early_exit)
    x = torch.tensor([[1.0, 1.0], [2.0, 2.0], [5.0, 5.0], [1.0, 0.0]])
    for th in (3.0, 100.0, -1.0):
        a, b = early_exit(x, th), sf(x, th)
        same(a[0], b[0])
        assert int(b[1]) == a[1]
    same(early_exit(x[:2], 3.0)[0], sf(x[:2], 3.0)[0])


class Decoder(nn.Module):
    """Greedy decoding: embed the last token, step, stop at EOS or max_len."""

    def __init__(self, vocab=6, dim=8, eos=0):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.cell = nn.GRUCell(dim, dim)
        self.out = nn.Linear(dim, vocab)
        self.eos = eos

    def forward(self, h, max_len: int = 10):
        tok = torch.full((1,), 1, dtype=torch.long)
        tokens = torch.zeros(max_len, dtype=torch.long)
        n = 0
        while n < max_len:
            h = self.cell(self.emb(tok), h)
            tok = self.out(h).argmax(-1)
            tokens[n] = tok[0]
            n += 1
            if tok[0] == self.eos:
                break
        return tokens[:n], h


def test_greedy_decoding_with_data_dependent_stop():
    torch.manual_seed(3)
    m = Decoder()
    sm = script(m)
    for seed in range(6):
        torch.manual_seed(seed)
        h = torch.randn(1, 8) * 3
        same(m(h), sm(h))
    assert "Loop" in kinds(sm.graph)  # the steps after the first data-dependent stop


def leaf(x):
    return torch.sigmoid(x) if x.mean() > 0 else torch.tanh(x)


def branch(x, depth: int):
    if depth == 0:
        return leaf(x)
    return branch(x * 0.5, depth - 1) + branch(x - 0.25, depth - 1)


def tree(x):
    return branch(x, 3) + leaf(-x)


def test_tree_of_calls_is_scripted_recursively():
    sf = script(tree)
    for x in (torch.randn(5), torch.ones(5), -torch.ones(3)):
        same(tree(x), sf(x))
    assert kinds(sf.graph).count("If") == 9  # one per leaf call: control flow kept


class WithOptional(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x, mask: Optional[torch.Tensor] = None, bias: Optional[float] = None):
        y = self.lin(x)
        if mask is not None:
            y = y.masked_fill(mask, 0.0)
        if bias is not None:
            y = y + bias
        return y


def test_optional_inputs():
    m = WithOptional()
    sm = script(m)
    x = torch.randn(2, 3)
    mask = torch.tensor([[True, False, False], [False, False, True]])
    for args in ((x,), (x, mask), (x, None, 2.0), (x, mask, 1.5)):
        same(m(*args), sm(*args))


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, x):
        return self.lin(x)

    def shift(self, x):
        return x + 1


class Child(Base):
    def forward(self, x):
        y = super().forward(x)
        if y.sum() > 0:
            y = self.shift(y)
        return self.__private(y)

    def __private(self, y):
        return y * 2

    @torch.jit.export
    def extra(self, x, k: int = 2):
        return self.lin(x) * k

    @torch.jit.unused
    def never(self, x):
        return x

    def calls_never(self, x):
        return self.never(x)


def test_modules_super_inherited_private_export():
    torch.manual_seed(1)
    m = Child()
    sm = script(m)
    for x in (torch.randn(2, 3), torch.ones(2, 3), -torch.ones(2, 3) * 5):
        same(m(x), sm(x))
        same(m.extra(x), sm.extra(x))
        same(m.extra(x, k=3), sm.extra(x, 3))
    assert "If" in kinds(sm.graph)
    with pytest.raises(RuntimeError, match="unused"):
        sm.calls_never(torch.ones(2, 3))


@torch.jit.ignore
def python_side(x):
    return torch.from_numpy(np.sort(x.numpy()))  # numpy: not traceable


def uses_ignored(x):
    return python_side(x) * 2 + (1.0 if torch.jit.is_scripting() else 0.0)


def test_ignore_calls_back_into_python_and_is_scripting():
    sf = script(uses_ignored)
    for x in (torch.tensor([3.0, 1.0, 2.0]), torch.tensor([9.0, -1.0])):
        got = sf(x)
        np.testing.assert_allclose(got.numpy(), np.sort(x.numpy()) * 2 + 1)
    assert "PythonCall" in kinds(sf.graph)
    assert float(uses_ignored(torch.ones(1))[0]) == 2.0  # eager: not scripting


def test_parameters_are_shared_and_training_modes_recompile():
    m = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    sm = script(m)
    x = torch.randn(2, 3)
    sm.eval()
    m.eval()
    same(m(x), sm(x))
    with torch.no_grad():
        m[0].weight.mul_(2)
    same(m(x), sm(x))


def test_example_inputs_compile_up_front():
    sf = script(leaf, example_inputs=[(torch.ones(3),)])
    assert "If" in kinds(sf.graph)
    sm = script(TimeLoop(), example_inputs=[(torch.randn(3, 2, 4),)])
    assert "Loop" in kinds(sm.graph)
