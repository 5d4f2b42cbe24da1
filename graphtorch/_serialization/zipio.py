"""The zip container of PyTorch checkpoints: an uncompressed archive whose records start at
64-byte aligned offsets (so storages can be memory-mapped), written the way PyTorch's own
writer does (alignment padding in an ``FB`` extra field, zip64 records when sizes need them)."""
from __future__ import annotations

import struct
import zlib
import zipfile

ALIGNMENT = 64
_U32 = 0xFFFFFFFF
_CHUNK = 1 << 24


class ZipWriter:
    """Write records sequentially to a binary stream (which need not be seekable)."""

    def __init__(self, stream):
        self._out = stream
        self._offset = 0
        self._central = []

    def _write(self, data) -> None:
        self._out.write(data)
        self._offset += len(data)

    def write_record(self, name: str, data) -> None:
        """Append record ``name`` holding the bytes of ``data`` (bytes or a uint8 buffer)."""
        view = memoryview(data).cast("B") if not isinstance(data, bytes) else memoryview(data)
        size, name_b = len(view), name.encode("utf-8")
        crc = 0
        for i in range(0, size, _CHUNK):
            crc = zlib.crc32(view[i:i + _CHUNK], crc)
        offset = self._offset
        big = size >= _U32 or offset >= _U32
        z64 = struct.pack("<HHQQ", 1, 16, size, size) if big else b""
        pad = (-(offset + 30 + len(name_b) + len(z64) + 4)) % ALIGNMENT
        extra = z64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        small = _U32 if big else size
        self._write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if big else 20, 0, 0, 0, 0x21,
                                crc, small, small, len(name_b), len(extra)))
        self._write(name_b)
        self._write(extra)
        for i in range(0, size, _CHUNK):
            self._write(view[i:i + _CHUNK])
        self._central.append((name_b, crc, size, offset))

    def close(self) -> None:
        """Write the central directory (and zip64 end records when needed)."""
        cd_start = self._offset
        for name_b, crc, size, offset in self._central:
            big = size >= _U32 or offset >= _U32
            extra = struct.pack("<HHQQQ", 1, 24, size, size, offset) if big else b""
            small, off = (_U32, _U32) if big else (size, offset)
            self._write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if big else 20,
                                    45 if big else 20, 0, 0, 0, 0x21, crc, small, small,
                                    len(name_b), len(extra), 0, 0, 0, 0, off))
            self._write(name_b)
            self._write(extra)
        cd_size, count = self._offset - cd_start, len(self._central)
        if count >= 0xFFFF or cd_start >= _U32 or cd_size >= _U32:
            z64_at = self._offset
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                                    cd_size, cd_start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, z64_at, 1))
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF),
                                min(count, 0xFFFF), min(cd_size, _U32), min(cd_start, _U32), 0))


class ZipReader:
    """Read the records of a checkpoint archive (any zip layout: PyTorch's or ours)."""

    def __init__(self, stream):
        self._zip = zipfile.ZipFile(stream)
        self._stream = stream
        names = self._zip.namelist()
        if not names:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found")
        self.prefix = names[0].split("/", 1)[0] + "/"
        self._infos = {i.filename: i for i in self._zip.infolist()}

    def has_record(self, name: str) -> bool:
        return self.prefix + name in self._infos

    def names(self):
        plen = len(self.prefix)
        return [n[plen:] for n in self._infos if n.startswith(self.prefix)]

    def read(self, name: str) -> bytes:
        if self.prefix + name not in self._infos:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: file not found")
        return self._zip.read(self.prefix + name)

    def data_offset(self, name: str) -> tuple[int, int]:
        """(offset of the record's bytes in the file, size): for memory mapping."""
        info = self._infos[self.prefix + name]
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(f"record {name} is compressed and cannot be memory-mapped")
        self._stream.seek(info.header_offset)
        head = self._stream.read(30)
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + name_len + extra_len, info.file_size

    def close(self) -> None:
        self._zip.close()
