"""GEMMs split over graphtorch's own thread team (codegen/llvm/gemm_split.py): 1 and 2 threads
give the same results (rounding-close; the column / row units keep the one-thread blocking,
so they are in fact bitwise equal here) for linear / mm / bmm / matmul / addmm with odd
sizes, transposed operands, bias epilogues, symbolic batches and batched (attention-like)
products; parallel regions are entered at 2 threads only; a GEMM inside a convolution's
image-split region stays serial; scipy's BLAS is kept at one thread."""
from __future__ import annotations

import os

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, threads

F = gt.nn.functional


def _compile(fn, *arrays):
    with gt.no_grad():
        tr = gt.jit.trace(fn, tuple(gt.from_numpy(a) for a in arrays), check_trace=False)
    return compile_graph(tr.graph)


def _rand(rng, *shape, dt=np.float32):
    return rng.standard_normal(shape).astype(dt)


def _t1_t2(team, cg, *args):
    """(1-thread result, 2-thread result, regions entered at 1 thread, at 2 threads)."""
    team(1)
    s0 = threads.stats()
    one = cg(*args)
    s1 = threads.stats()
    team(2)
    two = cg(*args)
    s2 = threads.stats()
    return one, two, s1 - s0, s2 - s1


def _close(one, two, ref):
    # a part may run another one-thread kernel than the whole product (a 40-row part of a
    # 67-row product: the small kernel instead of BLAS), so rounding-close, not bitwise
    scale = max(1.0, float(np.abs(ref).max()))
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6 * scale)
    np.testing.assert_allclose(two[0], ref, rtol=2e-4, atol=2e-5 * scale)


LINEAR = [  # (rows, in, out): GEMV, few rows, many rows (split by rows), odd everything
    (1, 785, 517), (3, 301, 515), (7, 64, 1001), (67, 130, 33), (301, 97, 65), (5, 33, 2048)]


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("m,k,n", LINEAR)
def test_linear_split_matches_one_thread(team, m, k, n, dt):
    rng = np.random.default_rng(m + k + n)
    x, w, b = _rand(rng, m, k, dt=dt), _rand(rng, n, k, dt=dt), _rand(rng, n, dt=dt)
    cg = _compile(lambda x, w, b: F.linear(x, w, b), x, w, b)
    one, two, r1, r2 = _t1_t2(team, cg, x, w, b)
    _close(one, two, x.astype(np.float64) @ w.T.astype(np.float64) + b)
    assert r1 == 0 and r2 >= 1


def test_linear_symbolic_batch(team):
    rng = np.random.default_rng(1)
    w, b = _rand(rng, 515, 257), _rand(rng, 515)
    cg = _compile(lambda x, w, b: F.relu(F.linear(x, w, b)), _rand(rng, 4, 257), w, b)
    for rows in (1, 9, 130):
        x = _rand(rng, rows, 257)
        one, two, r1, r2 = _t1_t2(team, cg, x, w, b)
        _close(one, two, np.maximum(x.astype(np.float64) @ w.T + b, 0))
        assert r1 == 0 and r2 >= 1


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_mm_transposed_operands(team, ta, tb):
    rng = np.random.default_rng(2)
    m, k, n = 45, 129, 203
    a = _rand(rng, k, m) if ta else _rand(rng, m, k)
    b = _rand(rng, n, k) if tb else _rand(rng, k, n)

    def fn(a, b):
        return gt.mm(a.t() if ta else a, b.t() if tb else b)
    cg = _compile(fn, a, b)
    one, two, r1, r2 = _t1_t2(team, cg, a, b)
    ref = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b)
    _close(one, two, ref)
    assert r1 == 0 and r2 >= 1


def test_addmm_and_matmul_3d(team):
    rng = np.random.default_rng(3)
    c, a, b = _rand(rng, 33, 257), _rand(rng, 33, 71), _rand(rng, 71, 257)
    x = _rand(rng, 4, 17, 71)

    def fn(c, a, b, x):
        return gt.addmm(c, a, b, beta=0.5, alpha=2.0), gt.matmul(x, b)
    cg = _compile(fn, c, a, b, x)
    one, two, r1, r2 = _t1_t2(team, cg, c, a, b, x)
    for o, t in zip(one, two):
        np.testing.assert_allclose(o, t, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(two[0], 0.5 * c + 2.0 * (a.astype(np.float64) @ b),
                               rtol=2e-4, atol=2e-4)
    np.testing.assert_allclose(two[1], x.astype(np.float64) @ b, rtol=2e-4, atol=2e-4)
    assert r1 == 0 and r2 >= 2


def test_bmm_splits_over_the_batch(team):
    rng = np.random.default_rng(4)
    a, b = _rand(rng, 9, 37, 65), _rand(rng, 9, 65, 43)
    cg = _compile(lambda a, b: gt.bmm(a, b), a, b)
    one, two, r1, r2 = _t1_t2(team, cg, a, b)
    _close(one, two, a.astype(np.float64) @ b)
    assert r1 == 0 and r2 == 1  # one region for the 9 products, not one per product
    assert "gt_gemm_part_b_" in cg.llvm_ir


def test_attention_like_4d(team):
    rng = np.random.default_rng(5)
    q, k, v = (_rand(rng, 3, 4, 33, 16) for _ in range(3))

    def fn(q, k, v):
        s = gt.matmul(q, k.transpose(-2, -1)) * 0.25
        return gt.matmul(gt.softmax(s, -1), v)
    cg = _compile(fn, q, k, v)
    one, two, r1, r2 = _t1_t2(team, cg, q, k, v)
    s = q.astype(np.float64) @ np.swapaxes(k, -1, -2) * 0.25
    p = np.exp(s - s.max(-1, keepdims=True))
    _close(one, two, (p / p.sum(-1, keepdims=True)) @ v)
    assert r1 == 0 and r2 >= 1


def test_broadcast_batched_operand(team):
    rng = np.random.default_rng(6)
    a, b = _rand(rng, 40, 70), _rand(rng, 6, 70, 90)  # a: the same matrix for every b
    cg = _compile(lambda a, b: gt.matmul(a, b), a, b)
    one, two, _, r2 = _t1_t2(team, cg, a, b)
    _close(one, two, a.astype(np.float64) @ b)
    assert r2 >= 1


def test_small_products_stay_serial(team):
    rng = np.random.default_rng(7)
    x, w = _rand(rng, 2, 16), _rand(rng, 8, 16)
    cg = _compile(lambda x, w: F.linear(x, w), x, w)
    _, two, _, r2 = _t1_t2(team, cg, x, w)
    np.testing.assert_allclose(two[0], x @ w.T, rtol=1e-5, atol=1e-5)
    assert r2 == 0


def test_switch_off_restores_serial_gemms(team):
    rng = np.random.default_rng(8)
    x, w = _rand(rng, 8, 300), _rand(rng, 600, 300)
    cg = _compile(lambda x, w: F.linear(x, w), x, w)
    team(2)
    threads.GEMM_SPLIT.value = 0
    s0 = threads.stats()
    off = cg(x, w)[0]
    assert threads.stats() == s0
    threads.GEMM_SPLIT.value = 1
    on = cg(x, w)[0]
    assert threads.stats() == s0 + 1
    np.testing.assert_allclose(off, on, rtol=1e-5, atol=1e-5)


def test_gemm_inside_an_image_split_conv_stays_serial(team, monkeypatch):
    # per-image conv functions run inside a region: their GEMMs must not open another
    monkeypatch.setattr(threads.GEMM_MIN_WORK, "value", 1)
    rng = np.random.default_rng(9)
    x, w, b = _rand(rng, 4, 16, 20, 20), _rand(rng, 32, 16, 3, 3), _rand(rng, 32)

    def fn(x, w, b):
        return F.relu(F.conv2d(x, w, b, padding=1, stride=2))
    cg = _compile(fn, x, w, b)
    one, two, r1, r2 = _t1_t2(team, cg, x, w, b)
    np.testing.assert_allclose(one[0], two[0], rtol=1e-6, atol=1e-6)
    with gt.no_grad():
        ref = fn(*(gt.from_numpy(a) for a in (x, w, b))).numpy()
    np.testing.assert_allclose(two[0], ref, rtol=1e-4, atol=1e-4)
    assert r1 == 0 and r2 == 1  # the image split alone


def test_blas_is_kept_at_one_thread(team, monkeypatch):
    seen = []
    monkeypatch.setitem(threads._STATE, "blas_set", lambda n: seen.append(n.value))
    threads._STATE["blas_n"] = None
    team(2)
    assert seen[-1:] == [1]
    threads.GEMM_SPLIT.value = 0
    threads.sync()
    assert seen[-1] == 2  # the former policy: BLAS threads itself
    threads.GEMM_SPLIT.value = 1
    threads.sync()
    assert seen[-1] == 1


@pytest.mark.parametrize("name", ["mlp", "lenet", "lstm", "resblock", "transformer"])
def test_zoo_with_every_product_split(team, monkeypatch, name):
    # the zoo's products are small: a threshold of 1 splits every one with two units or more
    from tests.jit.zoo import ZOO
    monkeypatch.setattr(threads.GEMM_MIN_WORK, "value", 1)
    build, make_input, _ = ZOO[name]
    model = build(gt).eval()
    compiled = gt.compile(model)
    with gt.no_grad():
        for batch in (3, 1):
            args = make_input(gt, batch, 7)
            ref = model(*args)
            one, two, r1, r2 = _t1_t2(team, lambda *a: compiled(*a), *args)
            ref, one, two = (v if isinstance(v, tuple) else (v,) for v in (ref, one, two))
            for o, t, r in zip(one, two, ref):
                np.testing.assert_allclose(t.numpy(), o.numpy(), rtol=1e-5, atol=1e-6)
                np.testing.assert_allclose(t.numpy(), r.numpy(), rtol=1e-4, atol=1e-5)
            # the resblock's products run in per-image conv functions: never split there
            assert r1 == 0 and (r2 >= 1 or name == "resblock")


def test_elementwise_threshold_is_read_at_run_time(team, monkeypatch):
    x = _rand(np.random.default_rng(10), 300, 300)  # 90000 elements

    def fn(x):
        return gt.tanh(x) * 2.0 + x
    cg = _compile(fn, x)
    team(1)
    one = cg(x)[0]
    team(2)
    monkeypatch.setattr(threads.ELEM_MIN_WORK, "value", 1 << 30)
    s0 = threads.stats()
    cg(x)
    assert threads.stats() == s0
    monkeypatch.setattr(threads.ELEM_MIN_WORK, "value", 1 << 16)
    two = cg(x)[0]
    assert threads.stats() == s0 + 1
    np.testing.assert_array_equal(one, two)


def test_spin_count_is_set_only_when_the_user_set_no_policy(monkeypatch):
    seen = {}

    class FakeCDLL:
        def __init__(self, path, mode=0):
            seen["env"] = (os.environ.get("OMP_WAIT_POLICY"), os.environ.get("GOMP_SPINCOUNT"))
    monkeypatch.setattr(threads.ctypes, "CDLL", FakeCDLL)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    threads._load_gomp()
    assert seen["env"] == ("passive", str(threads.SPIN_COUNT))
    assert "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ
    monkeypatch.setenv("OMP_WAIT_POLICY", "active")
    threads._load_gomp()
    assert seen["env"] == ("active", None)
