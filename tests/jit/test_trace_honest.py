"""Honest capture gaps of issue #6: ``x.numpy()`` becomes a data guard, size arithmetic with
floor division keeps its symbols, data-dependent output sizes bind fresh symbols (boolean
masks, nonzero, masked_select, unique, index tensors), and SymInt prints like an int."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.ir import symbolic as S
from graphtorch.jit import TracerWarning


def _trace(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TracerWarning)
        return torch.jit.trace(fn, args)


def _same(a, b):
    assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
    assert a.dtype == b.dtype
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


# ------------------------------------------------------------------ numpy() is a data guard
def _uses_numpy(x):
    a = x.numpy()
    return x + float(a.sum())


def _uses_asarray(x):
    return x * float(np.asarray(x).max())


def _uses_dunder_array(x):
    return x - float(x.__array__().min())


@pytest.mark.parametrize("fn", [_uses_numpy, _uses_asarray, _uses_dunder_array])
def test_numpy_conversion_records_a_guard(fn):
    x = torch.tensor([1.0, 2.0, 3.0])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        tf = torch.jit.trace(fn, (x,), check_trace=False)
    msgs = [str(m.message) for m in w if issubclass(m.category, TracerWarning)]
    assert len(msgs) == 1 and "NumPy array" in msgs[0], msgs
    assert "Guard" in str(tf.graph) and "kind='numpy'" in str(tf.graph)
    _same(tf(x.clone()), fn(x.clone()))  # same data: the guard holds
    with pytest.raises(RuntimeError, match=r"test_trace_honest\.py:\d+.*numpy"):
        tf(torch.tensor([5.0, 0.0, -1.0]))


def test_numpy_guard_warns_once_per_line():
    def f(x):
        for _ in range(3):
            x = x + float(x.numpy()[0])
        return x

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        torch.jit.trace(f, (torch.ones(2),), check_trace=False)
    assert sum(issubclass(m.category, TracerWarning) for m in w) == 1


def test_numpy_guard_survives_text_round_trip():
    from graphtorch.ir import parser, printer
    from graphtorch.ir.interpreter import Interpreter
    tf = _trace(_uses_numpy, torch.tensor([1.0, 2.0]))
    g = next(iter(tf._compiled.values())).trace.graph if hasattr(tf, "_compiled") else \
        tf._comp.trace.graph
    g2 = parser.parse(printer.print_graph(g), constants=g.constants)
    assert printer.print_graph(g2) == printer.print_graph(g)
    np.testing.assert_allclose(Interpreter(g2).run([torch.tensor([1.0, 2.0])])[0].numpy(),
                               [4.0, 5.0])
    with pytest.raises(RuntimeError, match="numpy"):
        Interpreter(g2).run([torch.tensor([1.0, 3.0])])


# ------------------------------------------------------------------ size arithmetic
@pytest.mark.parametrize("fn, trace_shape, shapes", [
    (lambda x: x.reshape(2, x.size(0) // 2), (8,), [(12,), (2,), (20,)]),
    (lambda x: x.view(-1, x.size(1) * 2), (4, 6), [(6, 6), (8, 10)]),
    (lambda x: x.new_zeros(x.size(0) // 2) + 1, (8,), [(12,), (5,)]),
    (lambda x: torch.arange(x.size(0) // 3) * 2, (9,), [(12,), (7,)]),
    (lambda x: x.reshape(x.size(0) // 2, 2, -1).sum(1), (6, 5), [(10, 3), (4, 7)]),
    (lambda x: x[: x.size(0) // 2] * x.size(0) % 3, (6,), [(9,), (4,)]),
], ids=["reshape_floordiv", "view_mul", "new_zeros", "arange", "reshape3", "slice_mod"])
def test_floordiv_sizes_run_at_other_sizes(fn, trace_shape, shapes):
    tf = _trace(fn, torch.randn(*trace_shape))
    for s in shapes:
        x = torch.randn(*s)
        _same(tf(x), fn(x))


def test_self_referential_specialization_keeps_the_input_symbol():
    tf = _trace(lambda x: x.reshape(2, x.size(0) // 2), torch.randn(8))
    head = str(tf.graph).splitlines()[0]
    assert "//" not in head, head  # the input's size stays a plain symbol
    with pytest.raises(RuntimeError, match="invalid for input of size 7"):
        tf(torch.randn(7))  # an odd size breaks the op itself, as in eager


# ------------------------------------------------------------------ data-dependent sizes
_INPUTS = [torch.tensor([1.0, -1.0, 2.0, -3.0]), torch.tensor([1.0, 2.0, 3.0, -1.0, 5.0]),
           torch.tensor([-1.0, -2.0]), torch.tensor([3.0, -1.0, 2.0, 4.0]),
           torch.tensor([-5.0])]


@pytest.mark.parametrize("fn", [
    lambda m: m[m > 0] * 2,
    lambda m: m[m > 0].sum() + m,
    lambda m: torch.nonzero(m > 0) + 1,
    lambda m: torch.masked_select(m, m < 0) - 1,
    lambda m: torch.unique(m.abs()) + 1,
    lambda m: m[torch.nonzero(m > 0)[:, 0]] + 1,
    lambda m: m[torch.nonzero(m < 0).reshape(-1)] * 3,
    lambda m: torch.cat([m[m > 0], m[m <= 0]]),
], ids=["mask", "mask_sum", "nonzero", "masked_select", "unique", "index_tensor",
        "index_reshape", "cat_masks"])
def test_data_dependent_sizes_match_eager_on_every_input(fn):
    tf = _trace(fn, _INPUTS[0])
    for x in _INPUTS:
        _same(tf(x), fn(x))


def test_mask_indexing_2d_and_after_slice():
    def f(x):
        return x[x > 0] + x[:, x[0] > 0].sum()

    tf = _trace(f, torch.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]))
    for x in [torch.randn(2, 3), torch.randn(3, 5), torch.randn(4, 2)]:
        _same(tf(x), f(x))
    assert "nonzero" in str(tf.graph)


def test_constant_mask_still_specializes_the_size():
    keep = torch.tensor([True, False, True])

    def f(x):
        return x[keep] * 2

    tf = _trace(f, torch.randn(3))
    _same(tf(torch.ones(3)), f(torch.ones(3)))
    with pytest.raises(RuntimeError):
        tf(torch.ones(4))


def test_data_dependent_size_used_as_constant_raises_a_guard():
    def f(m):
        k = m[m > 0]
        return k.reshape(2) * 1  # torch would fail at other counts too; here it is a guard

    tf = _trace(f, torch.tensor([1.0, -1.0, 2.0]))
    _same(tf(torch.tensor([3.0, 4.0, -1.0])), f(torch.tensor([3.0, 4.0, -1.0])))
    with pytest.raises(RuntimeError):
        tf(torch.tensor([3.0, 4.0, 5.0]))


# ------------------------------------------------------------------ SymInt behaves like an int
def test_symint_prints_like_its_int():
    n = S.SymInt(3, S.sym("s0"))
    assert str(n) == repr(n) == f"{n}" == "3"
    assert f"{n:>3}" == "  3" and "%d" % n == "3"
    assert n.describe() == "SymInt(s0=3)"
    seen = []

    def f(x):
        seen.append((str(x.size(0)), repr(x.shape[0]), f"{x.size(0)}"))
        return x

    _trace(f, torch.ones(3))
    assert seen[0] == ("3", "3", "3")


def test_symint_float_arithmetic_values():
    n = S.SymInt(4, S.sym("s0"))
    assert 0.5 * n == 2.0 and 2.0 ** n == 16.0 and 1.0 / n == 0.25
    assert n * 0.5 == 2.0 and n ** 2 == 16 and n / 8 == 0.5 and 2 ** n == 16
    assert divmod(n, 3) == (1, 1) and n >> 1 == 2 and n << 1 == 8 and ~n == -5
    assert S.expr_str((n ** 2)._expr) == "s0*s0" and S.expr_str((n >> 1)._expr) == "s0//2"
    assert type(round(n)) is S.SymInt and type(divmod(n, 3)[0]) is S.SymInt


def test_symint_float_on_the_right_and_bit_ops_guard():
    def f(x):
        return x * (x.size(0) * 0.5) + (x.size(0) & 1)

    tf = _trace(f, torch.ones(4))
    _same(tf(torch.ones(4)), f(torch.ones(4)))
    with pytest.raises(RuntimeError, match="fixed it to 4"):
        tf(torch.ones(6))


def test_symint_power_stays_symbolic():
    def f(x):
        return x.new_ones(x.size(0) ** 2)

    tf = _trace(f, torch.ones(3))
    _same(tf(torch.ones(5)), f(torch.ones(5)))


# ------------------------------------------------------------------ C-level int conversions
def test_range_over_a_size_is_a_guard_not_a_silent_unroll():
    def f(x):
        return sum(x[i] for i in range(x.size(0)))

    tf = _trace(f, torch.randn(4))
    x = torch.randn(4)
    _same(tf(x), f(x))
    with pytest.raises(RuntimeError, match=r"fixed it to 4 at test_trace_honest\.py:\d+"):
        tf(torch.randn(5))
    assert isinstance(range(2), range)  # the tracer restored the builtin


def test_indexing_with_size_expressions_stays_symbolic():
    def f(x):
        return x[x.size(0) - 1] + x[: x.size(0) // 2].sum() + x[1:-1].sum()

    tf = _trace(f, torch.randn(6))
    assert "Guard(lhs=s0 - 1, cmp='lt'" not in str(tf.graph)  # decided at every size
    for n in (9, 2, 6):
        x = torch.randn(n)
        _same(tf(x), f(x))


def test_data_dependent_size_against_an_input_size_is_checked_not_substituted():
    def f(x, m):
        k = x[m > 0]
        return k + x[: k.size(0)]  # k's count and x's length meet in one op

    x, m = torch.randn(4), torch.tensor([1.0, 2.0, 3.0, 4.0])
    tf = _trace(f, x, m)
    head = str(tf.graph).splitlines()[0]
    assert "%x: f32[s" in head and "u" not in head.replace("graph", ""), head
    _same(tf(x, m), f(x, m))
    x2, m2 = torch.randn(6), torch.tensor([1.0, -2.0, 3.0, 4.0, -1.0, 2.0])
    _same(tf(x2, m2), f(x2, m2))
