"""Creation functions against PyTorch 2.13: values, dtypes, shapes and exception types."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as gt
from helpers import assert_close

torch = pytest.importorskip("torch")

# each case: a function of the module (torch or graphtorch) and numpy
CASES = {
    "int_list": lambda m: m.tensor([1, 2, 3]),
    "float_list": lambda m: m.tensor([[1.5, 2.0], [3.0, 4.0]]),
    "mixed_bool_int_float": lambda m: m.tensor([1, 2.5, True]),
    "complex": lambda m: m.tensor([1, 2j]),
    "bools": lambda m: m.tensor([True, False]),
    "empty": lambda m: m.tensor([]),
    "empty_2d": lambda m: m.tensor([[], []]),
    "np_float32_scalar": lambda m: m.tensor([np.float32(1.5), 2]),
    "np_float64_scalar": lambda m: m.tensor([1.5, np.float64(2)]),
    "np_int32_int": lambda m: m.tensor([np.int32(1), 2]),
    "np_int8_uint8": lambda m: m.tensor([np.int8(1), np.uint8(2)]),
    "np_float16_float": lambda m: m.tensor([np.float16(1), 2.5]),
    "np_scalar_0d": lambda m: m.tensor(np.float32(1.5)),
    "zero_dim_tensor_in_list": lambda m: m.tensor([m.tensor(1.5, dtype=m.float64), 2.5]),
    "int32_tensor_in_list": lambda m: m.tensor([m.tensor(1, dtype=m.int32), 2]),
    "ndarray": lambda m: m.tensor(np.arange(6, dtype=np.int16).reshape(2, 3)),
    "dtype_trunc": lambda m: m.tensor([1.7, -1.7], dtype=m.int32),
    "dtype_bool": lambda m: m.tensor([1.0, 0.0, 2.0], dtype=m.bool),
    "dtype_half": lambda m: m.tensor([[1, 2]], dtype=m.float16),
    "float_overflow_inf": lambda m: m.tensor([1e300], dtype=m.float32),
    "uint8_wrap": lambda m: m.tensor(-1, dtype=m.uint8),
    "range_obj": lambda m: m.tensor(range(3)),
    "tuple": lambda m: m.tensor((1, 2)),
    "int64_extremes": lambda m: m.tensor([2 ** 63 - 1, -2 ** 63]),
    "ragged": lambda m: m.tensor([[1, 2], [3]]),
    "ragged_deep": lambda m: m.tensor([[[1, 2]], [[3]]]),
    "scalar_where_seq": lambda m: m.tensor([[1, 2], 3]),
    "seq_where_scalar": lambda m: m.tensor([1, [2, 3]]),
    "none": lambda m: m.tensor([None]),
    "string": lambda m: m.tensor("a"),
    "int_overflow": lambda m: m.tensor(2 ** 63),
    "uint8_overflow": lambda m: m.tensor(300, dtype=m.uint8),
    "nan_to_int": lambda m: m.tensor(float("nan"), dtype=m.int64),
    "int_requires_grad": lambda m: m.tensor([1, 2], requires_grad=True),
    "full_int": lambda m: m.full((2,), 3),
    "full_bool": lambda m: m.full((2,), True),
    "full_float": lambda m: m.full((2, 2), 2.5),
    "full_complex": lambda m: m.full((2,), 1 + 2j),
    "full_tensor": lambda m: m.full((2,), m.tensor(3)),
    "full_np_float32": lambda m: m.full((2,), np.float32(3)),
    "full_0d": lambda m: m.full([], 3),
    "full_int_size": lambda m: m.full(2, 3),
    "full_like_trunc": lambda m: m.full_like(m.zeros(2, dtype=m.int64), 2.7),
    "zeros_neg": lambda m: m.empty(2, -1),
    "zeros_float_dim": lambda m: m.zeros(2, 3.0),
    "zeros_dtype": lambda m: m.zeros(2, 3, dtype=m.int16),
    "ones_list": lambda m: m.ones([2, 3]),
    "zeros_like": lambda m: m.zeros_like(m.ones(2, 3, dtype=m.float64)),
    "ones_like_dtype": lambda m: m.ones_like(m.ones(2), dtype=m.int64),
    "empty_like_shape": lambda m: m.empty_like(m.ones(2, 5)).shape,
    "arange_int": lambda m: m.arange(5),
    "arange_float_step": lambda m: m.arange(0, 1, 0.1),
    "arange_half_steps": lambda m: m.arange(1, 2.5, 0.5),
    "arange_neg": lambda m: m.arange(-1.0, 1.0, 0.3),
    "arange_down": lambda m: m.arange(5, 0, -1),
    "arange_float_dtype": lambda m: m.arange(0, 10, 3, dtype=m.float32),
    "arange_f64": lambda m: m.arange(0, 1, 0.3, dtype=m.float64),
    "arange_f16": lambda m: m.arange(0, 1, 0.3, dtype=m.float16),
    "arange_uint8": lambda m: m.arange(0, 10, 3, dtype=m.uint8),
    "arange_tensor_int": lambda m: m.arange(m.tensor(5)),
    "arange_tensor_float": lambda m: m.arange(m.tensor(2.5), 5),
    "arange_tensor_int32": lambda m: m.arange(m.tensor(5, dtype=m.int32)),
    "arange_int_dtype_float_bounds": lambda m: m.arange(0.5, 3.7, dtype=m.int64),
    "arange_zero_step": lambda m: m.arange(0, 5, 0),
    "arange_bad_sign": lambda m: m.arange(0, -5, 1),
    "arange_inf": lambda m: m.arange(0, float("inf")),
    "arange_bool": lambda m: m.arange(2, dtype=m.bool),
    "arange_big": lambda m: m.arange(10 ** 10, 10 ** 10 + 3),
    "arange_empty": lambda m: m.arange(3, 3),
    "linspace": lambda m: m.linspace(0, 1, 5),
    "linspace_7": lambda m: m.linspace(0, 1, 7),
    "linspace_f64": lambda m: m.linspace(-3, 11, 9, dtype=m.float64),
    "linspace_int": lambda m: m.linspace(0, 10, 5, dtype=m.int64),
    "linspace_one": lambda m: m.linspace(0, 1, 1),
    "linspace_zero": lambda m: m.linspace(0, 1, 0),
    "linspace_neg": lambda m: m.linspace(0, 1, -1),
    "linspace_tensor": lambda m: m.linspace(m.tensor(0), 1, 3),
    "linspace_complex": lambda m: m.linspace(0, 1, 3, dtype=m.complex64),
    "linspace_odd": lambda m: m.linspace(0.1, 7.3, 11),
    "logspace": lambda m: m.logspace(0, 2, 3),
    "logspace_base2": lambda m: m.logspace(-2, 2, 5, base=2.0, dtype=m.float64),
    "logspace_int": lambda m: m.logspace(0, 2, 3, dtype=m.int64),
    "logspace_4": lambda m: m.logspace(0, 1, 4),
    "eye": lambda m: m.eye(3),
    "eye_rect": lambda m: m.eye(2, 3, dtype=m.int64),
    "eye_neg": lambda m: m.eye(-1),
    "eye_neg_m": lambda m: m.eye(2, -1),
    "eye_zero": lambda m: m.eye(0),
    "empty_strided": lambda m: m.empty_strided((2, 3), (1, 2)).stride(),
    "empty_strided_shape": lambda m: m.empty_strided((2, 3), (3, 1), dtype=m.int64).shape,
    "scalar_tensor": lambda m: m.scalar_tensor(3),
    "scalar_tensor_bool": lambda m: m.scalar_tensor(True),
    "scalar_tensor_int": lambda m: m.scalar_tensor(3.5, dtype=m.int64),
    "complex_fn": lambda m: m.complex(m.tensor([1., 2.]), m.tensor([2., -1.])),
    "complex_f64": lambda m: m.complex(m.tensor([1.], dtype=m.float64),
                                       m.tensor([2.], dtype=m.float64)),
    "complex_int": lambda m: m.complex(m.tensor([1]), m.tensor([2])),
    "complex_mixed": lambda m: m.complex(m.tensor([1.]), m.tensor([2.], dtype=m.float64)),
    "polar": lambda m: m.polar(m.tensor([1., 2]), m.tensor([0., 1.])),
    "polar_int": lambda m: m.polar(m.tensor([1]), m.tensor([0.])),
    "asarray_list": lambda m: m.asarray([1, 2]),
    "asarray_np": lambda m: m.asarray(np.array([1., 2.]), dtype=m.float32),
    "asarray_scalar": lambda m: m.asarray(3.5),
    "asarray_no_copy_seq": lambda m: m.asarray([1., 2], copy=False),
    "asarray_no_copy_cast": lambda m: m.asarray(m.tensor([1., 2]), dtype=m.float64, copy=False),
    "as_tensor_dtype": lambda m: m.as_tensor([1, 2], dtype=m.float32),
    "as_tensor_np_cast": lambda m: m.as_tensor(np.zeros(3), dtype=m.float32),
    "zeros_out_dtype": lambda m: m.zeros(2, 3, dtype=m.float64, out=m.empty(2, 3)),
    "zeros_out_resize": lambda m: m.zeros(2, out=m.ones(3)),
    "full_requires_grad": lambda m: m.full((2,), 3, dtype=m.float32, requires_grad=True),
    "eye_requires_grad": lambda m: m.eye(2, requires_grad=True).requires_grad,
    "zeros_int_requires_grad": lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
    "from_numpy_neg_stride": lambda m: m.from_numpy(np.arange(4)[::-1]),
    "from_numpy_bad_type": lambda m: m.from_numpy(np.array([1], dtype=np.longdouble)),
    "range_fn": lambda m: m.range(0, 3),
    "range_step": lambda m: m.range(0, 3, 0.5),
    "range_int": lambda m: m.range(0, 3, dtype=m.int64),
}


def _run(fn, mod):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(mod), None
        except Exception as e:  # noqa: BLE001 - the exception type is compared
            return None, e


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    fn = CASES[name]
    expected, terr = _run(fn, torch)
    actual, gerr = _run(fn, gt)
    if terr is not None:
        assert gerr is not None, f"torch raised {terr!r}, graphtorch returned {actual!r}"
        assert isinstance(gerr, type(terr)) or type(terr).__name__ in (
            "AssertionError",), (gerr, terr)
        return
    assert gerr is None, f"graphtorch raised {gerr!r}; torch gave {expected!r}"
    if isinstance(expected, torch.Tensor):
        assert isinstance(actual, gt.Tensor)
        assert actual.requires_grad == expected.requires_grad
        assert_close(actual, expected, rtol=1e-6, atol=0)
        if expected.dtype.is_floating_point and expected.dtype != torch.float16:
            # exact: linspace/arange follow PyTorch's arithmetic, not just approximately
            np.testing.assert_array_equal(actual.detach().to(gt.float64).numpy(),
                                          expected.detach().double().numpy())
    else:
        assert actual == expected


def test_default_dtype_follows_setting():
    old = gt.get_default_dtype()
    try:
        gt.set_default_dtype(gt.float64)
        torch.set_default_dtype(torch.float64)
        for fn in (lambda m: m.tensor([1.5]), lambda m: m.arange(0.5, 2), lambda m: m.zeros(2),
                   lambda m: m.full((1,), 2.5), lambda m: m.tensor([1j]),
                   lambda m: m.linspace(0, 1, 3), lambda m: m.scalar_tensor(1)):
            assert str(fn(gt).dtype) == str(fn(torch).dtype)
    finally:
        gt.set_default_dtype(old)
        torch.set_default_dtype(torch.float32)
