"""Row kernels (layer_norm, softmax) split over the thread team: their split measure counts a
row's elements (a kernel over rows alone never reached the threshold), so large ones enter a
parallel region and small ones stay serial; results are bitwise those of one thread and match
float64 numpy on odd row lengths (vector tails) and symbolic batches."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, threads


def _compile(fn, *arrays):
    with gt.no_grad():
        tr = gt.jit.trace(fn, tuple(gt.from_numpy(a) for a in arrays), check_trace=False)
    return compile_graph(tr.graph)


def _ln64(x, w, b):
    x = x.astype(np.float64)
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-5) * w + b


def _softmax64(x, dim):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(dim, keepdims=True))
    return e / e.sum(dim, keepdims=True)


def _ln_fn(x, w, b):
    return gt.nn.functional.layer_norm(x * 1.5 + 0.25, (x.shape[-1],), w, b)


def _check_split(cg, args, team):
    team(1)
    before = threads.stats()
    one = cg(*args)[0]
    assert threads.stats() == before  # one thread: no region
    team(2)
    two = cg(*args)[0]
    assert threads.stats() > before   # the row kernel was split
    np.testing.assert_array_equal(one, two)
    return two


@pytest.mark.parametrize("rows,n", [(301, 257), (96, 1024)])
def test_layer_norm_split(team, rows, n):
    rng = np.random.default_rng(rows)
    x = rng.standard_normal((rows, n)).astype(np.float32)
    w, b = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    cg = _compile(_ln_fn, x, w, b)
    got = _check_split(cg, [x, w, b], team)
    ref = _ln64(x.astype(np.float64) * 1.5 + 0.25, w, b)
    np.testing.assert_allclose(got, ref, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("shape,dim", [((8, 64, 131), -1), ((6, 97, 129), 1)])
def test_softmax_split(team, shape, dim):
    x = (np.random.default_rng(len(shape)).standard_normal(shape) * 3).astype(np.float32)
    cg = _compile(lambda t: gt.softmax(t, dim), x)
    got = _check_split(cg, [x], team)
    np.testing.assert_allclose(got, _softmax64(x, dim), rtol=2e-6, atol=1e-7)


def test_small_row_kernels_stay_serial(team):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 33)).astype(np.float32)
    w, b = np.ones(33, np.float32), np.zeros(33, np.float32)
    cg_ln = _compile(_ln_fn, x, w, b)
    cg_sm = _compile(lambda t: gt.softmax(t, -1), x)
    team(2)
    before = threads.stats()
    cg_ln(x, w, b)
    cg_sm(x)
    assert threads.stats() == before


def test_layer_norm_symbolic_rows(team):
    # one compiled function for every batch: small ones serial, large ones split, all exact
    rng = np.random.default_rng(9)
    n = 255
    w, b = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    c = gt.compile(lambda t: gt.nn.functional.layer_norm(t, (n,), gt.from_numpy(w),
                                                         gt.from_numpy(b)),
                   backend="llvm", dynamic=True)
    team(2)
    for rows in (3, 17, 400):
        x = (rng.standard_normal((rows, n)) * 4 + 100).astype(np.float32)
        with gt.no_grad():
            got = c(gt.from_numpy(x)).numpy()
        np.testing.assert_allclose(got, _ln64(x, w, b), rtol=2e-4, atol=2e-4)
