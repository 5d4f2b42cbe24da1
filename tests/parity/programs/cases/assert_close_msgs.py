"""torch.testing.assert_close: passing cases (rtol/atol, equal_nan, check_dtype=False,
sequences/dicts of tensors, scalars), failing cases' exception TYPE (value mismatch, shape,
dtype, device-free), msg=; torch.allclose / isclose / equal semantics."""
import torch
from torch.testing import assert_close, make_tensor


def kind(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "ok"


def run():
    r = {}
    a = torch.tensor([1.0, 2.0, float("nan")])
    b = torch.tensor([1.0, 2.00001, float("nan")])
    r["nan_default"] = kind(lambda: assert_close(a, b))
    r["nan_equal"] = kind(lambda: assert_close(a, b, equal_nan=True))
    r["tol"] = kind(lambda: assert_close(a[:2], b[:2], rtol=0, atol=1e-6))
    r["dtype"] = kind(lambda: assert_close(torch.tensor([1.0]), torch.tensor([1.0], dtype=torch.float64)))
    r["dtype_off"] = kind(lambda: assert_close(torch.tensor([1.0]), torch.tensor([1.0], dtype=torch.float64),
                                               check_dtype=False))
    r["shape"] = kind(lambda: assert_close(torch.zeros(2), torch.zeros(3)))
    r["int_exact"] = kind(lambda: assert_close(torch.tensor([1, 2]), torch.tensor([1, 3])))
    r["seq"] = kind(lambda: assert_close([torch.ones(2), torch.zeros(1)], [torch.ones(2), torch.zeros(1)]))
    r["dict"] = kind(lambda: assert_close({"a": torch.ones(2)}, {"a": torch.ones(2) + 1}))
    r["scalars"] = kind(lambda: assert_close(1.0, 1.0 + 1e-9))
    r["type_mismatch"] = kind(lambda: assert_close(torch.ones(1), 1.0))
    r["len_mismatch"] = kind(lambda: assert_close([torch.ones(1)], [torch.ones(1), torch.ones(1)]))
    try:
        assert_close(torch.ones(2), torch.zeros(2), msg="custom message")
    except AssertionError as e:
        r["msg"] = str(e)
    try:
        assert_close(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.5, 3.0]))
    except AssertionError as e:
        r["first_line"] = str(e).splitlines()[0]
    r["allclose"] = torch.allclose(a, b, equal_nan=True)
    r["isclose"] = torch.isclose(a, b, rtol=0, atol=1e-6)
    r["equal"] = (torch.equal(a, a), torch.equal(torch.ones(2), torch.ones(2, dtype=torch.int64)))
    t = make_tensor((3, 2), dtype=torch.float32, device="cpu", low=-1, high=1)
    r["make_tensor"] = (t.shape, t.dtype, bool((t >= -1).all() and (t <= 1).all()))
    ti = make_tensor((4,), dtype=torch.int64, device="cpu", low=0, high=3)
    r["make_int"] = bool(((ti >= 0) & (ti < 3)).all())
    return r
