"""A Loop scan whose carried state starts from one tensor passed twice keeps two states."""
from __future__ import annotations

import numpy as np

import graphtorch as torch
from graphtorch.jit._control_flow import _scan


def _f(x, h):
    def body(xt, a, b):
        a2 = a * 0.5 + xt
        return (a2, b + a2), (b + a2,)
    (a, b), (ys,) = _scan(body, (h, h), (x,))
    return a, b, ys


def test_same_tensor_carried_twice():
    h = torch.randn(3)
    traced = torch.jit.trace(_f, (torch.randn(4, 3), h))
    for n in (4, 6):
        x = torch.randn(n, 3)
        for got, want in zip(traced(x, h), _f(x, h)):
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
