"""The llvm backend's per-image convolution (im2col runs + BLAS + fused epilogue, folded eval
BatchNorm) against eager graphtorch, and its threads: bitwise the same results with 1 and 2
threads, and parallel regions actually entered for large kernels."""
from __future__ import annotations

import time

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, threads

F = gt.nn.functional


def _compile(fn, *arrays):
    with gt.no_grad():
        tr = gt.jit.trace(fn, tuple(gt.from_numpy(a) for a in arrays), check_trace=False)
    return compile_graph(tr.graph)


def _eager(fn, *arrays):
    with gt.no_grad():
        out = fn(*(gt.from_numpy(a) for a in arrays))
    return out.numpy()


def _rand(rng, *shape, dt=np.float32):
    return rng.standard_normal(shape).astype(dt)


@pytest.fixture
def nthreads():
    """Restore the thread count a test changes."""
    old = gt.get_num_threads()
    yield gt.set_num_threads
    gt.set_num_threads(old)


CONV_CASES = [  # (C, OC, H, W, k, stride, padding, dilation, groups, bias)
    (3, 4, 9, 7, 3, 1, 1, 1, 1, True),
    (3, 4, 9, 7, 3, 2, 1, 1, 1, False),
    (4, 6, 8, 8, (3, 2), (2, 1), (0, 2), (1, 2), 2, True),
    (2, 5, 6, 6, 1, 1, 0, 1, 1, True),     # 1x1: the image is the GEMM operand
    (3, 3, 7, 9, 5, 1, 2, 1, 3, False),    # depthwise
    (1, 6, 12, 12, 5, 1, 0, 1, 1, True),   # LeNet's first layer
    (2, 3, 3, 3, 5, 1, 2, 1, 1, True),     # kernel larger than the image (padding only)
]


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("then", ["none", "relu", "sigmoid_mul"])
def test_conv2d_matches_eager(case, then):
    c, oc, h, w, k, s, p, d, g, has_bias = case
    kk = (k, k) if isinstance(k, int) else k
    rng = np.random.default_rng(0)
    x, wt = _rand(rng, 3, c, h, w), _rand(rng, oc, c // g, *kk)
    b = _rand(rng, oc)

    def fn(x, wt, b):
        y = F.conv2d(x, wt, b if has_bias else None, stride=s, padding=p, dilation=d, groups=g)
        if then == "relu":
            return F.relu(y)
        if then == "sigmoid_mul":
            return gt.sigmoid(y) * 2.0 + y
        return y
    cg = _compile(fn, x, wt, b)
    for batch in (3, 1, 4):
        xb = _rand(rng, batch, c, h, w)
        np.testing.assert_allclose(cg(xb, wt, b)[0], _eager(fn, xb, wt, b),
                                   rtol=1e-5, atol=1e-5)


def test_conv1d_and_float64():
    rng = np.random.default_rng(1)
    x, wt, b = _rand(rng, 2, 3, 11, dt=np.float64), _rand(rng, 4, 3, 3, dt=np.float64), \
        _rand(rng, 4, dt=np.float64)

    def fn(x, wt, b):
        return F.relu(F.conv1d(x, wt, b, stride=2, padding=1))
    cg = _compile(fn, x, wt, b)
    np.testing.assert_allclose(cg(x, wt, b)[0], _eager(fn, x, wt, b), rtol=1e-12, atol=1e-12)


def _bn_block(x, w1, w2, m1, v1, g1, b1, m2, v2, g2, b2):
    """A ResNet basic block (eval BatchNorm), its statistics and affine weights as inputs."""
    y = F.batch_norm(F.conv2d(x, w1, padding=1), m1, v1, g1, b1, training=False)
    y = F.relu(y)
    y = F.batch_norm(F.conv2d(y, w2, padding=1), m2, v2, g2, b2, training=False)
    return F.relu(y + x)


def _bn_args(rng, c=4):
    w = [_rand(rng, c, c, 3, 3) / np.float32(3 * c ** 0.5) for _ in range(2)]
    bn = [[_rand(rng, c), np.abs(_rand(rng, c)) + 0.5, _rand(rng, c), _rand(rng, c)]
          for _ in range(2)]
    return [_rand(rng, 2, c, 6, 5), *w, *bn[0], *bn[1]]


def test_batchnorm_folded_into_conv_epilogue():
    rng = np.random.default_rng(2)
    args = _bn_args(rng)
    cg = _compile(_bn_block, *args)
    # the affine chain became a per-channel prologue, read by the conv epilogues
    ir_text = cg.llvm_ir
    assert ir_text.count("define internal void @\"gt_bnfold") == 2
    assert ir_text.count("define internal void @\"gt_conv") == 2
    assert cg.kernels == 4  # nothing else: BN, ReLU and the residual add are in the epilogues
    for batch in (2, 1, 3):
        args[0] = _rand(rng, batch, 4, 6, 5)
        np.testing.assert_allclose(cg(*args)[0], _eager(_bn_block, *args), rtol=1e-5, atol=1e-5)


def test_static_batch_one_through_torch_compile():
    """torch.compile specialises batch 1: the epilogue then reads the batch index as 0."""
    rng = np.random.default_rng(7)
    args = [gt.from_numpy(a) for a in _bn_args(rng)]
    args[0] = gt.from_numpy(_rand(rng, 1, 4, 6, 5))
    compiled = gt.compile(_bn_block)
    with gt.no_grad():
        np.testing.assert_allclose(compiled(*args).numpy(), _bn_block(*args).numpy(),
                                   rtol=1e-5, atol=1e-5)
    entry = next(iter(compiled._gt_cache.entries.values()))
    comp = entry._comp if hasattr(entry, "_comp") else next(iter(entry._compiled.values()))
    runner = comp.interp
    assert runner.native is not None, runner.reason  # compiled natively, not the fallback


def test_conv_output_read_twice_is_materialised():
    rng = np.random.default_rng(3)
    x, wt, b = _rand(rng, 2, 3, 6, 6), _rand(rng, 4, 3, 3, 3), _rand(rng, 4)

    def fn(x, wt, b):
        y = F.conv2d(x, wt, b)
        return F.relu(y) + y.sum()

    def fn2(x, wt, b):  # the conv output is a graph output and feeds a consumer
        y = F.conv2d(x, wt, b, padding=1)
        return y, gt.tanh(y)
    np.testing.assert_allclose(_compile(fn, x, wt, b)(x, wt, b)[0], _eager(fn, x, wt, b),
                               rtol=1e-5, atol=1e-5)
    outs = _compile(fn2, x, wt, b)(x, wt, b)
    with gt.no_grad():
        ref = fn2(*(gt.from_numpy(a) for a in (x, wt, b)))
    for o, r in zip(outs, ref):
        np.testing.assert_allclose(o, r.numpy(), rtol=1e-5, atol=1e-5)


def test_empty_batch_and_channels():
    rng = np.random.default_rng(4)
    x, wt, b = _rand(rng, 2, 3, 5, 5), _rand(rng, 4, 3, 3, 3), _rand(rng, 4)

    def fn(x, wt, b):
        return F.relu(F.conv2d(x, wt, b, padding=1))
    cg = _compile(fn, x, wt, b)
    out = cg(np.zeros((0, 3, 5, 5), np.float32), wt, b)[0]
    assert out.shape == (0, 4, 5, 5)


# ------------------------------------------------------------------ threads
def test_threads_bitwise_and_used(team):
    rng = np.random.default_rng(5)
    args = _bn_args(rng, c=16)
    args[0] = _rand(rng, 8, 16, 12, 12)
    cg = _compile(_bn_block, *args)
    x = _rand(rng, 1 << 20)

    def ew(x):
        return gt.tanh(x) * 3.0 + x

    cg_ew = _compile(ew, x)
    team(1)
    before = threads.stats()
    one, one_ew = cg(*args)[0], cg_ew(x)[0]
    assert threads.stats() == before  # one thread: never a parallel region
    team(2)
    two, two_ew = cg(*args)[0], cg_ew(x)[0]
    assert threads.stats() >= before + 3  # two convs and the elementwise kernel
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one_ew, two_ew)
    np.testing.assert_allclose(two, _eager(_bn_block, *args), rtol=1e-5, atol=1e-5)


def test_small_kernels_stay_on_one_thread(team):
    rng = np.random.default_rng(6)
    args = _bn_args(rng)
    cg = _compile(_bn_block, *args)
    team(2)
    args[0] = _rand(rng, 1, 4, 6, 5)  # batch 1 and tiny: nothing worth splitting
    before = threads.stats()
    cg(*args)
    assert threads.stats() == before


def test_thread_count_follows_set_num_threads(nthreads):
    nthreads(3)
    threads.sync()
    assert threads.NUM_THREADS.value == (3 if threads.available() else 1)
    nthreads(1)
    threads.sync()
    assert threads.NUM_THREADS.value == 1


# --------------------------------------------------------------------------- busy machines
def _init_jit():
    from graphtorch.codegen.llvm import engine
    engine.target_machine()  # loads libgomp (threads.available() is False before)


def test_free_cores_reads_the_machine():
    import os
    free = threads.free_cores()
    if os.path.exists("/proc/loadavg"):
        assert isinstance(free, int) and free <= len(os.sched_getaffinity(0))


@pytest.mark.parametrize("free", [0, 1, 2, None])
def test_team_is_capped_at_free_cores(nthreads, monkeypatch, free):
    _init_jit()
    monkeypatch.setattr(threads, "free_cores", lambda: free)
    nthreads(1)
    threads.sync()
    nthreads(2)
    threads.sync()
    if not threads.available():
        assert threads.TEAM_MAX.value == 1
        return
    assert threads.NUM_THREADS.value == 2  # torch.get_num_threads() is what the user set
    assert threads.TEAM_MAX.value == (2 if free is None else max(1, min(2, free)))


def test_busy_machine_runs_regions_on_the_calling_thread(team):
    # every core taken by others: regions run with a team of one, results bitwise the same
    x = _rand(np.random.default_rng(8), 1 << 20)

    def ew(x):
        return gt.tanh(x) * 3.0 + x
    cg = _compile(ew, x)
    team(1)
    one = cg(x)[0]
    team(2, free_cores=0)
    before = threads.stats()
    busy = cg(x)[0]
    assert threads.stats() == before + 1 and threads.TEAM_MAX.value == 1
    np.testing.assert_array_equal(busy, one)
    team(2, free_cores=2)  # the next call looks at the machine again
    free = cg(x)[0]
    assert threads.TEAM_MAX.value == 2
    np.testing.assert_array_equal(free, one)


def test_machine_is_looked_at_again_after_the_interval(nthreads, monkeypatch):
    seen = []
    monkeypatch.setattr(threads, "free_cores", lambda: seen.append(1) or 2)
    nthreads(1)
    threads.sync()
    assert seen == []  # one thread: nothing to decide
    nthreads(2)
    threads.sync()
    threads.sync()
    assert len(seen) == 1  # within the interval: not again
    threads._STATE["gate_at"] = 0.0
    threads.sync()
    assert len(seen) == 2


def test_one_busy_look_is_confirmed_before_the_team_shrinks(team, monkeypatch):
    # a process that ran for a moment must not keep the team at one thread for a whole
    # GATE_INTERVAL; one that keeps a core busy is believed on the second look
    team(2, free_cores=2)  # a fresh decision: two threads
    free = {"n": 2}
    monkeypatch.setattr(threads, "free_cores", lambda: free["n"])
    assert threads.TEAM_MAX.value == 2
    free["n"] = 1
    threads._STATE["gate_at"] = 0.0
    threads.sync()
    assert threads.TEAM_MAX.value == 2  # one look: not yet
    assert threads._STATE["gate_at"] - time.monotonic() <= threads.CONFIRM_INTERVAL
    free["n"] = 2  # it was a blip
    threads._STATE["gate_at"] = 0.0
    threads.sync()
    assert threads.TEAM_MAX.value == 2
    free["n"] = 1
    for _ in range(2):  # busy twice in a row: believed
        threads._STATE["gate_at"] = 0.0
        threads.sync()
    assert threads.TEAM_MAX.value == 1
    assert threads._STATE["gate_at"] - time.monotonic() > threads.CONFIRM_INTERVAL
    free["n"] = 2  # free again: the team grows at once
    threads._STATE["gate_at"] = 0.0
    threads.sync()
    assert threads.TEAM_MAX.value == 2
