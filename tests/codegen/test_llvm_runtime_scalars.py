"""Run-time Python numbers and data-dependent slices in native code: the scripted cases of
tests/jit/script/test_runtime_ints.py and test_dynamic_slice.py under
``torch.compile(backend="llvm")`` with warnings as errors (an interpreter fallback fails the
test), at counts including 0, negative and past the tensor's size, equal to eager."""
from __future__ import annotations

import warnings

import pytest

import graphtorch as torch
from graphtorch.jit.script import script

from jit.script.helpers import same
from jit.script.test_dynamic_slice import prefix_until, rows, window
from jit.script.test_runtime_ints import (
    carried_quotient, clipped_prefix, counter_times_count, float_of_rows, if_int, multiplier,
    python_types, range_int, range_item, range_step, scalar_promotion, slice_bound,
    truncating, while_int, while_on_data)

NS = (0, 1, 4, 7, 8, 11, -1, -3, -20)


def _compiled(fn):
    return torch.compile(script(fn), backend="llvm")


def _native(c):
    entry = next(iter(c._gt_cache.entries.values()))
    comp = entry._comp if hasattr(entry, "_comp") else next(iter(entry._compiled.values()))
    return comp.interp.native


def _run_all(fn, argsets, tol=1e-5):
    """Compile once, compare with eager on every argument tuple, with no fallback."""
    c = _compiled(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the interpreter fallback warns: fail on it
        for args in argsets:
            same(fn(*[_copy(a) for a in args]), c(*[_copy(a) for a in args]), tol)
    assert _native(c) is not None
    return c


def _copy(a):
    return a.clone() if isinstance(a, torch.Tensor) else a


def early_return(x, n):
    if int(n) > 2:
        return x * 2
    return x - 1


def slice_window(x, a, b):
    return x[int(a):int(b)] * 2


def slice_step(x, a, b):
    return x[int(a):int(b):3] + 1


def slice_rows(x, n):
    return x[:, int(n):], x[int(n):].sum(0)


def bounds_arith(x, n):
    k = int(n)
    return x[:k * 2 - 1], x[k // 3:], x[-k:]


def branch_slices(x, n):
    k = int(n)
    if k > 2 and k < 6:
        return x[:k] * 2
    return x[k:] - 1


def select_at(x, n):
    return x[int(n)] * 2


def slice_then_linear(x, w, n):
    return x[:int(n)] @ w


@pytest.mark.parametrize("fn", [range_int, range_item, range_step, while_int, if_int,
                                multiplier, slice_bound, early_return, clipped_prefix,
                                carried_quotient, counter_times_count, float_of_rows],
                         ids=lambda f: f.__name__)
def test_runtime_ints_native(fn):
    # x[i] past the end raises in eager: float_of_rows stops at the size
    ns = [v for v in NS if v <= 8] if fn is float_of_rows else NS
    _run_all(fn, [(torch.arange(1.0, 9.0), torch.tensor(v)) for v in ns])


def test_while_on_data_native():
    _run_all(while_on_data, [(torch.arange(1.0, 9.0), torch.tensor(v)) for v in NS + (500,)])


def test_slice_bounds_every_pair():
    """Python slice semantics: negative bounds wrap, bounds clamp, empty when end <= start."""
    vals = (-12, -8, -3, 0, 2, 5, 8, 13)
    _run_all(slice_window, [(torch.arange(8.0), torch.tensor(a), torch.tensor(b))
                            for a in vals for b in vals])
    _run_all(slice_step, [(torch.arange(10.0), torch.tensor(a), torch.tensor(b))
                          for a in (-11, -4, 0, 1, 9) for b in (-2, 0, 7, 10, 30)])


def test_slice_other_dim_and_sizes():
    args = [(torch.arange(24.0).reshape(4, 6), torch.tensor(v)) for v in (0, 2, 6, -1, -9, 9)]
    args += [(torch.arange(35.0).reshape(5, 7), torch.tensor(3))]  # another input size
    _run_all(slice_rows, args)


def test_slice_feeds_a_matmul():
    w = torch.arange(12.0).reshape(4, 3) * 0.1
    _run_all(slice_then_linear, [(torch.arange(20.0).reshape(5, 4), w, torch.tensor(v))
                                 for v in (0, 2, 5, -2, 7)])


def test_truncating_conversions():
    x = torch.ones(2, dtype=torch.int32)
    _run_all(truncating, [(x, torch.tensor(-2.7))])
    _run_all(truncating, [(x, torch.tensor(2.7))])
    _run_all(truncating, [(x, torch.tensor(5, dtype=torch.int32))])
    _run_all(truncating, [(x, torch.tensor(True))])


def test_python_result_types():
    _run_all(python_types, [(torch.tensor(v), torch.tensor(v > 0)) for v in (0, 3, -7)], 0)


@pytest.mark.parametrize("dtype", [torch.int32, torch.float32])
def test_number_promotes_like_a_python_scalar(dtype):
    _run_all(scalar_promotion, [(torch.ones(3, dtype=dtype), torch.tensor(v), torch.tensor(1.5))
                                for v in (3, -2, 0)])


def test_dynamic_slice_loops():
    _run_all(prefix_until, [(torch.arange(10.0),), (torch.arange(20.0) * 0.5,),
                            (torch.ones(30),), (torch.ones(12),)])
    _run_all(rows, [(torch.ones(2, 6),), (torch.ones(2, 9) * 0.25,)])
    c = _run_all(window, [(torch.arange(10.0), 2), (torch.arange(50.0), 2), (torch.ones(7), 2)])
    assert len(c._gt_cache.entries) == 1


def test_one_compiled_function_for_every_n():
    c = _run_all(slice_bound, [(torch.arange(8.0), torch.tensor(v)) for v in NS])
    assert len(c._gt_cache.entries) == 1


@pytest.mark.parametrize("fn", [early_return, bounds_arith, branch_slices],
                         ids=lambda f: f.__name__)
def test_sizes_vary_with_one_compiled_function(fn):
    """Outputs whose size depends on the branch or on n, at several input sizes (the early
    return's placeholder has the captured size: the plan takes the larger)."""
    args = [(torch.arange(float(size)), torch.tensor(v))
            for size in (8, 3, 20) for v in (0, 2, 3, 5, -2, 9, 30)]
    c = _run_all(fn, args)
    assert len(c._gt_cache.entries) == 1


def test_select_at_runtime_index():
    _run_all(select_at, [(torch.arange(8.0), torch.tensor(v)) for v in (0, 3, 7, -1, -8)])


def _sum_first(x, n):
    acc = x[0] * 0
    for i in range(int(n)):
        acc = acc + x[i]
    return acc


def test_runtime_select_out_of_range_raises_index_error_like_eager():
    """A loop counter indexing past the end: eager raises IndexError; native code must raise
    it too (never read outside the tensor), and in-range calls keep working."""
    x = torch.arange(12.0).reshape(3, 4)
    c = _run_all(_sum_first, [(x, torch.tensor(v)) for v in (0, 1, 3)])
    for bad in (4, 9):
        with pytest.raises(IndexError):
            _sum_first(x, torch.tensor(bad))
        with pytest.raises(IndexError, match="index out of range for dimension 0"):
            c(x, torch.tensor(bad))
    assert torch.equal(c(x, torch.tensor(2)), _sum_first(x, torch.tensor(2)))
