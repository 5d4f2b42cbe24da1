"""Sizes in float arithmetic with the float on the left (``0.5 * x.size(0)``): Python computes
it without asking the size, so the tracer reads the user's bytecode and takes such a size as a
guarded constant (jit/_tracer_floatleft.py).  A trace must never give another answer than
eager at another size: it either computes the same (recapture under torch.compile) or raises
GuardError (a traced function)."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.ir.errors import GuardError


def const_left(x):
    return x * (0.5 * x.size(0))


def via_local(x):
    n = x.shape[0]
    y = x + 1
    return y / (1.0 / n)


def float_local_left(x):
    scale = 2.0
    return x * (scale * x.shape[0])


def float_param_left(x, scale: float = 3.0):
    return x - scale * x.size(-1)


def compare_left(x):
    return x * 2 if 0.5 < len(x) - 2 else x * 3


def divide_left(x):
    return x + 10.0 / x.numel()


def compare_right(x):
    return x * 2 if x.size(0) < 2.5 else x * 3


def size_right(x):
    return x * (x.size(0) * 0.5)


def aug_left(x):
    s = 0.5
    s *= x.size(0)
    return x * s


FLOAT_USES = [aug_left, const_left, via_local, float_local_left, float_param_left, compare_left,
              divide_left, compare_right, size_right]


@pytest.mark.parametrize("fn", FLOAT_USES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("backend", ["interpreter", "llvm"])
def test_compile_matches_eager_at_every_size(fn, backend):
    c = gt.compile(fn, backend=backend)
    for n in (4, 2, 3, 7):
        x = gt.arange(float(n))
        np.testing.assert_allclose(c(x).numpy(), fn(x).numpy(), rtol=1e-6)


@pytest.mark.parametrize("fn", FLOAT_USES, ids=lambda f: f.__name__)
def test_trace_guards_instead_of_baking(fn):
    t = gt.jit.trace(fn, (gt.ones(4),))
    np.testing.assert_allclose(t(gt.arange(4.0)).numpy(), fn(gt.arange(4.0)).numpy())
    with pytest.raises(GuardError, match="fixed it to 4"):
        t(gt.ones(3))


def test_integer_arithmetic_stays_symbolic():
    """Ints on the left reach the SymInt (a subclass of int), so nothing is specialized."""
    def f(x):
        n = x.size(0)
        return x * (2 * n) + (1 + n) // 2
    t = gt.jit.trace(f, (gt.ones(4),))
    assert "s0" in str(t.graph)
    for n in (3, 6):
        x = gt.arange(float(n))
        np.testing.assert_allclose(t(x).numpy(), f(x).numpy())


def test_tensor_on_the_left_stays_symbolic():
    def f(x):
        y = x + 1
        return y * x.size(0)
    t = gt.jit.trace(f, (gt.ones(4),))
    x = gt.arange(6.0)
    np.testing.assert_allclose(t(x).numpy(), f(x).numpy())


def test_scanner_finds_the_lines():
    from graphtorch.jit import _tracer_floatleft as FL
    sites = FL._sites(via_local.__code__)
    first = via_local.__code__.co_firstlineno
    assert any(kind == "const" and value == 1.0 and first + 1 in origin
               for kind, value, origin, _ in sites)
    # `x * (...)`: a name on the left, decided by its value when the size is read (a tensor)
    assert [(k, v) for k, v, _, _ in FL._sites(size_right.__code__)] == [("name", "x")]


@pytest.mark.parametrize("fn", FLOAT_USES, ids=lambda f: f.__name__)
def test_script_matches_eager_at_every_size(fn):
    s = gt.jit.script(fn)
    for n in (4, 3, 6):
        x = gt.arange(float(n))
        np.testing.assert_allclose(s(x).numpy(), fn(x).numpy(), rtol=1e-6)
