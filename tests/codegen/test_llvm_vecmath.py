"""The inline float32 transcendentals of the llvm backend (codegen/llvm/vecmath.py): max ulp
error over dense sweeps and edge values against float64 references rounded to float32, and
that a loop using them is vectorised (no library calls left)."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest
import scipy.special as sps
from llvmlite import ir

from graphtorch.codegen.llvm import engine, vecmath
from graphtorch.codegen.llvm.fnctx import F32, I64, PTR

_FNS = {}


def _module(name):
    """``void f(float *x, float *y, i64 n)``: y[i] = vecmath.<name>(x[i])."""
    mod = ir.Module(name=f"vm_{name}")
    tm = engine.target_machine()
    mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
    fn = ir.Function(mod, ir.FunctionType(ir.VoidType(), [PTR, PTR, I64]), f"vm_{name}")
    for a in fn.args[:2]:
        a.add_attribute("noalias")
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    head, body, done = (fn.append_basic_block(s) for s in ("head", "body", "done"))
    pre = b.block
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(I64)
    i.add_incoming(ir.Constant(I64, 0), pre)
    b.cbranch(b.icmp_signed("<", i, fn.args[2]), body, done)
    b.position_at_end(body)
    x = b.load(b.gep(fn.args[0], [i], source_etype=F32), typ=F32)
    b.store(vecmath.F32_FUNCS[name](b, x), b.gep(fn.args[1], [i], source_etype=F32))
    i.add_incoming(b.add(i, ir.Constant(I64, 1)), b.block)
    b.branch(head)
    b.position_at_end(done)
    b.ret_void()
    return str(mod)


def _callable(obj, name):
    """The linked ``vm_<name>`` of ``obj`` as a float32 -> float32 numpy function."""
    addr = engine.load_object(obj, [f"vm_{name}"])[0]
    cf = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)(addr)

    def call(x):
        x = np.ascontiguousarray(x, dtype=np.float32)
        y = np.empty_like(x)
        cf(x.ctypes.data, y.ctypes.data, x.size)
        return y
    return call


def native(name):
    """A numpy-callable float32 -> float32 function and its optimised IR."""
    if name not in _FNS:
        obj, mod = engine.compile_ir(_module(name), 3)
        _FNS[name] = (_callable(obj, name), str(mod))
    return _FNS[name]


def _ref(name, x):
    x64 = x.astype(np.float64)
    with np.errstate(all="ignore"):
        r = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
             "tanh": np.tanh, "erf": sps.erf, "sigmoid": sps.expit}[name](x64)
    return r


def ulp_error(got, ref64):
    """|got - ref| in units of the float32 spacing at the reference (inf/NaN must match)."""
    ref = ref64.astype(np.float32)
    same_special = (np.isnan(got) & np.isnan(ref)) | ((got == ref) & ~np.isfinite(ref))
    bad_special = (~np.isfinite(ref) | ~np.isfinite(got)) & ~same_special
    assert not bad_special.any(), (got[bad_special][:5], ref[bad_special][:5])
    fin = np.isfinite(ref) & np.isfinite(got)
    spacing = np.spacing(np.abs(ref[fin])).astype(np.float64)
    return np.abs(got[fin].astype(np.float64) - ref64[fin]) / spacing


_EDGES = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-40, -1e-40,
                   1.17549435e-38, 1e-30, -1e-30, 1e-7, -1e-7, 3.4e38, -3.4e38, 1.0, -1.0,
                   0.5, 2.0, 88.0, 88.72, 88.73, 89.0, -87.3, -103.0, -103.97, -104.0,
                   -150.0, 0.625, -0.625, 0.3466, 4.0, -4.0, 3.9, 2.2, -2.2, 9.0, 1e10],
                  dtype=np.float32)


def _sweep(lo, hi, n=200_001):
    return np.linspace(lo, hi, n, dtype=np.float32)


def _log_sweep(n=100_001):
    mags = np.logspace(-44, 38, n).astype(np.float32)
    return np.concatenate([mags, -mags])


_DOMAINS = {
    "exp": [_sweep(-110, 95), _sweep(-1, 1), _log_sweep()],
    "expm1": [_sweep(-30, 95), _sweep(-0.5, 0.5), _log_sweep()],
    "log": [_sweep(0, 4), _log_sweep(), np.arange(1, 100_000, dtype=np.uint32).view(np.float32)],
    "log1p": [_sweep(-1, 4), _sweep(-1e-3, 1e-3), _log_sweep()],
    "tanh": [_sweep(-12, 12), _sweep(-1, 1), _log_sweep()],
    "sigmoid": [_sweep(-110, 110), _log_sweep()],
    "erf": [_sweep(-6, 6), _sweep(-1.2, 1.2), _log_sweep()],
}
# measured maxima are 1-2 ulp; the bounds leave room for hosts without FMA
_MAX_ULP = {"exp": 2, "expm1": 3, "log": 2, "log1p": 3, "tanh": 3, "sigmoid": 3, "erf": 3}


@pytest.mark.parametrize("name", sorted(vecmath.F32_FUNCS))
def test_ulp_error(name):
    call, _ = native(name)
    x = np.concatenate(_DOMAINS[name] + [_EDGES])
    err = ulp_error(call(x), _ref(name, x))
    assert err.max() <= _MAX_ULP[name], (name, err.max(), x[np.isfinite(x)][np.argmax(err)]
                                          if err.size == np.isfinite(x).sum() else None)


@pytest.mark.parametrize("name", sorted(vecmath.F32_FUNCS))
def test_signed_zero_and_specials(name):
    call, _ = native(name)
    x = np.array([0.0, -0.0, np.nan, np.inf, -np.inf], np.float32)
    got, ref = call(x), _ref(name, x).astype(np.float32)
    np.testing.assert_array_equal(np.signbit(got[:2]), np.signbit(ref[:2]))
    np.testing.assert_array_equal(got, ref)  # NaN == NaN for assert_array_equal


@pytest.mark.parametrize("name", sorted(vecmath.F32_FUNCS))
def test_vectorised(name):
    _, text = native(name)
    assert "x float>" in text  # a vector loop exists
    for lib in ("expf", "logf", "tanhf", "erff", "expm1f", "log1pf"):
        assert f"@{lib}(" not in text


def test_denormal_results():
    """exp into the denormal range rounds once (the scaling's first product is exact)."""
    call, _ = native("exp")
    x = np.linspace(-103.9, -87.0, 50_001, dtype=np.float32)
    err = ulp_error(call(x), np.exp(x.astype(np.float64)))
    assert err.max() <= 1.0


def _f(x):
    return (x.exp() + x.tanh() + x.erf() + x.sigmoid() + x.abs().log1p() + x.expm1()
            + (x.abs() + 1).log())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_graph_inlines_float32_only(dtype):
    import graphtorch as gt
    x = gt.from_numpy(np.random.default_rng(0).standard_normal((7, 33)).astype(dtype) * 4)
    c = gt.compile(_f, backend="llvm")
    with gt.no_grad():
        got, ref = c(x).numpy(), _f(x).numpy()
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
    entry = next(iter(c._gt_cache.entries.values()))
    comp = entry._comp if hasattr(entry, "_comp") else next(iter(entry._compiled.values()))
    text = comp.interp.native.llvm_ir
    declared = {line.split("@")[1].split("(")[0].strip('"') for line in text.splitlines()
                if line.startswith("declare")}
    libm = {"exp", "tanh", "erf", "log1p", "expm1", "log"}
    if dtype == "float32":
        assert not declared & {n + "f" for n in libm}, declared
    else:  # float64 keeps the C library (the registry test's rtol 1e-12)
        assert libm <= declared, declared
