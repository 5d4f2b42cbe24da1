"""lstsq, lu_solve and matrix_exp."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .linalg import guarded, mH, mT, sname, sq, unsq
from .linalg_decomp import (LINALG_DTYPES, _square_samples, check_float, check_matrix,
                            check_square, lapack, real_of, tril)
from .meta import TensorSpec, broadcast_shapes
from .registry import OpDef, Sample, register

DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


# ------------------------------------------------------------------------------ lstsq
def _lstsq_meta(a, b, rcond=None, driver=None):
    check_matrix("torch.linalg.lstsq", a)
    check_float("torch.linalg.lstsq", b)
    if driver is not None and driver not in DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"(gels, gelsy, gelsd, gelss)")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {sname(a.dtype)} and other's dtype "
                           f"{sname(b.dtype)}")
    vec = b.ndim == a.ndim - 1
    bm = tuple(b.shape) + (1,) if vec else tuple(b.shape)
    if bm[-2] != a.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = a.shape[-2:]
    batch = tuple(broadcast_shapes(a.shape[:-2], bm[:-2], op="linalg.lstsq"))
    drv = driver or "gelsy"
    real = real_of(a.dtype)
    sol = a.with_(shape=batch + ((n,) if vec else (n, bm[-1])))
    res = a.with_(shape=batch + (bm[-1],) if m > n and drv != "gelsy" and not vec else (0,),
                  dtype=real)
    rank = TensorSpec(batch if drv != "gels" else (0,), D.int64)
    sv = a.with_(shape=batch + (min(m, n),) if drv in ("gelsd", "gelss") else (0,), dtype=real)
    return sol, res, rank, sv


def _lstsq_kernel(xp, a, b, rcond=None, driver=None):
    sol_s, res_s, rank_s, sv_s = _lstsq_meta(
        TensorSpec(a.shape, D.from_numpy_dtype(a.dtype)),
        TensorSpec(b.shape, D.from_numpy_dtype(b.dtype)), rcond, driver)
    vec = b.ndim == a.ndim - 1
    bm = b[..., None] if vec else b
    batch = broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    A = np.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
    B = np.broadcast_to(bm, batch + bm.shape[-2:]).reshape((-1,) + bm.shape[-2:])
    sols, ress, ranks, svs = [], [], [], []
    for ai, bi in zip(A, B):
        x, r, k, s = np.linalg.lstsq(ai, bi, rcond=rcond)
        sols.append(x)
        ress.append(r if r.size else np.full(bi.shape[-1], np.nan))
        ranks.append(k)
        svs.append(s)
    rdt = res_s.dtype.np
    sol = np.array(sols, a.dtype).reshape(sol_s.shape) if sols else np.zeros(sol_s.shape, a.dtype)
    res = np.array(ress, rdt).reshape(res_s.shape) if res_s.shape != (0,) else np.zeros(0, rdt)
    rank = np.array(ranks, np.int64).reshape(rank_s.shape) if rank_s.shape != (0,) else \
        np.zeros(0, np.int64)
    sv = np.array(svs, rdt).reshape(sv_s.shape) if sv_s.shape != (0,) else np.zeros(0, rdt)
    return sol, res, rank, sv


def _lstsq_vjp(ctx, gx, gres=None, grank=None, gsv=None):
    a, b = ctx.inputs
    x = ctx.output[0]
    m, n = a.shape[-2:]
    if m < n:
        raise NotImplementedError("torch.linalg.lstsq: derivative of underdetermined systems")
    vec = b.ndim == a.ndim - 1
    if vec:
        gx, x, b = unsq(gx, -1), unsq(x, -1), unsq(b, -1)
    # X = (A^H A)^{-1} A^H B  =>  Y = (A^H A)^{-1} G
    y = (mH(a) @ a)._linalg_solve(gx, left=True)
    gb = a @ y
    ga = (b - a @ x) @ mH(y) - gb @ mH(x)
    return ga, (sq(gb, -1) if vec else gb)


lstsq = register(OpDef(
    name="linalg_lstsq", kernel=lapack(_lstsq_kernel), meta=_lstsq_meta, vjp=_lstsq_vjp,
    save_inputs=(0, 1), save_output=True, num_outputs=4, nondiff_outputs=(1, 2, 3),
    dtypes=LINALG_DTYPES, grad_name="LinalgLstsqBackward0",
    samples=lambda dt: [Sample((S.array((4, 3), dt), S.array((4, 2), dt, 1))),
                        Sample((S.array((3, 3), dt), S.array((3, 2), dt, 1))),
                        Sample((S.array((2, 4, 3), dt), S.array((2, 4, 2), dt, 1))),
                        Sample((S.array((4, 3), dt), S.array((4, 2), dt, 1)),
                               {"driver": "gelsd"}, grad=False)]))


# ------------------------------------------------------------------------------ lu_solve
def _lu_solve_kernel(xp, LU, piv, b, left=True, adjoint=False):
    import scipy.linalg
    if not left:  # X A = B  <=>  A^H X^H = B^H
        xh = _lu_solve_kernel(xp, LU, piv, np.conj(np.swapaxes(b, -1, -2)), True, not adjoint)
        return np.conj(np.swapaxes(xh, -1, -2))
    batch = broadcast_shapes(LU.shape[:-2], b.shape[:-2])
    L = np.broadcast_to(LU, batch + LU.shape[-2:]).reshape((-1,) + LU.shape[-2:])
    P = np.broadcast_to(piv, batch + piv.shape[-1:]).reshape((-1,) + piv.shape[-1:])
    B = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    out = np.empty(B.shape, np.result_type(LU, b))
    trans = 2 if adjoint else 0
    for i in range(L.shape[0]):
        out[i] = scipy.linalg.lu_solve((L[i], P[i] - 1), B[i], trans=trans, check_finite=False)
    return out.reshape(batch + b.shape[-2:]).astype(b.dtype, copy=False)


def _lu_solve_meta(LU, piv, b, left=True, adjoint=False):
    check_square("linalg.lu_solve", LU, "LU")
    if b.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 "
                           "dimensions.")
    if (b.shape[-2] if left else b.shape[-1]) != LU.shape[-1]:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({LU.shape[-2]}x{LU.shape[-1]} "
                           f"and {b.shape[-2]}x{b.shape[-1]})")
    batch = broadcast_shapes(LU.shape[:-2], b.shape[:-2], op="linalg.lu_solve")
    return b.with_(shape=tuple(batch) + tuple(b.shape[-2:]))


def _lu_solve_vjp(ctx, g):
    LU, piv, _ = ctx.inputs
    left, adjoint = ctx.attrs.get("left", True), ctx.attrs.get("adjoint", False)
    gb = LU._lu_solve(piv, g, left=left, adjoint=not adjoint)
    if not ctx.needs_input_grad[0]:
        return None, None, gb
    x = ctx.output
    if left:
        ga = -(x @ mH(gb)) if adjoint else -(gb @ mH(x))
    else:
        ga = -(mH(gb) @ x) if adjoint else -(mH(x) @ gb)
    # A = P L U: pull gA back onto the packed factors
    P, L, U = LU._lu_unpack(piv)
    pga = mT(P) @ ga
    gL = tril(pga @ mH(U), -1)
    gU = mH(L) @ pga
    return gL + gU - tril(gU, -1), None, gb


def _lu_solve_samples(dt):
    from .linalg_svd import _lu_factor_kernel
    a = _square_samples(dt)[0].args[0]
    lu, piv, _ = _lu_factor_kernel(np, a)
    b = S.array((3, 2), dt, 5)
    return [Sample((lu, piv, b)), Sample((lu, piv, b), {"adjoint": True}),
            Sample((lu, piv, S.array((2, 3), dt, 6)), {"left": False})]


lu_solve = register(OpDef(
    name="linalg_lu_solve", kernel=guarded(_lu_solve_kernel), meta=_lu_solve_meta,
    vjp=_lu_solve_vjp, save_inputs=(0, 1), save_output=True,
    dtypes=(D.float32, D.float64),
    grad_name="LinalgLuSolveBackward0", samples=_lu_solve_samples))


# ------------------------------------------------------------------------------ matrix_exp
def _expm_kernel(xp, a):
    import scipy.linalg
    if a.size == 0:
        return a.copy()
    return np.asarray(scipy.linalg.expm(a)).astype(a.dtype, copy=False)


def _expm_vjp(ctx, g):
    """d exp(A)^H-adjoint: the upper-right block of exp([[A^H, G], [0, A^H]])."""
    a = ctx.inputs[0]
    ah = mH(a)
    sel = {k: a.new_tensor(np.array(v, dtype=np.float64)) for k, v in
           (("d", [[1.0, 0.0], [0.0, 1.0]]), ("u", [[0.0, 1.0], [0.0, 0.0]]),
            ("e0", [1.0, 0.0]), ("e1", [0.0, 1.0]))}
    n = a.shape[-1]
    batch = tuple(a.shape[:-2])
    big = sel["d"]._einsum("ij,...ab->...iajb", ah) + sel["u"]._einsum("ij,...ab->...iajb", g)
    big = big.reshape(batch + (2 * n, 2 * n))
    e = big._matrix_exp().reshape(batch + (2, n, 2, n))
    return (e._einsum("...iajb,i,j->...ab", sel["e0"], sel["e1"]),)


def _expm_meta(a):
    check_square("linalg.matrix_exp", a)
    return a


matrix_exp = register(OpDef(
    name="linalg_matrix_exp", kernel=lapack(_expm_kernel), meta=_expm_meta, vjp=_expm_vjp,
    save_inputs=(0,), dtypes=LINALG_DTYPES, grad_name="LinalgMatrixExpBackward0",
    samples=lambda dt: [Sample((S.array((3, 3), dt, 1, -0.5, 0.5),)),
                        Sample((S.array((2, 2, 2), dt, 2, -0.5, 0.5),)),
                        Sample((S.array((0, 0), dt),))]))
