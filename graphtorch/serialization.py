"""torch.save / torch.load in PyTorch's checkpoint format (a zip of ``data.pkl`` plus raw
storages), so files move both ways between graphtorch and PyTorch.

``load`` defaults to ``weights_only=True``: only tensors, containers, primitives and globals
allowed with ``add_safe_globals`` are admitted, so loading an untrusted file runs no code from
it.  Saving to a path is atomic: a temporary file in the same directory, fsync, ``os.replace``.
"""
from __future__ import annotations

import io
import mmap as _mmap
import os
import pickle
import secrets
import tempfile

import numpy as np

from ._serialization import pickler as _P
from ._serialization import unpickler as _U
from ._serialization.zipio import ZipReader, ZipWriter
from .eager.device import device as _Device

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will "
    "likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
    "file from a trusted source.")
DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default "
    "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


# ------------------------------------------------------------------ safe globals
def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes/functions (or ``(obj, "module.name")`` pairs) in weights_only load."""
    _U._SAFE_GLOBALS.update(safe_globals)


def get_safe_globals() -> list:
    """The globals allowed with :func:`add_safe_globals`."""
    return list(_U._SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Forget every global allowed with :func:`add_safe_globals`."""
    _U._SAFE_GLOBALS.clear()


class safe_globals:
    """Context manager allowing ``safe_globals`` for weights_only loads inside the block."""

    def __init__(self, safe_globals: list):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._saved = set(_U._SAFE_GLOBALS)
        _U._SAFE_GLOBALS.update(self.safe_globals)

    def __exit__(self, *exc):
        _U._SAFE_GLOBALS.clear()
        _U._SAFE_GLOBALS.update(self._saved)


# ------------------------------------------------------------------ save
def _is_path(f) -> bool:
    return isinstance(f, (str, os.PathLike))


def _archive_name(f) -> str:
    if not _is_path(f):
        return "archive"
    base = os.path.basename(os.fspath(f))
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return stem or "archive"


def save(obj, f, pickle_module=pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` to a file path or a binary file-like object, as torch.save does.

    Args:
        obj: the object (tensors, state dicts, nested containers, modules...).
        f: a path (written atomically) or a writable binary file-like object.
        pickle_protocol: pickle protocol of ``data.pkl`` (PyTorch's default is 2).
        _use_new_zipfile_serialization: False writes PyTorch's legacy (pre-1.6) format.
    """
    buf = io.BytesIO()
    if not _use_new_zipfile_serialization:
        from ._serialization.legacy import save_legacy
        save_legacy(obj, buf, pickle_protocol)
        return _emit(f, lambda out: out.write(buf.getbuffer()))
    table = _P.dump(obj, buf, pickle_protocol)  # pickling errors happen before any write
    name = _archive_name(f)

    def write(out):
        zw = ZipWriter(out)
        zw.write_record(f"{name}/data.pkl", buf.getbuffer())
        zw.write_record(f"{name}/.format_version", b"1")
        zw.write_record(f"{name}/.storage_alignment", b"64")
        if not _disable_byteorder_record:
            zw.write_record(f"{name}/byteorder", b"little")
        for entry in table.entries:
            zw.write_record(f"{name}/data/{entry.key}", entry.raw)
        zw.write_record(f"{name}/version", b"3\n")
        sid = "".join(str(secrets.randbelow(10)) for _ in range(40))
        zw.write_record(f"{name}/.data/serialization_id", sid.encode())
        zw.close()
    _emit(f, write)


def _emit(f, write) -> None:
    if not _is_path(f):
        write(f)
        if hasattr(f, "flush"):
            f.flush()
        return
    path = os.fspath(f)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {os.path.dirname(path)} does not exist.")
    _atomic_write(path, parent, write)


def _atomic_write(path: str, parent: str, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=parent, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(parent)


def _file_mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        pass
    try:
        with open("/proc/self/status") as st:
            for line in st:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    return 0o644


def _fsync_dir(parent: str) -> None:
    try:
        dfd = os.open(parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# ------------------------------------------------------------------ load
def _weights_only_message(message: str) -> str:
    if "was not an allowed global by default" in message:
        return ("Weights only load failed. This file can still be loaded, to do so you have two "
                "options, \033[1mdo those steps only if you trust the source of the checkpoint"
                f"\033[0m. \n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with "
                "`weights_only=True` please check the recommended steps in the following error "
                "message.\n\tWeightsUnpickler error: " + message + DOCS_MESSAGE)
    text = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if "is blocked" not in message:
        text += ("Please file an issue with the following so that we can make `weights_only="
                 "True` compatible with your use case: WeightsUnpickler error: ")
    return text + "\n\n" + message + DOCS_MESSAGE


def _resolve_weights_only(weights_only, pickle_module) -> bool:
    true_values = ("1", "y", "yes", "true")
    if os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in true_values:
        return True
    if weights_only is None:
        if os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in true_values:
            return False
        return pickle_module is None
    return bool(weights_only)


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args):
    """Load an object saved with :func:`save` (or by PyTorch's torch.save).

    Args:
        f: a path or a binary file-like object (read, seek).
        map_location: where storages go: a device or string ('cpu', 'cuda:0'), a dict
            remapping location tags, or ``fn(storage, location)`` returning a storage or None.
        weights_only: admit only tensors, containers, primitives and allowlisted globals
            (default True). False unpickles anything: use only for trusted files.
        mmap: map the file instead of reading storages into memory (copy-on-write: tensors
            are writable, writes never reach the file).
    """
    weights_only = _resolve_weights_only(weights_only, pickle_module)
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    pickle_load_args.setdefault("encoding", "utf-8")
    opened = open(os.fspath(f), "rb") if _is_path(f) else None
    try:
        stream = opened if opened is not None else _seekable(f)
        head = stream.read(4)
        stream.seek(-len(head), os.SEEK_CUR)
        if head[:2] != b"PK":
            if mmap:
                raise RuntimeError("mmap can only be used with files saved with `torch.save("
                                   "_use_new_zipfile_serialization=True), please torch.save "
                                   "your checkpoint with this option in order to use mmap.")
            from ._serialization.legacy import load_legacy
            return _guarded(lambda: load_legacy(stream, _Locator(map_location), weights_only,
                                                pickle_load_args), weights_only)
        reader = ZipReader(stream)
        mapped = _map_file(stream) if mmap else None
        return _guarded(lambda: _load_zip(reader, mapped, map_location, weights_only,
                                          pickle_load_args), weights_only)
    finally:
        if opened is not None:
            opened.close()


def _guarded(run, weights_only: bool):
    if not weights_only:
        return run()
    try:
        return run()
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(_weights_only_message(str(e))) from None


def _seekable(f):
    if hasattr(f, "seekable") and f.seekable():
        return f
    return io.BytesIO(f.read())


def _map_file(stream):
    if not hasattr(stream, "fileno"):
        raise ValueError("mmap=True needs a file path or a real file object (with fileno())")
    try:
        fileno = stream.fileno()
    except (OSError, io.UnsupportedOperation):
        raise ValueError("mmap=True needs a file path or a real file object (with fileno())")
    return _mmap.mmap(fileno, 0, access=_mmap.ACCESS_COPY)


class _Locator:
    """Applies ``map_location`` to each storage's location tag."""

    def __init__(self, map_location):
        self.map_location = map_location

    def __call__(self, storage: _U.LoadedStorage, location: str) -> _U.LoadedStorage:
        ml = self.map_location
        if callable(ml) and not isinstance(ml, (str, _Device, dict)):
            result = ml(storage, location)
            out = storage if result is None else result
        elif isinstance(ml, dict):
            out = storage.to(ml.get(location, location))
        elif ml is not None:
            out = storage.to(ml)
        else:
            out = storage.to(location)
        _check_device(out.device)
        return out


def _check_device(dev) -> None:
    if dev.type == "cuda":
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use torch.load with "
                "map_location=torch.device('cpu') to map your storages to the CPU.")
    elif dev.type != "cpu":
        raise RuntimeError(f"don't know how to restore data location of {dev}")


def _load_zip(reader: ZipReader, mapped, map_location, weights_only, pickle_load_args):
    locate = _Locator(map_location)
    big_endian = reader.has_record("byteorder") and reader.read("byteorder") == b"big"
    loaded: dict = {}

    def storage_bytes(key: str, nbytes: int) -> np.ndarray:
        name = f"data/{key}"
        if mapped is not None:
            offset, size = reader.data_offset(name)
            raw = np.frombuffer(mapped, np.uint8, count=size, offset=offset)
        else:
            raw = np.frombuffer(bytearray(reader.read(name)), np.uint8)
        if raw.size != nbytes:
            raise RuntimeError(f"storage {key} has {raw.size} bytes in the file, expected "
                               f"{nbytes}")
        return raw

    def persistent_load(pid):
        kind = pid[0].decode() if isinstance(pid[0], bytes) else pid[0]
        if kind != "storage":
            raise RuntimeError(f"Unknown saved id type: {kind}")
        storage_type, key, location, numel = pid[1:5]
        key = key.decode() if isinstance(key, bytes) else str(key)
        if key not in loaded:
            dtype = storage_type.dtype if isinstance(storage_type, _U.StorageType) else None
            if dtype is None:
                raise RuntimeError(f"unsupported storage type {storage_type!r}")
            raw = storage_bytes(key, numel * dtype.itemsize)
            if big_endian and dtype.itemsize > 1:
                raw = raw.view(dtype.np).byteswap().view(np.uint8)
            loaded[key] = locate(_U.LoadedStorage(raw, dtype), str(location))
        return loaded[key]

    cls = _U.WeightsOnlyUnpickler if weights_only else _U.FullUnpickler
    data = io.BytesIO(reader.read("data.pkl"))
    return cls(data, persistent_load, **pickle_load_args).load()
