"""dtype promotion equals torch's: promote_types, result_type with tensors of every rank class
and Python scalars, can_cast, and the dtype actually produced by arithmetic."""
import itertools

import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402
from graphtorch.ops import dtypes as D  # noqa: E402

NAMES = [d.name for d in D.ALL]


def tname(dt):
    # torch.complex32 (chalf) has no numpy storage type: graphtorch documents complex64 instead
    return str(dt).replace("torch.", "").replace("complex32", "complex64")


def tdt(name):
    return getattr(torch, name)


def gdt(name):
    return getattr(gt, name)


def test_promote_types_all_pairs():
    for a, b in itertools.product(NAMES, NAMES):
        assert gt.promote_types(gdt(a), gdt(b)).name == \
            str(torch.promote_types(tdt(a), tdt(b))).replace("torch.", ""), (a, b)


def test_can_cast_all_pairs():
    for a, b in itertools.product(NAMES, NAMES):
        assert gt.can_cast(gdt(a), gdt(b)) == torch.can_cast(tdt(a), tdt(b)), (a, b)


def _make(lib, name, ndim):
    shape = (2,) * ndim
    return lib.zeros(shape, dtype=getattr(lib, name))


SCALARS = [True, 3, 2.5, 1 + 2j]


@pytest.mark.parametrize("ndim_a,ndim_b", [(1, 1), (1, 0), (0, 1), (0, 0)])
def test_result_type_tensor_pairs(ndim_a, ndim_b):
    for a, b in itertools.product(NAMES, NAMES):
        expect = torch.result_type(_make(torch, a, ndim_a), _make(torch, b, ndim_b))
        got = gt.result_type(_make(gt, a, ndim_a), _make(gt, b, ndim_b))
        assert got.name == tname(expect), (a, ndim_a, b, ndim_b)


@pytest.mark.parametrize("ndim", [0, 1])
def test_result_type_with_scalars(ndim):
    for a, s in itertools.product(NAMES, SCALARS):
        expect = torch.result_type(_make(torch, a, ndim), s)
        got = gt.result_type(_make(gt, a, ndim), s)
        assert got.name == tname(expect), (a, ndim, s)


def test_arithmetic_result_dtypes_follow_promotion():
    for a, b in itertools.product(["bool", "uint8", "int8", "int32", "int64", "float16",
                                   "bfloat16", "float32", "float64"], repeat=2):
        ta, tb = _make(torch, a, 1), _make(torch, b, 0)
        ga, gb = _make(gt, a, 1), _make(gt, b, 0)
        for op in ("__add__", "__mul__", "__truediv__"):
            if op == "__add__" and a == b == "bool":
                continue
            try:
                expect = getattr(ta, op)(tb).dtype
            except RuntimeError:
                with pytest.raises(RuntimeError):
                    getattr(ga, op)(gb)
                continue
            got = getattr(ga, op)(gb).dtype
            assert got.name == str(expect).replace("torch.", ""), (a, b, op)


def test_default_dtype_changes_scalar_promotion():
    try:
        gt.set_default_dtype(gt.float64)
        torch.set_default_dtype(torch.float64)
        assert (gt.ones(2, dtype=gt.int32) * 1.5).dtype.name == \
            str((torch.ones(2, dtype=torch.int32) * 1.5).dtype).replace("torch.", "")
        assert gt.tensor([1.5]).dtype is gt.float64
    finally:
        gt.set_default_dtype(gt.float32)
        torch.set_default_dtype(torch.float32)


def test_int_overflow_wraps_like_torch():
    t = torch.tensor([100], dtype=torch.int8) + 100
    g = gt.tensor([100], dtype=gt.int8) + 100
    assert g.tolist() == t.tolist()
    t = torch.tensor([1], dtype=torch.uint8) - 2
    g = gt.tensor([1], dtype=gt.uint8) - 2
    assert g.tolist() == t.tolist()


def test_finfo_iinfo():
    for name in ("float16", "bfloat16", "float32", "float64"):
        a, b = gt.finfo(gdt(name)), torch.finfo(tdt(name))
        assert (a.bits, a.eps, a.max, a.min, a.tiny) == (b.bits, b.eps, b.max, b.min, b.tiny)
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        a, b = gt.iinfo(gdt(name)), torch.iinfo(tdt(name))
        assert (a.bits, a.max, a.min) == (b.bits, b.max, b.min)
