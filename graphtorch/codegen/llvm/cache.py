"""On-disk cache of compiled object code, keyed by a hash of the LLVM IR, the host CPU and
the backend version, and of what lowering a captured graph produced (``<key>.meta``: keyed by
the graph before the pass pipeline, so a hit skips the pipeline and lowering too).

Entries are ``<key>.o`` / ``<key>.meta`` files with a header carrying the payload's length and SHA-256; a
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


_EXTS = (".o", ".meta")


def _path(key, ext):
    d = directory()
    return None if d is None else os.path.join(d, f"{key}{ext}")


def get(key, ext=".o"):
    """The cached bytes for ``key`` (object code, or ``ext=".meta"``: lowering metadata), or
    None (missing, truncated or corrupted)."""
    p = _path(key, ext)
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


def put(key, obj: bytes, ext=".o") -> None:
    """Store bytes atomically; failures (read-only disk, ...) are ignored."""
    p = _path(key, ext)
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
    """Delete every cached entry."""
    d = directory()
    if d is None or not os.path.isdir(d):
        return
    for name in os.listdir(d):
        if name.endswith(_EXTS):
            try:
                os.unlink(os.path.join(d, name))
            except OSError:
                pass


# ------------------------------------------------------------------ lowering metadata
# What lowering produced for a captured graph, stored next to the object so that a hit skips
# the pass pipeline and lowering.  Pickled with a restricted unpickler: only numpy arrays,
# size expressions and plain containers come back (anything else reads as corrupted).
_ALLOWED = {("graphtorch.ir.symbolic", "Expr"), ("graphtorch.codegen.llvm.runtime", "GuardInfo"),
            ("builtins", "frozenset"), ("builtins", "set"), ("builtins", "complex"),
            ("builtins", "slice")}
_NUMPY = ("_reconstruct", "dtype", "ndarray", "scalar", "_frombuffer")


def _reduce_expr(e):
    # an Expr caches its hash, which is salted per process: rebuild it from its terms
    from ...ir import symbolic as S
    return (S.Expr, (e.terms,))


def dumps(entry) -> bytes:
    """Pickle a metadata entry (size expressions are rebuilt, not copied, when loaded)."""
    import copyreg
    import io
    import pickle

    from ...ir import symbolic as S
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=5)
    p.dispatch_table = copyreg.dispatch_table.copy()
    p.dispatch_table[S.Expr] = _reduce_expr
    p.dump(entry)
    return buf.getvalue()


def loads(data: bytes):
    """Unpickle a metadata entry; None when it holds anything but the allowed types."""
    import io
    import pickle

    class _Restricted(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) in _ALLOWED or (module.split(".")[0] == "numpy" and
                                               name in _NUMPY):
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")
    try:
        return _Restricted(io.BytesIO(data)).load()
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is a miss
        return None


def source_stamp() -> str:
    """Size and modification time of every graphtorch source file (computed once per process):
    an edited pass, rule or decomposition changes what a graph lowers to, so it changes the
    metadata key too."""
    s = _STAMP.get("s")
    if s is None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        h = hashlib.sha256()
        for base, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    try:
                        st = os.stat(os.path.join(base, name))
                    except OSError:
                        continue
                    h.update(f"{base[len(root):]}/{name}:{st.st_size}:{st.st_mtime_ns};"
                             .encode())
        s = _STAMP["s"] = h.hexdigest()
    return s


_STAMP: dict = {}
