"""``return`` inside data-dependent loops stays one Loop (a carried "returned" flag and return
values), scripted Python numbers stay numbers under trace / torch.compile, and
``@torch.jit.ignore`` functions run once per eager call, compilation included."""
from __future__ import annotations

import graphtorch as torch
from graphtorch.jit.script import script

from .helpers import kinds, same
from .test_corpus import early_exit


def _rows(n):
    return torch.arange(float(2 * n)).reshape(n, 2) % 5


def test_return_in_a_loop_is_one_loop_whatever_the_length():
    sf = script(early_exit)
    counts = set()
    for n in (3, 6, 12):
        x = _rows(n)
        for th in (0.5, 9.0, 1e9):  # exits at once, later, never
            a, b = early_exit(x, th), sf(x, th)
            same(a, b)
            assert type(b[1]) is int
            ks = kinds(sf.graph)
            assert ks.count("Loop") == 1 and "Guard" not in ks, sf.graph
            counts.add(len(ks))
    assert len(counts) == 1  # the graph does not grow with the trip count


def first_negative(x):
    n = 0
    while n < x.size(0):
        if x[n] < 0:
            return n, x[n] * 2
        n += 1
    return -1, x.sum()


def find_row(x, th: float):
    idx = -1
    best = torch.zeros(x.shape[1:])
    for i in range(x.size(0)):
        if x[i].sum() > th:
            idx = i
            best = x[i]
            break
    return idx, best


def test_while_return_and_break_value_used_after_the_loop():
    for fn in (first_negative, find_row):
        sf = script(fn)
        for v in ([1.0, 2.0, -1.0, 3.0], [1.0, 2.0], [-4.0], [5.0, 6.0, 7.0, 8.0, -9.0]):
            x = torch.tensor(v) if fn is first_negative else torch.tensor(v).reshape(-1, 1)
            args = (x,) if fn is first_negative else (x, 4.5)
            same(fn(*args), sf(*args))
        # (the while loop's first test is a Python one on sizes: a size guard, no data one)
        ks = kinds(sf.graph)
        assert ks.count("Loop") == 1, sf.graph
        assert all(n.attrs.get("kind") is None for n in sf.graph.walk() if n.kind == "Guard")


def ret_pair_in_nested_ifs(x):
    for i in range(x.size(0)):
        if x[i] > 0:
            if x[i] > 5:
                return x[i], i, True
            return x[i] * 0, i, False
    return x.sum(), -1, False


def test_return_tuple_of_numbers_from_nested_branches_in_a_loop():
    sf = script(ret_pair_in_nested_ifs)
    for v in ([-1.0, 7.0, 2.0], [-1.0, -2.0, 3.0], [-3.0, -1.0], [9.0]):
        x = torch.tensor(v)
        same(ret_pair_in_nested_ifs(x), sf(x))
    assert kinds(sf.graph).count("Loop") == 1


def test_compiled_early_exit_is_native_and_returns_a_python_int():
    c = torch.compile(script(early_exit), fullgraph=True, backend="llvm")
    with torch.no_grad():
        for n in (2, 7):
            x = _rows(n)
            got = c(x, 3.0)
            same(early_exit(x, 3.0), got)
            assert type(got[1]) is int
    comp = next(iter(c._gt_cache.entries.values()))._comp
    assert "Loop" in kinds(comp.trace.graph)
    assert comp.interp.native is not None and not comp.interp.native.host_ops


def test_scripted_number_result_inside_trace_is_a_python_number():
    sf = script(early_exit)

    def outer(x):
        total, i = sf(x, 3.0)
        return total * 2, i

    t = torch.jit.trace(outer, (_rows(4),))
    for n in (1, 4, 9):
        x = _rows(n) * (-1 if n == 9 else 1)
        got = t(x)
        same(outer(x), got)
        assert type(got[1]) is int


CALLS = []


@torch.jit.ignore
def note(x):
    CALLS.append(float(x.sum()))
    return x * 2


def straight(x):
    note(x)
    return note(x) + note(x)


def branchy(x):
    if x.sum() > 0:
        x = note(x)
    else:
        x = x - 1
    return x


def loopy(x):
    acc = torch.zeros(x.shape[1:])
    for i in range(x.size(0)):
        acc = acc + note(x[i])
        if acc.sum() > 100:
            acc = note(acc)
    return acc


def test_ignored_function_runs_once_per_eager_call_compiling_included():
    cases = ((straight, [torch.ones(2), torch.ones(3), torch.ones(3)]),
             (branchy, [torch.ones(2), -torch.ones(2), torch.ones(3)]),
             (loopy, [torch.ones(4, 2), torch.ones(3, 2) * 30, torch.ones(5, 2) * 30]))
    for fn, inputs in cases:
        sf = script(fn)
        for x in inputs:
            CALLS.clear()
            want = fn(x)
            eager = list(CALLS)
            CALLS.clear()
            same(want, sf(x))
            assert CALLS == eager, (fn.__name__, eager, CALLS)
