"""The safetensors format, read and written without the ``safetensors`` package.

A file is an 8-byte little-endian header length N, N bytes of JSON (``{name: {"dtype": "F32",
"shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}``, padded with
spaces to a multiple of 8), then the tensors' bytes back to back (offsets relative to the end
of the header).  Loading never executes anything: the header is plain JSON, validated."""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from .eager.device import device as _Device
from .eager.tensor import Tensor, wrap
from .ops import dtypes as D

__all__ = ["save_file", "load_file", "save", "load", "safe_open", "SafetensorError"]

_MAX_HEADER = 100_000_000
_CODES = {D.float64: "F64", D.float32: "F32", D.float16: "F16", D.bfloat16: "BF16",
          D.int64: "I64", D.int32: "I32", D.int16: "I16", D.int8: "I8", D.uint8: "U8",
          D.bool: "BOOL", D.complex64: "C64"}
_DTYPES = {v: k for k, v in _CODES.items()}


class SafetensorError(ValueError):
    """A malformed safetensors header or buffer."""


# ------------------------------------------------------------------ writing
def _check_inputs(tensors, metadata) -> None:
    if not isinstance(tensors, dict):
        raise TypeError(f"expected a dict of name -> Tensor, got {type(tensors).__name__}")
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"tensor names must be str, got {type(name).__name__}")
        if not isinstance(t, Tensor):
            raise TypeError(f"value of {name!r} is a {type(t).__name__}, not a Tensor")
        if t._dtype not in _CODES:
            raise ValueError(f"safetensors has no dtype for {t._dtype} (tensor {name!r})")
    if metadata is not None and (not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise TypeError("metadata must be a dict of str -> str")


def _layout(tensors, metadata):
    """(header bytes padded to 8, list of contiguous host arrays in file order)."""
    order = sorted(tensors, key=lambda n: (-tensors[n]._dtype.itemsize, n))
    header, arrays, offset = {}, [], 0
    for name in order:
        t = tensors[name]
        arr = np.ascontiguousarray(t.detach().cpu()._data if t.is_cuda else t._data)
        header[name] = {"dtype": _CODES[t._dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        arrays.append(arr)
        offset += arr.nbytes
    if metadata is not None:
        header = {"__metadata__": dict(metadata), **header}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return text, arrays


def _write(stream, tensors, metadata) -> None:
    _check_inputs(tensors, metadata)
    header, arrays = _layout(tensors, metadata)
    stream.write(struct.pack("<Q", len(header)))
    stream.write(header)
    for arr in arrays:
        stream.write(memoryview(arr.reshape(-1).view(np.uint8)))


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """Serialize a dict of tensors to safetensors bytes."""
    import io
    buf = io.BytesIO()
    _write(buf, tensors, metadata)
    return buf.getvalue()


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write a dict of tensors to ``filename`` in the safetensors format (atomically)."""
    from .serialization import _emit
    _check_inputs(tensors, metadata)
    _emit(os.fspath(filename), lambda out: _write(out, tensors, metadata))


# ------------------------------------------------------------------ reading
def _parse_header(buf) -> tuple[dict, dict, int]:
    """(tensor entries, metadata, data start) of a safetensors buffer, validated."""
    if len(buf) < 8:
        raise SafetensorError("Error while deserializing header: HeaderTooSmall")
    n = struct.unpack("<Q", bytes(buf[:8]))[0]
    if n > _MAX_HEADER:
        raise SafetensorError("Error while deserializing header: HeaderTooLarge")
    if 8 + n > len(buf):
        raise SafetensorError("Error while deserializing header: InvalidHeaderLength")
    try:
        header = json.loads(bytes(buf[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorError(f"Error while deserializing header: InvalidHeaderDeserialization "
                              f"({e})") from None
    if not isinstance(header, dict):
        raise SafetensorError("Error while deserializing header: the header is not a JSON "
                              "object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SafetensorError("Error while deserializing header: __metadata__ must map str to "
                              "str")
    _validate(header, len(buf) - 8 - n)
    return header, metadata, 8 + n


def _validate(header: dict, data_len: int) -> None:
    spans = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorError(f"Error while deserializing header: tensor {name!r} needs "
                                  "exactly dtype, shape and data_offsets")
        if info["dtype"] not in _DTYPES:
            raise SafetensorError(f"Error while deserializing header: unsupported dtype "
                                  f"{info['dtype']!r} for tensor {name!r}")
        shape, offs = info["shape"], info["data_offsets"]
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            raise SafetensorError(f"Error while deserializing header: invalid shape {shape!r} "
                                  f"for tensor {name!r}")
        if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int for o in offs)
                and 0 <= offs[0] <= offs[1]):
            raise SafetensorError(f"Error while deserializing header: invalid data_offsets "
                                  f"{offs!r} for tensor {name!r}")
        nbytes = int(np.prod(shape, dtype=np.int64)) * _DTYPES[info["dtype"]].itemsize
        if offs[1] - offs[0] != nbytes:
            raise SafetensorError(f"Error while deserializing header: TensorInvalidInfo: "
                                  f"tensor {name!r} of shape {shape} and dtype {info['dtype']} "
                                  f"needs {nbytes} bytes, data_offsets give "
                                  f"{offs[1] - offs[0]}")
        spans.append((offs[0], offs[1], name))
    end = 0
    for begin, stop, name in sorted(spans):
        if begin != end:
            raise SafetensorError(f"Error while deserializing header: InvalidOffset: tensor "
                                  f"{name!r} starts at {begin}, expected {end}")
        end = stop
    if end != data_len:
        raise SafetensorError(f"Error while deserializing header: MetadataIncompleteBuffer: "
                              f"the tensors cover {end} bytes, the buffer has {data_len}")


def _tensor(buf, info, start: int, device) -> Tensor:
    dt = _DTYPES[info["dtype"]]
    b, e = info["data_offsets"]
    arr = np.frombuffer(buf, dtype=dt.np, count=(e - b) // dt.itemsize, offset=start + b)
    t = wrap(arr.reshape(info["shape"]))
    dev = _Device(device) if not isinstance(device, int) else _Device("cuda", device)
    return t if dev.type == "cpu" else t.to(dev)


def load(data: bytes) -> dict:
    """Deserialize safetensors bytes into a dict of (cpu) tensors."""
    buf = bytearray(data)
    header, _, start = _parse_header(buf)
    return {name: _tensor(buf, info, start, "cpu") for name, info in header.items()}


def load_file(filename, device="cpu") -> dict:
    """Load a safetensors file into a dict of tensors on ``device``."""
    with open(os.fspath(filename), "rb") as f:
        buf = bytearray(f.read())
    header, _, start = _parse_header(buf)
    return {name: _tensor(buf, info, start, device) for name, info in header.items()}


class safe_open:
    """``with safe_open(path, framework="pt") as f``: keys(), get_tensor(name), metadata()."""

    def __init__(self, filename, framework: str = "pt", device="cpu"):
        with open(os.fspath(filename), "rb") as f:
            self._buf = bytearray(f.read())
        self._header, self._metadata, self._start = _parse_header(self._buf)
        self._device = device

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def keys(self) -> list:
        return sorted(self._header)

    def metadata(self) -> dict:
        return dict(self._metadata)

    def get_tensor(self, name: str) -> Tensor:
        if name not in self._header:
            raise SafetensorError(f"File does not contain tensor {name}")
        return _tensor(self._buf, self._header[name], self._start, self._device)
