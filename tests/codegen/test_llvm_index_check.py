"""Native index_select / gather / embedding raise eager's error for an out-of-range index
(never a clamped value), and keep eager's results in range (negative index_select indices
count from the end, as eager's do)."""
from __future__ import annotations

import warnings

import pytest

import graphtorch as torch

X = torch.arange(6.0).reshape(2, 3)
CASES = {
    "index_select": (lambda x, i: x.index_select(0, i),
                     [[1, 0, -1], [0]], [[2], [-3], [0, 5]]),
    "gather": (lambda x, i: x.gather(1, i), [[[2], [0]], [[0], [1]]], [[[3], [0]], [[-1], [0]]]),
    "embedding": (lambda x, i: torch.nn.functional.embedding(i, x), [[1, 0], [[0, 1], [1, 1]]],
                  [[2], [-1], [[0, 7]]]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_native_index_ops_match_eager_and_raise_its_error(name):
    fn, good, bad = CASES[name]
    c = torch.compile(fn, backend="llvm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an interpreter fallback would warn: must be native
        for idx in good:
            i = torch.tensor(idx)
            assert torch.equal(c(X, i), fn(X, i))
        for idx in bad:
            i = torch.tensor(idx)
            with pytest.raises(Exception) as eager:
                fn(X, i)
            with pytest.raises(type(eager.value), match="out of (range|bounds)"):
                c(X, i)
        assert torch.equal(c(X, torch.tensor(good[0])), fn(X, torch.tensor(good[0])))
