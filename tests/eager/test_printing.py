"""Tensor printing: known PyTorch outputs, print options, prefixes and suffixes."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.eager import printing


@pytest.fixture(autouse=True)
def _reset_options():
    yield
    gt.set_printoptions(profile="default")


def T(a):
    return gt.from_numpy(np.array(a))


@pytest.mark.parametrize("arr,expected", [
    ([1.0, 2.0], "tensor([1., 2.])"),
    ([1.5, 2.25], "tensor([1.5000, 2.2500])"),
    (3.0, "tensor(3.)"),
    ([1e-5, 1.0], "tensor([1.0000e-05, 1.0000e+00], dtype=torch.float64)"),
    ([np.nan, -np.inf, 0.0], "tensor([nan, -inf, 0.], dtype=torch.float64)"),
    ([-0.0, 1.0], "tensor([-0., 1.], dtype=torch.float64)"),
    ([True, False], "tensor([ True, False])"),
    ([1, -20, 300], "tensor([  1, -20, 300])"),
    (np.zeros((0, 3), np.float32), "tensor([], size=(0, 3))"),
    (np.zeros(0, np.int64), "tensor([], dtype=torch.int64)"),
    (np.array([1 + 2j, -1.5j], np.complex64), "tensor([1.+2.0000j, -0.-1.5000j])"),
    (np.array([1, 2], np.int32), "tensor([1, 2], dtype=torch.int32)"),
])
def test_known_outputs(arr, expected):
    a = np.asarray(arr)
    if a.dtype == np.float64 and "float64" not in expected:
        a = a.astype(np.float32)
    assert repr(T(a)) == expected
    assert str(T(a)) == expected


def test_matrix_and_wrapping():
    t = T(np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
    assert repr(t) == "tensor([[0.0000, 0.2500, 0.5000],\n        [0.7500, 1.0000, 1.2500]])"
    long = repr(T(np.arange(30, dtype=np.float32) + 0.5))
    assert all(len(line) <= 80 for line in long.split("\n"))
    assert long.split("\n")[1].startswith("        ")


def test_summarization_and_options():
    t = T(np.arange(2000))
    assert repr(t) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    gt.set_printoptions(threshold=5, edgeitems=2)
    assert repr(T(np.arange(10))) == "tensor([0, 1,  ..., 8, 9])"
    gt.set_printoptions(profile="default")
    gt.set_printoptions(precision=2)
    assert repr(T(np.array([1.12345], np.float32))) == "tensor([1.12])"
    gt.set_printoptions(sci_mode=True)
    assert repr(T(np.array([1.5], np.float32))) == "tensor([1.50e+00])"
    assert printing.PRINT_OPTS.sci_mode is True and printing.PRINT_OPTS.precision == 2
    gt.set_printoptions(profile="default")
    assert printing.get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3,
                                               linewidth=80, sci_mode=None)
    with printing.printoptions(precision=1):
        assert repr(T(np.array([1.25], np.float32))) == "tensor([1.2])"
    assert printing.PRINT_OPTS.precision == 4


def test_grad_suffixes_and_prefix():
    x = T(np.array([1.0, 2.0], np.float32)).requires_grad_(True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert printing.tensor_repr(x, prefix="Param(") == "Param([1., 2.], requires_grad=True)"
    assert printing.tensor_repr(x, tensor_contents="[...]") == \
        "tensor([...], requires_grad=True)"
    p = gt.nn.Parameter(gt.ones(2))
    assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"


def test_subclass_prefix_and_default_dtype():
    class MyTensor(gt.Tensor):
        pass
    t = MyTensor(np.array([1.5], np.float32))
    assert repr(t) == "MyTensor([1.5000])"
    old = gt.get_default_dtype()
    gt.set_default_dtype(gt.float64)
    try:
        assert repr(T(np.array([1.5]))) == "tensor([1.5000])"
        assert repr(T(np.array([1.5], np.float32))) == "tensor([1.5000], dtype=torch.float32)"
    finally:
        gt.set_default_dtype(old)


def test_import_path_like_torch():
    import graphtorch._tensor_str as ts
    assert ts.PRINT_OPTS is gt._tensor_str.PRINT_OPTS
