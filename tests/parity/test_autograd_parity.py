"""Autograd parity with torch 2.13: gradients of small composites, custom Functions, error
messages, torch.autograd.functional and torch.testing.assert_close messages."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402
from tests.helpers import assert_close  # noqa: E402

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4,)) + 3.0


def both(a):
    return (gt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))


COMPOSITES = {
    "poly": lambda m, x, y: ((x * x - y) * (x + 2.0)).sum(),
    "ratio": lambda m, x, y: (x / y - x * y / 3.0).mean(),
    "broadcast": lambda m, x, y: (x * y + y).sum(dim=0).sum(),
    "reuse": lambda m, x, y: ((x * x) * x + (x - y) * (y - x)).sum(),
    "neg": lambda m, x, y: (-x * (y - 1.5)).sum(),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_composite_grads(name):
    f = COMPOSITES[name]
    gx, tx = both(A)
    gy, ty = both(B)
    f(gt, gx, gy).backward()
    f(torch, tx, ty).backward()
    assert_close(gx.grad, tx.grad)
    assert_close(gy.grad, ty.grad)


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_composite_second_derivatives(name):
    f = COMPOSITES[name]
    gx, tx = both(A)
    gy, ty = both(B)
    (g1,) = gt.autograd.grad(f(gt, gx, gy), gx, create_graph=True)
    (t1,) = torch.autograd.grad(f(torch, tx, ty), tx, create_graph=True)
    assert_close(g1, t1)
    if not t1.requires_grad:
        return
    (g2,) = gt.autograd.grad(g1.sum(), gy, allow_unused=True)
    (t2,) = torch.autograd.grad(t1.sum(), ty, allow_unused=True)
    assert (g2 is None) == (t2 is None)
    if t2 is not None:
        assert_close(g2, t2)


def _make_function(lib):
    class Mul3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.save_for_backward(a, b)
            ctx.k = k
            return a * b * k, a * 2

        @staticmethod
        def backward(ctx, g, g2):
            a, b = ctx.saved_tensors
            return g * b * ctx.k + g2 * 2, g * a * ctx.k, None
    return Mul3


def test_custom_function_parity():
    gx, tx = both(A)
    gy, ty = both(B)
    go, to = _make_function(gt).apply(gx, gy, 1.5), _make_function(torch).apply(tx, ty, 1.5)
    assert type(go[0].grad_fn).__name__ == type(to[0].grad_fn).__name__ == "Mul3Backward"
    (go[0].sum() + go[1].sum()).backward()
    (to[0].sum() + to[1].sum()).backward()
    assert_close(gx.grad, tx.grad)
    assert_close(gy.grad, ty.grad)


def _error(lib, fn):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def _version_case(lib):
    x = lib.ones(3, requires_grad=True)
    a = x * 1
    b = a * a
    a.add_(1)
    b.sum().backward()


def _count_case(lib):
    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g
    x = lib.ones(2, requires_grad=True)
    Two.apply(x, x).sum().backward()


def _twice_case(lib):
    x = lib.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _leaf_case(lib):
    lib.ones(2, requires_grad=True).add_(1)


@pytest.mark.parametrize("case", [_version_case, _count_case, _twice_case, _leaf_case])
def test_error_messages_match(case):
    assert _error(gt, case) == _error(torch, case)


def test_functional_parity():
    def f(lib):
        return lambda a, b: (a * a * b, a - b)

    gx, tx = gt.tensor(B[:3]), torch.tensor(B[:3])
    gy, ty = gt.tensor(B[1:]), torch.tensor(B[1:])
    gj = gt.autograd.functional.jacobian(f(gt), (gx, gy))
    tj = torch.autograd.functional.jacobian(f(torch), (tx, ty))
    for i in range(2):
        for j in range(2):
            assert_close(gj[i][j], tj[i][j])
    gh = gt.autograd.functional.hessian(lambda a: (a * a * a).sum(), gx)
    th = torch.autograd.functional.hessian(lambda a: (a * a * a).sum(), tx)
    assert_close(gh, th)
    v = B[:3] * 0.5
    for name in ("vjp", "jvp", "hvp", "vhp"):
        fn = (lambda a: (a * a).sum()) if name in ("hvp", "vhp") else (lambda a: a * a * 3.0)
        go, gr = getattr(gt.autograd.functional, name)(fn, gx, gt.tensor(v))
        to, tr = getattr(torch.autograd.functional, name)(fn, tx, torch.tensor(v))
        assert_close(go, to)
        assert_close(gr, tr)


ASSERT_CASES = [
    (np.array([1.0, 2.0, 3.0], np.float32), np.array([1.0, 2.5, 3.0], np.float32), {}),
    (np.array([1, 2, 3]), np.array([1, 4, 3]), {}),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 5.0]]), {}),
    (np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), {}),
    (np.array(1.0), np.array(2.0), {}),
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.0]), {}),
    (np.array([1.0, 2.0]), np.array([1.0, 2.1]), {"rtol": 0.0, "atol": 0.05}),
    (np.array([True, False]), np.array([True, True]), {}),
]


@pytest.mark.parametrize("a,e,kw", ASSERT_CASES)
def test_assert_close_messages(a, e, kw):
    def run(lib):
        lib.testing.assert_close(lib.tensor(a), lib.tensor(e), **kw)
    assert _error(gt, run) == _error(torch, run)
