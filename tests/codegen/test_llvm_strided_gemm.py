"""GEMM operands read in place from strided views (codegen/llvm/strided.py): the per-head
permutes of attention go to BLAS / the small GEMM with their row stride as leading dimension
(no copy kernel), reshapes of such views are copied without per-element division, and the
long-K dot-form block of gemm_small.py; all against eager / numpy."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest
from llvmlite import ir

import graphtorch as gt
from graphtorch.codegen.llvm import engine, gemm_small
from graphtorch.codegen.llvm.fnctx import I1, I64, PTR

RNG = np.random.default_rng(7)


def _t(*shape):
    return gt.from_numpy(RNG.standard_normal(shape).astype(np.float32))


def _native(c):
    entry = next(iter(c._gt_cache.entries.values()))
    comp = (list(getattr(entry, "_compiled", {}).values()) or [entry._comp])[0]
    return comp.interp.native


def _check(fn, *args, rtol=1e-5):
    c = gt.compile(fn, backend="llvm", dynamic=False)
    with gt.no_grad():
        got = c(*args)
    ref = fn(*args)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=rtol, atol=rtol)
    return _native(c)


def _copy_kernels(native):
    return native.llvm_ir.count("define internal void @\"gt_k")


@pytest.mark.parametrize("b,t,h,d", [(2, 5, 3, 16), (1, 7, 1, 33), (3, 1, 2, 8)])
def test_attention_heads_in_place(b, t, h, d):
    """q @ k^T and attn @ v on [T, B*H, D] views: K^T (a permute) and V (a transpose) are
    read by the GEMM with their strides; only the scaled Q and the output are copied."""
    x = _t(t, b, h * d)

    def fn(x):
        q = x.reshape(t, b * h, d).transpose(0, 1)
        k = x.reshape(t, b * h, d).permute(1, 2, 0)
        s = gt.bmm(q, k)
        return gt.bmm(s, q)
    native = _check(fn, x)
    assert _copy_kernels(native) == 0


def test_batch_dims_collapse_or_copy():
    """4-D operands: batch dims that collapse into one stride go in place; permuted batch
    dims (which do not) are copied, and both give the eager result."""
    x = _t(6, 2, 3, 8)  # [m, b1, b2, k]
    y = _t(2, 3, 8, 5)
    native = _check(lambda x, y: gt.matmul(x.permute(1, 2, 0, 3), y), x, y)
    assert _copy_kernels(native) == 0
    _check(lambda x, y: gt.matmul(x.permute(2, 1, 0, 3), y.transpose(0, 1)), x, y)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_transposed_a_and_chained_views(dt):
    """A stored transposed (BLAS 'T' on A) through a permute of a permute; float64 too."""
    x = gt.from_numpy(RNG.standard_normal((7, 3, 40)).astype(dt))  # [k, b, m]
    y = gt.from_numpy(RNG.standard_normal((3, 7, 9)).astype(dt))
    native = _check(lambda x, y: gt.bmm(x.permute(1, 2, 0), y.permute(0, 1, 2)), x, y)
    native = _check(lambda x, y: gt.bmm(x.permute(1, 0, 2).transpose(1, 2), y), x, y)
    assert _copy_kernels(native) == 0


def test_reshape_of_permuted_view_feeds_linear():
    """The attention output: [B*H, T, D] -> transpose -> reshape [T*B, H*D] -> linear."""
    o = _t(6, 4, 8)
    w, bias = _t(10, 16), _t(10)
    _check(lambda o, w, bias: gt.nn.functional.linear(
        o.transpose(0, 1).reshape(12, 16), w, bias), o, w, bias)
    # the same reshape read by a pointwise op stays lazy (and correct)
    _check(lambda o: o.transpose(0, 1).reshape(12, 16) * 2.0, o)


def test_transformer_layer_matches_eager():
    gt.manual_seed(0)
    layer = gt.nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True).eval()
    c = gt.compile(layer, backend="llvm", dynamic=True)
    for b in (1, 3):
        x = _t(b, 6, 32)
        with gt.no_grad():
            got, ref = c(x), layer(x)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-4, atol=1e-4)


def _long_kernel():
    mod = ir.Module(name="sglong")
    tm = engine.target_machine()
    mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
    f = ir.Function(mod, ir.FunctionType(ir.VoidType(), [PTR] * 3 + [I64] * 6 + [I1]), "sgl")
    b = ir.IRBuilder(f.append_basic_block())
    b.call(gemm_small.kernel(mod, True, long_k=True), list(f.args))
    b.ret_void()
    obj, _ = engine.compile_ir(str(mod), 2)
    addr = engine.load_object(obj, ["sgl"])[0]
    return ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 3, *[ctypes.c_int64] * 6,
                            ctypes.c_bool)(addr)


@pytest.mark.parametrize("m,n,k", [(8, 512, 784), (5, 7, 300), (1, 3, 256), (6, 9, 257)])
def test_long_k_dot_block(m, n, k):
    fn = _long_kernel()
    a = RNG.standard_normal((m, k + 3)).astype(np.float32)  # padded rows: lda > k
    bm = RNG.standard_normal((n, k)).astype(np.float32)
    c = np.full((m, n + 2), 1.5, np.float32)
    fn(a.ctypes.data, bm.ctypes.data, c.ctypes.data, m, n, k, k + 3, k, n + 2, True)
    ref = 1.5 + a[:, :k].astype(np.float64) @ bm.T.astype(np.float64)
    tol = 1e-5 * np.sqrt(k) * (np.abs(a[:, :k]) @ np.abs(bm.T) + 1)
    assert (np.abs(c[:, :n] - ref) <= tol).all()
    assert (c[:, n:] == 1.5).all()


def test_symbolic_sizes_one_function():
    """Leading dimensions and batch strides that are size expressions (dynamic shapes)."""
    c = gt.compile(lambda x, y: gt.matmul(x.permute(1, 2, 0, 3), y), backend="llvm",
                   dynamic=True)
    for b in (2, 5):
        x, y = _t(6, b, 3, 8), _t(b, 3, 8, 4)
        with gt.no_grad():
            got = c(x, y)
        ref = gt.matmul(x.permute(1, 2, 0, 3), y)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)
    assert _copy_kernels(_native(c)) == 0
