"""Normalize a program's result dict and compare two of them key by key.

Rules (the same as the out-of-tree conformance runner):
- tensors become numpy arrays; ``Size`` a tuple of ints; dtypes ``"dtype:float32"``;
  devices ``"device:cpu"``; lists/tuples/dicts are walked (namedtuples count as tuples).
- arrays must match in shape and dtype (unless ``DTYPE_STRICT = False``, module-wide, or
  ``TOL[key]["dtype"] = False``); floating/complex values compare with ``isclose`` (NaN
  equals NaN) under tolerances chosen by the *reference* dtype; everything else exactly.
- Python floats compare with the "pyfloat" tolerance; bool, int, str, complex and None
  must match exactly, including their type (``1 != 1.0 != True``).
- ``RTOL`` / ``ATOL`` override the defaults for the whole program, ``TOL = {key: {"rtol":
  .., "atol": .., "dtype": ..}}`` for one result key.
"""
import ast
import math

import numpy as np

DEFAULT_TOL = {
    "float16": (1e-2, 1e-3),
    "bfloat16": (1e-2, 1e-3),
    "float32": (1e-4, 1e-5),
    "complex64": (1e-4, 1e-5),
    "float64": (1e-6, 1e-8),
    "complex128": (1e-6, 1e-8),
    "pyfloat": (1e-4, 1e-5),
}
META_NAMES = ("TIMEOUT", "RTOL", "ATOL", "TOL", "DTYPE_STRICT")
MAX_PROBLEMS_PER_KEY = 3


# ------------------------------------------------------------------ normalize (child)
def _to_numpy(t):
    t = t.detach()
    if hasattr(t, "cpu"):
        t = t.cpu()
    for name in ("resolve_conj", "resolve_neg"):
        if hasattr(t, name):
            t = getattr(t, name)()
    try:
        arr = t.numpy()
    except TypeError:  # bfloat16 has no numpy dtype in torch
        arr = t.float().numpy()
    if arr.dtype.name == "bfloat16":  # graphtorch returns ml_dtypes.bfloat16: match torch
        arr = arr.astype(np.float32)
    return np.array(arr, copy=True)


def _isinstance_of(v, fw, attr):
    cls = getattr(fw, attr, None)
    return isinstance(cls, type) and isinstance(v, cls)


def normalize(v, fw, path="result"):
    """Turn a result into numpy arrays and Python builtins (``fw`` is the torch module)."""
    if v is None or isinstance(v, (bool, str)):
        return v
    # np.float64 subclasses float: it becomes a plain float, as it would in torch code
    for kind in (int, float, complex):
        if isinstance(v, kind):
            return kind(v)
    if isinstance(v, np.ndarray):
        if v.dtype == object:
            raise TypeError("%s: object arrays are not allowed in results" % path)
        return v.copy()
    if isinstance(v, np.generic):
        return np.asarray(v)
    if _isinstance_of(v, fw, "Tensor"):
        return _to_numpy(v)
    if _isinstance_of(v, fw, "Size"):
        return tuple(int(x) for x in v)
    if _isinstance_of(v, fw, "dtype"):
        return "dtype:" + str(v).rsplit(".", 1)[-1]
    if _isinstance_of(v, fw, "device"):
        return "device:" + str(v)
    if hasattr(v, "detach") and hasattr(v, "numpy") and not isinstance(v, type):
        return _to_numpy(v)  # a tensor-like outside fw.Tensor (e.g. a Parameter subclass)
    if isinstance(v, dict):
        return {str(k): normalize(x, fw, "%s[%r]" % (path, k)) for k, x in v.items()}
    if isinstance(v, list):
        return [normalize(x, fw, "%s[%d]" % (path, i)) for i, x in enumerate(v)]
    if isinstance(v, tuple):
        return tuple(normalize(x, fw, "%s[%d]" % (path, i)) for i, x in enumerate(v))
    raise TypeError("%s: unsupported result type %s.%s"
                    % (path, type(v).__module__, type(v).__qualname__))


# ------------------------------------------------------------------ program settings
def read_meta(path):
    """Module-level TIMEOUT/RTOL/ATOL/TOL/DTYPE_STRICT of a program, without running it."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    meta = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id in META_NAMES:
            meta[node.targets[0].id] = ast.literal_eval(node.value)
    return meta


def _tolerance(meta, key, kind):
    rtol, atol = DEFAULT_TOL.get(kind, DEFAULT_TOL["float32"])
    rtol, atol = meta.get("RTOL", rtol), meta.get("ATOL", atol)
    per_key = meta.get("TOL", {}).get(key, {})
    return per_key.get("rtol", rtol), per_key.get("atol", atol)


# ------------------------------------------------------------------ compare
def _tname(v):
    if isinstance(v, np.ndarray):
        return "array(%s, %s)" % (v.dtype, v.shape)
    return type(v).__name__


def _short(v, n=80):
    s = repr(v)
    return s if len(s) <= n else s[:n] + "..."


def _compare_arrays(ref, got, meta, key, path, out):
    if not isinstance(got, np.ndarray):
        out.append("%s: expected array, got %s" % (path, _tname(got)))
        return
    if ref.shape != got.shape:
        out.append("%s: shape %s != expected %s" % (path, got.shape, ref.shape))
        return
    strict = meta.get("TOL", {}).get(key, {}).get("dtype", meta.get("DTYPE_STRICT", True))
    if strict and ref.dtype != got.dtype:
        out.append("%s: dtype %s != expected %s" % (path, got.dtype, ref.dtype))
        return
    if ref.size == 0:
        return
    if ref.dtype.kind in "fc" or got.dtype.kind in "fc":
        rtol, atol = _tolerance(meta, key, ref.dtype.name)
        wide = np.complex128 if "c" in (ref.dtype.kind + got.dtype.kind) else np.float64
        r, g = ref.astype(wide), got.astype(wide)
        ok = np.isclose(g, r, rtol=rtol, atol=atol, equal_nan=True)
        if not ok.all():
            with np.errstate(invalid="ignore"):
                diff = np.where(ok, 0.0, np.nan_to_num(np.abs(g - r), nan=np.inf))
            worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
            out.append("%s: %d/%d values differ; worst at %s: got %r, expected %r "
                       "(rtol=%g atol=%g)" % (path, int((~ok).sum()), ok.size, worst,
                                             g[worst].item(), r[worst].item(), rtol, atol))
    elif not np.array_equal(ref, got):
        first = tuple(int(i) for i in np.argwhere(ref != got)[0])
        out.append("%s: %d/%d values differ; first at %s: got %r, expected %r"
                   % (path, int((ref != got).sum()), ref.size, first,
                      got[first].item(), ref[first].item()))


def _compare_float(ref, got, meta, key, path, out):
    if not isinstance(got, float):
        out.append("%s: expected float %r, got %s %r" % (path, ref, _tname(got), got))
        return
    if math.isnan(ref) and math.isnan(got):
        return
    rtol, atol = _tolerance(meta, key, "pyfloat")
    if ref == got or (math.isfinite(ref) and math.isfinite(got)
                      and abs(got - ref) <= atol + rtol * abs(ref)):
        return
    out.append("%s: got %r, expected %r (rtol=%g atol=%g)" % (path, got, ref, rtol, atol))


def _compare_containers(ref, got, meta, key, path, out):
    if isinstance(ref, dict):
        if not isinstance(got, dict):
            out.append("%s: expected dict, got %s" % (path, _tname(got)))
            return
        missing = [k for k in ref if k not in got]
        extra = [k for k in got if k not in ref]
        if missing or extra:
            out.append("%s: keys differ (missing %s, unexpected %s)" % (path, missing, extra))
            return
        for k in ref:
            compare(ref[k], got[k], meta, key, "%s[%r]" % (path, k), out)
        return
    if type(ref) is not type(got):
        out.append("%s: got %s, expected %s" % (path, _tname(got), type(ref).__name__))
    elif len(ref) != len(got):
        out.append("%s: length %d != expected %d" % (path, len(got), len(ref)))
    else:
        for i, (a, b) in enumerate(zip(ref, got)):
            compare(a, b, meta, key, "%s[%d]" % (path, i), out)


def compare(ref, got, meta, key, path, out):
    """Append readable mismatches between reference ``ref`` and ``got`` to ``out``."""
    if len(out) >= MAX_PROBLEMS_PER_KEY:
        return
    if isinstance(ref, np.ndarray):
        _compare_arrays(ref, got, meta, key, path, out)
    elif isinstance(ref, bool) or isinstance(got, bool):
        if type(ref) is not type(got) or ref != got:
            out.append("%s: got %r, expected %r" % (path, got, ref))
    elif isinstance(ref, float):
        _compare_float(ref, got, meta, key, path, out)
    elif ref is None or isinstance(ref, (int, str, complex)):
        if type(ref) is not type(got) or ref != got:
            out.append("%s: got %s, expected %s" % (path, _short(got), _short(ref)))
    elif isinstance(ref, (list, tuple, dict)):
        _compare_containers(ref, got, meta, key, path, out)
    else:
        out.append("%s: cannot compare reference type %s" % (path, _tname(ref)))


def compare_results(ref, got, meta):
    """Compare two normalized result dicts; return the list of mismatch descriptions."""
    problems = []
    for k in ref:
        out = []
        if k not in got:
            out.append("key %r missing" % k)
        else:
            compare(ref[k], got[k], meta, k, "key %r" % k, out)
        problems.extend(out)
    problems.extend("unexpected key %r" % k for k in got if k not in ref)
    return problems
