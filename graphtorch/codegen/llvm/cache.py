"""On-disk cache of compiled object code, keyed by a hash of the LLVM IR, the host CPU and
the backend version.

Entries are ``<key>.o`` files with a header carrying the payload's length and SHA-256; a
truncated or corrupted file fails the check and is ignored (and rewritten), never loaded.
Writes go to a temporary file that is renamed into place, so a crash mid-write leaves no
partial entry.  ``GRAPHTORCH_CACHE_DIR`` moves the cache; ``GRAPHTORCH_CACHE_DIR=""``
(empty) or ``GRAPHTORCH_DISABLE_CACHE=1`` turns it off."""
from __future__ import annotations

import hashlib
import os
import tempfile

__all__ = ["get", "put", "directory", "clear"]

_MAGIC = b"GTOBJ1\n"


def directory():
    """The cache directory (None when caching is disabled)."""
    if os.environ.get("GRAPHTORCH_DISABLE_CACHE") == "1":
        return None
    d = os.environ.get("GRAPHTORCH_CACHE_DIR")
    if d is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "graphtorch", "llvm")
    return d or None


def _path(key):
    d = directory()
    return None if d is None else os.path.join(d, f"{key}.o")


def get(key):
    """The cached object bytes for ``key``, or None (missing, truncated or corrupted)."""
    p = _path(key)
    if p is None:
        return None
    try:
        with open(p, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if not data.startswith(_MAGIC):
        return None
    head, _, payload = data[len(_MAGIC):].partition(b"\n")
    try:
        size, digest = head.decode().split(" ")
    except ValueError:
        return None
    if len(payload) != int(size) or hashlib.sha256(payload).hexdigest() != digest:
        return None
    return payload


def put(key, obj: bytes) -> None:
    """Store object bytes atomically; failures (read-only disk, ...) are ignored."""
    p = _path(key)
    if p is None:
        return
    try:
        os.makedirs(os.path.dirname(p), exist_ok=True)
        head = _MAGIC + f"{len(obj)} {hashlib.sha256(obj).hexdigest()}\n".encode()
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(p), suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(head + obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, p)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError:
        pass


def clear() -> None:
    """Delete every cached object."""
    d = directory()
    if d is None or not os.path.isdir(d):
        return
    for name in os.listdir(d):
        if name.endswith(".o"):
            try:
                os.unlink(os.path.join(d, name))
            except OSError:
                pass
