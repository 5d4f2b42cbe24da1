"""The llvm backend's direct convolution for few taps and output channels (conv_direct.py,
LeNet's first layer) against eager graphtorch: overlapping vector runs, the im2col fallback for
outputs narrower than a run (a run-time test), the fused epilogues, and where it does not
apply."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, conv_direct, rules_conv

F = gt.nn.functional


class _Conv(gt.nn.Module):
    """conv2d with the weights as parameters (static shapes), then ``then``."""

    def __init__(self, c, oc, k, then, **kw):
        super().__init__()
        self.conv = gt.nn.Conv2d(c, oc, k, **kw)
        self.then = then

    def forward(self, x):
        y = self.conv(x)
        if self.then == "relu_pool":
            return F.max_pool2d(F.relu(y), 2)
        return F.relu(y) if self.then == "relu" else y


def _check(m, shapes, expect_direct=True, marker="dr.head"):
    rng = np.random.default_rng(0)
    m.eval()
    x0 = rng.standard_normal(shapes[0]).astype(np.float32)
    with gt.no_grad():
        tr = gt.jit.trace(m, (gt.from_numpy(x0),), check_trace=False)
        cg = compile_graph(tr.graph, use_cache=False)
        assert (marker in cg.llvm_ir) == expect_direct
        params = [m.state_dict()[v.name].numpy() for v in tr.graph.inputs[1:]]
        for shape in shapes:
            x = rng.standard_normal(shape).astype(np.float32)
            want = m(gt.from_numpy(x)).numpy()
            np.testing.assert_allclose(cg(x, *params)[0], want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("then", ["none", "relu", "relu_pool"])
def test_lenet_first_layer(then):
    # 32x32 (OW 28: two overlapping runs), 28x28 (OW 24), 20x20 (OW 16: one run),
    # 12x12 (OW 8: narrower than a run, im2col at run time)
    _check(_Conv(1, 6, 5, then), [(2, 1, 32, 32), (1, 1, 28, 28), (3, 1, 20, 20),
                                  (2, 1, 12, 12)])


def test_several_channels_rect_kernel_no_bias():
    _check(_Conv(3, 8, (3, 2), "relu", bias=False), [(2, 3, 9, 21), (1, 3, 5, 40)])


@pytest.mark.parametrize("kw", [dict(padding=1), dict(stride=2), dict(dilation=2),
                                dict(groups=2)])
def test_not_used_where_it_does_not_apply(kw):
    _check(_Conv(2, 4, 3, "relu", **kw), [(2, 2, 20, 20)], expect_direct=False)


def test_too_many_channels_or_switch(monkeypatch):
    _check(_Conv(1, 12, 5, "none"), [(1, 1, 20, 20)], expect_direct=False)
    _check(_Conv(6, 6, 5, "none"), [(1, 6, 20, 20)], expect_direct=False)  # 150 taps
    _check(_Conv(12, 16, 5, "none"), [(1, 12, 9, 9)], expect_direct=False, marker="db.head")
    monkeypatch.setattr(rules_conv, "DIRECT_CONV", False)
    _check(_Conv(1, 6, 5, "none"), [(1, 1, 20, 20)], expect_direct=False)
    _check(_Conv(6, 16, 5, "none"), [(1, 6, 14, 14)], expect_direct=False, marker="db.head")


@pytest.mark.parametrize("then", ["none", "relu_pool"])
def test_lenet_second_layer_channels_in_lanes(then):
    # OW 10 (two exact blocks of 5), 8 (overlapping blocks), 5 (one), 3 (< a block: im2col)
    _check(_Conv(6, 16, 5, then), [(2, 6, 14, 14), (1, 6, 12, 12), (3, 6, 9, 9),
                                   (2, 6, 7, 7)], marker="db.head")


def test_channels_in_lanes_small_taps_no_bias():
    _check(_Conv(3, 16, (3, 2), "relu", bias=False), [(2, 3, 9, 21), (1, 3, 6, 7)],
           marker="db.head")


def test_limits_are_what_the_docs_say():
    assert conv_direct.MAX_TAPS >= 25 and conv_direct.MAX_OC >= 6
    assert conv_direct.OC_LANES == 16 and conv_direct.MAX_TAPS_OC >= 150


@pytest.mark.parametrize("oc,marker", [(4, "dr.head"), (16, "db.head")])
def test_conv1d_takes_the_direct_kernels(oc, marker):
    class C1(gt.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = gt.nn.Conv1d(2, oc, 5)

        def forward(self, x):
            return F.relu(self.conv(x))
    _check(C1(), [(3, 2, 40), (2, 2, 9), (1, 2, 5)], marker=marker)
