"""PyTorch's legacy (pre-1.6, non-zip) checkpoint format: a magic number, protocol version and
system info pickled in turn, then the object, the list of storage keys, and each storage as
an 8-byte little-endian element count followed by its raw bytes."""
from __future__ import annotations

import io
import pickle
import struct

import numpy as np

from . import pickler as _P
from . import unpickler as _U

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_SYS_INFO = {"protocol_version": PROTOCOL_VERSION, "little_endian": True,
             "type_sizes": {"short": 2, "int": 4, "long": 4}}


def save_legacy(obj, out, protocol: int) -> None:
    """Write ``obj`` to binary stream ``out`` in the legacy format."""
    body = io.BytesIO()
    table = _P.dump(obj, body, protocol, legacy=True)
    for value in (MAGIC_NUMBER, PROTOCOL_VERSION, _SYS_INFO):
        pickle.dump(value, out, protocol=protocol)
    out.write(body.getbuffer())
    pickle.dump([e.key for e in table.entries], out, protocol=protocol)
    for e in table.entries:
        out.write(struct.pack("<q", len(e.raw) // e.dtype.itemsize))
        out.write(memoryview(e.raw))


def load_legacy(stream, locate, weights_only: bool, pickle_load_args: dict):
    """Read a legacy-format checkpoint from ``stream`` (storages land on the cpu)."""
    cls = _U.WeightsOnlyUnpickler if weights_only else _U.FullUnpickler
    header = cls(stream, _no_storage, **pickle_load_args)
    if header.load() != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = cls(stream, _no_storage, **pickle_load_args).load()
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    sys_info = cls(stream, _no_storage, **pickle_load_args).load()
    if not sys_info.get("little_endian", True):
        raise RuntimeError("big-endian legacy checkpoints are not supported")
    storages: dict = {}

    def persistent_load(pid):
        if pid[0] != "storage":
            raise RuntimeError(f"Unknown saved id type: {pid[0]}")
        storage_type, key, location, numel = pid[1:5]
        if key not in storages:
            dtype = storage_type.dtype
            storages[key] = _U.LoadedStorage(np.zeros(numel * dtype.itemsize, np.uint8), dtype)
            if locate(storages[key], location).device.type != "cpu":
                raise RuntimeError("legacy-format checkpoints load onto the cpu only; use "
                                   "map_location='cpu' and move the tensors afterwards")
        return storages[key]

    result = cls(stream, persistent_load, **pickle_load_args).load()
    keys = cls(stream, _no_storage, **pickle_load_args).load()
    for key in keys:
        _read_storage(stream, storages[key])
    return result


def _read_storage(stream, storage) -> None:
    numel = struct.unpack("<q", stream.read(8))[0]
    nbytes = numel * storage.dtype.itemsize
    data = stream.read(nbytes)
    if len(data) != nbytes or nbytes != storage.raw.nbytes:
        raise RuntimeError("legacy checkpoint is truncated or its storage sizes disagree")
    storage.raw[:] = np.frombuffer(data, np.uint8)


def _no_storage(pid):
    raise pickle.UnpicklingError("unexpected persistent id outside the pickled object")
