"""torch.set_num_threads reaches the OpenBLAS thread pools numpy and scipy load."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg  # noqa: F401 - loads scipy's OpenBLAS

import graphtorch as torch
from graphtorch.eager.threads import _loaded_openblas

_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")


def _blas_thread_counts():
    counts = []
    for lib in _loaded_openblas():
        for sym in _GETTERS:
            f = getattr(lib, sym, None)
            if f is not None:
                counts.append(f())
                break
    return counts


def test_set_num_threads_reaches_blas():
    if not _blas_thread_counts():
        pytest.skip("no OpenBLAS with a thread-count entry point is loaded")
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert torch.get_num_threads() == 1
        assert set(_blas_thread_counts()) == {1}
        torch.set_num_threads(2)
        assert set(_blas_thread_counts()) == {2}
        a = np.ones((64, 64), np.float32)
        np.testing.assert_allclose((torch.from_numpy(a) @ torch.from_numpy(a)).numpy(), a @ a)
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_set_num_threads_rejects_bad_values(bad):
    with pytest.raises(RuntimeError, match="expects a positive integer|expects an int"):
        torch.set_num_threads(bad)
