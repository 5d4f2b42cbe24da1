"""LAPACK-format factorizations: geqrf (Householder QR), linalg_ldl_factor_ex and
linalg_ldl_solve (Bunch-Kaufman LDL^T / LDL^H, LAPACK's ?sytrf/?hetrf and ?sytrs/?hetrs).

Their outputs are in LAPACK's packed layout (reflectors below the diagonal, 1-based pivots
with negative entries for 2x2 blocks), as torch returns them.  torch defines no derivative for
any of them: like torch, the backward node exists and raises when it is reached."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .linalg import sname
from .linalg_decomp import LINALG_DTYPES, check_float, check_square
from .meta import TensorSpec, broadcast_shapes
from .registry import OpDef, Sample, register


def _no_grad(op, exc, msg):
    """Give non-differentiable ``op`` torch's backward node that raises when reached (set
    after construction: OpDef drops the vjp of a non-differentiable op, and a
    differentiable one would be gradchecked)."""
    def vjp(ctx, *grads):
        raise exc(msg)
    op.vjp = vjp


# ------------------------------------------------------------------------------ geqrf
def _geqrf_meta(a):
    if a.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if a.dtype.category < D._FLOAT or a.dtype in (D.float16, D.bfloat16):
        raise NotImplementedError(f'"geqrf_cpu" not implemented for \'{sname(a.dtype)}\'')
    m, n = a.shape[-2:]
    return (TensorSpec(a.shape, a.dtype, a.device),
            TensorSpec(a.shape[:-2] + (min(m, n),), a.dtype, a.device))


def _geqrf_kernel(xp, a):
    if a.ndim < 2 or a.dtype.kind not in "fc" or a.dtype.itemsize == 2:
        raise ValueError("invalid input")  # dispatch re-runs meta for torch's error
    m, n = a.shape[-2:]
    if a.size == 0:
        return a.copy(), xp.zeros(a.shape[:-2] + (min(m, n),), a.dtype)
    # numpy's 'raw' mode is LAPACK's geqrf output, transposed (Fortran order)
    h, tau = xp.linalg.qr(a, mode="raw")
    return xp.ascontiguousarray(xp.swapaxes(h, -1, -2)).astype(a.dtype, copy=False), \
        tau.astype(a.dtype, copy=False)


def _geqrf_samples(dt):
    return [Sample((S.array(s, dt, i),), {}, grad=False)
            for i, s in enumerate([(4, 3), (3, 5), (2, 3, 3), (0, 2)])]


geqrf = register(OpDef(
    name="geqrf", kernel=_geqrf_kernel, meta=_geqrf_meta,
    differentiable=False, save_inputs=(), num_outputs=2, samples=_geqrf_samples,
    dtypes=LINALG_DTYPES, grad_name="GeqrfBackward0"))
_no_grad(geqrf, NotImplementedError, "the derivative for 'geqrf' is not implemented.")


# ------------------------------------------------------------------------------ LDL
def _routine(dtype, hermitian, kind):
    from scipy.linalg import lapack
    prefix = {np.dtype(np.float32): "s", np.dtype(np.float64): "d",
              np.dtype(np.complex64): "c", np.dtype(np.complex128): "z"}[np.dtype(dtype)]
    # real hermitian matrices are symmetric: LAPACK has no real ?hetrf
    fam = "he" if hermitian and prefix in "cz" else "sy"
    return getattr(lapack, f"{prefix}{fam}{kind}")


def _ldl_meta(a, hermitian=False):
    check_square("torch.linalg.ldl_factor_ex", a)
    batch = a.shape[:-2]
    return (TensorSpec(a.shape, a.dtype, a.device),
            TensorSpec(a.shape[:-1], D.int32, a.device),
            TensorSpec(batch, D.int32, a.device))


def _ldl_kernel(xp, a, hermitian=False):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or a.dtype.kind not in "fc" \
            or a.dtype.itemsize == 2:
        raise ValueError("invalid input")  # dispatch re-runs meta for torch's error
    n = a.shape[-1]
    ld = np.zeros(a.shape, a.dtype)
    piv = np.zeros(a.shape[:-1], np.int32)
    info = np.zeros(a.shape[:-2], np.int32)
    if n == 0:
        return ld, piv, info
    fn = _routine(a.dtype, hermitian, "trf")
    for idx in np.ndindex(*a.shape[:-2]):
        lu, ipiv, inf = fn(np.asarray(a[idx]), lower=1)
        # torch keeps only the lower triangle (L below the diagonal, D on and next to it)
        ld[idx] = np.tril(lu)
        piv[idx] = ipiv
        info[idx] = inf
    return ld, piv, info


def _ldl_samples(dt):
    out = []
    for i, shape in enumerate([(4, 4), (2, 3, 3), (0, 0)]):
        a = S.array(shape, dt, i)
        a = a + np.swapaxes(a.conj() if dt.category == D._COMPLEX else a, -1, -2)
        out.append(Sample((a,), {}, grad=False))
        out.append(Sample((a,), {"hermitian": True}, grad=False))
    return out


ldl_factor_ex = register(OpDef(
    name="linalg_ldl_factor_ex", kernel=_ldl_kernel, meta=_ldl_meta,
    differentiable=False, save_inputs=(), num_outputs=3, nondiff_outputs=(1, 2),
    samples=_ldl_samples, dtypes=LINALG_DTYPES, grad_name="NotImplemented"))
_no_grad(ldl_factor_ex, RuntimeError,
         "derivative for aten::linalg_ldl_factor_ex is not implemented")


def _ldl_solve_meta(ld, piv, b, hermitian=False):
    name = "torch.linalg.ldl_solve"
    check_square(name, ld, "LD")
    if b.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    check_float(name, b)
    if piv.dtype.category != D._INT or piv.dtype is D.bool:
        raise RuntimeError(f"{name}: Expected pivots to be integers. Got {sname(piv.dtype)}")
    if b.dtype is not ld.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{sname(b.dtype)} and A of type {sname(ld.dtype)} instead.")
    if b.shape[-2] != ld.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is "
                           f"{ld.shape[-2]} by {ld.shape[-1]} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    if tuple(piv.shape) != tuple(ld.shape[:-1]):
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, "
                           f"but got pivots with shape {list(piv.shape)} instead")
    batch = broadcast_shapes(ld.shape[:-2], b.shape[:-2], op="ldl_solve")
    return TensorSpec(tuple(batch) + tuple(b.shape[-2:]), b.dtype, b.device)


def _ldl_solve_kernel(xp, ld, piv, b, hermitian=False):
    if ld.ndim < 2 or b.ndim < 2 or ld.dtype != b.dtype or ld.dtype.kind not in "fc" \
            or ld.shape[-1] != ld.shape[-2] or b.shape[-2] != ld.shape[-1] \
            or piv.dtype.kind not in "iu" or piv.shape != ld.shape[:-1]:
        raise ValueError("invalid input")  # dispatch re-runs meta for torch's error
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    ld = np.broadcast_to(ld, batch + ld.shape[-2:])
    piv = np.broadcast_to(piv, batch + piv.shape[-1:]).astype(np.int32)
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.zeros(b.shape, b.dtype)
    if b.size == 0:
        return out
    fn = _routine(ld.dtype, hermitian, "trs")
    for idx in np.ndindex(*batch):
        x, info = fn(np.asarray(ld[idx]), piv[idx], np.asarray(b[idx]), lower=1)
        if info < 0:
            raise RuntimeError(f"torch.linalg.ldl_solve: argument {-info} has an illegal value")
        out[idx] = x
    return out


def _ldl_solve_samples(dt):
    out = []
    for i, (shape, bshape) in enumerate([((4, 4), (4, 2)), ((2, 3, 3), (2, 3, 1))]):
        a = S.array(shape, dt, i)
        a = a + np.swapaxes(a.conj() if dt.category == D._COMPLEX else a, -1, -2)
        for herm in (False, True):
            ld, piv, _ = _ldl_kernel(np, a, hermitian=herm)
            out.append(Sample((ld, piv, S.array(bshape, dt, i + 7)), {"hermitian": herm},
                              grad=False))
    return out


ldl_solve = register(OpDef(
    name="linalg_ldl_solve", kernel=_ldl_solve_kernel, meta=_ldl_solve_meta,
    differentiable=False, save_inputs=(), samples=_ldl_solve_samples, dtypes=LINALG_DTYPES,
    grad_name="NotImplemented"))
_no_grad(ldl_solve, RuntimeError, "derivative for aten::linalg_ldl_solve is not implemented")
