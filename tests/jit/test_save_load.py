"""torch.jit.save / torch.jit.load: round trips, training after load, a fresh process,
extra files, corrupted archives and atomic writes."""
import collections
import io
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import graphtorch as torch
import graphtorch.nn as nn
from graphtorch.jit import serialization as SER

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
Pair = collections.namedtuple("Pair", ["a", "b"])


def _np(t):
    return t.detach().numpy()


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class ConvBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        return self.head(y.mean((2, 3)))


class Structured(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)

    def forward(self, d, t, p):
        u = self.lin(d["x"]) + t[0] * t[1]
        return {"u": u, "pair": Pair(a=p.a + 1, b=p.b * u.sum())}, (u - 1, p.b)


def _roundtrip(m, tmp_path, **kw):
    path = tmp_path / "m.pt"
    torch.jit.save(m, str(path), **kw)
    return torch.jit.load(str(path)), path


def test_mlp_roundtrip_batch_sizes_and_parameters(tmp_path):
    torch.manual_seed(0)
    m = MLP()
    t = torch.jit.trace(m, torch.randn(4, 5))
    loaded, _ = _roundtrip(t, tmp_path)
    for n in (4, 1, 9):
        x = torch.randn(n, 5)
        _close(loaded(x), m(x))
        _close(loaded(x=x), m(x))
    got = dict(loaded.named_parameters())
    assert list(got) == [n for n, _ in m.named_parameters()]
    for name, p in m.named_parameters():
        assert isinstance(got[name], nn.Parameter) and got[name].requires_grad
        np.testing.assert_array_equal(_np(got[name]), _np(p))
    assert list(loaded.state_dict()) == list(m.state_dict())
    assert type(loaded).__name__ == "RecursiveScriptModule"
    assert "linear" in str(loaded.graph)


def test_loaded_module_trains_like_original(tmp_path):
    torch.manual_seed(1)
    m = MLP()
    t = torch.jit.trace(m, torch.randn(4, 5))
    loaded, _ = _roundtrip(t, tmp_path)
    before = {n: _np(p).copy() for n, p in loaded.named_parameters()}
    opts = [torch.optim.SGD(mod.parameters(), lr=0.1) for mod in (m, loaded)]
    for step in range(2):
        x, y = torch.randn(6, 5), torch.randn(6, 3)
        for mod, opt in zip((m, loaded), opts):
            opt.zero_grad()
            ((mod(x) - y) ** 2).mean().backward()
            opt.step()
    for (n, p), (n2, q) in zip(m.named_parameters(), loaded.named_parameters()):
        assert n == n2
        _close(q, p, 1e-6)
        assert not np.allclose(_np(q), before[n])


def test_convbn_train_mode_updates_buffers(tmp_path):
    torch.manual_seed(2)
    m = ConvBN()
    ref = ConvBN()
    ref.load_state_dict(m.state_dict())
    t = torch.jit.trace(m, torch.randn(3, 2, 6, 6), check_trace=False)
    m.load_state_dict(ref.state_dict())  # undo the statistics update done while tracing
    loaded, _ = _roundtrip(t, tmp_path)
    assert loaded.training and loaded.bn.training
    for n in (3, 2, 5):
        x = torch.randn(n, 2, 6, 6)
        _close(loaded(x), ref(x))
    _close(loaded.bn.running_mean, ref.bn.running_mean)
    _close(loaded.bn.running_var, ref.bn.running_var)
    assert int(loaded.bn.num_batches_tracked) == 3
    assert not np.allclose(_np(loaded.bn.running_mean), 0)
    assert set(dict(loaded.named_buffers())) == set(dict(ref.named_buffers()))


def test_eval_and_train_traces_both_saved(tmp_path):
    torch.manual_seed(3)
    m = ConvBN()
    m(torch.randn(4, 2, 6, 6))
    m.eval()
    t = torch.jit.trace(m, torch.randn(3, 2, 6, 6))
    loaded, path = _roundtrip(t, tmp_path)
    assert not loaded.training
    x = torch.randn(2, 2, 6, 6)
    _close(loaded(x), m(x))
    names = zipfile.ZipFile(path).namelist()
    assert any(n.startswith("graphs/forward__") for n in names)
    assert "manifest.json" in names and any(n.startswith("tensors/") for n in names)
    loaded.train()  # never traced in train mode: a clear error, no silent eval run
    with pytest.raises(RuntimeError, match="training modes"):
        loaded(x)


def test_structured_inputs_outputs(tmp_path):
    torch.manual_seed(4)
    m = Structured()
    args = ({"x": torch.randn(4, 3)}, (torch.randn(4, 3), torch.randn(3)),
            Pair(torch.randn(2), torch.randn(2)))
    t = torch.jit.trace(m, args, strict=False)
    loaded, _ = _roundtrip(t, tmp_path)
    for n in (4, 2, 7):
        a = ({"x": torch.randn(n, 3)}, (torch.randn(n, 3), torch.randn(3)),
             Pair(torch.randn(2), torch.randn(2)))
        got, want = loaded(*a), m(*a)
        assert set(got[0]) == {"u", "pair"}
        _close(got[0]["u"], want[0]["u"])
        assert type(got[0]["pair"]).__name__ == "Pair" and got[0]["pair"]._fields == ("a", "b")
        _close(got[0]["pair"].b, want[0]["pair"].b)
        _close(got[1][0], want[1][0])
        _close(got[1][1], want[1][1])


def test_traced_function(tmp_path):
    def f(a, b, scale: float = 2.0):
        return torch.tanh(a * scale) + b.sum(0)

    x, y = torch.randn(4, 3), torch.randn(5, 3)
    sf = torch.jit.trace(f, (x, y))
    loaded, _ = _roundtrip(sf, tmp_path)
    for n in (4, 1, 6):
        a, b = torch.randn(n, 3), torch.randn(2, 3)
        _close(loaded(a, b), f(a, b))
        _close(loaded(a, b=b), f(a, b))
    buf = io.BytesIO()
    torch.jit.save(loaded, buf)  # loaded functions save again
    buf.seek(0)
    again = torch.jit.load(buf)
    _close(again(x, y), f(x, y))


def test_loaded_module_resaves(tmp_path):
    m = MLP()
    loaded, _ = _roundtrip(torch.jit.trace(m, torch.randn(2, 5)), tmp_path)
    p2 = tmp_path / "again.pt"
    loaded.save(str(p2))
    again = torch.jit.load(p2, map_location="cpu")
    x = torch.randn(3, 5)
    _close(again(x), m(x))


_CHILD = """
import sys, numpy as np
sys.path.insert(0, {root!r})
import graphtorch as torch
m = torch.jit.load({path!r})
x = torch.from_numpy(np.load({xpath!r}))
np.save({out!r}, m(x).detach().numpy())
print(type(m).__name__, sorted(n for n, _ in m.named_parameters()))
"""


def test_fresh_process_loads(tmp_path):
    torch.manual_seed(5)
    m = MLP()
    path = tmp_path / "m.pt"
    torch.jit.trace(m, torch.randn(4, 5)).save(str(path))
    x = torch.randn(7, 5)
    np.save(tmp_path / "x.npy", _np(x))
    code = _CHILD.format(root=ROOT, path=str(path), xpath=str(tmp_path / "x.npy"),
                         out=str(tmp_path / "y.npy"))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert "RecursiveScriptModule" in res.stdout and "fc1.weight" in res.stdout
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), _np(m(x)), rtol=1e-6, atol=1e-6)


def test_extra_files_and_file_objects():
    m = torch.jit.trace(MLP(), torch.randn(2, 5))
    buf = io.BytesIO()
    torch.jit.save(m, buf, _extra_files={"meta.txt": "hello", "raw.bin": b"\x00\x01"})
    buf.seek(0)
    extra = {"meta.txt": "", "raw.bin": "", "absent": ""}
    loaded = torch.jit.load(buf, _extra_files=extra)
    assert extra == {"meta.txt": b"hello", "raw.bin": b"\x00\x01", "absent": b""}
    assert isinstance(loaded, torch.jit.ScriptModule)


def test_truncated_and_corrupted_archives(tmp_path):
    path = tmp_path / "m.pt"
    torch.jit.save(torch.jit.trace(MLP(), torch.randn(2, 5)), str(path))
    data = path.read_bytes()
    bad = tmp_path / "bad.pt"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="bad.pt"):
        torch.jit.load(str(bad))
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(RuntimeError, match="bad.pt"):
        torch.jit.load(str(bad))
    # a valid zip whose manifest lies about a tensor's size
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for n in zin.namelist():
            body = zin.read(n)
            zout.writestr(n, body[:-4] if n == "tensors/state/fc1.weight" else body)
    bad.write_bytes(out.getvalue())
    with pytest.raises(RuntimeError, match="fc1.weight"):
        torch.jit.load(str(bad))
    with pytest.raises(ValueError):
        torch.jit.load(str(tmp_path / "missing.pt"))


def test_failed_save_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    m1 = torch.jit.trace(MLP(), torch.randn(2, 5))
    torch.jit.save(m1, str(path))
    old = path.read_bytes()
    m2 = torch.jit.trace(MLP(), torch.randn(2, 5))

    def boom(fd):
        raise OSError("disk full")
    monkeypatch.setattr(SER.os, "fsync", boom)  # the data is written, the sync fails
    with pytest.raises(OSError, match="disk full"):
        torch.jit.save(m2, str(path))
    monkeypatch.undo()

    calls = []

    def bad_bytes(arr):
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("mid-archive failure")
        return arr.tobytes()
    monkeypatch.setattr(SER, "_tensor_bytes", bad_bytes)
    with pytest.raises(RuntimeError, match="mid-archive"):
        torch.jit.save(m2, str(path))
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.pt"]  # no temporary file left behind
    x = torch.randn(3, 5)
    _close(torch.jit.load(str(path))(x), m1(x))


def test_save_rejects_plain_modules(tmp_path):
    with pytest.raises(AttributeError, match="save"):
        torch.jit.save(MLP(), str(tmp_path / "x.pt"))


class TwoMethods(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4, bias=False)
        self.register_buffer("scale", torch.full((4,), 2.0), persistent=False)

    def forward(self, x):
        return self.lin(x) * self.scale

    def embed(self, x, shift: int = 1):
        return torch.tanh(self.lin(x)) + shift


def test_trace_module_methods_and_code(tmp_path):
    m = TwoMethods()
    x = torch.randn(3, 4)
    t = torch.jit.trace_module(m, {"forward": (x,), "embed": (x,)})
    loaded, path = _roundtrip(t, tmp_path)
    y = torch.randn(5, 4)
    _close(loaded(y), m(y))
    _close(loaded.embed(y), m.embed(y))
    assert loaded.lin.bias is None and "bias" in loaded.lin._parameters
    assert list(loaded.state_dict()) == ["lin.weight"]  # non-persistent buffer kept out
    _close(loaded.scale, m.scale)
    code = loaded.code
    assert "self.lin.weight" in code and "self.scale" in code
    import json
    man = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    assert man["format_version"] == SER.FORMAT_VERSION and man["kind"] == "module"
    assert {tr["method"] for tr in man["traces"]} == {"forward", "embed"}
