"""graphtorch.safetensors_io: the format itself, validation, and (if installed) the package."""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest

import graphtorch as gt
from graphtorch import safetensors_io as st
from graphtorch.eager.tensor import wrap
from graphtorch.ops import dtypes as D

CODES = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16",
         "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8",
         "bool": "BOOL", "complex64": "C64"}


def tensors():
    return {name: wrap((np.arange(6).reshape(2, 3) % 2).astype(getattr(D, name).np))
            for name in CODES}


def test_roundtrip_all_dtypes(tmp_path):
    ts = tensors()
    path = tmp_path / "m.safetensors"
    st.save_file(ts, path, metadata={"format": "pt"})
    for loaded in (st.load_file(path), st.load(st.save(ts))):
        assert set(loaded) == set(ts)
        for k, v in ts.items():
            assert loaded[k].dtype is v.dtype and loaded[k].shape == v.shape
            np.testing.assert_array_equal(loaded[k]._data, v._data)
    with st.safe_open(path, framework="pt") as f:
        assert f.metadata() == {"format": "pt"} and f.keys() == sorted(ts)
        assert f.get_tensor("float32").tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]


def test_layout_matches_spec():
    data = st.save({"a": gt.ones(2), "b": wrap(np.array([7], np.int8))}, metadata={"k": "v"})
    n = struct.unpack("<Q", data[:8])[0]
    assert (8 + n) % 8 == 0
    header = json.loads(data[8:8 + n])
    assert header["__metadata__"] == {"k": "v"}
    assert header["a"] == {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    assert header["b"] == {"dtype": "I8", "shape": [1], "data_offsets": [8, 9]}
    assert data[8 + n:] == np.ones(2, np.float32).tobytes() + b"\x07"


def test_handwritten_file_and_zero_sized():
    header = json.dumps({"x": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]},
                         "e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [8, 8]},
                         "s": {"dtype": "F64", "shape": [], "data_offsets": [8, 16]}}).encode()
    blob = struct.pack("<Q", len(header)) + header + np.array([1, -2], np.int32).tobytes() + \
        np.float64(2.5).tobytes()
    out = st.load(blob)
    assert out["x"].tolist() == [1, -2] and out["e"].shape == (0, 3) and out["s"].item() == 2.5


def _blob(header: dict, data: bytes = b"") -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


@pytest.mark.parametrize("blob, match", [
    (b"\x01\x02", "HeaderTooSmall"),
    (struct.pack("<Q", 1000) + b"{}", "InvalidHeaderLength"),
    (struct.pack("<Q", 10 ** 9), "HeaderTooLarge"),
    (struct.pack("<Q", 3) + b"{x}", "InvalidHeaderDeserialization"),
    (_blob({"a": {"dtype": "X9", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
     "unsupported dtype"),
    (_blob({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
     "TensorInvalidInfo"),
    (_blob({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
     "InvalidOffset"),
    (_blob({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 9),
     "MetadataIncompleteBuffer"),
    (_blob({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}), "invalid shape"),
    (_blob({"a": {"dtype": "F32", "shape": [1]}}), "data_offsets"),
    (_blob({"__metadata__": {"a": 1}}), "__metadata__"),
])
def test_malformed_headers_rejected(blob, match):
    with pytest.raises(st.SafetensorError, match=match):
        st.load(blob)


def test_bad_inputs():
    with pytest.raises(TypeError):
        st.save({"a": np.ones(2)})
    with pytest.raises(TypeError):
        st.save({"a": gt.ones(2)}, metadata={"a": 1})
    with pytest.raises(ValueError, match="complex128"):
        st.save({"a": wrap(np.ones(2, np.complex128))})


def test_against_safetensors_package(tmp_path):
    numpy_st = pytest.importorskip("safetensors.numpy")
    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, 2], np.int64)}
    path = tmp_path / "ref.safetensors"
    numpy_st.save_file(arrays, str(path))
    ours = st.load_file(path)
    for k, v in arrays.items():
        np.testing.assert_array_equal(ours[k]._data, v)
    st.save_file({k: wrap(v) for k, v in arrays.items()}, tmp_path / "ours.safetensors")
    theirs = numpy_st.load_file(str(tmp_path / "ours.safetensors"))
    for k, v in arrays.items():
        np.testing.assert_array_equal(theirs[k], v)
