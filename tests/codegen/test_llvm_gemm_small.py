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


def native(tb, how=None):
    """numpy-callable wrapper around the module's kernel for B stored [N, K] (tb) or [K, N];
    ``how``: "packed" (gemm_packed's kernel) or "emit" (emit_call's choice at run time)."""
    key = (tb, how)
    if key not in _CACHE:
        mod = ir.Module(name=f"sg{int(tb)}{how}")
        tm = engine.target_machine()
        mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
        args = [PTR, PTR, PTR] + [I64] * 6 + [I1]
        name = f"sg_{int(tb)}_{how}"
        f = ir.Function(mod, ir.FunctionType(ir.VoidType(), args), name)
        b = ir.IRBuilder(f.append_basic_block())
        if how == "emit":
            fa = list(f.args)
            with b.if_else(fa[9]) as (one, zero):  # beta is a compile-time constant there
                for blk, beta in ((one, 1.0), (zero, 0.0)):
                    with blk:
                        gemm_small.emit_call(_FC(f, b), tb, fa[3], fa[4], fa[5], fa[0], fa[6],
                                             fa[1], fa[7], fa[2], fa[8], beta)
        else:
            b.call(gemm_small.kernel(mod, tb, packed=how == "packed"), list(f.args))
        b.ret_void()
        obj, _ = engine.compile_ir(str(mod), 2)
        addr = engine.load_object(obj, [name])[0]
        _CACHE[key] = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 3, *[ctypes.c_int64] * 6,
                                       ctypes.c_bool)(addr)
    return _CACHE[key]


class _FC:
    """The part of a function context emit_call uses."""
    def __init__(self, fn, b):
        self.fn, self.b = fn, b


def run(a, bmat, tb, c0=None, pad=(0, 0, 0), how=None):
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
    native(tb, how)(ap.ctypes.data, bp.ctypes.data, cp.ctypes.data, m, n, k, ap.shape[1],
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
    """Constant sizes decide at compile time: few rows and K >= 32 use the kernels (B stored
    [N, K] up to 2048 rows on the packed / tn kernels, [K, N] up to 64; 16 when BLAS threads
    itself); more rows, K < 32 or float64 stay on BLAS."""
    c = lambda v: ir.Constant(I64, v)  # noqa: E731
    dec, tiers = gemm_small._decide, gemm_small._tiers
    assert dec(None, tiers(True, False), c(1), c(784)) is True
    assert dec(None, tiers(False, False), c(64), c(32)) is True
    assert dec(None, tiers(True, False), c(2049), c(784)) is False
    assert dec(None, tiers(False, False), c(65), c(784)) is False
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
    assert gemm_small._use_small(FC, True, c(3000), c(784)) is False
    v = gemm_small._use_small(FC, True, c(32), c(784))
    assert isinstance(v, ir.Instruction) and v.opname == "select"
    assert "gt_team_max" in str(mod)
    assert gemm_small.maybe_small(None, "f64", False, True, c(1), c(8), c(64), *[None] * 6,
                                  0.0, None) is False


# packed panels: K over several 256-row chunks and not a multiple of 16, N past the last
# whole 64-column panel (the dot kernel's part), M tails of the 4-row blocks, K = 0
PACKED_SHAPES = [(1, 64, 16), (5, 64, 64), (16, 512, 64), (9, 70, 33), (4, 130, 600),
                 (13, 64, 256), (3, 200, 257), (2, 63, 40), (6, 128, 0), (17, 10, 512),
                 (64, 192, 129)]


@pytest.mark.parametrize("how", ["packed", "emit"])
@pytest.mark.parametrize("m,n,k", PACKED_SHAPES)
def test_packed_matches_numpy(m, n, k, how):
    rng = np.random.default_rng(m * 1000 + n + k)
    a = rng.standard_normal((m, k)).astype(np.float32)
    bm = rng.standard_normal((n, k)).astype(np.float32)
    ref = a.astype(np.float64) @ bm.T.astype(np.float64)
    tol = 1e-5 * np.sqrt(max(k, 1)) * (np.abs(a) @ np.abs(bm.T) + 1)
    assert (np.abs(run(a, bm, True, how=how) - ref) <= tol).all()
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    got = run(a, bm, True, c0=c0, pad=(3, 5, 2), how=how)
    assert (np.abs(got - (ref + c0)) <= tol + 1e-6).all()


def test_packed_policy():
    """Many rows for the K go to the packed kernel (constant sizes: decided at compile time,
    else an i1 tested at run time); the emitted call names it."""
    from graphtorch.codegen.llvm.gemm_packed import packed_wins
    c = lambda v: ir.Constant(I64, v)  # noqa: E731
    assert packed_wins(None, c(16), c(64)) is True
    assert packed_wins(None, c(8), c(64)) is False
    assert packed_wins(None, c(32), c(128)) is False
    assert packed_wins(None, c(64), c(128)) is True
    assert packed_wins(None, c(64), c(784)) is False
    assert packed_wins(None, c(128), c(784)) is True
    assert packed_wins(None, c(4), None) is False
    mod = ir.Module()
    fn = ir.Function(mod, ir.FunctionType(ir.VoidType(), [I64, I64]), "f")
    b = ir.IRBuilder(fn.append_basic_block())
    v = packed_wins(b, fn.args[0], fn.args[1])
    assert isinstance(v, ir.Instruction)
    gemm_small.emit_call(_FC(fn, b), True, c(64), c(512), c(64), *[ir.Constant(PTR, None),
                         c(64)] * 3, 0.0)
    assert "gt_sgemm_small_packed" in str(mod)



def _placed(shape, offset):
    """A float32 array starting ``offset`` floats past a 64-byte boundary."""
    raw = np.empty(int(np.prod(shape)) + 32, np.float32)
    start = (-(raw.ctypes.data // 4)) % 16 + offset
    return raw[start:start + int(np.prod(shape))].reshape(shape)


@pytest.mark.parametrize("offset", [0, 1, 4, 15])
@pytest.mark.parametrize("m,n,k,ldb", [(1, 24, 128, 128), (3, 17, 200, 208), (1, 9, 300, 301),
                                       (1, 8, 127, 128), (2, 16, 1000, 1008)])
def test_gemv_peel_any_alignment(m, n, k, ldb, offset):
    """One row of A against B rows starting anywhere relative to 64 bytes: the peeled GEMV
    micro kernel (B misaligned, ldb % 16 == 0, K >= 128) and the plain one agree with numpy,
    beta 0 and 1, and write nothing past C's rows."""
    rng = np.random.default_rng(k + offset)
    a = rng.standard_normal((m, k)).astype(np.float32)
    bp = _placed((n, ldb), offset)
    bp[:] = rng.standard_normal((n, ldb))
    ref = a.astype(np.float64) @ bp[:, :k].T.astype(np.float64)
    tol = 1e-5 * np.sqrt(k) * (np.abs(a) @ np.abs(bp[:, :k].T) + 1)
    for c0, how in ((None, None), (rng.standard_normal((m, n)).astype(np.float32), "emit")):
        cp = np.full((m, n + 1), 7.0, np.float32)  # "emit": K >= 256 takes the 4 x 4 kernel
        if c0 is not None:
            cp[:, :n] = c0
        native(True, how)(a.ctypes.data, bp.ctypes.data, cp.ctypes.data, m, n, k, k, ldb,
                     n + 1, c0 is not None)
        assert (cp[:, n] == 7.0).all()
        want = ref if c0 is None else ref + c0
        assert (np.abs(cp[:, :n] - want) <= tol + 1e-6).all()
