"""default_collate / default_convert on every supported structure, and their errors."""
import collections

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.utils.data import default_collate, default_convert
from graphtorch.utils.data.collate import collate, default_collate_fn_map

Point = collections.namedtuple("Point", "x y")


def _t(a):
    return torch.from_numpy(np.array(a))


def test_collate_tensors_stack_and_keep_dtype():
    out = default_collate([_t([1, 2]), _t([3, 4])])
    assert out.tolist() == [[1, 2], [3, 4]] and out.dtype == torch.int64
    out = default_collate([torch.zeros(2, 3, dtype=torch.float16)] * 4)
    assert tuple(out.shape) == (4, 2, 3) and out.dtype == torch.float16
    out = default_collate([torch.tensor(1.5), torch.tensor(2.5)])  # 0-dim -> 1-d
    assert out.tolist() == [1.5, 2.5] and out.dtype == torch.float32


def test_collate_tensors_promote_like_torch_stack():
    out = default_collate([_t([1, 2]), torch.zeros(2)])
    assert out.dtype == torch.float32


def test_collate_tensor_shape_mismatch_error():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, "
                                           r"but got \[3\] at entry 0 and \[4\] at entry 1"):
        default_collate([torch.zeros(3), torch.zeros(4)])


def test_collate_numpy_arrays_and_scalars():
    out = default_collate([np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)])
    assert isinstance(out, torch.Tensor) and out.dtype == torch.int32
    assert out.tolist() == [[0, 1, 2], [0, 1, 2]]
    out = default_collate([np.zeros(2, np.int64), np.zeros(2, np.float32)])
    assert out.dtype == torch.float32  # as torch.stack promotes
    out = default_collate([np.float32(1), np.float32(2)])
    assert out.dtype == torch.float32 and out.tolist() == [1.0, 2.0]
    assert default_collate([np.bool_(True), np.bool_(False)]).dtype == torch.bool
    out = default_collate([np.arange(4.0).reshape(2, 2)[:, 0], np.array([5.0, 6.0])])
    assert out.tolist() == [[0.0, 2.0], [5.0, 6.0]]  # non-contiguous input


def test_collate_python_numbers_and_strings():
    assert default_collate([1, 2]).dtype == torch.int64
    out = default_collate([1.5, 2])
    assert out.dtype == torch.float64 and out.tolist() == [1.5, 2.0]
    assert default_collate([1, 2.5]).dtype == torch.float32  # the first decides: tensor()
    assert default_collate([True, False]).dtype == torch.bool
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_collate_nested_structures():
    batch = [(1, {"a": 1.0, "b": [np.ones(2), "s"]}, Point(1, 2)),
             (2, {"a": 2.0, "b": [np.zeros(2), "t"]}, Point(3, 4))]
    ids, d, p = default_collate(batch)  # tuples become lists
    assert ids.tolist() == [1, 2]
    assert d["a"].dtype == torch.float64 and d["a"].tolist() == [1.0, 2.0]
    assert d["b"][0].tolist() == [[1, 1], [0, 0]] and d["b"][1] == ("s", "t")  # as torch
    assert isinstance(p, Point) and p.x.tolist() == [1, 3] and p.y.tolist() == [2, 4]
    assert isinstance(default_collate([(1, 2), (3, 4)]), list)
    out = default_collate([[1, 2], [3, 4]])
    assert isinstance(out, list) and [t.tolist() for t in out] == [[1, 3], [2, 4]]


def test_collate_mapping_types_kept():
    od = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert type(od) is collections.OrderedDict and od["a"].tolist() == [1, 2]

    class Frozen(collections.abc.Mapping):  # cannot be rebuilt from a dict: a dict
        def __init__(self, *a):
            self.d = {"k": 1}

        def __getitem__(self, k):
            return self.d[k]

        def __iter__(self):
            return iter(self.d)

        def __len__(self):
            return 1

    assert type(default_collate([Frozen(), Frozen()])) in (dict, Frozen)


def test_collate_errors():
    msg = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists"
    with pytest.raises(TypeError, match=msg + "; found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match=msg + "; found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match=msg + "; found <class 'NoneType'>"):
        default_collate([None])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])


def test_custom_collate_fn_map():
    class Box:
        def __init__(self, v):
            self.v = v

    fn_map = dict(default_collate_fn_map)
    fn_map[Box] = lambda batch, *, collate_fn_map: sum(b.v for b in batch)
    assert collate([(Box(1), 2), (Box(3), 4)], collate_fn_map=fn_map)[0] == 4


def test_default_convert():
    out = default_convert((1, np.float64(2.0), np.array([1, 2]), "s"))
    assert isinstance(out, list) and out[0] == 1 and out[3] == "s"
    assert out[1].dtype == torch.float64 and out[2].tolist() == [1, 2]
    assert default_convert("abc") == "abc"
    strs = np.array(["a"])
    assert default_convert(strs) is strs
    t = torch.zeros(2)
    assert default_convert(t) is t
    p = default_convert(Point(np.int32(1), 2))
    assert isinstance(p, Point) and p.x.dtype == torch.int32 and p.y == 2
    d = default_convert({"a": np.zeros(1), "b": [np.ones(1)]})
    assert isinstance(d["a"], torch.Tensor) and isinstance(d["b"][0], torch.Tensor)
