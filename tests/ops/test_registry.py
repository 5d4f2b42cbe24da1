"""Registry-driven tests: every op × dtype × sample — meta agrees with the kernel, outputs of
view ops alias their input and of other ops don't, and gradients pass gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.eager.dispatch import call, spec
from graphtorch.eager.tensor import Tensor, wrap
from graphtorch.ops import all_ops
from graphtorch.ops import dtypes as D

OPS = all_ops()
CASES = [(op, dt) for op in OPS for dt in op.dtypes]


def _tensors(sample, requires_grad=False):
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


def test_registry_is_complete():
    missing = []
    for op in OPS:
        for field in ("kernel", "meta", "samples"):
            if getattr(op, field) is None:
                missing.append(f"{op.name}: no {field}")
        if not op.dtypes:
            missing.append(f"{op.name}: no dtypes")
        if op.differentiable and op.vjp is None:
            missing.append(f"{op.name}: differentiable but no vjp")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("op,dt", CASES, ids=lambda x: getattr(x, "name", str(x)))
def test_meta_matches_kernel(op, dt):
    ran = 0
    for sample in op.samples(dt):
        args = _tensors(sample)
        out = call(op, *args, **sample.kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        m = op.meta(*[spec(a) for a in args], **sample.kwargs)
        metas = m if isinstance(m, tuple) else (m,)
        assert len(metas) == len(outs), sample.name
        for o, s in zip(outs, metas):
            assert tuple(o.shape) == tuple(s.shape), (sample.name, o.shape, s.shape)
            assert o.dtype is s.dtype, (sample.name, o.dtype, s.dtype)
            first = next((a for a in args if isinstance(a, Tensor)), None)
            if first is not None and o.numel() > 0 and not op.view:
                assert not np.may_share_memory(o._data, first._data), \
                    f"{op.name} output aliases its input but the op is not a view"
        ran += 1
    assert ran > 0


# ops whose derivative is defined only on a manifold (CTC's, like PyTorch's, assumes normalized
# log-probabilities) are gradchecked through that manifold in their own test files
# (and eigen/cholesky derivatives, which like PyTorch's assume symmetric inputs)
GRAD_CASES = [op for op in OPS if op.differentiable and
              not {"grad_via_log_softmax", "grad_on_manifold"} & op.tags and
              any(d in op.dtypes for d in (D.float64, D.float32))]


@pytest.mark.parametrize("op", GRAD_CASES, ids=lambda o: o.name)
def test_gradcheck(op):
    checked = 0
    for sample in op.samples(D.float64):
        if not sample.grad:
            continue
        args = _tensors(sample, requires_grad=True)
        if not any(isinstance(a, Tensor) and a.requires_grad and a.numel() for a in args):
            continue

        def f(*xs, _s=sample):
            return call(op, *xs, **_s.kwargs)
        assert gt.autograd.gradcheck(f, args, eps=1e-6, atol=1e-5, rtol=1e-3), sample.name
        checked += 1
    assert checked > 0, f"{op.name} has no sample usable for gradcheck"
