"""The LSTM/GRU gate functions of codegen/llvm/vecmath.py (sigmoid, tanh) after their cheaper
forms (exponent scaling by ``llvm.ldexp`` on AVX-512 hosts, no redundant clamps, one division
for sigmoid): the README's <= 2.4 ulp on a dense float32 bit-pattern sweep and at the edges
(+-0, +-inf, NaN, denormals, saturation), bit-identical results with either scaling path, and
the LSTM / GRU cells still matching a float64 numpy reference."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sps
from llvmlite import ir

from graphtorch.codegen.llvm import engine, vecmath

from .test_llvm_vecmath import _callable, _module, ulp_error  # one-function module

_REF = {"sigmoid": sps.expit, "tanh": np.tanh, "exp": np.exp, "expm1": np.expm1}
_CACHE = {}


def native(name, ldexp=None):
    """float32 -> float32 numpy function of vecmath.<name> with the scaling path ``ldexp``
    (None: the host's choice), and the object's assembly."""
    key = (name, ldexp)
    if key not in _CACHE:
        old = vecmath.USE_LDEXP
        vecmath.USE_LDEXP = ldexp
        try:
            text = _module(name)
        finally:
            vecmath.USE_LDEXP = old
        obj, mod = engine.compile_ir(text, 3)
        _CACHE[key] = (_callable(obj, name), engine.target_machine().emit_assembly(mod))
    return _CACHE[key]


def _ref(name, x):
    with np.errstate(all="ignore"):
        return _REF[name](x.astype(np.float64))


def _bit_sweep(step=1021):
    """Every step-th float32 bit pattern (both signs, denormals, inf, NaN payloads)."""
    return np.arange(0, 2 ** 32, step, dtype=np.uint64).astype(np.uint32).view(np.float32)


_EDGES = {
    # sigmoid: denormal results below -87.3, 0 below -103.9; rounds to 1 from 16.6
    "sigmoid": np.concatenate([np.linspace(-104.5, -86.0, 100_001), np.linspace(15, 18.5, 10_001),
                               np.linspace(-6, 6, 200_001)]),
    # tanh: the polynomial / exp switch at 0.625, rounding to 1 from 9.01, the clamp at 10
    "tanh": np.concatenate([np.linspace(0.6, 0.65, 20_001), np.linspace(8.9, 10.5, 20_001),
                            np.linspace(-3, 3, 200_001), np.logspace(-45, -3, 20_001)]),
}
_SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 1.1754942e-38,
                     -1.1754942e-38, 3.4028235e38, -3.4028235e38, 10.0, -10.0, 9.01, 0.625,
                     -0.625, -87.33, -103.97, -104.0], dtype=np.float32)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_ulp_dense_sweep(name):
    call, _ = native(name)
    x = np.concatenate([_bit_sweep(), _EDGES[name].astype(np.float32), _SPECIAL])
    err = ulp_error(call(x), _ref(name, x))  # also: inf / NaN exactly where the reference has
    assert err.max() <= 2.4, (name, err.max())


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_specials_exact(name):
    call, _ = native(name)
    x = _SPECIAL[:12]  # values whose float32 result is exact (0.5, +-x, 0, 1, inf, NaN)
    got, ref = call(x), _ref(name, x).astype(np.float32)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(np.signbit(got[:2]), np.signbit(ref[:2]))  # tanh(-0) = -0


def test_sigmoid_denormal_results_relative():
    """x -> -inf: sigmoid = e**x / (1 + e**x) keeps relative accuracy into the denormals."""
    call, _ = native("sigmoid")
    x = np.linspace(-103.5, -80.0, 50_001, dtype=np.float32)
    got = call(x)
    assert (got > 0).all()
    assert ulp_error(got, _ref("sigmoid", x)).max() <= 1.1  # exp alone: 1.05 ulp


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "exp", "expm1"])
def test_scaling_paths_identical(name):
    """llvm.ldexp (vscalefps) and the two-step product round once: same bits (the ldexp form
    is only chosen with AVX-512F, but is correct anywhere)."""
    x = np.concatenate([_bit_sweep(4099), _SPECIAL])
    a, _ = native(name, ldexp=False)
    b, _ = native(name, ldexp=True)
    np.testing.assert_array_equal(a(x), b(x))


def test_host_choice_no_calls():
    """On an AVX-512 host the vector loop uses vscalefps; elsewhere no ldexp is emitted; no
    library call either way (a per-lane ldexpf would undo the vectorisation)."""
    _, asm = native("sigmoid")
    assert "call" not in asm.split("vm_sigmoid:")[1].split(".Lfunc_end")[0]
    if vecmath._ldexp_ok():
        assert "vscalefps" in asm


def _lstm_ref(x, h, c, w, bias):
    g = x + h @ w.T + bias
    i, f, gg, o = np.split(g, 4, axis=-1)
    cn = sps.expit(f) * c + sps.expit(i) * np.tanh(gg)
    return np.tanh(cn) * sps.expit(o), cn


@pytest.mark.parametrize("batch", [1, 5, 8])
def test_lstm_cell_against_float64(batch):
    from graphtorch.codegen.llvm import compile_graph
    from graphtorch.ir.parser import parse
    H = 19  # odd: vector tails
    text = f"""graph(%x: f32[B, {4 * H}], %h: f32[B, {H}], %c: f32[B, {H}], %w: f32[{4 * H}, {H}], %b: f32[{4 * H}]):
  %h1: f32[B, {H}], %c1: f32[B, {H}], %a: f32[B, {4 * H}] = lstm_cell(%x, %h, %c, %w, %b)
  return (%h1, %c1)
"""
    rng = np.random.default_rng(batch)
    args = [rng.standard_normal((batch, 4 * H)).astype(np.float32) * 3,
            rng.standard_normal((batch, H)).astype(np.float32),
            rng.standard_normal((batch, H)).astype(np.float32),
            rng.standard_normal((4 * H, H)).astype(np.float32) * 0.3,
            rng.standard_normal(4 * H).astype(np.float32)]
    h1, c1 = compile_graph(parse(text), use_cache=False)(*args)
    rh, rc = _lstm_ref(*[a.astype(np.float64) for a in args])
    np.testing.assert_allclose(c1, rc, rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(h1, rh, rtol=2e-6, atol=2e-6)
