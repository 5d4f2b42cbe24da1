"""forward_ad dual tensors, saved_tensors_hooks / save_on_cpu, against torch 2.13."""
import numpy as np
import pytest

import graphtorch as gt

torch = pytest.importorskip("torch")


def _run_forward_ad(m):
    from importlib import import_module
    fw = import_module(m.__name__ + ".autograd.forward_ad")
    x = m.tensor([1.0, 2, 3], dtype=m.float64)
    v = m.tensor([0.5, -1, 2], dtype=m.float64)
    W = m.tensor([[1.0, 2, 3], [0, 1, -1]], dtype=m.float64)
    with fw.dual_level():
        d = fw.make_dual(x, v)
        y = m.softmax(W @ d.sin() * 2, dim=0) + (d * d).sum()
        p, t = fw.unpack_dual(y)
        e = fw.make_dual(m.tensor(2.0, dtype=m.float64), m.tensor(1.0, dtype=m.float64))
        t2 = fw.unpack_dual(e ** 3 * d[0]).tangent
        own = fw.unpack_dual(d).tangent
        none = fw.unpack_dual(m.ones(2)).tangent
    after = fw.unpack_dual(y).tangent
    return [p, t, t2, own], none, after


def test_forward_ad_matches_torch():
    g, t = _run_forward_ad(gt), _run_forward_ad(torch)
    for a, b in zip(g[0], t[0]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    assert g[1] is None and t[1] is None and g[2] is None and t[2] is None


def test_make_dual_needs_a_level():
    from graphtorch.autograd import forward_ad as fw
    with pytest.raises(RuntimeError):
        fw.make_dual(gt.ones(2), gt.ones(2))


def _run_saved_hooks(m):
    packed, unpacked = [], []
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: packed.append(1) or t * 1,
                                              lambda t: unpacked.append(1) or t):
        y = (x.exp() * x).sum()
    y.backward()
    z = m.tensor([0.5, -1.0], requires_grad=True)
    with m.autograd.graph.save_on_cpu():
        (z.tanh() ** 2).sum().backward()
    return x.grad, len(packed), len(unpacked), z.grad


def test_saved_tensors_hooks_match_torch():
    g, t = _run_saved_hooks(gt), _run_saved_hooks(torch)
    np.testing.assert_allclose(g[0].numpy(), t[0].numpy(), rtol=1e-6)
    assert g[1:3] == t[1:3]
    np.testing.assert_allclose(g[3].numpy(), t[3].numpy(), rtol=1e-6)
    assert not gt.eager.autograd.SAVED_HOOKS  # the stack is popped on exit
