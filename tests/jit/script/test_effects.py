"""Side effects in scripted code: ``print`` is a Print node printed on every call (f-strings
of traced values too), ``@torch.jit.ignore`` is a PythonCall node run on every call (never
removed or merged by passes, not saveable), ``@torch.jit.unused`` raises when reached."""
from __future__ import annotations

import io

import pytest

import graphtorch as torch
import graphtorch.nn as nn
from graphtorch.ir.parser import parse
from graphtorch.ir.passes import cse, dce
from graphtorch.ir.printer import print_graph
from graphtorch.ir.verifier import verify
from graphtorch.jit.script import script

from .helpers import kinds, same


def printer(x):
    print("start", x.shape)
    s = x.sum()
    print(f"sum={s:.1f} n={x.size(0)} {{braces}}", s, sep="|")
    for i in range(x.size(0)):
        if x[i] > 0:
            print("pos", i, end=";")
    print()
    return x + 1


def test_print_runs_on_every_call(capsys):
    sf = script(printer)
    for x in (torch.tensor([1.0, -2.0, 3.0]), torch.tensor([-1.0, 2.0]),
              torch.tensor([5.0, 6.0, -1.0, 1.0])):
        printer(x)
        want = capsys.readouterr().out
        same(printer(x), sf(x))
        capsys.readouterr()
        sf(x)
        assert capsys.readouterr().out == want
    assert len(sf._variants.items) == 1
    assert kinds(sf.graph).count("Print") == 4


def guarded_print(x):
    print("once")
    if x.sum().tolist() > 2:  # a guard: a call with another sum records a second graph
        return x + 1
    return x


def test_a_failed_guard_does_not_print_twice(capsys):
    sf = script(guarded_print)
    for x in (torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]), torch.tensor([1.0, 0.0])):
        sf(x)
        assert capsys.readouterr().out == "once\n"
    assert len(sf._variants.items) == 2


def test_print_graph_saves_loads_and_round_trips(tmp_path, capsys):
    sf = script(printer)
    x = torch.tensor([1.0, -2.0, 3.0])
    sf(x)
    text = print_graph(sf.graph)
    assert print_graph(parse(text)) == text
    verify(sf.graph)
    p = tmp_path / "printer.pt"
    torch.jit.save(sf, str(p))
    loaded = torch.jit.load(str(p))
    y = torch.tensor([2.0, -1.0])
    capsys.readouterr()
    ref = printer(y)
    want = capsys.readouterr().out
    same(ref, loaded(y))
    assert capsys.readouterr().out == want


CALLS = []


@torch.jit.ignore
def record_call(x):
    CALLS.append(float(x.sum()))
    return x * 2


def calls_twice(x):
    record_call(x)  # result unused: still called
    a = record_call(x)
    b = record_call(x)  # same arguments: not merged
    return a + b


def test_python_call_is_impure_and_runs_each_call():
    sf = script(calls_twice)
    sf(torch.ones(2))
    g = sf.graph
    dce.run(g)
    cse.run(g)
    assert kinds(g).count("PythonCall") == 3
    text = print_graph(g)
    assert print_graph(parse(text)) == text
    verify(g)
    CALLS.clear()
    same(torch.ones(3) * 4, sf(torch.ones(3)))
    assert CALLS == [3.0, 3.0, 3.0]


class UsesIgnored(nn.Module):
    @torch.jit.ignore
    def py(self, x):
        return x + 1

    def forward(self, x):
        return self.py(x) * 2


def test_saving_a_python_call_raises_naming_the_function():
    sf = script(calls_twice)
    sf(torch.ones(2))
    for obj in (sf, script(UsesIgnored())):
        if not isinstance(obj, type(sf)):
            obj(torch.ones(2))
        with pytest.raises(RuntimeError, match="Could not export Python function call"):
            torch.jit.save(obj, io.BytesIO())
    traced = torch.jit.trace(lambda x: sf(x) + 1, (torch.ones(2),))  # script + trace
    assert "PythonCall" in kinds(traced.graph)
    with pytest.raises(RuntimeError, match="record_call"):
        torch.jit.save(traced, io.BytesIO())


class Rare(nn.Module):
    @torch.jit.unused
    def slow(self, x):
        return x

    def forward(self, x):
        if x.sum() > 100:
            return self.slow(x)
        return x + 1


def test_unused_raises_only_when_reached():
    sm = script(Rare())
    same(torch.ones(2) + 1, sm(torch.ones(2)))
    with pytest.raises(RuntimeError, match="unused"):
        sm(torch.full((2,), 100.0))
    same(torch.ones(2) + 1, sm(torch.ones(2)))
