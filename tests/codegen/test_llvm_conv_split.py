"""The Winograd convolution's weight transform inside the conv function (conv_winograd.
private_weights: every thread that runs it transforms U into its own scratch), so a batch-1
ResNet-like block split into bands of tile rows no longer transforms U serially before its
region.  Checked: 2 and 3 threads bitwise equal to one thread (float32) and close to eager,
batches 1/2/3/4, odd spatial sizes (crop path), channel counts that are not a multiple of the
vector width, a symbolic batch, new weights on every call, float64, and the serial switch
``rules_conv.WINOGRAD_WEIGHTS = "entry"`` giving the same results."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import rules_conv, threads

F = gt.nn.functional


def _compile(fn, dynamic=False):
    """``fn`` compiled by the llvm backend, called on numpy arrays."""
    c = gt.compile(fn, backend="llvm", dynamic=dynamic)

    def call(*arrays):
        with gt.no_grad():
            return c(*(gt.from_numpy(a) for a in arrays)).numpy()
    return call


def _eager(fn, *arrays):
    with gt.no_grad():
        return fn(*(gt.from_numpy(a) for a in arrays)).numpy()


def _rand(rng, *shape, dt=np.float32):
    return rng.standard_normal(shape).astype(dt)


def _block(x, w1, w2, b2):
    """A ResNet basic block without BatchNorm: conv, ReLU, conv + bias, residual, ReLU."""
    y = F.relu(F.conv2d(x, w1, None, padding=1))
    return F.relu(F.conv2d(y, w2, b2, padding=1) + x)


def _args(rng, c, h, w, batch, dt=np.float32):
    return [_rand(rng, batch, c, h, w, dt=dt), _rand(rng, c, c, 3, 3, dt=dt) * 0.1,
            _rand(rng, c, c, 3, 3, dt=dt) * 0.1, _rand(rng, c, dt=dt)]


def _t1_t2_t3(team, cg, args, split):
    """Results at 1, 2 and 3 threads; asserts the 2-thread call entered both regions."""
    team(1)
    before = threads.stats()
    one = cg(*args)
    assert threads.stats() == before  # one thread: no region
    team(2)
    before = threads.stats()
    two = cg(*args)
    if split:
        assert threads.stats() == before + 2  # both convolutions ran on the team
    team(3)
    return one, two, cg(*args)


@pytest.mark.parametrize("batch", [1, 2, 3])
@pytest.mark.parametrize("hw", [(16, 16), (9, 11)])  # (9, 11): odd output, the crop path
def test_block_threads_bitwise_and_close_to_eager(team, monkeypatch, batch, hw):
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(batch)
    args = _args(rng, 32, *hw, batch)
    cg = _compile(_block)
    one, two, three = _t1_t2_t3(team, cg, args, split=True)
    np.testing.assert_array_equal(two, one)
    np.testing.assert_array_equal(three, one)
    np.testing.assert_allclose(one, _eager(_block, *args), rtol=1e-4, atol=1e-4)


def test_channels_not_a_multiple_of_chunk_or_vector(team, monkeypatch):
    """36 input channels (the scalar weight kernel: 36 % 8) and 44 output channels, split at
    batch 1 over 2 and 3 threads."""
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(7)
    x, w, b = _rand(rng, 1, 36, 10, 13), _rand(rng, 44, 36, 3, 3), _rand(rng, 44)

    def conv(x, w, b):
        return F.relu(F.conv2d(x, w, b, padding=1))
    cg = _compile(conv)
    team(1)
    one = cg(x, w, b)
    for n in (2, 3):
        team(n)
        np.testing.assert_array_equal(cg(x, w, b), one)
    np.testing.assert_allclose(one, _eager(conv, x, w, b), rtol=1e-4, atol=1e-4)


def test_symbolic_batch(team, monkeypatch):
    """One compiled function (dynamic batch) at batches 1, 2, 3 and 1 thread / 2 threads."""
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(3)
    args = _args(rng, 32, 12, 12, 3)
    cg = _compile(_block, dynamic=True)
    for n in (1, 2, 3, 1):
        sub = [args[0][:n]] + args[1:]
        team(1)
        one = cg(*sub)
        team(2)
        np.testing.assert_array_equal(cg(*sub), one)
        np.testing.assert_allclose(one, _eager(_block, *sub), rtol=1e-4, atol=1e-4)


def test_new_weights_each_call_on_the_team(team, monkeypatch):
    """U is transformed on every call on every thread: changed weights are seen."""
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(4)
    a, b = _args(rng, 32, 8, 8, 1), _args(rng, 32, 8, 8, 1)
    mixed = [a[0], b[1], b[2], b[3]]
    cg = _compile(_block)
    team(2)
    for args in (a, mixed, a, b):
        np.testing.assert_allclose(cg(*args), _eager(_block, *args), rtol=1e-4, atol=1e-4)


def test_float64_on_the_team(team, monkeypatch):
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(5)
    args = _args(rng, 32, 9, 10, 1, dt=np.float64)
    cg = _compile(_block)
    one, two, _ = _t1_t2_t3(team, cg, args, split=True)
    assert two.dtype == np.float64
    np.testing.assert_allclose(two, one, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(one, _eager(_block, *args), rtol=1e-10, atol=1e-10)


def test_serial_weight_switch_gives_the_same_results(team, monkeypatch):
    """``WINOGRAD_WEIGHTS = "entry"`` (U transformed before the region) and "private" agree
    bitwise."""
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(6)
    args = _args(rng, 32, 11, 9, 1)
    coop = _compile(_block)
    team(2)
    want = coop(*args)
    monkeypatch.setattr(rules_conv, "WINOGRAD_WEIGHTS", "entry")
    serial = _compile(_block)
    for n in (1, 2):
        team(n)
        np.testing.assert_array_equal(serial(*args), want)
        np.testing.assert_array_equal(coop(*args), want)


def test_images_split_by_batch(team):
    """Batch 4 on 2 threads (images, not bands, split): each thread has its own U too."""
    rng = np.random.default_rng(8)
    args = _args(rng, 32, 16, 16, 4)
    cg = _compile(_block)
    one, two, three = _t1_t2_t3(team, cg, args, split=True)
    np.testing.assert_array_equal(two, one)
    np.testing.assert_array_equal(three, one)
    np.testing.assert_allclose(one, _eager(_block, *args), rtol=1e-4, atol=1e-4)
