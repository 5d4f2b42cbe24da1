"""The generated small-M float32 GEMM of the llvm backend (codegen/llvm/gemm_small.py): both
layouts of B, every tail (M, N, K not multiples of the blocks), leading dimensions larger than
the rows, beta 0 and 1, against numpy in float64; and end to end through torch.compile."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest
from llvmlite import ir

import graphtorch as gt
from graphtorch.codegen.llvm import engine, gemm_small
from graphtorch.codegen.llvm.fnctx import I1, I64, PTR

_CACHE = {}


def native(tb):
    """numpy-callable wrapper around the module's kernel for B stored [N, K] (tb) or [K, N]."""
    if tb not in _CACHE:
        mod = ir.Module(name=f"sg{int(tb)}")
        tm = engine.target_machine()
        mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
        args = [PTR, PTR, PTR] + [I64] * 6 + [I1]
        f = ir.Function(mod, ir.FunctionType(ir.VoidType(), args), f"sg_{int(tb)}")
        b = ir.IRBuilder(f.append_basic_block())
        b.call(gemm_small.kernel(mod, tb), list(f.args))
        b.ret_void()
        obj, _ = engine.compile_ir(str(mod), 2)
        addr = engine.load_object(obj, [f"sg_{int(tb)}"])[0]
        _CACHE[tb] = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 3, *[ctypes.c_int64] * 6,
                                      ctypes.c_bool)(addr)
    return _CACHE[tb]


def run(a, bmat, tb, c0=None, pad=(0, 0, 0)):
    """C = a @ (bmat.T if tb else bmat) (+ c0), through padded row strides."""
    m, k = a.shape
    n = bmat.shape[0] if tb else bmat.shape[1]
    ap = np.zeros((m, k + pad[0]), np.float32)
    ap[:, :k] = a
    bp = np.zeros((bmat.shape[0], bmat.shape[1] + pad[1]), np.float32)
    bp[:, :bmat.shape[1]] = bmat
    cp = np.full((m, n + pad[2]), 7.0, np.float32)
    if c0 is not None:
        cp[:, :n] = c0
    native(tb)(ap.ctypes.data, bp.ctypes.data, cp.ctypes.data, m, n, k, ap.shape[1],
               bp.shape[1], cp.shape[1], c0 is not None)
    assert (cp[:, n:] == 7.0).all()  # nothing written past the rows
    return cp[:, :n]


SHAPES = [(1, 1, 1), (1, 512, 784), (2, 17, 33), (3, 9, 16), (5, 70, 5), (8, 512, 128),
          (16, 64, 64), (7, 130, 129), (4, 8, 0), (1, 3, 47)]


@pytest.mark.parametrize("tb", [True, False])
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_matches_numpy(m, n, k, tb):
    rng = np.random.default_rng(m * 1000 + n + k)
    a = rng.standard_normal((m, k)).astype(np.float32)
    bm = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    ref = a.astype(np.float64) @ (bm.T if tb else bm).astype(np.float64)
    tol = 1e-5 * np.sqrt(max(k, 1)) * (np.abs(a) @ np.abs(bm.T if tb else bm) + 1)
    got = run(a, bm, tb)
    assert (np.abs(got - ref) <= tol).all()
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    got = run(a, bm, tb, c0=c0, pad=(3, 5, 2))
    assert (np.abs(got - (ref + c0)) <= tol + 1e-6).all()


def test_nan_and_inf_propagate():
    a = np.ones((2, 20), np.float32)
    a[0, 3] = np.nan
    a[1, 19] = np.inf
    bm = np.ones((20, 40), np.float32)
    for tb, bb in ((False, bm), (True, np.ascontiguousarray(bm.T))):
        got = run(a, bb, tb)
        assert np.isnan(got[0]).all() and np.isposinf(got[1]).all()


class _MLP(gt.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = gt.nn.Linear(37, 70), gt.nn.Linear(70, 5, bias=False)
        self.p = gt.nn.Parameter(gt.randn(70, 5))

    def forward(self, x):
        h = self.fc1(x).relu()
        return self.fc2(h) + h @ self.p + (h @ h.t()).sum()


@pytest.mark.parametrize("batch", [1, 3, 16, 40])
def test_compiled_model_uses_it(batch):
    gt.manual_seed(0)
    m = _MLP()
    x = gt.randn(batch, 37)
    c = gt.compile(m, backend="llvm", dynamic=True)
    with gt.no_grad():
        got, ref = c(x), m(x)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-4, atol=1e-4)
    entry = next(iter(c._gt_cache.entries.values()))
    native = next(iter(entry._compiled.values())).interp.native
    assert "gt_sgemm_small_dot" in native.llvm_ir  # fc1, fc2 and h @ h.t() (B stored [N, K])
    assert "gt_sgemm_small_axpy" in native.llvm_ir  # h @ p (B stored [K, N])


def test_policy_small_rows_only():
    """Constant sizes decide at compile time: few rows and K >= 32 use the kernel; more than
    64 rows (16 when BLAS may thread), K < 32 or float64 stay on BLAS."""
    c = lambda v: ir.Constant(I64, v)  # noqa: E731
    dec, tiers = gemm_small._decide, gemm_small._tiers
    assert dec(None, tiers(True, False), c(1), c(784)) is True
    assert dec(None, tiers(False, False), c(64), c(32)) is True
    assert dec(None, tiers(True, False), c(65), c(784)) is False
    assert dec(None, tiers(False, False), c(6), c(25)) is False
    assert dec(None, tiers(True, True), c(16), c(128)) is True
    assert dec(None, tiers(True, True), c(32), c(128)) is False


def test_policy_reads_thread_count_at_run_time():
    """Where 1 and 2 threads choose differently the choice is made by the compiled code (a
    graph compiled, or loaded from the disk cache, at one thread count serves every other)."""
    mod = ir.Module()
    fn = ir.Function(mod, ir.FunctionType(ir.VoidType(), []), "f")

    class FC:
        b = ir.IRBuilder(fn.append_basic_block())
    FC.fn = fn
    c = lambda v: ir.Constant(I64, v)  # noqa: E731
    assert gemm_small._use_small(FC, True, c(1), c(784)) is True
    assert gemm_small._use_small(FC, True, c(200), c(784)) is False
    v = gemm_small._use_small(FC, True, c(32), c(784))
    assert isinstance(v, ir.Instruction) and v.opname == "select"
    assert "gt_team_max" in str(mod)


    assert gemm_small.maybe_small(None, "f64", False, True, c(1), c(8), c(64), *[None] * 6,
                                  0.0, None) is False
