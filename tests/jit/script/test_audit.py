"""Issue #8 items without a home elsewhere: Union annotations, refinement on ``self``
attributes, and ``torch.compile`` of scripted code keeping its Loop native (llvm)."""
from __future__ import annotations

from typing import List, Optional, Union

import pytest

import graphtorch as torch
import graphtorch.nn as nn
from graphtorch.jit.script import script

from .helpers import kinds, same


def union_arg(x, k: Union[int, torch.Tensor]):
    if isinstance(k, int):
        return x * k
    return x + k


def test_union_annotations_are_checked_and_refined():
    sf = script(union_arg)
    x = torch.ones(2)
    same(union_arg(x, 3), sf(x, 3))
    same(union_arg(x, torch.full((2,), 4.0)), sf(x, torch.full((2,), 4.0)))
    with pytest.raises(RuntimeError, match="Union"):
        sf(x, "no")


class Block(nn.Module):
    def __init__(self, proj: bool, act):
        super().__init__()
        self.proj: Optional[nn.Linear] = nn.Linear(3, 3) if proj else None
        self.act = act
        self.scale: Optional[float] = 2.0 if proj else None

    def forward(self, x):
        if self.proj is not None:
            x = self.proj(x)
        if isinstance(self.act, nn.ReLU):
            x = self.act(x) + 1
        elif self.act is not None:
            x = self.act(x)
        if self.scale is not None:
            x = x * self.scale
        return x


def test_refinement_on_self_attributes():
    torch.manual_seed(0)
    for m in (Block(True, nn.ReLU()), Block(False, nn.Tanh()), Block(False, None)):
        sm = script(m)
        for x in (torch.randn(2, 3), torch.randn(5, 3)):
            same(m(x), sm(x))
        assert "linear" in kinds(sm.graph) if m.proj is not None else True


def rnn(x, w):
    outs = []
    h = torch.zeros(x.size(1))
    for t in range(x.size(0)):
        h = torch.tanh(x[t] + h @ w)
        outs.append(h)
    return torch.stack(outs)


def test_compiled_scripted_loop_stays_native():
    pytest.importorskip("llvmlite")
    from graphtorch.compiler import compiled_graphs
    torch.manual_seed(0)
    w = torch.randn(4, 4) * 0.5
    c = torch.compile(script(rnn), backend="llvm")
    with torch.no_grad():
        for n in (5, 9):
            x = torch.randn(n, 4)
            same(rnn(x, w), c(x, w))
    natives = compiled_graphs(c)
    assert len(natives) == 1  # one capture serves both lengths
    g = natives[0].graph
    loops = [n for n in g.walk() if n.kind == "Loop"]
    assert len(loops) == 1 and loops[0].attrs.get("n_scan") == 1
    assert not natives[0].host_ops  # every op, the Loop included, is native code


class WithFinal(nn.Module):
    k: torch.jit.Final[int]

    def __init__(self):
        super().__init__()
        self.k = 3

    def forward(self, x):
        acc = torch.jit.annotate(List[torch.Tensor], [])
        for i in range(self.k):  # a Final attribute: a Python constant, unrolled
            acc.append(x * i)
        return torch.stack(acc).sum(0)


def test_final_attributes_and_annotate():
    m = WithFinal()
    sm = script(m)
    for x in (torch.ones(2), torch.randn(4)):
        same(m(x), sm(x))
    assert "Loop" not in kinds(sm.graph)
