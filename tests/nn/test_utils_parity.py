"""nn.utils against torch 2.13: clip_grad_norm_ (all norm types), clip_grad_value_,
parameters_to_vector / vector_to_parameters."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402

R = np.random.RandomState(0)
GRADS = [R.randn(3, 4) * 3, R.randn(5), R.randn(2, 2) * 0.1]


def _params(lib):
    ps = [lib.nn.Parameter(lib.tensor(np.zeros_like(g))) for g in GRADS]
    for p, g in zip(ps, GRADS):
        p.grad = lib.tensor(g)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    res = []
    for lib in (torch, gt):
        ps = _params(lib)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        res.append((float(total), [p.grad.numpy() for p in ps]))
    assert res[1][0] == pytest.approx(res[0][0], rel=1e-12)
    for a, b in zip(res[1][1], res[0][1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_clip_grad_value_and_vectors():
    res = []
    for lib in (torch, gt):
        ps = _params(lib)
        lib.nn.utils.clip_grad_value_(ps, 0.7)
        vec = lib.nn.utils.parameters_to_vector([p.grad for p in ps])
        lib.nn.utils.vector_to_parameters(vec * 2, ps)
        res.append((vec.numpy(), [p.detach().numpy() for p in ps]))
    np.testing.assert_array_equal(res[1][0], res[0][0])
    for a, b in zip(res[1][1], res[0][1]):
        np.testing.assert_array_equal(a, b)


def test_clip_grad_norm_nonfinite_error():
    for lib in (torch, gt):
        ps = _params(lib)
        ps[0].grad[0, 0] = float("inf")
        with pytest.raises(RuntimeError, match="non-finite"):
            lib.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
