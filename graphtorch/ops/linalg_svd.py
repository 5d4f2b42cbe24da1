"""svd, qr, triangular solves, LU (factor / solve), lstsq and matrix_exp, with torch's
derivative formulas (written with Tensor methods, so they differentiate again)."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .linalg import guarded, mH, narrow, sname, unsq
from .linalg_decomp import (LINALG_DTYPES, lapack, _square_samples, check_float,
                            check_matrix, check_square, eye_like, real_of, tril)
from .meta import TensorSpec, broadcast_shapes
from .registry import OpDef, Sample, register


def _mat_samples(dt, shapes=((3, 3), (4, 3), (3, 5), (2, 4, 3))):
    return [Sample((S.array(s, dt, i),), name=str(s)) for i, s in enumerate(shapes)]


# ------------------------------------------------------------------------------ svd
def _svd_kernel(xp, a, full_matrices=True, compute_uv=True):
    if not compute_uv:
        s = xp.linalg.svd(a, compute_uv=False)
        return s.astype(real_of(D.from_numpy_dtype(a.dtype)).np, copy=False)
    if 0 in a.shape:
        return _empty_svd(a, full_matrices)
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u, s.astype(real_of(D.from_numpy_dtype(a.dtype)).np, copy=False), vh


def _empty_svd(a, full):
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    u = np.broadcast_to(np.eye(m, m if full else k, dtype=a.dtype), batch + (m, m if full else k))
    vh = np.broadcast_to(np.eye(n if full else k, n, dtype=a.dtype), batch + (n if full else k, n))
    return u.copy(), np.zeros(batch + (k,), dtype=a.real.dtype), vh.copy()


def _svd_meta(a, full_matrices=True, compute_uv=True):
    check_matrix("linalg.svd", a)
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = tuple(a.shape[:-2])
    s = a.with_(shape=batch + (k,), dtype=real_of(a.dtype))
    if not compute_uv:
        return s
    return (a.with_(shape=batch + (m, m if full_matrices else k)), s,
            a.with_(shape=batch + (n if full_matrices else k, n)))


def svd_backward(gU, gS, gVh, U, S, Vh):
    """Gradient of A = U diag(S) Vh (thin factors) for the given output gradients."""
    m, n = U.shape[-2], Vh.shape[-1]
    k = S.shape[-1]
    eye = eye_like(S, k)
    if gU is None and gVh is None:
        gA = unsq(gS, -1) * Vh if m >= n else None
        return U @ gA if m >= n else (U * unsq(gS, -2)) @ Vh
    S2 = S * S
    E = unsq(S2, -2) - unsq(S2, -1) + eye
    UhgU = VhgV = None
    if gU is not None:
        UhgU = mH(U) @ gU
        UhgU = UhgU - mH(UhgU)
    if gVh is not None:
        VhgV = Vh @ mH(gVh)
        VhgV = VhgV - mH(VhgV)
    if UhgU is not None and VhgV is not None:
        gA = (UhgU * unsq(S, -2) + unsq(S, -1) * VhgV) / E
    elif UhgU is not None:
        gA = UhgU * unsq(S, -2) / E
    else:
        gA = unsq(S, -1) * VhgV / E
    if gS is not None:
        gA = gA + unsq(gS, -1) * eye
    if U.dtype.is_complex and UhgU is not None:
        gA = gA + (UhgU * eye) / unsq(2 * S, -1)
    if m > n and gU is not None:
        gUS = gU / unsq(S, -2)
        gA = U @ gA + gUS - U @ (mH(U) @ gUS)
        return gA @ Vh
    if m < n and gVh is not None:
        SgVh = gVh / unsq(S, -1)
        gA = gA @ Vh + SgVh - (SgVh @ mH(Vh)) @ Vh
        return U @ gA
    return U @ gA @ Vh


def _svd_vjp(ctx, *grads):
    a_shape = ctx._input_meta[0][0]
    if not ctx.attrs.get("compute_uv", True):
        raise RuntimeError("linalg.svdvals: derivative goes through linalg.svd")
    gU, gS, gVh = grads
    U, S_, Vh = ctx.output
    k = S_.shape[-1]
    if ctx.attrs.get("full_matrices", True):
        m, n = a_shape[-2:]
        U, Vh = narrow(U, -1, 0, k), narrow(Vh, -2, 0, k)
        gU = narrow(gU, -1, 0, k) if gU is not None else None
        gVh = narrow(gVh, -2, 0, k) if gVh is not None else None
    return (svd_backward(gU, gS, gVh, U, S_, Vh),)


def _svd_grad_samples(dt):
    out = []
    for i, s in enumerate(((3, 3), (4, 3), (3, 5), (2, 4, 3))):
        a = S.array(s, dt, i + 40)
        # well separated singular values keep the finite differences stable
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        k = min(s[-2:])
        a = np.matmul(u * np.linspace(3.0, 1.0, k), vh).astype(dt.np)
        out.append(Sample((a,), {"full_matrices": False}, name=str(s)))
    out.append(Sample((S.array((0, 3), dt),), {"full_matrices": False}, grad=False))
    out.append(Sample((out[0].args[0],), {"full_matrices": True}, grad=False, name="full"))
    return out


svd = register(OpDef(
    name="linalg_svd", kernel=lapack(_svd_kernel), meta=_svd_meta, vjp=_svd_vjp,
    save_inputs=(), save_output=True, num_outputs=3, samples=_svd_grad_samples,
    dtypes=LINALG_DTYPES, grad_name="LinalgSvdBackward0", tags=frozenset({"grad_on_manifold"})))


def _svdvals_kernel(xp, a):
    if 0 in a.shape:
        return np.zeros(a.shape[:-2] + (min(a.shape[-2:]),), dtype=a.real.dtype)
    return xp.linalg.svd(a, compute_uv=False).astype(a.real.dtype, copy=False)


def _svdvals_vjp(ctx, g):
    a = ctx.inputs[0]
    U, S_, Vh = a._linalg_svd(False)
    return (svd_backward(None, g, None, U, S_, Vh),)


svdvals = register(OpDef(
    name="linalg_svdvals", kernel=lapack(_svdvals_kernel),
    meta=lambda a: _svd_meta(a, False, False), vjp=_svdvals_vjp, save_inputs=(0,),
    samples=lambda dt: [Sample(s.args, name=s.name) for s in _svd_grad_samples(dt)[:4]] + [
        Sample((S.array((0, 3), dt),), grad=False)],
    dtypes=LINALG_DTYPES, grad_name="LinalgSvdBackward0"))


# ------------------------------------------------------------------------------ qr
def _qr_kernel(xp, a, mode="reduced"):
    m, n = a.shape[-2:]
    if mode == "r":
        r = xp.linalg.qr(a, mode="r") if 0 not in a.shape else np.zeros(
            a.shape[:-2] + (min(m, n), n), a.dtype)
        return np.zeros((0,), a.dtype), r
    if 0 in a.shape:
        k = m if mode == "complete" else min(m, n)
        q = np.broadcast_to(np.eye(m, k, dtype=a.dtype), a.shape[:-2] + (m, k)).copy()
        return q, np.zeros(a.shape[:-2] + (k, n), a.dtype)
    q, r = xp.linalg.qr(a, mode=mode)
    return q, r


def _qr_meta(a, mode="reduced"):
    check_matrix("linalg.qr", a)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    m, n = a.shape[-2:]
    batch = tuple(a.shape[:-2])
    k = m if mode == "complete" else min(m, n)
    if mode == "r":
        return a.with_(shape=(0,)), a.with_(shape=batch + (min(m, n), n))
    return a.with_(shape=batch + (m, k)), a.with_(shape=batch + (k, n))


def _qr_vjp(ctx, gQ, gR):
    Q, R = ctx.output
    mode = ctx.attrs.get("mode", "reduced")
    m, n = ctx._input_meta[0][0][-2:]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                           "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                           "going to differentiate through linalg.qr.")
    if m < n or (mode == "complete" and m > n):
        raise NotImplementedError("The QR decomposition is not differentiable when "
                                  "mode='complete' and nrows > ncols, or ncols > nrows.")
    M = 0
    if gR is not None:
        M = R @ mH(gR)
    if gQ is not None:
        M = M - mH(gQ) @ Q
    low = tril(M, -1)
    M = low + mH(low) + M * eye_like(R, n)  # copy the lower triangle to the upper one
    b = Q @ M if gQ is None else gQ + Q @ M
    return (mH(R)._solve_triangular(b, upper=False, left=False),)


qr = register(OpDef(
    name="linalg_qr", kernel=lapack(_qr_kernel), meta=_qr_meta, vjp=_qr_vjp, save_inputs=(),
    save_output=True, num_outputs=2, dtypes=LINALG_DTYPES, grad_name="LinalgQrBackward0",
    samples=lambda dt: _mat_samples(dt, ((3, 3), (4, 3), (2, 4, 3))) + [
        Sample((S.array((3, 5), dt),), grad=False),
        Sample((S.array((4, 3), dt),), {"mode": "complete"}, grad=False),
        Sample((S.array((4, 3), dt),), {"mode": "r"}, grad=False)]))


# ------------------------------------------------------------------------------ triangular solve
def tri_solve(a, b, upper, left=True, unitriangular=False):
    """Solve A X = B (or X A = B) with A triangular, batched, via scipy."""
    import scipy.linalg
    if not left:
        a, b = np.conj(np.swapaxes(a, -1, -2)), np.conj(np.swapaxes(b, -1, -2))
        return np.conj(np.swapaxes(tri_solve(a, b, not upper, True, unitriangular), -1, -2))
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
    bb = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    out = np.empty(bb.shape, np.result_type(a, bb))
    for i in range(a.shape[0]):
        out[i] = scipy.linalg.solve_triangular(a[i], bb[i], lower=not upper,
                                               unit_diagonal=unitriangular, check_finite=False)
    return out.reshape(batch + b.shape[-2:])


def _st_kernel(xp, a, b, upper, left=True, unitriangular=False):
    return tri_solve(a, b, upper, left, unitriangular).astype(a.dtype, copy=False)


def _st_meta(a, b, upper, left=True, unitriangular=False):
    check_square("linalg.solve_triangular", a)
    check_float("linalg.solve_triangular", b)
    if b.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, "
                           f"but found A of type {sname(a.dtype)} and B of type "
                           f"{sname(b.dtype)} instead")
    if (b.shape[-2] if left else b.shape[-1]) != a.shape[-1]:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {'AX = B' if left else 'XA = B'} ({a.shape[-2]}x"
                           f"{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2], op="linalg.solve_triangular")
    return b.with_(shape=tuple(batch) + tuple(b.shape[-2:]))


def _st_vjp(ctx, g):
    a, _ = ctx.inputs
    x = ctx.output
    upper = ctx.attrs["upper"]
    left = ctx.attrs.get("left", True)
    unit = ctx.attrs.get("unitriangular", False)
    gb = mH(a)._solve_triangular(g, upper=not upper, left=left, unitriangular=unit)
    ga = None
    if ctx.needs_input_grad[0]:
        ga = -(gb @ mH(x)) if left else -(mH(x) @ gb)
        n = ga.shape[-1]
        keep = np.triu(np.ones((n, n)), 1 if unit else 0) if upper else \
            np.tril(np.ones((n, n)), -1 if unit else 0)
        ga = ga * ga.new_tensor(keep)
    return ga, gb


def _tri_samples(dt):
    a = _square_samples(dt)[0].args[0]
    a2 = _square_samples(dt)[1].args[0]
    b = S.array((3, 2), dt, 3)
    return [Sample((a, b), {"upper": True}), Sample((a, b), {"upper": False}),
            Sample((a, S.array((2, 3), dt, 4)), {"upper": True, "left": False}),
            Sample((a2, b), {"upper": False, "unitriangular": True})]


solve_triangular = register(OpDef(
    name="linalg_solve_triangular", kernel=lapack(_st_kernel), meta=_st_meta, vjp=_st_vjp,
    save_inputs=(0,), save_output=True, samples=_tri_samples, dtypes=LINALG_DTYPES,
    grad_name="LinalgSolveTriangularBackward0"))


# ------------------------------------------------------------------------------ LU
def _lu_factor_kernel(xp, a, pivot=True):
    import scipy.linalg
    flat = a.reshape((-1,) + a.shape[-2:])
    m, n = a.shape[-2:]
    k = min(m, n)
    lus, pivs, infos = [], [], []
    for mat in flat:
        p, l, u = scipy.linalg.lu(mat, check_finite=False)
        packed = np.zeros((m, n), a.dtype)
        packed[:, :k] += np.tril(l, -1)[:, :k]
        packed[:k, :] += u[:k, :]
        lus.append(packed)
        pivs.append(_perm_to_pivots(p, k))
        d = np.nonzero(np.diagonal(u) == 0)[0]
        infos.append(int(d[0]) + 1 if d.size else 0)
    batch = a.shape[:-2]
    return (np.array(lus, a.dtype).reshape(a.shape),
            np.array(pivs, np.int32).reshape(batch + (k,)),
            np.array(infos, np.int32).reshape(batch))


def _perm_to_pivots(p, k):
    """LAPACK's 1-based sequential row interchanges for permutation matrix p (A = P L U)."""
    order = list(np.argmax(p, axis=0))  # row of A in position i of P^T A
    cur = list(range(p.shape[0]))
    piv = []
    for i in range(k):
        j = cur.index(order[i])
        piv.append(j + 1)
        cur[i], cur[j] = cur[j], cur[i]
    return piv


def _lu_factor_meta(a, pivot=True):
    check_matrix("linalg.lu_factor", a)
    k = min(a.shape[-2:])
    return a, TensorSpec(tuple(a.shape[:-2]) + (k,), D.int32), TensorSpec(a.shape[:-2], D.int32)


def _lu_factor_vjp(ctx, gLU, gp=None, gi=None):
    LU = ctx.output[0]
    m, n = LU.shape[-2:]
    if m != n:
        raise NotImplementedError("linalg.lu_factor: derivative for non-square inputs")
    P, L, U = LU._lu_unpack(ctx.output[1])
    gL = tril(gLU, -1)
    gU = gLU - gL
    # A = P L U: gA = P L^{-H} (tril(L^H gL, -1) + triu(gU U^H)) U^{-H}
    inner = tril(mH(L) @ gL, -1) + (gU @ mH(U) - tril(gU @ mH(U), -1))
    x = mH(L)._solve_triangular(inner, upper=True, left=True, unitriangular=True)
    x = mH(U)._solve_triangular(x, upper=False, left=False)
    return (P @ x,)


lu_factor_ex = register(OpDef(
    name="linalg_lu_factor_ex", kernel=lapack(_lu_factor_kernel), meta=_lu_factor_meta,
    vjp=_lu_factor_vjp, save_inputs=(), save_output=True, num_outputs=3,
    nondiff_outputs=(1, 2), dtypes=(D.float32, D.float64),
    grad_name="LinalgLuFactorExBackward0",
    samples=lambda dt: _square_samples(dt)[:2] + [Sample((S.array((4, 3), dt),), grad=False)]))


def lu_unpack_arrays(LU, piv):
    m, n = LU.shape[-2:]
    k = min(m, n)
    L = np.tril(LU, -1)[..., :, :k] + np.eye(m, k, dtype=LU.dtype)
    U = np.triu(LU)[..., :k, :]
    batch = LU.shape[:-2]
    P = np.empty(batch + (m, m), LU.dtype)
    for idx in np.ndindex(*batch) if batch else [()]:
        perm = list(range(m))
        for i, p in enumerate(np.asarray(piv[idx]).ravel()[:k]):
            perm[i], perm[p - 1] = perm[p - 1], perm[i]
        P[idx] = np.eye(m, dtype=LU.dtype)[:, perm]
    return P, L, U


def _unpack_kernel(xp, LU, piv, unpack_data=True, unpack_pivots=True):
    return lu_unpack_arrays(LU, piv)


def _unpack_meta(LU, piv, unpack_data=True, unpack_pivots=True):
    m, n = LU.shape[-2:]
    k = min(m, n)
    b = tuple(LU.shape[:-2])
    return (LU.with_(shape=b + (m, m)), LU.with_(shape=b + (m, k)), LU.with_(shape=b + (k, n)))


def _unpack_vjp(ctx, gP, gL, gU):
    m, n = ctx._input_meta[0][0][-2:]
    if m != n:
        raise NotImplementedError("lu_unpack: derivative for non-square inputs")
    g = tril(gL, -1) if gL is not None else None
    if gU is not None:
        gu = gU - tril(gU, -1)
        g = gu if g is None else g + gu
    return (g, None)


lu_unpack = register(OpDef(
    name="lu_unpack", kernel=guarded(_unpack_kernel), meta=_unpack_meta, vjp=_unpack_vjp,
    save_inputs=(), num_outputs=3, dtypes=(D.float32, D.float64), grad_name="LuUnpackBackward0",
    samples=lambda dt: [Sample(tuple(_lu_factor_kernel(np, s.args[0])[:2]))
                        for s in _square_samples(dt)[:2]]))


from . import linalg_lstsq  # noqa: E402,F401 - lstsq, lu_solve, matrix_exp
