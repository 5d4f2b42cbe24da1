"""The llvm backend's metadata cache: a captured graph seen before (in this process or, through
``GRAPHTORCH_CACHE_DIR``, in an earlier one) skips the pass pipeline and lowering as well as
LLVM; damaged or foreign entries are recompiled, never trusted; different graphs never share
an entry."""
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.codegen.llvm import cache, compile as C, engine
from graphtorch.codegen.llvm import compile_graph
from graphtorch.ir.errors import GuardError


def _trace(fn, *args):
    return torch.jit.trace(fn, args, check_trace=False).graph


def _f(x, y):
    return (x * 2 + y).tanh().sum(-1), x.relu() @ y.t()


GRAPH = _trace(_f, torch.randn(3, 4), torch.randn(3, 4))
X = np.linspace(-1, 1, 20, dtype=np.float32).reshape(5, 4)
Y = np.cos(X)


@pytest.fixture
def disk(tmp_path, monkeypatch):
    """An empty disk cache and no in-process entries; counts lowerings and LLVM compiles."""
    monkeypatch.setenv("GRAPHTORCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GRAPHTORCH_DISABLE_CACHE", raising=False)
    torch.compiler.reset()
    counts = {"lower": 0, "llvm": 0}
    lower, compile_ir = C._lower, engine.compile_ir

    def counting_lower(*a, **k):
        counts["lower"] += 1
        return lower(*a, **k)

    def counting_compile(*a, **k):
        counts["llvm"] += 1
        return compile_ir(*a, **k)
    monkeypatch.setattr(C, "_lower", counting_lower)
    monkeypatch.setattr(engine, "compile_ir", counting_compile)
    yield tmp_path / "cache", counts
    torch.compiler.reset()


def _check(cg):
    s, m = cg(X, Y)
    np.testing.assert_allclose(s, np.tanh(X * 2 + Y).sum(-1), rtol=1e-5)
    np.testing.assert_allclose(m, np.maximum(X, 0) @ Y.T, rtol=1e-5, atol=1e-6)
    return s, m


def _forget():
    """Drop what this process holds, so the next compile reads the disk."""
    torch.compiler.reset()


def test_hit_skips_pipeline_and_lowering(disk):
    folder, counts = disk
    first = compile_graph(GRAPH, opt_level=1)
    assert counts == {"lower": 1, "llvm": 1}
    assert len(list(folder.glob("*.meta"))) == 1 and len(list(folder.glob("*.o"))) == 1
    ref = _check(first)
    same = compile_graph(GRAPH, opt_level=1)  # in this process
    _forget()
    disk_hit = compile_graph(GRAPH, opt_level=1)  # from the files
    assert counts == {"lower": 1, "llvm": 1}
    for cg in (same, disk_hit):
        for a, b in zip(_check(cg), ref):
            np.testing.assert_array_equal(a, b)
        assert str(cg.graph) == str(first.graph)
        assert cg.cache_key == first.cache_key and cg.kernels == first.kernels
        assert cg.host_ops == first.host_ops
    assert counts["lower"] == 1
    assert disk_hit.llvm_ir == first.llvm_ir  # lowered again on demand, the same text
    assert counts == {"lower": 2, "llvm": 1}


def test_argument_graph_is_not_modified(disk):
    before = str(GRAPH)
    compile_graph(GRAPH, opt_level=1)
    compile_graph(GRAPH, opt_level=1)
    assert str(GRAPH) == before


def test_different_graphs_and_options_do_not_collide(disk):
    folder, counts = disk

    def g1(x):
        return x * 2.0 + 1.0

    def g2(x):
        return x * 2.0 + 1.5  # only a constant differs

    x = torch.randn(4)
    a = compile_graph(_trace(g1, x), opt_level=1)
    b = compile_graph(_trace(g2, x), opt_level=1)
    c = compile_graph(_trace(g1, x), opt_level=2)
    assert counts["lower"] == 3
    assert len(list(folder.glob("*.meta"))) == 3
    v = np.arange(4, dtype=np.float32)
    _forget()
    for fn, cg, off in ((g1, a, 1.0), (g2, b, 1.5), (g1, c, 1.0)):
        again = compile_graph(_trace(fn, x), opt_level=cg.opt_level)
        np.testing.assert_array_equal(again(v)[0], v * 2 + off)
    assert counts["lower"] == 3


def test_tensor_constants_are_part_of_the_key(disk):
    _, counts = disk
    w1 = torch.tensor(np.arange(40, dtype=np.float32).reshape(4, 10))  # > inline size: a key
    w2 = w1 + 1

    def make(w):
        return _trace(lambda x: x @ w, torch.randn(3, 4))
    x = np.ones((3, 4), np.float32)
    r1 = compile_graph(make(w1), opt_level=1)(x)[0]
    _forget()
    r2 = compile_graph(make(w2), opt_level=1)(x)[0]
    assert counts["lower"] == 2
    np.testing.assert_array_equal(r1, x @ w1.numpy())
    np.testing.assert_array_equal(r2, x @ w2.numpy())


def test_tunables_are_part_of_the_key(monkeypatch):
    from graphtorch.codegen.llvm import gemm_small
    text = str(GRAPH)
    k1 = C._graph_key(GRAPH, text, 1, True)
    monkeypatch.setattr(gemm_small, "ENABLED", not gemm_small.ENABLED)
    k2 = C._graph_key(GRAPH, text, 1, True)
    assert k1 != k2
    assert C._graph_key(GRAPH, text, 2, True) != k2
    assert C._graph_key(GRAPH, text, 1, False) != k2


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "foreign", "wrong_shape"])
def test_damaged_metadata_is_recompiled(disk, damage):
    folder, counts = disk
    ref = _check(compile_graph(GRAPH, opt_level=1))
    (meta,) = folder.glob("*.meta")
    good = meta.read_bytes()
    if damage == "truncate":
        meta.write_bytes(good[:len(good) // 2])
    elif damage == "flip":
        bad = bytearray(good)
        bad[len(bad) // 2] ^= 0xFF
        meta.write_bytes(bytes(bad))
    elif damage == "empty":
        meta.write_bytes(b"")
    else:  # a well-formed entry (right checksum) holding something it must not
        payload = pickle.dumps(os.getcwd if damage == "foreign" else ["not", "an", "entry"])
        cache.put(meta.name[:-len(".meta")], payload, ext=".meta")
    _forget()
    cg = compile_graph(GRAPH, opt_level=1)
    assert counts["lower"] == 2 and counts["llvm"] == 1  # lowered again; the object reused
    for a, b in zip(_check(cg), ref):
        np.testing.assert_array_equal(a, b)
    assert meta.read_bytes() == good  # rewritten
    _forget()
    compile_graph(GRAPH, opt_level=1)
    assert counts["lower"] == 2


def test_missing_object_is_recompiled(disk):
    folder, counts = disk
    compile_graph(GRAPH, opt_level=1)
    (obj,) = folder.glob("*.o")
    obj.unlink()
    _forget()
    _check(compile_graph(GRAPH, opt_level=1))
    assert counts == {"lower": 2, "llvm": 2}


def test_data_guard_survives_the_cache(disk):
    _, counts = disk

    def f(x):
        if x.sum() > 0:  # a traced data decision: a guard in the graph
            return x * 2
        return x - 1
    g = _trace(f, torch.ones(3))
    compile_graph(g, opt_level=1)
    _forget()
    cg = compile_graph(g, opt_level=1)
    assert counts["lower"] == 1
    np.testing.assert_array_equal(cg(np.ones(3, np.float32))[0], np.full(3, 2, np.float32))
    with pytest.raises(GuardError, match="data guard failed"):
        cg(-np.ones(3, np.float32))


def test_torch_compile_uses_the_cache(disk):
    _, counts = disk
    m = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    x = torch.randn(4, 6)
    outs = []
    with torch.no_grad():
        for _ in range(2):  # one call site: source lines are part of the graph text
            _forget()
            outs.append(torch.compile(m)(x))
    ref, out = outs
    assert counts["lower"] == 1
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_allclose(out.numpy(), m(x).detach().numpy(), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- other processes
SCRIPT = textwrap.dedent("""
    import sys, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    import graphtorch as torch
    from graphtorch.codegen.llvm import cache, compile as C
    cache.source_stamp = lambda: "pinned"  # other sessions may edit sources meanwhile
    calls = []
    real = C._lower
    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)
    C._lower = counting
    m = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                            torch.nn.Linear(48, 4))
    torch.manual_seed(0)
    for p in m.parameters():
        p.data = torch.randn(*p.shape)
    x = torch.from_numpy(np.linspace(-1, 1, 2 * 36, dtype=np.float32).reshape(2, 1, 6, 6))
    with torch.no_grad():
        c = torch.compile(m)
        out = c(x).numpy()
    (cg,) = torch.compiler.compiled_graphs(c)
    np.save(sys.argv[1] + ".npy", out)
    open(sys.argv[1] + ".graph.txt", "w").write(str(cg.graph))
    print("lowered", len(calls))
""")


def _spawn(tmp_path, tag):
    env = dict(os.environ, GRAPHTORCH_CACHE_DIR=str(tmp_path / "cache"), PYTHONWARNINGS="ignore")
    env.pop("GRAPHTORCH_DISABLE_CACHE", None)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(tmp_path / tag)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=str(tmp_path))


def _result(p):
    out, err = p.communicate(timeout=180)
    assert p.returncode == 0, err[-3000:]
    return int(out.split()[-1])


def test_concurrent_writers_then_a_second_process_reuses(tmp_path):
    # two processes compile the same model at once into one empty cache (atomic renames:
    # whichever entry lands is whole), then a third reuses it without lowering
    first = [_spawn(tmp_path, "a"), _spawn(tmp_path, "b")]
    assert [_result(p) for p in first] == [1, 1]
    assert _result(_spawn(tmp_path, "c")) == 0
    assert not list((tmp_path / "cache").glob("*.tmp"))
    ref = np.load(tmp_path / "a.npy")
    for tag in ("b", "c"):
        np.testing.assert_array_equal(np.load(tmp_path / f"{tag}.npy"), ref)
    texts = {(tmp_path / f"{t}.graph.txt").read_text() for t in "abc"}
    assert len(texts) == 1
