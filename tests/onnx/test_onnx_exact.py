"""Ops ONNX has no single operator for, exported exactly: grid_sample (GridSample, every
mode / padding / align_corners, opset 17 and the newest), gcd / lcm (a Loop of Mod), mode,
unique_consecutive; each checked in ONNX Runtime against eager."""
import itertools

import numpy as np
import onnx
import pytest

import graphtorch as torch
import graphtorch.nn.functional as F
import graphtorch.onnx as gonnx
from graphtorch.codegen.onnx import newest_opset
from graphtorch.codegen.onnx.runtime import run_ort

NEWEST = newest_opset()


def _run(fn, args, names, opset=None, axes=None):
    prog = gonnx.export(fn, args, input_names=names, opset_version=opset, dynamic_axes=axes)
    onnx.checker.check_model(prog.model_proto, full_check=True)
    return prog.model_proto


def _same(model, fn, args, names, exact=False):
    got = run_ort(model, {n: a.numpy() for n, a in zip(names, args)})
    want = fn(*args)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.numpy().dtype and g.shape == tuple(w.shape)
        if exact:
            np.testing.assert_array_equal(g, w.numpy())
        else:
            np.testing.assert_allclose(g, w.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [17, NEWEST])
def test_grid_sample_all_modes(opset):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 5, 6, generator=g)
    grid = torch.rand(2, 4, 7, 2, generator=g) * 2.6 - 1.3  # some points outside [-1, 1]
    for mode, pad, ac in itertools.product(("bilinear", "nearest", "bicubic"),
                                           ("zeros", "border", "reflection"), (False, True)):
        def fn(a, b, mode=mode, pad=pad, ac=ac):
            return F.grid_sample(a, b, mode=mode, padding_mode=pad, align_corners=ac)
        model = _run(fn, (x, grid), ["x", "grid"], opset,
                     {"x": {0: "n", 2: "h", 3: "w"}, "grid": {0: "n", 1: "ho", 2: "wo"}})
        ops = [n.op_type for n in model.graph.node]
        assert "GridSample" in ops, (mode, pad, ac)
        x2 = torch.randn(1, 3, 4, 9, generator=g)
        g2 = torch.rand(1, 3, 5, 2, generator=g) * 2.4 - 1.2
        for args in ((x, grid), (x2, g2)):
            _same(model, fn, args, ["x", "grid"])


def test_grid_sample_3d_needs_opset_20():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(1, 2, 3, 4, 5, generator=g)
    grid = torch.rand(1, 2, 3, 4, 3, generator=g) * 2.2 - 1.1

    def fn(a, b):
        return F.grid_sample(a, b, mode="bilinear", padding_mode="border", align_corners=False)
    with pytest.raises(gonnx.OnnxExporterError, match=r"grid_sampler.*opset >= 20"):
        _run(fn, (x, grid), ["x", "grid"], 17)
    _same(_run(fn, (x, grid), ["x", "grid"], NEWEST), fn, (x, grid), ["x", "grid"])


@pytest.mark.parametrize("dt", [torch.int64, torch.int32, torch.int16, torch.uint8])
def test_gcd_lcm_loop(dt):
    lo = 0 if dt == torch.uint8 else -60
    g = torch.Generator().manual_seed(2)
    a = torch.randint(lo, 60, (4, 5), generator=g, dtype=dt)
    b = torch.randint(lo, 60, (5,), generator=g, dtype=dt)
    a[0, 0] = 0
    b[0] = 0
    b[1] = 0 if dt == torch.uint8 else -34
    a[1, 1] = 55  # consecutive Fibonacci numbers: the longest Euclid chain here

    def fn(x, y):
        return torch.gcd(x, y), torch.lcm(x, y)
    model = _run(fn, (a, b), ["a", "b"], axes={"a": {0: "n"}})
    assert "Loop" in [n.op_type for n in model.graph.node]
    _same(model, fn, (a, b), ["a", "b"], exact=True)
    _same(model, fn, (a[:1], b), ["a", "b"], exact=True)
    z = torch.zeros(3, 5, dtype=dt)  # every pair already finished: the loop never runs
    _same(model, fn, (z, b), ["a", "b"], exact=True)


@pytest.mark.parametrize("dt", [torch.float32, torch.int64, torch.bool])
def test_mode(dt):
    g = torch.Generator().manual_seed(3)
    x = torch.randint(0, 2 if dt == torch.bool else 4, (3, 6, 5), generator=g).to(dt)
    for dim, keep in ((-1, False), (1, True), (0, False)):
        def fn(t, dim=dim, keep=keep):
            return torch.mode(t, dim, keep)
        model = _run(fn, (x,), ["x"], axes={"x": {0: "a", 1: "b", 2: "c"}})
        _same(model, fn, (x,), ["x"], exact=True)
        y = torch.randint(0, 3, (2, 7, 4), generator=g).to(dt)
        _same(model, fn, (y,), ["x"], exact=True)


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_consecutive(dim):
    x = torch.tensor([[1, 1, 2], [1, 1, 2], [3, 1, 2], [3, 1, 2], [1, 1, 2]])

    def fn(t):
        return torch.unique_consecutive(t, return_inverse=True, return_counts=True, dim=dim)
    model = _run(fn, (x,), ["x"], axes={"x": {0: "a"}})
    assert "Unique" not in [n.op_type for n in model.graph.node]
    _same(model, fn, (x,), ["x"], exact=True)
    _same(model, fn, (torch.tensor([[5, 5, 5], [5, 5, 5]]),), ["x"], exact=True)
    if dim is None:  # (graphtorch's eager unique(dim=0) fails on an empty input)
        _same(model, fn, (torch.zeros(0, 3, dtype=torch.int64),), ["x"], exact=True)
