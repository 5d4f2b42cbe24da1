"""Shared helpers of the jit.script tests: run eager and scripted on several inputs."""
from __future__ import annotations

import numpy as np

import graphtorch as torch
from graphtorch.jit.script import script


def same(a, b, tol=1e-5):
    """Assert eager result ``a`` equals scripted result ``b`` (nested, numbers or tensors)."""
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y, tol)
        return
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            same(a[k], b[k], tol)
        return
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), (a, b)
        assert a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape), (a, b)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)
        return
    # a Python number comes back as the same Python type (never as a 0-dim tensor)
    assert type(a) is type(b), (a, b)
    assert a == b or abs(a - b) <= tol * (1 + abs(a)), (a, b)


def check(fn, *argsets, kinds=()):
    """Script ``fn``, compare with eager on every argument tuple; ``kinds`` are node kinds
    the (last) graph must contain.  Returns the scripted function."""
    sf = script(fn)
    for args in argsets:
        same(fn(*args), sf(*args))
    if kinds:
        have = {n.kind for n in sf.graph.walk()}
        for k in kinds:
            assert k in have, f"{fn.__name__}: no {k} node in\n{sf.graph}"
    return sf


def kinds(graph) -> list:
    return [n.kind for n in graph.walk()]
