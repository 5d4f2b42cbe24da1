"""Loops that append to a list: one Loop with a scan output (n_scan), not an unrolled body,
so a graph recorded at one length runs at any other."""
from __future__ import annotations

import pytest

import graphtorch as torch
from graphtorch.ir.errors import GuardError
from graphtorch.jit.script import script

from .helpers import kinds, same


def _loop(graph):
    loops = [n for n in graph.walk() if n.kind == "Loop"]
    assert len(loops) == 1, graph
    return loops[0]


def rnn(x, w):
    outs = []
    h = torch.zeros(x.size(1))
    for t in range(x.size(0)):
        h = torch.tanh(x[t] + h @ w)
        outs.append(h)
    return torch.stack(outs)


def test_append_loop_is_one_scan_loop_at_every_length():
    torch.manual_seed(0)
    w = torch.randn(3, 3)
    sf = script(rnn)
    for n in (5, 9, 1):
        x = torch.randn(n, 3)
        same(rnn(x, w), sf(x, w))
    # zero steps: eager's torch.stack([]) raises, and so does the graph (an assertion Guard)
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        rnn(torch.randn(0, 3), w)
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList") as e:
        sf(torch.randn(0, 3), w)
    assert not isinstance(e.value, GuardError)
    assert len(sf._variants.items) == 1  # recorded at length 5, ran at 9, 1 and 0
    loop = _loop(sf.graph)
    assert loop.attrs["n_scan"] == 1
    assert "stack" not in kinds(sf.graph)


def stack_dims(x):
    outs = [x[0] * 0]
    for t in range(x.size(0)):
        outs.append(x[t] * 2)
    return torch.stack(outs, 1), torch.cat(outs, 0), torch.cat(outs, dim=-1)


def test_prefix_stack_dim_and_cat():
    sf = script(stack_dims)
    for n in (4, 7):
        x = torch.randn(n, 2, 3)
        same(stack_dims(x), sf(x))
    assert len(sf._variants.items) == 1
    assert _loop(sf.graph).attrs["n_scan"] == 1


def list_used(x):
    outs = []
    for t in range(x.size(0)):
        outs.append(x[t].sum())
    return len(outs), outs[-1], outs


def test_list_used_after_the_loop_is_correct():
    sf = script(list_used)
    for n in (3, 5, 3):
        x = torch.randn(n, 2)
        same(list_used(x), sf(x))


def read_inside(x):
    outs = [x[0]]
    for t in range(x.size(0)):
        outs.append(outs[-1] + x[t])
    return torch.stack(outs)


def test_list_read_in_the_body_still_correct():
    sf = script(read_inside)
    for n in (3, 6):
        x = torch.randn(n, 2)
        same(read_inside(x), sf(x))


def until(x, limit: float):
    outs = []
    i = 0
    s = x[0] * 0
    while bool(s.sum() < limit) and i < x.size(0):
        s = s + x[i]
        outs.append(s)
        i += 1
    return torch.stack(outs)


def test_while_loop_with_data_dependent_stop():
    sf = script(until)
    x = torch.ones(10, 2)
    for lim in (3.0, 7.0, 100.0):
        same(until(x, lim), sf(x, lim))
    assert _loop(sf.graph).attrs["n_scan"] == 1


def nested(x):
    rows = []
    for i in range(x.size(0)):
        row = []
        for j in range(x.size(1)):
            row.append(x[i, j] * (j + 1))
        rows.append(torch.stack(row))
    return torch.stack(rows)


def test_nested_append_loops():
    sf = script(nested)
    for shape in ((2, 3), (4, 5)):
        x = torch.randn(*shape)
        same(nested(x), sf(x))
    assert len(sf._variants.items) == 1
    loops = [n for n in sf.graph.walk() if n.kind == "Loop"]
    assert len(loops) == 2 and all(n.attrs["n_scan"] == 1 for n in loops)


def two_lists(x):
    hs, cs = [], []
    h = x[0] * 0
    for row in x:
        h = h + row
        hs.append(h)
        cs.append(h * 2)
    return torch.stack(hs) + torch.stack(cs)


def test_two_scan_outputs_over_tensor_rows():
    sf = script(two_lists)
    for n in (70, 90):  # iterating a tensor: a Loop once it is long (or symbolic)
        x = torch.randn(n, 2)
        same(two_lists(x), sf(x))
    assert _loop(sf.graph).attrs["n_scan"] == 2


def test_scan_graph_runs_in_compiled_interpreter_after_save(tmp_path):
    w = torch.randn(3, 3)
    sf = script(rnn)
    sf(torch.randn(4, 3), w)
    p = tmp_path / "rnn.pt"
    torch.jit.save(sf, str(p))
    loaded = torch.jit.load(str(p))
    x = torch.randn(11, 3)
    same(rnn(x, w), loaded(x, w))


def append_after(x):
    outs = []
    for t in range(x.size(0)):
        outs.append(x[t] * 2)
    if x.sum() > 0:  # the list changes after the loop, under a data-dependent if
        outs.append(x[0])
    return torch.stack(outs)


def read_rows_later(x):
    outs = []
    for t in range(x.size(0)):
        outs.append(x[t] * 2)
    acc = x[0] * 0
    for t in range(x.size(0)):
        acc = acc + outs[t]
    return acc, outs[-1], torch.stack(outs)


def test_list_changed_or_read_after_the_loop():
    for fn in (append_after, read_rows_later):
        sf = script(fn)
        for x in (torch.ones(3, 2), -torch.ones(4, 2), torch.ones(5, 2)):
            same(fn(x), sf(x))


def _stack_while(x):
    out = []
    while x.sum() > 0:
        out.append(x)
        x = x - 1
    return torch.stack(out)


def _cat_rows(x):
    out = []
    for i in range(x.size(0)):
        out.append(x[i].unsqueeze(0) * 2)
    return torch.cat(out)


def _stack_prefix(x):
    out = [x.sum()]
    for i in range(x.size(0)):
        out.append(x[i])
    return torch.stack(out)


@pytest.mark.parametrize("fn,exc,msg", [
    (_stack_while, RuntimeError, "stack expects a non-empty TensorList"),
    (_cat_rows, ValueError, r"torch.cat\(\): expected a non-empty list of Tensors")])
@pytest.mark.parametrize("backend", [None, "interpreter", "llvm"])
def test_zero_trip_scan_raises_eagers_error(fn, exc, msg, backend):
    """A scan loop that runs zero times raises eager's error (not GuardError: no capture
    again), whether it ran zero times at the first call or only later."""
    empty, full = (torch.tensor([-2.0]), torch.tensor([2.0])) if fn is _stack_while else \
        (torch.zeros(0), torch.tensor([2.0, 1.0]))
    with pytest.raises(exc, match=msg):
        fn(empty)
    for order in ((full, empty), (empty, full)):
        sf = script(fn)
        if backend is not None:
            sf = torch.compile(sf, backend=backend)
        for x in order:
            if x is empty:
                with pytest.raises(exc, match=msg) as e:
                    sf(x)
                assert not isinstance(e.value, GuardError)
            else:
                same(fn(x), sf(x))


def test_zero_trip_scan_with_prefix_is_not_an_error():
    sf = script(_stack_prefix)
    for x in (torch.tensor([2.0, 1.0]), torch.zeros(0)):
        same(_stack_prefix(x), sf(x))
    assert "Guard" not in kinds(sf.graph)
