"""Slicing with a loop-carried Python int (``x[:n]``) keeps the loop one Loop: the slice
bounds are run-time int Values and the slice's size a data-dependent symbol."""
from __future__ import annotations

import pytest

import graphtorch as torch
from graphtorch.ir import parse
from graphtorch.ir.interpreter import Interpreter
from graphtorch.jit.script import script

from .helpers import kinds, same


def prefix_until(x):
    n = 1
    while x[:n].sum() < 10:
        n = n + 1
    return x[:n]


def window(x, k: int):
    s = 0
    out = x.sum() * 0
    while s < x.size(0) and out < 100:
        out = out + x[s:s + k].sum()
        s = s + k
    return out, s


def rows(x):
    n = 0
    while x[:, :n].sum() < 4:
        n += 1
    return x[:, n:]


@pytest.mark.parametrize("fn,argsets", [
    (prefix_until, [(torch.arange(10.0),), (torch.arange(20.0) * 0.5,), (torch.ones(30),)]),
    (window, [(torch.arange(10.0), 2), (torch.arange(50.0), 2), (torch.ones(7), 2)]),
    (rows, [(torch.ones(2, 6),), (torch.ones(2, 9) * 0.25,)]),
])
def test_sliced_loop_is_one_loop_at_every_input(fn, argsets):
    sf = script(fn)
    for args in argsets:
        same(fn(*args), sf(*args))
    assert len(sf._variants.items) == 1, "recompiled: the slice end was baked in"
    assert kinds(sf.graph).count("Loop") == 1, sf.graph
    assert not [n for n in sf.graph.walk() if n.kind == "Guard" and n.inputs], sf.graph
    assert any(n.kind == "slice" and any(True for _ in n.operands()) for n in sf.graph.walk())


def test_sliced_loop_round_trips_and_compiles():
    sf = script(prefix_until)
    x = torch.arange(10.0)
    sf(x)
    g = parse(str(sf.graph))
    y = torch.arange(40.0) * 0.25
    same(prefix_until(y), Interpreter(g).run([y])[0])
    for backend in ("interpreter", "llvm"):
        c = torch.compile(script(prefix_until), backend=backend)
        for a in (x, y, torch.ones(25)):
            same(prefix_until(a), c(a))
