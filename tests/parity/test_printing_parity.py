"""repr(tensor) must be character-identical to PyTorch 2.13 for generated tensors of every
dtype, magnitude, shape and print option."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt

torch = pytest.importorskip("torch")

SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (0,), (0, 3), (2, 0, 2), (30,), (7, 13), (1001,),
          (40, 40), (3, 400), (12, 12, 12), (2, 2, 2, 2)]
SCALES = [1, 1e-5, 1e5, 1e9, 1e-9, 1000]
OPTIONS = [dict(precision=2), dict(threshold=5), dict(edgeitems=1, threshold=10),
           dict(linewidth=40), dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"),
           dict(edgeitems=0, threshold=3), dict(precision=6, linewidth=120)]


@pytest.fixture(autouse=True)
def _reset_options():
    yield
    torch.set_printoptions(profile="default")
    gt.set_printoptions(profile="default")


def _pair(arr, dtype=None):
    arr = np.asarray(arr)
    t, g = torch.from_numpy(arr.copy()), gt.from_numpy(arr.copy())
    if dtype is not None:
        t, g = t.to(getattr(torch, dtype)), g.to(getattr(gt, dtype))
    return t, g


def _check(arr, dtype=None, **opts):
    t, g = _pair(arr, dtype)
    torch.set_printoptions(**opts)
    gt.set_printoptions(**opts)
    assert repr(g) == repr(t), f"\n{repr(g)}\n!=\n{repr(t)}"
    assert str(g) == str(t)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_floats_every_magnitude(shape):
    rng = np.random.default_rng(sum(shape) + len(shape))
    for scale in SCALES:
        a = rng.standard_normal(shape) * scale
        for dt in (None, "float32", "float16", "bfloat16"):
            _check(a, dt)
        _check(np.round(a))  # integral floats print in int mode: "1., 2."
        _check((a + 1j * rng.standard_normal(shape)).astype(np.complex64))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_ints_and_bools(shape):
    rng = np.random.default_rng(len(shape))
    _check(rng.integers(-1000, 1000, shape))
    _check(rng.integers(0, 200, shape).astype(np.uint8))
    _check(rng.integers(-100, 100, shape).astype(np.int32))
    _check(rng.integers(-100, 100, shape).astype(np.int16))
    _check(rng.integers(-100, 100, shape).astype(np.int8))
    _check(rng.random(shape) > 0.5)


@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_print_options(opts):
    rng = np.random.default_rng(1)
    for shape in [(), (5,), (3, 4), (30,), (7, 13), (2, 3, 4), (40, 40)]:
        _check(rng.standard_normal(shape), **opts)
        _check(rng.standard_normal(shape) * 1e6, **opts)
        _check(rng.integers(-5, 5, shape), **opts)
        _check(rng.random(shape) > 0.5, **opts)


def test_special_values():
    for a in ([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 2.0], [np.nan, np.inf, -np.inf, 0.0, -0.0],
              [-0.0], np.nan, [1e-5, 1.0], [1e10, 1.0], [0.1, 100000.5], [1e8, 1.5],
              [0.0001, 0.5], [123456789.0], [1e-4], [0.0, 0.0], [-np.inf], [2.5e-310]):
        for dt in (None, "float32", "float16"):
            _check(np.array(a, dtype=np.float64), dt)
    _check(np.array([1 + 2j, -0.0 - 0j, np.nan + 1j, 3 - np.inf * 1j]))
    _check(np.array(1 - 2j))


def test_suffixes_default_dtype_and_grad():
    a = np.random.default_rng(3).standard_normal((3, 5))
    t, g = _pair(a, "float32")
    t.requires_grad_(True)
    g.requires_grad_(True)
    assert repr(g) == repr(t)
    assert repr(g * 2) == repr(t * 2)
    assert repr(g.to(gt.float64) * 2) == repr(t.double() * 2)
    for d in ("float64", "int64", "int32", "bool", "complex64", "complex128"):
        assert repr(_pair(np.zeros((2, 0)), d)[1]) == repr(_pair(np.zeros((2, 0)), d)[0])
        assert repr(_pair(np.zeros(0), d)[1]) == repr(_pair(np.zeros(0), d)[0])
    old = gt.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        gt.set_default_dtype(gt.float64)
        for d in ("float64", "float32", "complex128", "complex64"):
            t, g = _pair(a[:2, :2], d)
            assert repr(g) == repr(t)
        t, g = _pair(np.zeros(0), "float32")
        assert repr(g) == repr(t)
    finally:
        torch.set_default_dtype(torch.float32)
        gt.set_default_dtype(old)


def test_long_suffix_wraps_to_new_line():
    a = np.random.default_rng(4).standard_normal((2, 8)) * 1e-3
    t, g = _pair(a)
    t.requires_grad_(True)
    g.requires_grad_(True)
    assert repr(g * 2) == repr(t * 2)
    t, g = _pair(np.arange(17) * 1.5, "float16")
    assert repr(g) == repr(t)


def test_printoptions_object_and_reset():
    gt.set_printoptions(precision=2, threshold=7, edgeitems=1, linewidth=50)
    torch.set_printoptions(precision=2, threshold=7, edgeitems=1, linewidth=50)
    assert repr(gt._tensor_str.PRINT_OPTS) == repr(torch._tensor_str.PRINT_OPTS)
    gt.set_printoptions(profile="full")
    torch.set_printoptions(profile="full")
    assert repr(gt._tensor_str.PRINT_OPTS) == repr(torch._tensor_str.PRINT_OPTS)
    _check(np.arange(1500.0))


@pytest.mark.parametrize("value", [0.3, 3, True, -2.5e-8])
@pytest.mark.parametrize("spec", ["", ".2f", ">12"])
def test_format_zero_dim_formats_the_number(value, spec):
    if isinstance(value, bool) and spec == ".2f":
        spec = ""
    assert format(gt.tensor(value), spec) == format(torch.tensor(value), spec)


def test_format_with_spec_on_nd_tensor_raises_like_torch():
    with pytest.raises(TypeError):
        format(torch.tensor([1.0]), ".2f")
    with pytest.raises(TypeError):
        format(gt.tensor([1.0]), ".2f")
    assert format(gt.tensor([1.0, 2.0]), "") == format(torch.tensor([1.0, 2.0]), "")
