"""The GEMM kernel library (codegen/llvm/gemm_lib.py): graphs declare the generated float32
GEMM kernels and link the library compiled once per machine (disk-cached like every object);
switched off, each graph defines its own copy; both agree with numpy."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, gemm_lib, gemm_small

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _linear_graph():
    w = gt.randn(24, 40)
    return gt.jit.trace(lambda x: gt.nn.functional.linear(x, w), (gt.randn(3, 40),)), w


def test_graphs_declare_the_library_kernels():
    tr, w = _linear_graph()
    cg = compile_graph(tr.graph)
    text = cg.llvm_ir
    vw = gemm_small.vector_width()
    # a trampoline through the kernel's word of the address table, no kernel body
    assert f'@"gt_sgemm_small_dot_v{vw}_ptr" = external global ptr' in text
    assert "gt_sgemm_dot_" not in text
    x = np.random.default_rng(0).standard_normal((5, 40)).astype(np.float32)
    np.testing.assert_allclose(cg(x)[0], x.astype(np.float64) @ w.numpy().T, rtol=1e-5, atol=1e-5)


def test_library_names_match_the_generators():
    text = gemm_lib._build_text()
    for name, _ in gemm_lib.names(gemm_small.vector_width()):
        assert f"define void @\"{name}\"(" in text or f"define void @{name}(" in text


_SCRIPT = r"""
import numpy as np, graphtorch as gt
from graphtorch.codegen.llvm import compile_graph
w = gt.from_numpy(np.arange(24 * 40, dtype=np.float32).reshape(24, 40) / 100)
tr = gt.jit.trace(lambda x: gt.nn.functional.linear(x, w), (gt.randn(3, 40),))
cg = compile_graph(tr.graph)
x = np.linspace(-1, 1, 7 * 40, dtype=np.float32).reshape(7, 40)
ref = x.astype(np.float64) @ w.numpy().astype(np.float64).T
assert np.allclose(cg(x)[0], ref, rtol=1e-5, atol=1e-4)
print("defined" if 'gt_sgemm_dot_' in cg.llvm_ir else "declared")
"""


def _run(env_extra, cache_dir):
    env = dict(os.environ, GRAPHTORCH_CACHE_DIR=str(cache_dir), PYTHONPATH=ROOT, **env_extra)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_switched_off_and_corrupted_entry(tmp_path):
    """GRAPHTORCH_LLVM_GEMM_LIB=0 defines the kernels in the graph; a process that then finds
    a graph compiled against the library in the cache, or a corrupted library entry, still
    links and computes the right result."""
    assert _run({"GRAPHTORCH_LLVM_GEMM_LIB": "0"}, tmp_path) == "defined"
    assert _run({}, tmp_path) == "declared"
    for name in os.listdir(tmp_path):  # corrupt every object: each is checked and rebuilt
        if name.endswith(".o"):
            with open(tmp_path / name, "r+b") as f:
                f.seek(40)
                f.write(b"\0" * 64)
    assert _run({}, tmp_path) == "declared"
    assert _run({"GRAPHTORCH_LLVM_GEMM_LIB": "0"}, tmp_path) in ("defined", "declared")


def _call_kernel(addr, a, bm, c, tb, acc):
    import ctypes
    fn = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 3, *[ctypes.c_int64] * 6,
                          ctypes.c_bool)(addr)
    m, k = a.shape
    n = bm.shape[0] if tb else bm.shape[1]
    fn(a.ctypes.data, bm.ctypes.data, c.ctypes.data, m, n, k, max(k, 1) if k else 0,
       bm.shape[1], c.shape[1], acc)


def test_blas_standins_match_the_kernels():
    """The stand-ins a graph calls while the library builds (gemm_lib._standins): every
    kernel's signature, B stored [N, K] or [K, N], accumulate or not, K = 0, no rows."""
    rng = np.random.default_rng(1)
    addrs = gemm_lib._standins()
    for (name, (tb, *_)), addr in zip(gemm_lib.names(gemm_small.vector_width()), addrs):
        for m, n, k in ((5, 37, 40), (1, 16, 3), (3, 4, 0), (0, 4, 5)):
            a = rng.standard_normal((m, k)).astype(np.float32)
            bm = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
            ref = a.astype(np.float64) @ (bm.T if tb else bm).astype(np.float64)
            for acc in (False, True):
                c0 = rng.standard_normal((m, n)).astype(np.float32)
                c = c0.copy()
                _call_kernel(addr, a, bm, c, tb, acc)
                want = ref + (c0 if acc else 0)
                np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-4, err_msg=name)


# the same linear graph as _SCRIPT, then the library's state before and after its build
_COLD = _SCRIPT.rsplit("print(", 1)[0] + r"""
from graphtorch.codegen.llvm import gemm_lib
first = gemm_lib.state()
assert gemm_lib.wait(120)
assert np.allclose(cg(x)[0], ref, rtol=1e-5, atol=1e-4)
print(first, gemm_lib.state())
"""


def test_first_compile_on_an_empty_cache_does_not_wait_for_the_library(tmp_path):
    """An empty cache: the graph runs at once (on the stand-ins unless the build won the
    race), the table switches to the built kernels, and the next process finds the library
    in the cache from its first call."""
    env = dict(os.environ, GRAPHTORCH_CACHE_DIR=str(tmp_path), PYTHONPATH=ROOT)
    runs = [subprocess.run([sys.executable, "-c", _COLD], env=env, capture_output=True,
                           text=True, timeout=300) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr[-2000:]
    first = runs[0].stdout.split()
    assert first[0] in ("standins", "kernels") and first[1] == "kernels"
    assert runs[1].stdout.split() == ["kernels", "kernels"]
