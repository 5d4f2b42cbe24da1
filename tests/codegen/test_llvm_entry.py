"""The entry of a compiled graph and the on-disk cache.

Entry: a hypothesis fuzz of input dtypes, ranks and sizes against a few graphs compiled once.
Inputs of valid (random) sizes must give the interpreter's results; an input with a wrong
dtype, rank or size must raise a RuntimeError naming the input (or the failed size relation),
never crash or read out of bounds.

Cache: a second process reuses the object written by the first (it must not call the LLVM
compiler at all), and a truncated or corrupted entry is detected, recompiled and rewritten."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphtorch as torch
from graphtorch.codegen.llvm import compile_graph
from graphtorch.eager.tensor import wrap
from graphtorch.ir import symbolic as S
from graphtorch.ir.interpreter import Interpreter
from graphtorch.ir.types import DTYPE_SHORT

NP = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "i64": np.int64, "b8": np.bool_,
      "u8": np.uint8, "i8": np.int8, "i16": np.int16}
OTHER_DTYPES = [np.float32, np.float64, np.float16, np.int32, np.int64, np.uint8, np.bool_]


def _ew(x, y):
    return (x * y + 1).relu()


def _mm(x, w, b):
    return x @ w + b


def _red(x):
    return x.sum(-1) * 2, x.amax(0)


def _bcast(x, y):
    return x + y, x > y


def _trace(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.trace(fn, args, check_trace=False).graph


GRAPHS = {
    "ew": _trace(_ew, torch.randn(3, 4), torch.randn(3, 4)),
    "mm": _trace(_mm, torch.randn(3, 5, dtype=torch.float64),
                 torch.randn(5, 4, dtype=torch.float64), torch.randn(4, dtype=torch.float64)),
    "red": _trace(_red, torch.randint(-5, 5, (2, 3, 4))),
    "bcast": _trace(_bcast, torch.randn(3, 1), torch.randn(4)),
}
COMPILED = {k: compile_graph(g, opt_level=1, use_cache=False) for k, g in GRAPHS.items()}


def _specs(graph):
    """Per input: (numpy dtype, [int size | symbol name])."""
    out = []
    for v in graph.inputs:
        dims = [d if type(d) is int else S.bare_symbol(d) for d in v.type.shape]
        out.append((NP[DTYPE_SHORT[v.type.dtype]], dims))
    return out


def _make(specs, env, rng):
    arrays = []
    for npd, dims in specs:
        shape = tuple(env[d] if isinstance(d, str) else d for d in dims)
        if npd is np.bool_:
            arrays.append(rng.random(shape) > 0.5)
        elif np.issubdtype(npd, np.integer):
            arrays.append(rng.integers(-9, 10, size=shape).astype(npd))
        else:
            arrays.append(rng.standard_normal(shape).astype(npd))
    return arrays


def _check_matches(name, arrays):
    try:
        want = Interpreter(GRAPHS[name]).run([wrap(a.copy()) for a in arrays])
    except (RuntimeError, IndexError):  # e.g. amax over an empty dim: compiled code refuses too
        with pytest.raises(RuntimeError, match="non-zero size"):
            COMPILED[name](*[a.copy() for a in arrays])
        return
    got = COMPILED[name](*[a.copy() for a in arrays])
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = w.numpy()
        assert g.shape == w.shape and g.dtype == w.dtype
        if g.dtype.kind in "biu":
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


NAMES = sorted(GRAPHS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), sizes=st.lists(st.integers(0, 7), min_size=8, max_size=8),
       seed=st.integers(0, 2 ** 31 - 1))
def test_valid_sizes_match_interpreter(name, sizes, seed):
    specs = _specs(GRAPHS[name])
    syms = sorted({d for _, dims in specs for d in dims if isinstance(d, str)})
    env = dict(zip(syms, sizes))
    _check_matches(name, _make(specs, env, np.random.default_rng(seed)))


def _symbol_uses(specs):
    uses = {}
    for _, dims in specs:
        for d in dims:
            if isinstance(d, str):
                uses[d] = uses.get(d, 0) + 1
    return uses


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), sizes=st.lists(st.integers(1, 6), min_size=8, max_size=8),
       which=st.integers(0, 99), kind=st.sampled_from(["dtype", "rank+", "rank-", "size"]),
       pick=st.integers(0, 99), new_size=st.integers(0, 9), seed=st.integers(0, 2 ** 31 - 1))
def test_wrong_inputs_raise_entry_error(name, sizes, which, kind, pick, new_size, seed):
    specs = _specs(GRAPHS[name])
    syms = sorted({d for _, dims in specs for d in dims if isinstance(d, str)})
    env = dict(zip(syms, sizes))
    arrays = _make(specs, env, np.random.default_rng(seed))
    i = which % len(arrays)
    a = arrays[i]
    if kind == "dtype":
        npd = [d for d in OTHER_DTYPES if d is not specs[i][0]][pick % (len(OTHER_DTYPES) - 1)]
        arrays[i] = a.astype(npd)
        pattern = rf"input {i} \(%[\w.]+\) expected dtype"
    elif kind == "rank+":
        arrays[i] = a.reshape(a.shape + (1,) * (1 + pick % 2))
        pattern = rf"input {i} \(%[\w.]+\) expected {a.ndim} dimensions"
    elif kind == "rank-":
        if a.ndim == 0:
            return
        arrays[i] = a.reshape(a.shape[:-1]) if a.shape[-1] == 1 else a.reshape(-1)[:0]
        if arrays[i].ndim == a.ndim:
            arrays[i] = np.zeros(a.shape[:-1], a.dtype)
        pattern = rf"input {i} \(%[\w.]+\) expected {a.ndim} dimensions"
    else:
        uses = _symbol_uses(specs)
        # a dim is constrained when it is a fixed size or a symbol that appears again
        dims = [d for d, e in enumerate(specs[i][1]) if not isinstance(e, str) or uses[e] > 1]
        if not dims:
            return
        d = dims[pick % len(dims)]
        shape = list(a.shape)
        if new_size == shape[d]:
            new_size = shape[d] + 1
        shape[d] = new_size
        arrays[i] = np.zeros(shape, a.dtype)
        # a repeated symbol is bound by its first input: the mismatch is reported there or
        # at the other use
        pattern = r"input \d+ \(%[\w.]+\) expected size"
    with pytest.raises(RuntimeError, match=pattern):
        COMPILED[name](*arrays)


def test_entry_rejects_wrong_input_count():
    a = np.ones((2, 3), np.float32)
    with pytest.raises(TypeError, match="takes 2 inputs"):
        COMPILED["ew"](a)


# --------------------------------------------------------------------------- the disk cache
SCRIPT = textwrap.dedent("""
    import sys, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    import graphtorch as torch
    from graphtorch.codegen.llvm import compile_graph, engine

    calls = []
    real = engine.compile_ir
    def counting(*a, **k):
        if sys.argv[1] == "forbid":
            raise AssertionError("engine.compile_ir called although the cache has the object")
        calls.append(1)
        return real(*a, **k)
    engine.compile_ir = counting

    def f(x, y):
        return (x * 2 + y).tanh().sum(-1)
    g = torch.jit.trace(f, (torch.randn(3, 4), torch.randn(3, 4)), check_trace=False).graph
    cg = compile_graph(g, opt_level=1)
    x = np.linspace(-1, 1, 20, dtype=np.float32).reshape(5, 4)
    y = np.cos(x)
    out = cg(x, y)[0]
    np.testing.assert_allclose(out, np.tanh(x * 2 + y).sum(-1), rtol=1e-5)
    print("compiled", len(calls))
""")


def _run(tmp_path, mode):
    env = dict(os.environ, GRAPHTORCH_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("GRAPHTORCH_DISABLE_CACHE", None)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", SCRIPT, mode], env=env, capture_output=True,
                       text=True, timeout=120, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr[-3000:]
    return int(r.stdout.split()[-1])


def _objects(tmp_path):
    d = tmp_path / "cache"
    return sorted(d.glob("*.o")) if d.is_dir() else []


def test_second_process_reuses_cache(tmp_path):
    assert _run(tmp_path, "count") == 1
    objs = _objects(tmp_path)
    assert len(objs) == 1
    before = objs[0].read_bytes()
    assert _run(tmp_path, "forbid") == 0  # linked from the cache: LLVM never ran
    assert _objects(tmp_path) == objs and objs[0].read_bytes() == before


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty"])
def test_damaged_cache_entry_is_recompiled(tmp_path, damage):
    assert _run(tmp_path, "count") == 1
    (obj,) = _objects(tmp_path)
    good = obj.read_bytes()
    if damage == "truncate":
        obj.write_bytes(good[:len(good) // 2])
    elif damage == "flip":
        bad = bytearray(good)
        bad[-100] ^= 0xFF
        obj.write_bytes(bytes(bad))
    else:
        obj.write_bytes(b"")
    assert _run(tmp_path, "count") == 1  # detected: compiled again, output still right
    assert _objects(tmp_path) == [obj]
    assert obj.read_bytes() == good  # rewritten (compilation is deterministic)
    assert _run(tmp_path, "forbid") == 0
