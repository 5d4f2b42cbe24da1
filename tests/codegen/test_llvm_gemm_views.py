"""Linear layers whose weight is a slice of a larger tensor (attention's packed
in_proj_weight split into q/k/v, column slices): the GEMM reads the weight in place at its
offset and row stride (strided.note_offset) instead of copying it; compiled == eager."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt

RNG = np.random.default_rng(5)
F = gt.nn.functional


def _t(*shape):
    return gt.from_numpy(RNG.standard_normal(shape).astype(np.float32))


def _compile(fn, *args):
    c = gt.compile(fn, backend="llvm", dynamic=False)
    with gt.no_grad():
        got = c(*args)
    ref = fn(*args)
    got = got if isinstance(got, tuple) else (got,)
    ref = ref if isinstance(ref, tuple) else (ref,)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g.numpy(), r.numpy(), rtol=1e-5, atol=1e-5)
    entry = next(iter(c._gt_cache.entries.values()))
    comp = (list(getattr(entry, "_compiled", {}).values()) or [entry._comp])[0]
    return comp.interp.native.llvm_ir


def _copies(text):
    return text.count('define internal void @"gt_k')


@pytest.mark.parametrize("rows", [1, 5, 40])
def test_split_weight_read_in_place(rows):
    def fn(x, w, b):
        q, k, v = w.split(16, dim=0)
        bq, bk, bv = b.split(16)
        return F.linear(x, q, bq), F.linear(x, k, bk), F.linear(x, v)
    text = _compile(fn, _t(rows, 24), _t(48, 24), _t(48))
    assert _copies(text) == 0  # neither the weight thirds nor anything else is copied


def test_column_slice_weight_uses_row_stride():
    def fn(x, w):
        return F.linear(x, w[:, 8:24])
    text = _compile(fn, _t(6, 16), _t(32, 40))
    assert _copies(text) == 0


def test_strided_slice_still_copied_and_correct():
    def fn(x, y, w):
        return F.linear(x, w[:, ::2]), F.linear(y, w[1::2])  # [20, 10] and [10, 20]
    _compile(fn, _t(3, 10), _t(4, 20), _t(20, 20))


def test_sliced_operand_of_matmul():
    def fn(a, b):
        return a[:, 2:10] @ b[4:12]
    _compile(fn, _t(7, 12), _t(16, 9))


def test_split_of_intermediate():
    def fn(x, w):
        h = x * 2.0 + 1.0  # a lazy value: realised, then split in place
        p, q = h.split(8, dim=1)
        return F.linear(p, w) + F.linear(q, w)
    _compile(fn, _t(5, 16), _t(4, 8))
