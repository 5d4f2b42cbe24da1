"""F.one_hot: numpy reference, PyTorch's errors, and a trace that runs at other sizes."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as torch

F = torch.nn.functional


def _ref(a, n):
    out = np.zeros(a.shape + (n,), np.int64)
    if a.size:
        np.put_along_axis(out, a[..., None], 1, axis=-1)
    return out


@pytest.mark.parametrize("a,n", [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3), (4, 6)])
def test_values(a, n):
    arr = np.array(a, np.int64)
    got = F.one_hot(torch.tensor(arr), n)
    want = _ref(arr, n if n != -1 else int(arr.max()) + 1)
    assert got.dtype == torch.int64
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("a,n,msg", [([-1], -1, "non-negative"), ([3], 3, "smaller than"),
                                     ([], -1, "empty tensor")])
def test_errors(a, n, msg):
    with pytest.raises(RuntimeError, match=msg):
        F.one_hot(torch.tensor(a, dtype=torch.int64), n)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(torch.tensor([1.0]), 3)


def test_traced_one_hot_follows_the_data():
    def f(x):
        return F.one_hot(x, 4).float() * 2
    t = torch.jit.trace(f, (torch.tensor([0, 1, 3]),))
    for x in ([2, 2, 0, 1, 3], [3]):
        x = torch.tensor(x)
        np.testing.assert_array_equal(t(x).numpy(), f(x).numpy())
