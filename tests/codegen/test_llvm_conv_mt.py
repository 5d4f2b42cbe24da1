"""Convolutions on several threads when the batch is small (codegen/llvm/rules_conv.py):
a Winograd image split into bands of tile rows over the team when there are fewer images
than threads (float32 results bitwise those of one thread here: the generated small-GEMM
kernels sum each element in the same order whatever the column count; float64's BLAS may
round a band's columns differently),
small convolutions' images split from rules_conv.CONV_MIN_WORK, and both staying on the
calling thread when the team is one (a busy machine) or the image is small."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import rules_conv, threads

F = gt.nn.functional


def _compile(fn, *arrays):
    """``fn`` compiled with static shapes (Winograd needs known channels and kernel size),
    called on numpy arrays; returns a 1-tuple like compile_graph's functions."""
    c = gt.compile(fn, backend="llvm", dynamic=False)

    def call(*arrays):
        with gt.no_grad():
            return (c(*(gt.from_numpy(a) for a in arrays)).numpy(),)
    return call


def _eager(fn, *arrays):
    with gt.no_grad():
        return fn(*(gt.from_numpy(a) for a in arrays)).numpy()


def _rand(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def _block(x, w1, w2, b2):
    y = F.relu(F.conv2d(x, w1, None, padding=1))
    return F.relu(F.conv2d(y, w2, b2, padding=1) + x)


def _block_args(rng, c=32, h=10, w=9, batch=1):
    return [_rand(rng, batch, c, h, w), _rand(rng, c, c, 3, 3) * 0.1,
            _rand(rng, c, c, 3, 3) * 0.1, _rand(rng, c)]


@pytest.mark.parametrize("hw", [(10, 9), (8, 8)])  # odd width: the cropped output path
def test_winograd_image_split_bitwise(team, monkeypatch, hw):
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(0)
    args = _block_args(rng, h=hw[0], w=hw[1])
    cg = _compile(_block, *args)
    team(1)
    before = threads.stats()
    one = cg(*args)[0]
    assert threads.stats() == before
    team(2)
    two = cg(*args)[0]
    assert threads.stats() >= before + 2  # both convolutions of the one image were split
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(two, _eager(_block, *args), rtol=1e-4, atol=1e-4)
    team(3)  # more threads than parts of equal size: 32 channels over 3 parts
    np.testing.assert_array_equal(cg(*args)[0], one)


def test_winograd_split_with_a_bias_only_epilogue(team, monkeypatch):
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(1)
    x, w, b = _rand(rng, 1, 32, 8, 10), _rand(rng, 48, 32, 3, 3), _rand(rng, 48)

    def conv(x, w, b):
        return F.conv2d(x, w, b, padding=1)
    cg = _compile(conv, x, w, b)
    team(1)
    one = cg(x, w, b)[0]
    team(2)
    before = threads.stats()
    two = cg(x, w, b)[0]
    assert threads.stats() == before + 1
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(two, _eager(conv, x, w, b), rtol=1e-4, atol=1e-4)


def test_split_only_when_fewer_images_than_threads_and_free_cores(team, monkeypatch):
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(2)
    args = _block_args(rng, batch=2)
    cg = _compile(_block, *args)
    team(1)
    one = cg(*args)[0]
    team(2, free_cores=1)  # a busy machine: a team of one, no split, same results
    assert threads.TEAM_MAX.value == 1
    np.testing.assert_array_equal(cg(*args)[0], one)
    team(2)  # two images on two threads: split by images, not channels
    np.testing.assert_array_equal(cg(*args)[0], one)


def test_small_image_is_not_split(team):
    rng = np.random.default_rng(3)
    args = _block_args(rng, c=32, h=4, w=4)  # 32 x 288 x 16 MACs: below SPLIT_MIN_WORK
    cg = _compile(_block, *args)
    team(2)
    before = threads.stats()
    cg(*args)
    assert threads.stats() == before


def test_small_convolutions_split_their_images(team):
    # LeNet's second layer at batch 8: below threads.MIN_WORK, above CONV_MIN_WORK
    rng = np.random.default_rng(4)
    x, w, b = _rand(rng, 8, 6, 14, 14), _rand(rng, 16, 6, 5, 5), _rand(rng, 16)

    def conv(x, w, b):
        return F.relu(F.conv2d(x, w, b))
    cg = _compile(conv, x, w, b)
    work = 8 * 16 * 150 * 100 // 4
    assert rules_conv.CONV_MIN_WORK <= work < threads.MIN_WORK
    team(1)
    one = cg(x, w, b)[0]
    team(2)
    before = threads.stats()
    two = cg(x, w, b)[0]
    assert threads.stats() == before + 1
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(two, _eager(conv, x, w, b), rtol=1e-5, atol=1e-5)


def test_split_float64_and_symbolic_batch(team, monkeypatch):
    monkeypatch.setattr(rules_conv, "SPLIT_MIN_WORK", 1)
    rng = np.random.default_rng(5)
    args = [a.astype(np.float64) for a in _block_args(rng, h=9, w=12)]
    cg = _compile(_block, *args)
    team(1)
    one = cg(*args)[0]
    team(2)  # dgemm on a band's columns may round differently from the whole image's
    np.testing.assert_allclose(cg(*args)[0], one, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(one, _eager(_block, *args), rtol=1e-10, atol=1e-10)
    c = gt.compile(_block, backend="llvm", dynamic=True)
    with gt.no_grad():
        for batch in (1, 3, 1):  # split (one image), then by images, then split again
            xs = [gt.from_numpy(a) for a in _block_args(rng, batch=batch)]
            np.testing.assert_allclose(c(*xs).numpy(), _block(*xs).numpy(),
                                       rtol=1e-4, atol=1e-4)
