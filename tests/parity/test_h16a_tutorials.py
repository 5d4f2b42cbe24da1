"""Regressions found by running PyTorch-tutorial-style programs (helper H16a): each test
compares graphtorch with torch 2.13 on the smallest program that showed the bug."""
import numpy as np
import pytest

import graphtorch as gt

torch = pytest.importorskip("torch")


def _same(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]


def test_range_as_index():
    """nn-really tutorial: ``input[range(n), target]`` (a range is an int sequence index)."""
    a = np.arange(12.0).reshape(3, 4)
    tgt = np.array([0, 3, 1])
    for lib in (gt, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x[range(3), lib.tensor(tgt)]
        y.sum().backward()
        if lib is gt:
            g_out, g_grad = y, x.grad
        else:
            _same(g_out, y)
            _same(g_grad, x.grad)
    x = gt.arange(12.).view(3, 4)
    assert x[:, range(1, 3)].tolist() == torch.arange(12.).view(3, 4)[:, range(1, 3)].tolist()
    x[range(2)] = 0
    assert x.sum().item() == 38.0


_INPLACE_AFTER = {
    "sort": lambda L, x: x.sort(1)[0],
    "topk": lambda L, x: x.topk(2, 1)[0],
    "max_dim": lambda L, x: x.max(1)[0],
    "min_dim": lambda L, x: x.min(1)[0],
    "kthvalue": lambda L, x: x.kthvalue(2, 1)[0],
    "median_dim": lambda L, x: x.median(1)[0],
    "mode": lambda L, x: x.mode(1)[0],
    "cummax": lambda L, x: x.cummax(1)[0],
    "cummin": lambda L, x: x.cummin(1)[0],
    "max_pool1d": lambda L, x: L.nn.functional.max_pool1d(x[None], 2),
    "max_pool2d": lambda L, x: L.nn.functional.max_pool2d(x[None, None], 2),
    "adaptive_max_pool1d": lambda L, x: L.nn.functional.adaptive_max_pool1d(x[None], 2),
    "frexp": lambda L, x: L.frexp(x)[0],
    "sigmoid": lambda L, x: x.sigmoid(),  # reads its output: the in-place error must stay
}


@pytest.mark.parametrize("name", sorted(_INPLACE_AFTER))
def test_inplace_on_values_of_index_ops(name):
    """STN tutorial: ``MaxPool2d`` then ``ReLU(inplace=True)``; the backward of value+index
    ops reads only the indices, so writing the values in place is legal in torch."""
    a = np.array([[3., 1., 2., 5.], [0.5, 4., -1., 2.]])
    res = []
    for L in (gt, torch):
        x = L.tensor(a, requires_grad=True)
        y = _INPLACE_AFTER[name](L, x)
        y.mul_(2)
        try:
            y.sum().backward()
            res.append(x.grad.numpy().copy())
        except RuntimeError as e:
            res.append(type(e).__name__)
    if isinstance(res[1], str):
        assert res[0] == res[1]
    else:
        np.testing.assert_allclose(res[0], res[1])


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
def test_grid_sample_identity_grid_gradient(align_corners, mode):
    """STN tutorial: the identity affine grid hits pixel centres exactly, where the floor in
    bilinear sampling (and so the grid gradient) depends on torch's float32 rounding."""
    img = np.random.RandomState(0).rand(2, 2, 4, 5).astype(np.float32)
    res = []
    for L in (gt, torch):
        theta = L.tensor([[[1., 0, 0], [0, 1., 0]]] * 2, requires_grad=True)
        g = L.nn.functional.affine_grid(theta, (2, 2, 4, 5), align_corners=align_corners)
        o = L.nn.functional.grid_sample(L.tensor(img), g, mode=mode, align_corners=align_corners)
        (o * L.arange(40.).reshape(2, 4, 5)).sum().backward()
        res.append((o.detach().numpy(), theta.grad.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-4, atol=1e-4)


def test_grad_fn_saved_attributes():
    """Autograd mechanics notes: ``y.grad_fn._saved_self`` / ``_saved_exponent`` /
    ``_saved_result``; an unsaved one raises AttributeError; freed tensors RuntimeError."""
    for L in (gt, torch):
        x = L.tensor([1., 2., 3.], requires_grad=True)
        y = x.pow(2)
        assert y.grad_fn._saved_self is x and y.grad_fn._saved_exponent == 2
        e = x.exp()
        assert e.grad_fn._saved_result.equal(e)
        z = x * L.tensor([2., 3., 4.])
        assert z.grad_fn._saved_other.tolist() == [2., 3., 4.] and z.grad_fn._saved_self is None
        with pytest.raises(AttributeError):
            x.sum(0).grad_fn._saved_self
        y.sum().backward()
        with pytest.raises(RuntimeError, match="freed"):
            y.grad_fn._saved_self


def test_module_compile_in_place():
    """torch.compile tutorial: ``mod.compile()`` compiles the module itself (same object)."""
    m = gt.nn.Sequential(gt.nn.Linear(4, 3), gt.nn.ReLU())
    x = gt.tensor(np.random.RandomState(0).randn(5, 4).astype(np.float32))
    ref = m(x)
    assert m.compile() is None
    assert isinstance(m, gt.nn.Sequential)
    np.testing.assert_allclose(m(x).detach().numpy(), ref.detach().numpy(), rtol=1e-5)
    opt = gt.optim.SGD(m.parameters(), lr=0.1)
    m(x).sum().backward()
    opt.step()
    with gt.no_grad():
        after = m[1](m[0](x))   # the submodules run eagerly: params seen after the step
    np.testing.assert_allclose(m(x).detach().numpy(), after.numpy(), rtol=1e-5)


def test_dynamo_namespace():
    """torch.compile tutorial: ``torch._dynamo.reset()`` after a plain ``import torch``."""
    assert gt._dynamo.reset() is None and torch._dynamo.reset() is None
    assert hasattr(gt._dynamo, "config") and gt._dynamo.is_compiling() is False


def test_onnx_dynamic_axis_with_unit_example():
    """ONNX super-resolution tutorial: export with a batch-1 example and a dynamic batch axis,
    then run onnxruntime on batch 3 (torch keeps the requested axis dynamic)."""
    ort = pytest.importorskip("onnxruntime")
    import io
    m = gt.nn.Sequential(gt.nn.Conv2d(1, 4, 3, padding=1), gt.nn.PixelShuffle(2), gt.nn.Flatten())
    buf = io.BytesIO()
    gt.onnx.export(m, (gt.rand(1, 1, 4, 4),), buf, input_names=["input"],
                   output_names=["output"], dynamo=False,
                   dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    x = np.random.RandomState(1).rand(3, 1, 4, 4).astype(np.float32)
    out = ort.InferenceSession(buf.getvalue()).run(None, {"input": x})[0]
    with gt.no_grad():
        np.testing.assert_allclose(out, m(gt.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_pruning_container():
    """Pruning tutorial: pruning a tensor again makes its hook a PruningContainer."""
    import importlib
    res = []
    for name in ("graphtorch", "torch"):
        L = importlib.import_module(name)
        prune = importlib.import_module(name + ".nn.utils.prune")
        m = L.nn.Conv2d(3, 4, 3)
        with L.no_grad():
            m.weight.copy_(L.arange(108.).reshape(4, 3, 3, 3).sin())
        prune.l1_unstructured(m, "weight", amount=0.5)
        prune.ln_structured(m, "weight", amount=0.5, n=2, dim=0)
        prune.l1_unstructured(m, "weight", amount=3)
        hooks = list(m._forward_pre_hooks.values())
        res.append((len(hooks), type(hooks[0]).__name__, [type(h).__name__ for h in hooks[0]],
                    len(hooks[0]), m.weight_mask.sum((1, 2, 3)).tolist()))
        prune.remove(m, "weight")
        assert not m._forward_pre_hooks
    assert res[0] == res[1]


@pytest.mark.parametrize("make,x", [("LazyLinear(3)", (2, 4)), ("LazyConv2d(4, 3)", (1, 2, 5, 5)),
                                     ("LazyBatchNorm1d()", (3, 2))])
def test_lazy_module_api(make, x):
    """nn tutorials: lazy modules answer has_uninitialized_params() until the first forward,
    then become their ordinary class."""
    res = []
    for L in (gt, torch):
        m = eval("L.nn." + make)
        before = m.has_uninitialized_params()
        m(L.zeros(x))
        res.append((before, type(m).__name__, hasattr(m, "has_uninitialized_params"),
                    tuple(m.weight.shape)))
    assert res[0] == res[1]
