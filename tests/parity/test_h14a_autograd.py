"""grad_fn.next_functions matches torch: one entry per differentiable input only."""
import pytest

import graphtorch as gt

torch = pytest.importorskip("torch")


def _names(t):
    return [(type(f).__name__ if f is not None else None, n) for f, n in t.grad_fn.next_functions]


CASES = [
    lambda m, x, y: x * 2,
    lambda m, x, y: 2 * x,
    lambda m, x, y: 3 + x,
    lambda m, x, y: x * y,
    lambda m, x, y: m.add(x, y, alpha=2),
    lambda m, x, y: m.cat([x, y, x]),
    lambda m, x, y: m.where(x > 0, x, y),
    lambda m, x, y: m.where(x > 0, x, 0.0),
    lambda m, x, y: m.addcmul(x, y, x, value=2),
    lambda m, x, y: x.index_select(0, m.tensor([0])),
    lambda m, x, y: x.gather(0, m.tensor([0])),
    lambda m, x, y: x.clamp(0, 1),
    lambda m, x, y: x ** 2,
    lambda m, x, y: 2 ** x,
    lambda m, x, y: x.pow(y),
    lambda m, x, y: m.lerp(x, y, 0.5),
    lambda m, x, y: x[m.tensor([0, 1])],
    lambda m, x, y: x.masked_fill(x > 0, 1.0),
    lambda m, x, y: m.stack([x, y]),
    lambda m, x, y: x.scatter(0, m.tensor([0]), y),
    lambda m, x, y: m.nn.functional.cross_entropy(x.view(1, 3), m.tensor([1])),
    lambda m, x, y: (x * x).sum().exp(),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_next_functions_like_torch(i):
    tx = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ty = torch.tensor([1.5, 2.0, -0.5])
    gx = gt.tensor([0.5, -1.0, 2.0], requires_grad=True)
    gy = gt.tensor([1.5, 2.0, -0.5])
    assert _names(CASES[i](gt, gx, gy)) == _names(CASES[i](torch, tx, ty))


def test_backward_still_reaches_all_inputs():
    x = gt.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = gt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = gt.where(x > 0, x * 2, y) + x.gather(0, gt.tensor([2, 2, 2])) + 2 * y
    out.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 5.0]
    assert y.grad.tolist() == [2.0, 3.0, 2.0]
