"""graphtorch.serialization: round trips, shared storages, map_location, mmap, weights_only
restrictions, atomic saving, the legacy format and the zip layout."""
from __future__ import annotations

import io
import os
import pickle
import signal
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.eager.tensor import make_view, wrap
from graphtorch.nn.parameter import Parameter
from graphtorch.ops import dtypes as D
from graphtorch.serialization import (add_safe_globals, clear_safe_globals, get_safe_globals,
                                      load, safe_globals, save)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def roundtrip(obj, **kw):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf, **kw)


def sample(dt):
    a = np.arange(-3, 9).reshape(3, 4)
    return wrap((a % 2).astype(bool) if dt is D.bool else (a if dt.is_signed or
                dt.category > D._INT else np.abs(a)).astype(dt.np))


@pytest.mark.parametrize("dt", D.ALL, ids=lambda d: d.name)
def test_roundtrip_every_dtype(dt):
    t = sample(dt)
    r = roundtrip(t)
    assert r.dtype is dt and r.shape == t.shape
    np.testing.assert_array_equal(r._data, t._data)


def test_zero_dim_empty_and_noncontiguous():
    base = wrap(np.arange(12.0).reshape(3, 4))
    cases = [wrap(np.array(2.5)), wrap(np.zeros((0, 3), np.float32)),
             make_view(base._data.T, base), make_view(base._data[:, ::2], base),
             make_view(base._data[::-1], base)]  # negative strides: saved as a dense copy
    for t in cases:
        r = roundtrip(t)
        assert r.shape == t.shape and r.dtype is t.dtype
        np.testing.assert_array_equal(r._data, t._data)
    r = roundtrip(cases[2])
    assert r.stride() == cases[2].stride()


def test_views_share_storage_after_load():
    x = gt.arange(6.0)
    v = make_view(x._data[1:], x)
    r = roundtrip({"x": x, "v": v, "m": x.view(2, 3)})
    assert np.shares_memory(r["x"]._data, r["v"]._data)
    r["x"]._data[1] = 100.0
    assert r["v"]._data[0] == 100.0 and r["m"]._data[0, 1] == 100.0
    buf = io.BytesIO()
    save({"x": x, "v": v}, buf)
    names = zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    assert sum(n.startswith("archive/data/") for n in names) == 1


def test_same_memory_different_dtypes_raises():
    x = wrap(np.arange(4, dtype=np.float32))
    y = wrap(x._data.view(np.int32))
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        save([x, y], io.BytesIO())


def test_parameters_and_requires_grad():
    p = Parameter(gt.ones(2, 3))
    q = Parameter(gt.zeros(2), requires_grad=False)
    t = gt.ones(2).requires_grad_()
    r = roundtrip({"p": p, "q": q, "t": t, "again": p})
    assert type(r["p"]) is Parameter and r["p"].requires_grad
    assert type(r["q"]) is Parameter and not r["q"].requires_grad
    assert r["t"].requires_grad and r["t"].is_leaf
    assert r["again"] is r["p"]


def test_nested_containers_and_metadata():
    sd = OrderedDict(w=gt.ones(2))
    sd._metadata = OrderedDict({"": {"version": 1}})
    obj = {"state": {0: {"step": 3, "exp_avg": gt.zeros(2)}},
           "param_groups": [{"lr": 0.1, "params": [0], "betas": (0.9, 0.99), "x": None}],
           "sd": sd, "s": gt.Size([2, 3]), "dt": gt.bfloat16, "dev": gt.device("cpu"),
           "misc": {1, 2}, "c": 1 + 2j, "b": b"raw", "ba": bytearray(b"ab"), "f": float("nan")}
    r = roundtrip(obj)
    assert r["state"][0]["step"] == 3 and r["param_groups"][0]["betas"] == (0.9, 0.99)
    assert type(r["sd"]) is OrderedDict and r["sd"]._metadata == {"": {"version": 1}}
    assert type(r["s"]) is gt.Size and r["s"] == (2, 3)
    assert r["dt"] is gt.bfloat16 and r["dev"] == gt.device("cpu")
    assert r["misc"] == {1, 2} and r["c"] == 1 + 2j and r["b"] == b"raw"
    assert r["ba"] == bytearray(b"ab") and np.isnan(r["f"])


def test_path_and_archive_layout(tmp_path):
    path = tmp_path / "model.pt"
    save({"w": gt.ones(3)}, path)
    z = zipfile.ZipFile(path)
    names = z.namelist()
    assert names[0] == "model/data.pkl" and "model/byteorder" in names
    assert z.read("model/version") == b"3\n" and z.read("model/byteorder") == b"little"
    raw = path.read_bytes()
    for info in z.infolist():  # every record's bytes start 64-byte aligned
        nl, el = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + nl + el) % 64 == 0
    assert load(str(path))["w"].tolist() == [1.0, 1.0, 1.0]


def test_map_location_forms():
    t = gt.ones(2)
    assert roundtrip(t, map_location="cpu").device == gt.device("cpu")
    assert roundtrip(t, map_location=gt.device("cpu")).device.type == "cpu"
    assert roundtrip(t, map_location={"cpu": "cpu"}).device.type == "cpu"
    seen = []
    r = roundtrip(t, map_location=lambda s, loc: seen.append(loc) or s)
    assert seen == ["cpu"] and r.tolist() == [1.0, 1.0]
    if not gt.cuda.is_available():
        with pytest.raises(RuntimeError, match="torch.cuda.is_available\\(\\) is False"):
            roundtrip(t, map_location="cuda:0")


def test_mmap_load_is_copy_on_write(tmp_path):
    path = tmp_path / "m.pt"
    x = gt.arange(8.0)
    save({"x": x, "v": make_view(x._data[2:], x)}, path)
    r = load(path, mmap=True)
    assert np.shares_memory(r["x"]._data, r["v"]._data)
    r["x"]._data[2] = -1.0
    assert r["v"]._data[0] == -1.0
    assert load(path)["x"].tolist() == list(range(8))  # the file is unchanged
    with pytest.raises(RuntimeError, match="mmap can only be used"):
        buf = io.BytesIO()
        save(x, buf, _use_new_zipfile_serialization=False)
        buf.seek(0)
        load(buf, mmap=True)


class Point:
    def __init__(self, x=0):
        self.x = x


def test_weights_only_rejects_unknown_globals():
    with pytest.raises(pickle.UnpicklingError) as e:
        roundtrip({"p": Point(3)})
    msg = str(e.value)
    assert msg.startswith("Weights only load failed.")
    assert "weights_only" in msg and "add_safe_globals" in msg and "Point" in msg
    assert roundtrip({"p": Point(3)}, weights_only=False)["p"].x == 3


def test_safe_globals_api():
    clear_safe_globals()
    with safe_globals([Point]):
        assert Point in get_safe_globals()
        assert roundtrip(Point(5)).x == 5
    assert Point not in get_safe_globals()
    add_safe_globals([Point])
    try:
        assert roundtrip(Point(7)).x == 7
    finally:
        clear_safe_globals()
    assert get_safe_globals() == []


class Evil:
    def __init__(self, marker, fn):
        self.marker, self.fn = marker, fn

    def __reduce__(self):
        if self.fn == "system":
            return (os.system, (f"touch {self.marker}",))
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


@pytest.mark.parametrize("fn", ["system", "exec"])
def test_malicious_pickle_does_not_run(tmp_path, fn):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    save({"w": gt.ones(2), "payload": Evil(marker, fn)}, path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        load(path)
    with pytest.raises(pickle.UnpicklingError):
        load(path, weights_only=True)
    assert not marker.exists()


def test_whole_module_needs_weights_only_false():
    m = gt.nn.Linear(3, 2)
    with pytest.raises(pickle.UnpicklingError):
        roundtrip(m)
    r = roundtrip(m, weights_only=False)
    assert type(r) is gt.nn.Linear
    np.testing.assert_array_equal(r.weight._data, m.weight._data)


def test_state_dict_load_state_dict_roundtrip():
    m = gt.nn.Sequential(gt.nn.Linear(3, 4), gt.nn.ReLU(), gt.nn.Linear(4, 2))
    sd = roundtrip(m.state_dict())
    m2 = gt.nn.Sequential(gt.nn.Linear(3, 4), gt.nn.ReLU(), gt.nn.Linear(4, 2))
    m2.load_state_dict(sd)
    for a, b in zip(m.parameters(), m2.parameters()):
        np.testing.assert_array_equal(a._data, b._data)


class Unpicklable:
    def __reduce__(self):
        raise TypeError("cannot pickle this")


def test_failed_save_leaves_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    save({"w": gt.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="cannot pickle"):
        save({"w": gt.zeros(2), "bad": Unpicklable()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    with pytest.raises(RuntimeError, match="Parent directory"):
        save(1, tmp_path / "missing" / "x.pt")


_KILL_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {repo!r})
import graphtorch as gt
from graphtorch.eager.tensor import wrap
from graphtorch._serialization import zipio
slow = zipio.ZipWriter.write_record
def write_record(self, name, data):
    if "/data/" in name:
        print("writing", flush=True)
        import time; time.sleep(30)
    slow(self, name, data)
zipio.ZipWriter.write_record = write_record
from graphtorch.serialization import save
save({{"big": wrap(np.zeros(1 << 22))}}, {path!r})
"""


def test_killed_save_leaves_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    save({"w": gt.arange(3.0)}, path)
    code = _KILL_SCRIPT.format(repo=REPO, path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert load(path)["w"].tolist() == [0.0, 1.0, 2.0]


def test_legacy_format_roundtrip():
    x = gt.arange(4.0)
    buf = io.BytesIO()
    save({"x": x, "v": make_view(x._data[1:], x), "p": Parameter(gt.ones(2))}, buf,
         _use_new_zipfile_serialization=False)
    assert buf.getvalue()[:2] != b"PK"
    buf.seek(0)
    r = load(buf)
    assert r["v"].tolist() == [1.0, 2.0, 3.0] and type(r["p"]) is Parameter
    assert np.shares_memory(r["x"]._data, r["v"]._data)


def test_load_errors():
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        load(io.BytesIO(b""), pickle_module=pickle)
    with pytest.raises(pickle.UnpicklingError):
        load(io.BytesIO(b"not a checkpoint at all"))
    with pytest.raises(FileNotFoundError):
        load("/nonexistent/file.pt")


def test_non_seekable_stream_and_protocols():
    class Stream(io.RawIOBase):
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._b.readinto(b)

    for proto in (2, 4, 5):
        buf = io.BytesIO()
        save({"x": gt.ones(2), "dt": gt.float32}, buf, pickle_protocol=proto)
        r = load(Stream(buf.getvalue()))
        assert r["x"].tolist() == [1.0, 1.0] and r["dt"] is gt.float32
