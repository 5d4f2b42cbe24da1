"""``torch.jit.save`` / ``torch.jit.load``: compiled modules as zip archives, no Python code.

Archive layout (zip, stored uncompressed):
  manifest.json              format version, kind, module tree, traces, signatures
  graphs/<method>__<modes>.txt  the IR text of every compiled trace (printer.print_graph)
  tensors/<key>              raw little-endian bytes of parameters, buffers, graph constants
  extra/<name>               the ``_extra_files``
Loading parses the graphs and rebuilds a ``RecursiveScriptModule`` tree holding real
parameters and buffers under the original names: it runs, trains and saves again without the
model's source or class.  Nothing is unpickled."""
from __future__ import annotations

import collections
import contextlib
import inspect
import io
import json
import math
import os
import sys
import tempfile
import zipfile

import numpy as np

from ..eager.tensor import Tensor
from ..ops import dtypes as D
from . import _pytree as P
from . import _saved_variants as V
from ._module import ScriptFunction, ScriptModule, TracedModule, _Compiled, run_trace
from ._numargs import code_of
from ._record import Trace, normalize_args

__all__ = ["save", "load", "RecursiveScriptModule", "LoadedFunction"]

FORMAT_VERSION = 1


# ------------------------------------------------------------------ JSON encodings
def _enc_const(v):
    """A Python constant (spec leaf, default argument) as JSON; TypeError if it has none."""
    t = type(v)
    if v is None or t in (bool, str):
        return v
    if t is int:
        return {"int": str(v)} if abs(v) >= 2 ** 53 else v
    if t is float:
        return {"float": repr(v)} if not math.isfinite(v) else v
    if t is complex:
        return {"complex": [repr(v.real), repr(v.imag)]}
    if t in (list, tuple):
        return {t.__name__: [_enc_const(x) for x in v]}
    if isinstance(v, D.dtype):
        return {"dtype": v.name}
    if type(v).__name__ == "device":
        return {"device": str(v)}
    raise TypeError(f"cannot save a constant of type {t.__name__} ({v!r})")


def _dec_const(j):
    if not isinstance(j, dict):
        return j
    (k, v), = j.items()
    if k == "int":
        return int(v)
    if k == "float":
        return float(v)
    if k == "complex":
        return complex(float(v[0]), float(v[1]))
    if k in ("list", "tuple"):
        return (list if k == "list" else tuple)(_dec_const(x) for x in v)
    if k in ("dtype", "device"):
        from .. import device
        return D._by_name(v) if k == "dtype" else device(v)
    raise ValueError(f"unknown constant encoding {k!r}")


def _enc_spec(spec):
    if spec == P.LEAF:
        return "T"
    kind, extra, kids = spec
    out = {"kind": kind, "kids": [_enc_spec(k) for k in kids]}
    if kind == "const":
        out["value"] = _enc_const(extra)
    elif kind == "namedtuple":
        out["name"], out["fields"] = extra.__name__, list(extra._fields)
    elif kind == "dict":
        if any(type(k) not in (str, int) for k in extra):
            raise TypeError(f"cannot save dict keys {extra!r}: only str and int keys")
        out["keys"] = list(extra)
    return out


_NT_CACHE: dict = {}


def _namedtuple(name, fields):
    key = (name, tuple(fields))
    if key not in _NT_CACHE:
        _NT_CACHE[key] = collections.namedtuple(name, fields)
    return _NT_CACHE[key]


def _dec_spec(j):
    if j == "T":
        return P.LEAF
    kind, kids = j["kind"], tuple(_dec_spec(k) for k in j["kids"])
    extra = None
    if kind == "const":
        extra = _dec_const(j["value"])
    elif kind == "namedtuple":
        extra = _namedtuple(j["name"], j["fields"])
    elif kind == "dict":
        extra = tuple(j["keys"])
    elif kind not in ("tuple", "list"):
        raise ValueError(f"unknown spec kind {kind!r}")
    return (kind, extra, kids)


def _canon(spec):
    """A spec with namedtuple classes replaced by (name, fields): a loaded module accepts any
    namedtuple class of the same name and fields (the user's own class is not saved)."""
    if spec == P.LEAF:
        return spec
    kind, extra, kids = spec
    if kind == "namedtuple":
        extra = (extra.__name__, tuple(extra._fields))
    return (kind, extra, tuple(_canon(k) for k in kids))


def _enc_sig(fn):
    """The parameters of ``fn`` (name, kind, JSON default when it has one)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        e = {"name": p.name, "kind": int(p.kind)}
        if p.default is not p.empty:
            try:
                e["default"] = _enc_const(p.default)
            except TypeError:
                pass  # an unsaveable default: the argument must then be given
        out.append(e)
    return out


def _dec_sig(params, name):
    """A stub function carrying the saved signature (normalize_args binds against it)."""
    def stub(*args, **kwargs):
        raise RuntimeError("signature stub")
    stub.__name__ = stub.__qualname__ = name
    if params is not None:
        stub.__signature__ = inspect.Signature([
            inspect.Parameter(p["name"], inspect._ParameterKind(p["kind"]),
                              default=_dec_const(p["default"]) if "default" in p
                              else inspect.Parameter.empty) for p in params])
    return stub


# ------------------------------------------------------------------ tensors
def _tensor_bytes(arr: np.ndarray) -> bytes:
    arr = np.ascontiguousarray(arr)
    if sys.byteorder == "big" and arr.dtype.itemsize > 1:
        arr = arr.byteswap()
    return arr.tobytes()


def _tensor_meta(arr, key, **more):
    return dict(key=key, dtype=D.from_numpy_dtype(arr.dtype).name, shape=list(arr.shape),
                **more)


def _read_tensor(zf, meta, where):
    dt = D._by_name(meta["dtype"]).np
    raw = _entry(zf, "tensors/" + meta["key"], where)
    shape = tuple(meta["shape"])
    want = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    if len(raw) != want:
        raise RuntimeError(f"{where}: tensor '{meta['key']}' has {len(raw)} bytes, expected "
                           f"{want} for {meta['dtype']}{list(shape)}")
    little = dt.newbyteorder("<") if dt.itemsize > 1 and dt.kind in "iufc" else dt
    return np.frombuffer(raw, dtype=little).astype(dt).reshape(shape).copy()


# ------------------------------------------------------------------ saving
def save(m, f, _extra_files=None):
    """Save a traced/scripted module or function to ``f`` (a path or a binary file object).

    Args:
        m: a ``ScriptModule`` (e.g. from ``torch.jit.trace``) or ``ScriptFunction``.
        f: a file name (written atomically) or a writable binary file object.
        _extra_files: a mapping file name -> str/bytes stored alongside.
    """
    if not isinstance(m, (ScriptModule, ScriptFunction)):
        raise AttributeError(f"'{type(m).__name__}' object has no attribute 'save'")
    data = _archive(m, _extra_files or {})
    if isinstance(f, (str, os.PathLike)):
        _write_atomic(os.fspath(f), data)
    else:
        f.write(data)
        if hasattr(f, "flush"):
            f.flush()


def _write_atomic(path, data: bytes):
    """Write to a temporary file next to ``path``, fsync, then rename over it: a failure
    leaves an existing file untouched."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp_" + os.path.basename(path) + ".", dir=d)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _archive(m, extra) -> bytes:
    buf = io.BytesIO()
    tensors: dict = {}  # key -> array
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        if isinstance(m, ScriptFunction):
            man = {"kind": "function", "name": m.name, "signature": _enc_sig(m._fn),
                   "traces": V.function_traces(_save_trace, zf, tensors, m)}
        else:
            man = {"kind": "module", "modules": _save_modules(m, tensors),
                   "frozen": bool(m.__dict__.get("_frozen", False)), "traces": [],
                   "signatures": {}}
            variants = m.__dict__.get("_variants") or {}
            for (method, modes), comp in m._compiled.items():
                man["traces"].append(_save_trace(zf, tensors, method, modes, comp.trace))
                man["traces"] += V.save_variants(_save_trace, zf, tensors, method, modes, comp,
                                                 variants.get((method, modes)))
                if method not in man["signatures"]:
                    man["signatures"][method] = _enc_sig(_method_fn(m, method))
        man["format_version"] = FORMAT_VERSION
        man["extra_files"] = sorted(extra)
        for key, arr in tensors.items():
            zf.writestr("tensors/" + key, _tensor_bytes(arr))
        for name, content in sorted(extra.items()):
            zf.writestr("extra/" + name, content.encode() if isinstance(content, str)
                        else bytes(content))
        zf.writestr("manifest.json", json.dumps(man, indent=1, sort_keys=True))
    return buf.getvalue()


def _method_fn(m, method):
    sigs = m.__dict__.get("_sigs")
    if sigs is not None:
        return sigs[method]
    return getattr(m._orig, method)


def _save_modules(root, tensors):
    """The module tree, parents first; each tensor object is stored once (shared ones too)."""
    keys: dict = {}  # id(tensor) -> key
    out = []
    for qual, mod in root.named_modules(remove_duplicate=False):
        oname = mod.__dict__.get("original_name", type(mod).__name__)
        entry = {"name": qual, "original_name": oname, "training": bool(mod.training), "parameters": [], "buffers": [],
                 "children": list(mod._modules)}
        for kind, store in (("parameters", mod._parameters), ("buffers", mod._buffers)):
            for name, t in store.items():
                if t is None:
                    entry[kind].append({"name": name, "none": True})
                    continue
                full = f"{qual}.{name}" if qual else name
                key = keys.setdefault(id(t), "state/" + full)
                tensors[key] = t._data
                meta = _tensor_meta(t._data, key, name=name,
                                    requires_grad=bool(t.requires_grad))
                if kind == "buffers":
                    meta["persistent"] = name not in mod._non_persistent_buffers_set
                entry[kind].append(meta)
        out.append(entry)
    return out


def _save_trace(zf, tensors, method, modes, tr: Trace, variant=0):
    from ..ir.printer import print_graph
    from .script._function import check_saveable
    check_saveable([tr.graph], f"method '{method}'")  # PythonCall: needs the Python code
    tag = _mode_str(modes) + (f"_v{variant}" if variant else "")
    fname = f"graphs/{method}__{tag}.txt"
    text = print_graph(tr.graph)  # assigns keys to large constants in graph.constants
    zf.writestr(fname, text)
    consts = {}
    for key, arr in tr.graph.constants.items():
        tkey = f"const/{method}__{tag}/{key}"
        tensors[tkey] = np.asarray(arr)
        consts[key] = _tensor_meta(np.asarray(arr), tkey)
    return {"method": method, "modes": list(modes), "graph": fname, "constants": consts,
            "in_spec": _enc_spec(tr.in_spec), "out_spec": _enc_spec(tr.out_spec),
            "n_user": tr.n_user, "state": list(tr.state), "n_out": tr.n_out,
            "writebacks": [list(w) for w in tr.writebacks], **V.encode_numbers(tr)}


# ------------------------------------------------------------------ loading
def load(f, map_location=None, _extra_files=None):
    """Load a module or function saved by ``torch.jit.save``.

    Args:
        f: a file name or a readable binary file object.
        map_location: where tensors go: ``'cpu'``, a device, a dict mapping saved
            locations to new ones, or a callable ``(tensor, location) -> tensor``.
        _extra_files: a dict whose keys name extra files; their contents (bytes) are filled in.

    Returns:
        a ``RecursiveScriptModule`` (or ``ScriptFunction``) callable like the original.
    """
    where = os.fspath(f) if isinstance(f, (str, os.PathLike)) else \
        getattr(f, "name", "<file object>")
    try:
        zf = zipfile.ZipFile(f if not isinstance(f, (str, os.PathLike)) else os.fspath(f))
    except FileNotFoundError:
        raise ValueError(f"The provided filename {where} does not exist") from None
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise RuntimeError(f"{where}: not a graphtorch archive or truncated ({e})") from None
    with zf:
        try:
            return _load(zf, where, map_location, _extra_files)
        except RuntimeError:
            raise
        except (KeyError, ValueError, TypeError, IndexError, json.JSONDecodeError,
                zipfile.BadZipFile, EOFError, OSError) as e:
            raise RuntimeError(f"{where}: corrupted archive: {type(e).__name__}: {e}") from None


def _entry(zf, name, where) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise RuntimeError(f"{where}: archive has no entry '{name}'") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise RuntimeError(f"{where}: entry '{name}' is corrupted ({e})") from None


def _load(zf, where, map_location, extra_files):
    man = json.loads(_entry(zf, "manifest.json", where).decode())
    if man.get("format_version") != FORMAT_VERSION:
        raise RuntimeError(f"{where}: unsupported format version {man.get('format_version')}")
    if extra_files is not None:
        for name in list(extra_files):
            key = "extra/" + name
            extra_files[name] = zf.read(key) if key in zf.namelist() else b""
    loc = _locator(map_location)
    traces = [(t, _load_trace(zf, where, t)) for t in man["traces"]]
    if man["kind"] == "function":
        fn = LoadedFunction(traces[0][1], _dec_sig(man["signature"], man["name"]))
        fn._alts = [_Compiled(tr) for _, tr in traces[1:]]  # other saved variants
        return fn
    root = _build_modules(zf, where, man["modules"], loc)
    root.__dict__["_frozen"] = man.get("frozen", False)
    for meta, tr in traces:  # the latest specialization first, then the others
        key = (meta["method"], tuple(meta["modes"]))
        if key in root._compiled:
            root._alts.setdefault(key, []).append(_Compiled(tr))
        else:
            root._compiled[key] = _Compiled(tr)
    root.__dict__["_sigs"].update({k: _dec_sig(v, k) for k, v in man["signatures"].items()})
    return root


def _load_trace(zf, where, meta) -> Trace:
    from ..ir.parser import parse
    consts = {k: _read_tensor(zf, m, where) for k, m in meta["constants"].items()}
    text = _entry(zf, meta["graph"], where).decode()
    try:
        graph = parse(text, constants=consts)
    except ValueError as e:
        raise RuntimeError(f"{where}: graph '{meta['graph']}' does not parse: {e}") from None
    return Trace(graph, _dec_spec(meta["in_spec"]), _dec_spec(meta["out_spec"]),
                 meta["n_user"], list(meta["state"]), meta["n_out"],
                 [tuple(w) for w in meta["writebacks"]], tuple(meta["modes"]),
                 **V.decode_numbers(meta, where))


def _locator(map_location):
    """A function array -> Tensor placing loaded tensors as ``map_location`` says."""
    def place(arr):
        t = Tensor(arr)
        if callable(map_location) and not isinstance(map_location, (str, dict)):
            out = map_location(t, "cpu")
            return out if isinstance(out, Tensor) else t
        dev = map_location.get("cpu", "cpu") if isinstance(map_location, dict) else \
            (map_location or "cpu")
        return t if str(dev) == "cpu" else t.to(dev)
    return place


def _build_modules(zf, where, entries, place):
    from ..nn.parameter import Parameter
    by_name: dict = {}
    made: dict = {}  # tensor key -> tensor (shared tensors stay shared)
    for e in entries:
        mod = RecursiveScriptModule(e["original_name"])
        mod.training = e["training"]
        for p in e["parameters"]:
            if p.get("none"):
                mod.register_parameter(p["name"], None)
                continue
            if p["key"] not in made:
                made[p["key"]] = Parameter(place(_read_tensor(zf, p, where)),
                                           requires_grad=p["requires_grad"])
            mod.register_parameter(p["name"], made[p["key"]])
        for b in e["buffers"]:
            if b.get("none"):
                mod.register_buffer(b["name"], None)
                continue
            if b["key"] not in made:
                made[b["key"]] = place(_read_tensor(zf, b, where))
            mod.register_buffer(b["name"], made[b["key"]], persistent=b["persistent"])
        name = e["name"]
        if name in by_name:  # a shared submodule listed again: keep the first
            continue
        by_name[name] = mod
        if name:
            parent, _, leaf = name.rpartition(".")
            by_name[parent].add_module(leaf, mod)
    return by_name[""]


class RecursiveScriptModule(ScriptModule):
    """A module loaded by ``torch.jit.load`` (or made by ``freeze``): its methods run the
    saved graphs; parameters and buffers are ordinary tensors, so it can be trained."""

    def __init__(self, original_name="Module"):
        super().__init__()
        d = self.__dict__
        d["original_name"] = original_name
        d["_compiled"] = {}
        d["_alts"] = {}  # (method, modes) -> other saved specializations
        d["_sigs"] = {}

    def forward(self, *args, **kwargs):
        return self._call_method("forward", args, kwargs)

    def _call_method(self, method, args, kwargs):
        sig = self._sigs.get(method)
        norm = normalize_args(sig, args, kwargs) if sig is not None else (args, kwargs)
        modes = self._modes()
        comp = self._compiled.get((method, modes))
        if comp is None:
            have = [m for (name, m) in self._compiled if name == method]
            if not have:
                raise RuntimeError(f"{self.original_name} has no method '{method}'")
            raise RuntimeError(
                f"{self.original_name}.{method} was saved for training modes "
                f"{[_mode_str(m) for m in have]}, not {_mode_str(modes)}: a loaded module "
                "cannot trace again; save it after calling it in every mode you need")
        alts = self.__dict__.get("_alts", {}).get((method, modes))
        if alts:
            comp = V.pick(comp, alts, norm, _canon)
        return _run(comp, norm, self._state(comp.trace.state))

    _modes = TracedModule._modes
    _state = TracedModule._state
    _forward_trace = TracedModule._forward_trace
    extra_repr = TracedModule.extra_repr
    _get_name = TracedModule._get_name

    def __getattr__(self, name):
        d = self.__dict__
        comp = d.get("_compiled")
        if comp and any(m == name for m, _ in comp):
            return lambda *a, **k: self._call_method(name, a, k)
        return super().__getattr__(name)

    @property
    def code(self) -> str:
        tr = self._forward_trace()
        return code_of(tr, "forward", tr.n_user)


class LoadedFunction(ScriptFunction):
    """A function loaded by ``torch.jit.load``."""

    def __call__(self, *args, **kwargs):
        norm = normalize_args(self._fn, args, kwargs)
        return _run(V.pick(self._comp, getattr(self, "_alts", []), norm, _canon), norm, ())

    @property
    def code(self) -> str:
        return code_of(self._comp.trace, self.name)


def _mode_str(modes):
    return "".join("t" if x else "e" for x in modes) or "-"  # also the graph file tag


def _run(comp, norm_args, state_tensors):
    """run_trace, comparing input structure by namedtuple name and fields."""
    with V.explain_guards(comp.trace):
        return run_trace(comp, norm_args, state_tensors, canon=_canon, what="loaded graph")
