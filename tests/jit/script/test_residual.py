"""Differences from eager that the fuzzers found: a name assigned in one branch of a
data-dependent ``if`` and read afterwards, a bare ``return`` merged with a value, and
``and``/``or`` whose first operand is a tensor of several elements."""
from __future__ import annotations

import pytest

import graphtorch as torch
from graphtorch.jit.script import script

from .helpers import same

POS, NEG = torch.tensor([1.0, -2.0, 3.0]), torch.tensor([-1.0])


def one_branch_read_later(x):
    if x.sum() > 0.5:
        f2 = lambda *a: len(a)  # noqa: E731 - the point: a non-tensor in one branch
        t = x * 2
    if x.sum() > 0.5:
        x = x + f2(1, 2) + t
    return x


def one_branch_unused(x):
    if x.sum() > 0.5:
        tmp = x * 2
        x = tmp + 1
    return x


def one_branch_read_unassigned(x):
    if x.sum() > 0.5:
        t = x * 2
    return t


@pytest.mark.parametrize("order", [(POS, NEG), (NEG, POS)])
def test_name_assigned_in_one_branch(order):
    sf = script(one_branch_read_later)
    for x in order:
        same(one_branch_read_later(x), sf(x))
    sf = script(one_branch_unused)
    for x in order:
        same(one_branch_unused(x), sf(x))
    assert "If" in [n.kind for n in sf.graph.walk()]  # not read later: still an If
    sf = script(one_branch_read_unassigned)
    for x in order:
        if x is NEG:
            with pytest.raises(UnboundLocalError):
                one_branch_read_unassigned(x)
            with pytest.raises(UnboundLocalError):
                sf(x)
        else:
            same(one_branch_read_unassigned(x), sf(x))


def bare_return(x):
    n = 1
    if 0.5 < x.sum() < 5:
        return
    return n


def return_none_or_tensor(x):
    for i in range(x.size(0)):
        if x[i] > 2:
            return None
    return x * 2


@pytest.mark.parametrize("fn", [bare_return, return_none_or_tensor])
def test_returned_none_stays_none(fn):
    for order in ((POS, NEG), (NEG, POS)):
        sf = script(fn)
        for x in order + (torch.tensor([9.0]),):
            same(fn(x), sf(x))


def ambiguous_and(x, n: int):
    if x[0] > 0.5 and n < 2:
        return x
    return -x


def test_and_tests_its_first_operand_like_python():
    x = torch.tensor([[0.5, 2.0], [1.0, -3.0]])
    with pytest.raises(RuntimeError, match="ambiguous"):
        ambiguous_and(x, 3)
    with pytest.raises(RuntimeError, match="ambiguous"):
        script(ambiguous_and)(x, 3)
    same(ambiguous_and(POS, 3), script(ambiguous_and)(POS, 3))


# ------------------------------------------------------------------ while: Python bool first
def python_first_test(x):
    n = 0
    while n < 3 or x.sum() > 0:  # the first three tests are Python bools
        x = x - 1
        n += 1
    return x, n


def break_after_python_test(x):
    while True:
        x = x * 0.5
        if x.abs().max() < 1:
            break
    return x


def python_only(x):
    n = 0
    while n < 3:
        x = x * 2
        n += 1
    return x


def _loops(sf):
    return [n for n in sf.graph.walk() if n.kind == "Loop"]


@pytest.mark.parametrize("fn,inputs", [
    (python_first_test, [torch.tensor([5.0]), torch.tensor([-5.0]), torch.tensor([1.5, 0.5])]),
    (break_after_python_test, [torch.tensor([40.0, 3.0]), torch.tensor([0.1]),
                               torch.tensor([3.0])])])
def test_while_with_python_first_test_is_one_loop(fn, inputs):
    sf = script(fn)
    for x in inputs:
        same(fn(x.clone()), sf(x.clone()))
    assert len(_loops(sf)) == 1
    # nothing ran in Python before the Loop: no unrolled iteration, no data guard
    assert [n.kind for n in sf.graph.block.nodes].index("Loop") <= 3, sf.graph
    assert not [n for n in sf.graph.walk() if n.kind == "Guard" and n.inputs]


def test_python_only_while_still_unrolls():
    sf = script(python_only)
    same(python_only(torch.ones(2)), sf(torch.ones(2)))
    assert not _loops(sf)


CALLS = []


@torch.jit.ignore
def _log(x):
    CALLS.append(float(x.sum()))
    return x


def ignored_in_python_first_loop(x):
    n = 0
    while n < 2 or x.sum() > 0:
        x = _log(x) - 1
        n += 1
    if x.sum() > -5:
        t = x * 2
    if x.sum() > -5:
        x = t + _log(x)
    return x


def test_recording_again_calls_ignored_functions_as_often_as_eager():
    for x in (torch.tensor([2.0]), torch.tensor([-9.0])):
        CALLS.clear()
        want = ignored_in_python_first_loop(x.clone())
        eager_calls = list(CALLS)
        CALLS.clear()
        got = script(ignored_in_python_first_loop)(x.clone())
        same(want, got)
        assert CALLS == eager_calls


@pytest.mark.parametrize("backend", ["interpreter", "llvm"])
def test_python_first_test_under_torch_compile(backend):
    """Recorded inline into torch.compile's capture (which cannot start again) the loop
    keeps its Python-run first iterations: still eager's results at every input."""
    c = torch.compile(script(python_first_test), backend=backend)
    for x in (torch.tensor([5.0]), torch.tensor([-5.0]), torch.tensor([40.0])):
        same(python_first_test(x.clone()), c(x.clone()))
