"""The llvm backend's Winograd F(2x2, 3x3) convolution (conv_winograd.py) against eager
graphtorch: shapes exercising every path (vector and scalar tile loops, channels not a multiple
of the vector width, odd outputs through the crop, padding 0/1/2), the fused epilogues (bias,
ReLU, folded BatchNorm + residual, max-pool), float64, threads, and where it does not apply."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, rules_conv

F = gt.nn.functional


class _Fn(gt.nn.Module):
    """``fn(x, weight[, bias])`` with the weights as parameters: traced modules keep parameter
    shapes static (Winograd needs a known 3x3 kernel and channel counts)."""

    def __init__(self, fn, weights):
        super().__init__()
        self.fn, self.n = fn, len(weights)
        self.weight = gt.nn.Parameter(gt.from_numpy(weights[0]))
        if len(weights) > 1:
            self.bias = gt.nn.Parameter(gt.from_numpy(weights[1]))

    def forward(self, x):
        return self.fn(x, self.weight, self.bias) if self.n > 1 else self.fn(x, self.weight)


def _compile(fn, x, *weights):
    """The compiled graph of ``fn``: called as ``cg(x, *weights)``."""
    with gt.no_grad():
        tr = gt.jit.trace(_Fn(fn, weights), (gt.from_numpy(x),), check_trace=False)
    assert [v.name for v in tr.graph.inputs][1:] == ["weight", "bias"][:len(weights)]
    return compile_graph(tr.graph, use_cache=False)


def _eager(fn, *arrays):
    with gt.no_grad():
        return fn(*(gt.from_numpy(a) for a in arrays)).numpy()


def _rand(rng, *shape, dt=np.float32):
    return rng.standard_normal(shape).astype(dt)


def _winograd(cg) -> bool:
    return "gt_winou" in cg.llvm_ir


CASES = [  # (C, OC, H, W, padding, bias)
    (32, 32, 16, 16, 1, True),    # the ResNet block's shape class: vector tile loops only
    (36, 40, 11, 21, 1, False),   # odd output (crop), 11 tiles per row (vector + scalar), C % 8
    (32, 34, 9, 12, 0, True),     # no padding: output 7 x 10
    (40, 32, 6, 5, 2, True),      # padding 2: more border than image
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("then", ["none", "relu"])
def test_winograd_matches_eager(case, then):
    c, oc, h, w, p, has_bias = case
    rng = np.random.default_rng(0)
    x, wt, b = _rand(rng, 2, c, h, w), _rand(rng, oc, c, 3, 3) * 0.2, _rand(rng, oc)

    def fn(x, wt, b):
        y = F.conv2d(x, wt, b if has_bias else None, padding=p)
        return F.relu(y) if then == "relu" else y
    cg = _compile(fn, x, wt, b)
    assert _winograd(cg)
    for batch in (2, 1, 3):
        xb = _rand(rng, batch, c, h, w)
        np.testing.assert_allclose(cg(xb, wt, b)[0], _eager(fn, xb, wt, b),
                                   rtol=2e-4, atol=2e-4)


def test_winograd_float64_is_accurate():
    rng = np.random.default_rng(1)
    x, wt = _rand(rng, 2, 32, 10, 10, dt=np.float64), _rand(rng, 32, 32, 3, 3, dt=np.float64)

    def fn(x, wt):
        return F.conv2d(x, wt, None, padding=1)
    cg = _compile(fn, x, wt)
    assert _winograd(cg)
    np.testing.assert_allclose(cg(x, wt)[0], _eager(fn, x, wt), rtol=1e-11, atol=1e-11)


def test_winograd_resblock_with_folded_batchnorm():
    from tests.jit.zoo import _init, resblock
    m = resblock(gt, c=32)
    _init(m, gt, seed=3)
    m.eval()
    rng = np.random.default_rng(2)
    x = _rand(rng, 2, 32, 12, 12)
    with gt.no_grad():
        tr = gt.jit.trace(m, (gt.from_numpy(x),), check_trace=False)
        cg = compile_graph(tr.graph, use_cache=False)
        assert _winograd(cg)
        state = {k: v.numpy() for k, v in m.state_dict().items()}
        params = [state[v.name] for v in tr.graph.inputs[1:]]
        for batch in (2, 1):
            xb = _rand(rng, batch, 32, 12, 12)
            want = m(gt.from_numpy(xb)).numpy()
            np.testing.assert_allclose(cg(xb, *params)[0], want, rtol=2e-4, atol=2e-4)


def test_winograd_relu_maxpool_epilogue():
    rng = np.random.default_rng(3)
    x, wt, b = _rand(rng, 2, 32, 14, 14), _rand(rng, 32, 32, 3, 3) * 0.2, _rand(rng, 32)

    def fn(x, wt, b):
        return F.max_pool2d(F.relu(F.conv2d(x, wt, b, padding=1)), 2)
    cg = _compile(fn, x, wt, b)
    assert _winograd(cg)
    np.testing.assert_allclose(cg(x, wt, b)[0], _eager(fn, x, wt, b), rtol=2e-4, atol=2e-4)


def test_winograd_new_weights_each_call():
    """The weight transform runs per call: changed weights are seen."""
    rng = np.random.default_rng(4)
    x = _rand(rng, 1, 32, 8, 8)

    def fn(x, wt):
        return F.conv2d(x, wt, None, padding=1)
    w1, w2 = _rand(rng, 32, 32, 3, 3), _rand(rng, 32, 32, 3, 3)
    cg = _compile(fn, x, w1)
    for w in (w1, w2, w1):
        np.testing.assert_allclose(cg(x, w)[0], _eager(fn, x, w), rtol=2e-4, atol=2e-4)


def test_winograd_threads_bitwise():
    rng = np.random.default_rng(5)
    x, wt = _rand(rng, 6, 32, 16, 16), _rand(rng, 32, 32, 3, 3)

    def fn(x, wt):
        return F.relu(F.conv2d(x, wt, None, padding=1))
    cg = _compile(fn, x, wt)
    old = gt.get_num_threads()
    try:
        gt.set_num_threads(1)
        one = cg(x, wt)[0].copy()
        gt.set_num_threads(2)
        two = cg(x, wt)[0]
    finally:
        gt.set_num_threads(old)
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1), dict(dilation=2, padding=2),
                                dict(groups=2, padding=1)])
def test_winograd_not_used_where_it_does_not_apply(kw):
    rng = np.random.default_rng(6)
    g = kw.get("groups", 1)
    x, wt = _rand(rng, 2, 32, 10, 10), _rand(rng, 32, 32 // g, 3, 3)

    def fn(x, wt):
        return F.conv2d(x, wt, None, **kw)
    cg = _compile(fn, x, wt)
    assert not _winograd(cg)
    np.testing.assert_allclose(cg(x, wt)[0], _eager(fn, x, wt), rtol=1e-4, atol=1e-4)


def test_winograd_small_channels_and_switch(monkeypatch):
    rng = np.random.default_rng(7)
    x, wt = _rand(rng, 1, 8, 10, 10), _rand(rng, 8, 8, 3, 3)

    def fn(x, wt):
        return F.conv2d(x, wt, None, padding=1)
    assert not _winograd(_compile(fn, x, wt))  # 64 channel pairs: im2col is cheaper
    x, wt = _rand(rng, 1, 32, 10, 10), _rand(rng, 32, 32, 3, 3)
    monkeypatch.setattr(rules_conv, "WINOGRAD", False)
    cg = _compile(fn, x, wt)
    assert not _winograd(cg)
    np.testing.assert_allclose(cg(x, wt)[0], _eager(fn, x, wt), rtol=1e-4, atol=1e-4)
