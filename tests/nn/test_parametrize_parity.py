"""nn.utils.parametrize / parametrizations against torch 2.13: names, reprs, values, grads."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402


def _lin(lib):
    m = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        m.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) - 2.5))
        m.bias.copy_(lib.tensor([0.5, -0.5]))
    return m


def test_weight_norm_matches_torch():
    res = []
    for lib in (torch, gt):
        m = lib.nn.utils.parametrizations.weight_norm(_lin(lib))
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3))
        out = m(x)
        out.sum().backward()
        g = m.parametrizations.weight
        res.append((repr(m), list(m.state_dict()), out.detach().numpy(),
                    g.original0.grad.numpy(), g.original1.grad.numpy()))
    assert res[0][:2] == res[1][:2]
    for a, b in zip(res[1][2:], res[0][2:]):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_register_and_remove_parametrization():
    res = []
    for lib in (torch, gt):
        class Sym(lib.nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).transpose(0, 1)
        m = lib.nn.Linear(3, 3).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.arange(9.0).reshape(3, 3)))
        lib.nn.utils.parametrize.register_parametrization(m, "weight", Sym())
        w = m.weight.detach().numpy().copy()
        name = type(m).__name__
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
        res.append((w, name, type(m).__name__, [k for k, _ in m.named_parameters()],
                    m.weight.detach().numpy()))
    np.testing.assert_array_equal(res[1][0], res[0][0])
    assert res[1][1:4] == res[0][1:4]
    np.testing.assert_array_equal(res[1][4], res[0][4])


def test_spectral_norm_normalizes_largest_singular_value():
    m = gt.nn.utils.parametrizations.spectral_norm(_lin(gt))
    for _ in range(20):
        m(gt.ones(1, 3, dtype=gt.float64))  # a float32 input is an error, as in torch
    s = np.linalg.svd(m.weight.detach().numpy(), compute_uv=False)
    np.testing.assert_allclose(s[0], 1.0, rtol=1e-6)
    assert [k for k, _ in m.named_buffers()] == ["parametrizations.weight.0._u",
                                                 "parametrizations.weight.0._v"]
