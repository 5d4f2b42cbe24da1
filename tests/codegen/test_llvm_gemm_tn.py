"""The A-packing float32 GEMM of the llvm backend (codegen/llvm/gemm_tn.py): row / column /
K tails (M, N, K not multiples of the vector width, K split into chunks), padded leading
dimensions, beta 0 and 1, against numpy in float64; its selection rule (tn_wins) with
constant and run-time sizes; and a compiled Linear that takes it."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest
from llvmlite import ir

import graphtorch as gt
from graphtorch.codegen.llvm import engine, gemm_small, gemm_tn
from graphtorch.codegen.llvm.fnctx import I1, I64, PTR

_FN = {}


def _native(vw=None, nb=None):
    """numpy-callable wrapper around the module's tn kernel (gemm_small's kernel ABI);
    ``vw`` / ``nb``: another vector width / column block than the host's default."""
    key = (vw, nb)
    if key not in _FN:
        mod = ir.Module(name=f"tn_test_{vw}_{nb}")
        tm = engine.target_machine()
        mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
        f = ir.Function(mod, ir.FunctionType(ir.VoidType(), [PTR] * 3 + [I64] * 6 + [I1]),
                        "tn_test")
        b = ir.IRBuilder(f.append_basic_block())
        kern = (gemm_small.define(mod, True, tn=True) if vw is None
                else gemm_tn.tn_kernel(mod, vw, nb))
        b.call(kern, list(f.args))
        b.ret_void()
        obj, _ = engine.compile_ir(str(mod), 2)
        addr = engine.load_object(obj, ["tn_test"])[0]
        _FN[key] = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 3, *[ctypes.c_int64] * 6,
                                     ctypes.c_bool)(addr)
    return _FN[key]


def _run(a, w, c0=None, pad=(0, 0, 0), variant=()):
    """a @ w.T (+ c0) through row strides padded by ``pad``; checks nothing is written
    past C's rows."""
    m, k = a.shape
    n = w.shape[0]
    ap = np.zeros((m, k + pad[0]), np.float32)
    ap[:, :k] = a
    wp = np.zeros((n, k + pad[1]), np.float32)
    wp[:, :k] = w
    cp = np.full((m, n + pad[2]), 7.0, np.float32)
    if c0 is not None:
        cp[:, :n] = c0
    _native(*variant)(ap.ctypes.data, wp.ctypes.data, cp.ctypes.data, m, n, k, ap.shape[1],
              wp.shape[1], cp.shape[1], c0 is not None)
    assert (cp[:, n:] == 7.0).all()
    return cp[:, :n]


SHAPES = [(16, 16, 16), (32, 512, 128), (17, 33, 70), (5, 40, 9), (1, 1, 1), (31, 17, 300),
          (16, 20, 784), (48, 64, 257), (3, 100, 0), (64, 10, 512), (20, 48, 1024),
          (17, 21, 2100)]  # the last: K in 3 chunks of 700


@pytest.mark.parametrize("m,n,k", SHAPES)
@pytest.mark.parametrize("beta", [0, 1])
def test_matches_numpy(m, n, k, beta):
    rng = np.random.default_rng(m * 7919 + n * 31 + k)
    a = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32) if beta else None
    ref = a.astype(np.float64) @ w.T.astype(np.float64)
    if beta:
        ref += c0
    got = _run(a, w, c0)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * np.sqrt(max(k, 1)))


@pytest.mark.parametrize("variant", [(8, 8), (8, 16)])
@pytest.mark.parametrize("m,n,k", [(8, 16, 16), (13, 37, 70), (9, 40, 300)])
def test_other_widths(m, n, k, variant):
    """8-lane vectors (AVX2 hosts), also with two blocks of columns per micro kernel."""
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    ref = a.astype(np.float64) @ w.T.astype(np.float64) + c0
    got = _run(a, w, c0, pad=(1, 2, 3), variant=variant)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * np.sqrt(k))


@pytest.mark.parametrize("pad", [(3, 5, 1), (16, 0, 7)])
def test_leading_dimensions(pad):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((21, 45)).astype(np.float32)
    w = rng.standard_normal((37, 45)).astype(np.float32)
    ref = a.astype(np.float64) @ w.T.astype(np.float64)
    np.testing.assert_allclose(_run(a, w, pad=pad), ref, rtol=1e-4, atol=1e-4)


def test_nonfinite_stay_in_their_outputs():
    """Rows / columns read as copies past M / N never leak into stored outputs."""
    a = np.ones((17, 32), np.float32)
    w = np.ones((18, 32), np.float32)
    a[16, 0] = np.inf   # the last (partial) block repeats row 16 into its unused lanes
    w[17, 0] = np.nan
    got = _run(a, w)
    assert np.isinf(got[16, :17]).all() and np.isnan(got[:, 17]).all()
    assert (got[:16, :17] == 32).all()


def _c(v):
    return ir.Constant(I64, v)


def test_selection_constants():
    w = gemm_tn.tn_wins
    assert w(None, _c(32), _c(768), _c(256), _c(256)) is True
    assert w(None, _c(8), _c(512), _c(784), _c(784)) is False      # too few rows
    assert w(None, _c(64), _c(10), _c(512), _c(512)) is False      # too few columns
    assert w(None, _c(1024), _c(512), _c(64), _c(64)) is False     # more rows than columns
    assert w(None, _c(2048), _c(768), _c(256), _c(256)) is True     # ... but A past L2
    assert w(None, _c(1024), _c(1024), _c(256), _c(256)) is True
    assert w(None, _c(1024), _c(768), _c(256), _c(256)) is True
    assert w(None, _c(2048), _c(256), _c(256), _c(256)) is False    # ... and B narrow
    assert w(None, _c(32), _c(256), _c(1024), _c(1024)) is False   # B rows 4 KB apart
    assert w(None, _c(32), _c(512), _c(64), _c(64)) is True
    assert w(None, _c(64), _c(512), _c(64), _c(64)) is False       # short K: packed
    assert w(None, _c(64), _c(512), _c(128), _c(128)) is True
    assert w(None, _c(20), _c(512), _c(128), _c(128)) is False     # 12 of 32 lanes idle
    assert w(None, _c(100), _c(512), _c(128), _c(128)) is True     # 12 of 112


def test_selection_run_time():
    mod = ir.Module(name="tn_sel")
    fn = ir.Function(mod, ir.FunctionType(I1, [I64, I64]), "tn_sel")
    b = ir.IRBuilder(fn.append_basic_block())
    v = gemm_tn.tn_wins(b, fn.args[0], _c(512), fn.args[1], _c(512))
    assert isinstance(v, ir.Value) and not isinstance(v, ir.Constant)
    b.ret(v)
    tm = engine.target_machine()
    mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
    obj, _ = engine.compile_ir(str(mod), 2)
    f = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_int64, ctypes.c_int64)(
        engine.load_object(obj, ["tn_sel"])[0])
    assert f(32, 512) and f(64, 128) and not f(8, 512) and not f(64, 64) and f(32, 64)
    assert not f(600, 128) and not f(40, 512) and f(48, 512) and not f(1024, 512)


@pytest.mark.parametrize("batch", [16, 40])
def test_compiled_linear(batch):
    """A compiled Linear at batch sizes the tn kernel takes (symbolic batch after the
    first call) matches eager."""
    gt.manual_seed(0)
    lin = gt.nn.Linear(256, 96)
    f = gt.compile(lin, backend="llvm", dynamic=True)
    with gt.no_grad():
        for b in (batch, batch + 3):
            x = gt.randn(b, 256)
            np.testing.assert_allclose(f(x).numpy(), lin(x).numpy(), rtol=1e-4, atol=1e-4)
    entry = next(iter(f._gt_cache.entries.values()))
    native = next(iter(entry._compiled.values())).interp.native
    assert "gt_sgemm_small_tn" in native.llvm_ir
