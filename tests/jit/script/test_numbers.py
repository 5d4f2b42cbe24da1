"""Python numbers under data-dependent control flow come back as Python numbers (as in
TorchScript), and ``torch.jit.is_scripting()`` is True on every scripted path."""
from __future__ import annotations

import graphtorch as torch
import graphtorch.nn as nn
from graphtorch.jit.script import script

from .helpers import kinds, same

POS = torch.tensor([1.0, -1.0, 2.0])
NEG = torch.tensor([-1.0, -2.0])


def flag_int(x):
    n = 0
    if x.sum() > 0:
        n = 1
    return x * n, n


def counted(x):
    n = 0
    for i in range(x.size(0)):
        if x[i] > 0:
            n += 1
    return n


def last_positive(x):
    idx = -1
    for i in range(x.size(0)):
        if x[i] > 0:
            idx = i
    return idx


def floats(x):
    s = 0.5
    if x.sum() > 0:
        s = 1.5
    return s, s * 2, s > 1, not (x.sum() > 0)


def found(x):
    hit = False
    if x.max() > 1.5:
        hit = True
    return hit


def tensor_sum(x):
    n = 0
    for i in range(x.size(0)):
        n = n + x[i]  # a tensor joins in: the result is a tensor, as in eager
    return n


def test_numbers_stay_python_numbers():
    for fn in (flag_int, counted, last_positive, floats, found, tensor_sum):
        sf = script(fn)
        for x in (POS, NEG, torch.tensor([3.0, 4.0, -1.0, 2.0])):
            same(fn(x), sf(x))
        assert "If" in kinds(sf.graph) or "Loop" in kinds(sf.graph), fn.__name__
    assert type(script(counted)(POS)) is int
    assert type(script(floats)(POS)[0]) is float
    assert type(script(found)(POS)) is bool
    assert isinstance(script(tensor_sum)(POS), torch.Tensor)


def test_number_output_survives_save_and_load(tmp_path):
    sf = script(counted)
    sf(POS)
    p = tmp_path / "counted.pt"
    torch.jit.save(sf, str(p))
    loaded = torch.jit.load(str(p))
    out = loaded(torch.tensor([1.0, 2.0, 3.0, -4.0, 5.0]))
    assert type(out) is int and out == 4


# ------------------------------------------------------------------ is_scripting
def _plain_helper():
    return torch.jit.is_scripting()


_helper = eval("lambda: torch.jit.is_scripting()", {"torch": torch})  # no source: plain Python


def scripting_paths(x):
    a = torch.jit.is_scripting()
    b = _plain_helper()
    c = _helper()
    acc = x * 0
    for i in range(x.size(0)):  # a staged loop: recorded, then replayed eagerly
        if torch.jit.is_scripting():
            acc = acc + x[i]
    if x.sum() > 0:  # a staged branch
        d = torch.jit.is_scripting()
    else:
        d = torch.jit.is_scripting()
    return a, b, c, d, acc


@torch.jit.ignore
def _ignored(x):
    return x + (1.0 if torch.jit.is_scripting() else 2.0)


def calls_ignored(x):
    return _ignored(x)


def test_is_scripting_true_on_every_scripted_path():
    assert torch.jit.is_scripting() is False
    sf = script(scripting_paths)
    for x in (torch.ones(3, 2), -torch.ones(4, 2)):
        a, b, c, d, acc = sf(x)
        assert (a, b, c, d) == (True, True, True, True)
        same(x * 0 + x.sum(0), acc)
    assert torch.jit.is_scripting() is False
    assert _plain_helper() is False
    # an ignored function runs as Python, where is_scripting() is False (as in torch)
    sf = script(calls_ignored)
    same(torch.ones(2) + 2.0, sf(torch.ones(2)))
    same(torch.ones(2) + 2.0, sf(torch.ones(2)))


class Gate(nn.Module):
    def forward(self, x):
        if torch.jit.is_scripting():
            return x * 2
        return x * 3


def test_is_scripting_in_traced_and_scripted_modules():
    m = Gate()
    x = torch.ones(2)
    same(x * 3, m(x))
    same(x * 2, script(m)(x))

    def outer(y):
        return script(m)(y) + 1
    traced = torch.jit.trace(outer, (x,))
    same(x * 2 + 1, traced(x))  # a scripted module inside a trace is still scripted
