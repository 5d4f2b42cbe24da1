"""Every op with a decomposition: decomp(inputs) equals the kernel's output on all samples in
float32 / float64, and its gradient equals the op's own vjp; the composite ops must have one."""
from __future__ import annotations

import numpy as np
import pytest

from graphtorch.eager.dispatch import call
from graphtorch.eager.tensor import Tensor, wrap
from graphtorch.ops import all_ops, decomp_nn, registry  # noqa: F401 - decomp_nn attaches
from graphtorch.ops import dtypes as D

COMPOSITE = (
    "linear", "softmax", "log_softmax", "layer_norm", "group_norm", "batch_norm", "gelu", "silu",
    "mish", "leaky_relu", "elu", "softplus", "hardtanh", "hardswish", "hardsigmoid",
    "log_sigmoid", "softshrink", "hardshrink", "threshold", "glu", "prelu", "mse_loss",
    "nll_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "soft_margin_loss", "embedding", "constant_pad_nd",
    "avg_pool", "max_pool", "convolution", "addmm", "addmv", "addr", "baddbmm", "addbmm",
    "logsumexp", "var", "std", "var_mean", "std_mean", "norm", "mean", "nanmean", "count_nonzero", "trace",
    "im2col",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "conv_transpose",
    "adaptive_max_pool", "fractional_max_pool", "max_unpool", "col2im", "upsample", "ctc_loss",
    "affine_grid_generator")
OPS = [op for op in all_ops() if op.decomp is not None]
CASES = [(op, dt) for op in OPS for dt in (D.float32, D.float64) if dt in op.dtypes]
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom")
RTOL = {D.float32: 1e-4, D.float64: 1e-6}


def _inputs(sample, requires_grad=False):
    out = []
    for a in sample.args:
        if isinstance(a, np.ndarray):
            t = wrap(a.copy())
            if requires_grad and t.dtype.category >= D._FLOAT:
                t.requires_grad_(True)
            out.append(t)
        else:
            out.append(a)
    return out


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _check_same(got, want, rtol, what):
    assert isinstance(got, Tensor), what
    assert tuple(got.shape) == tuple(want.shape), (what, got.shape, want.shape)
    assert got.dtype is want.dtype, (what, got.dtype, want.dtype)
    g, w = got.detach().numpy(), want.detach().numpy()
    if want.dtype.category < D._FLOAT:
        np.testing.assert_array_equal(g, w, err_msg=what)
    else:
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol, equal_nan=True, err_msg=what)


def test_composite_ops_have_decompositions():
    missing = [name for name in COMPOSITE if registry.get(name).decomp is None]
    assert not missing, f"composite ops without a decomposition: {missing}"


def _no_self_call(*args, **kwargs):
    raise AssertionError("a decomposition must not run the op it decomposes, nor another "
                         "composite op")


@pytest.mark.parametrize("op,dt", CASES, ids=lambda x: getattr(x, "name", str(x)))
def test_decomposition_matches_kernel(op, dt, monkeypatch):
    for i, sample in enumerate(op.samples(dt)):
        args = _inputs(sample)
        want = _tuple(call(op, *args, **sample.kwargs))
        with monkeypatch.context() as m:
            for name in COMPOSITE + (op.name,):  # only primitives may run
                m.setattr(registry.get(name), "kernel", _no_self_call)
            got = _tuple(op.decomp(*args, **sample.kwargs))
        assert len(got) == len(want), (op.name, i)
        for k, (g, w) in enumerate(zip(got, want)):
            _check_same(g, w, RTOL[dt], f"{op.name} sample {i} {sample.name} output {k}")


def _grads(fn, sample, cotangent):
    args = _inputs(sample, requires_grad=True)
    out = _tuple(fn(*args, **sample.kwargs))[0]
    (out * cotangent).sum().backward()
    return [a.grad for a in args if isinstance(a, Tensor) and a.requires_grad]


# ctc_loss is left out: its vjp follows PyTorch's convention (exact only seen through
# log_softmax, so it differs from the true gradient of the decomposition) and its samples have
# no gradient sample; only its values are compared above
GRAD_OPS = [op for op in OPS if op.differentiable and D.float64 in op.dtypes
            and "grad_via_log_softmax" not in op.tags]


@pytest.mark.parametrize("op", GRAD_OPS, ids=lambda op: op.name)
def test_decomposition_gradient_matches_vjp(op):
    sample = next(s for s in op.samples(D.float64) if s.grad)
    out = _tuple(call(op, *_inputs(sample), **sample.kwargs))[0]
    cot = wrap(np.random.RandomState(0).uniform(0.5, 1.5, tuple(out.shape)))
    want = _grads(lambda *a, **k: call(op, *a, **k), sample, cot)
    got = _grads(op.decomp, sample, cot)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        if g is None and w is None:
            continue
        g = g if g is not None else w * 0
        w = w if w is not None else g * 0
        _check_same(g, w, 1e-6, f"{op.name} grad of input {i}")


def test_ctc_decomposition_gradient_through_log_softmax():
    """ctc_loss's vjp is exact only seen through log_softmax: compare there instead."""
    op = registry.get("ctc_loss")
    for sample in op.samples(D.float64):
        lp, rest = sample.args[0], sample.args[1:]
        grads = []
        for fn in (lambda *a, **k: call(op, *a, **k), op.decomp):
            x = wrap(lp.copy()).requires_grad_(True)
            out = fn(x.log_softmax(-1), *[wrap(a) for a in rest], **sample.kwargs)
            out.sum().backward()
            grads.append(x.grad)
        _check_same(grads[1], grads[0], 1e-6, f"ctc_loss {sample.kwargs} grad")
