"""The inline float32 erf (vecmath.erf, one degree-14 polynomial for erfc on [1, 4]) through a
compiled graph: a dense sweep of float32 bit patterns (normal, subnormal, both signs) within 2
ulp of the float64 erf rounded to float32, and the special values (+-0, +-inf, NaN)."""
from __future__ import annotations

import numpy as np
from scipy.special import erf as sp_erf

import graphtorch as gt


def _erf_compiled(x):
    c = gt.compile(lambda t: t.erf(), backend="llvm", dynamic=False)
    with gt.no_grad():
        return c(gt.from_numpy(x)).numpy()


def _ulps(got, x):
    ref = sp_erf(x.astype(np.float64))
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - ref) / ulp


def test_dense_sweep_within_2_ulp():
    # every 97th positive float32 pattern up to 4.5 (covers 0..subnormals..1..4), both signs
    pos = np.arange(0, np.float32(4.5).view(np.int32), 97, dtype=np.int32).view(np.float32)
    x = np.concatenate([pos, -pos, np.linspace(0.9, 4.2, 100001, dtype=np.float32)])
    got = _erf_compiled(x)
    assert np.max(_ulps(got, x)) <= 2.0


def test_branch_edges_and_tail():
    x = np.array([np.nextafter(np.float32(1), np.float32(0)), 1.0, np.nextafter(np.float32(1),
                  np.float32(2)), 3.99, 4.0, 4.01, 10.0, 1e30], np.float32)
    x = np.concatenate([x, -x])
    got = _erf_compiled(x)
    assert np.max(_ulps(got, x)) <= 2.0
    assert np.all(np.abs(got[np.abs(x) >= 4]) == 1.0)


def test_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-38], np.float32)
    got = _erf_compiled(x)
    assert got[0] == 0 and not np.signbit(got[0])
    assert got[1] == 0 and np.signbit(got[1])
    assert got[2] == 1.0 and got[3] == -1.0
    assert np.isnan(got[4])
    np.testing.assert_allclose(got[5:], sp_erf(x[5:].astype(np.float64)), rtol=2.5e-7,
                               atol=3e-45)
