"""Matrix decompositions and inverses: inv_ex, det, slogdet, solve, cholesky_ex, eigh, eig,
svd and qr, batched over leading dims, with torch's errors and derivative formulas.

The kernels call numpy.linalg (LAPACK); a failing factorization is located afterwards (batch
element, pivot / minor) only on the error path, so the common path costs one LAPACK call."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .linalg import KernelFail, cj, guarded, mH, sname, sq, unsq
from .meta import TensorSpec
from .registry import OpDef, Sample, register

LINALG_DTYPES = (D.float32, D.float64, D.complex64, D.complex128)
MANIFOLD = frozenset({"grad_on_manifold"})  # gradient defined for symmetric inputs only


class LinAlgError(RuntimeError):
    """Error of a linear algebra routine (torch.linalg.LinAlgError), a RuntimeError."""

    _graphtorch = True


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"  # torch's class is _C._LinAlgError
_LinAlgError = LinAlgError  # so that pickle finds the class by its __qualname__


def lapack(fn):
    """guarded() kernel that also rejects non-float inputs (numpy would accept them) so that
    meta words torch's error."""
    inner = guarded(fn)

    def kernel(xp, *args, **attrs):
        for a in args:
            if hasattr(a, "dtype") and (a.dtype.kind not in "fc" or a.dtype.itemsize == 2):
                raise KernelFail("dtype")
        return inner(xp, *args, **attrs)
    return kernel


# ------------------------------------------------------------------------------ shared checks
def check_float(name, *specs):
    for a in specs:
        if a.dtype.category < D._FLOAT:
            raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                               f"Got {sname(a.dtype)}")
        if a.dtype in (D.float16, D.bfloat16):
            raise RuntimeError(f"{name}: Low precision dtypes not supported. Got "
                               f"{sname(a.dtype)}")


def check_square(name, a, arg="A"):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    check_float(name, a)


def check_matrix(name, a, arg="A"):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    check_float(name, a)


def real_of(dt):
    return dt.to_real() if dt.is_complex else dt


def eye_like(t, n):
    return t.new_tensor(np.eye(n))


def tril(t, k=0):
    """Lower triangle through a constant mask (differentiable with mul only)."""
    n, m = t.shape[-2], t.shape[-1]
    return t * t.new_tensor(np.tril(np.ones((n, m)), k))


def batch_prefix(shape, index) -> str:
    if len(shape) <= 2:
        return ""
    return f"(Batch element {int(np.ravel_multi_index(index, shape[:-2]))}): "


def _square_samples(dt, shapes=((3, 3), (2, 3, 3), (1, 1), (0, 2, 2)), spd=False, seed=0):
    out = []
    for i, s in enumerate(shapes):
        a = S.array(s, dt, seed + i)
        n = s[-1]
        a = a + 3 * np.eye(n, dtype=a.dtype)  # well conditioned
        if spd:
            a = np.matmul(a, np.conj(np.swapaxes(a, -1, -2))) + np.eye(n, dtype=a.dtype)
        out.append(Sample((a.astype(dt.np),), name=f"{s}"))
    return out


# ------------------------------------------------------------------------------ inv
def _zero_pivot(a):
    """1-based index of the first zero pivot of the LU factorization of ``a`` (0 if none)."""
    import warnings

    import scipy.linalg
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lu, _ = scipy.linalg.lu_factor(a, check_finite=False)
    d = np.nonzero(np.diagonal(lu) == 0)[0]
    return int(d[0]) + 1 if d.size else 0


def _need_square(a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise KernelFail("not square")


def _inv_kernel(xp, a):
    _need_square(a)
    try:
        return xp.linalg.inv(a), xp.zeros(a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        pass
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.array([_zero_pivot(m) for m in flat], dtype=np.int32)
    inv = np.stack([np.linalg.pinv(m) if k else np.linalg.inv(m) for m, k in zip(flat, info)])
    return inv.reshape(a.shape), info.reshape(a.shape[:-2])


def _inv_meta(a):
    check_square("linalg.inv", a)
    return a, TensorSpec(a.shape[:-2], D.int32)


def _inv_vjp(ctx, g, ginfo=None):
    if g is None:
        return (None,)
    x = ctx.output[0]
    return (-(mH(x) @ g @ mH(x)),)


inv_ex = register(OpDef(
    name="linalg_inv_ex", kernel=lapack(_inv_kernel), meta=_inv_meta, vjp=_inv_vjp,
    save_inputs=(), save_output=True, num_outputs=2, nondiff_outputs=(1,),
    samples=_square_samples, dtypes=LINALG_DTYPES, grad_name="LinalgInvExBackward0"))


def singular_inv_error(a, info, name="linalg.inv"):
    """The LinAlgError torch raises for the first singular matrix of a batch."""
    idx = tuple(np.argwhere(np.asarray(info) != 0)[0]) if np.ndim(info) else ()
    k = int(np.asarray(info)[idx]) if idx or np.ndim(info) == 0 else 0
    return LinAlgError(f"{name}: {batch_prefix(a.shape, idx)}The diagonal element {k} is zero, "
                       "the inversion could not be completed because the input matrix is "
                       "singular.")


# ------------------------------------------------------------------------------ det / slogdet
def _det_meta(a):
    check_square("linalg.det", a)
    return a.with_(shape=a.shape[:-2])


def _det_vjp(ctx, g):
    a = ctx.inputs[0]
    det = ctx.output
    return (unsq(unsq(g * cj(det), -1), -1) * mH(a.inverse()),)


det = register(OpDef(
    name="linalg_det", kernel=lapack(lambda xp, a: xp.asarray(xp.linalg.det(a))),
    meta=_det_meta, vjp=_det_vjp, save_inputs=(0,), save_output=True,
    samples=_square_samples, dtypes=LINALG_DTYPES, grad_name="LinalgDetBackward0"))


def _slogdet_kernel(xp, a):
    sign, logabs = xp.linalg.slogdet(a)
    return xp.asarray(sign).astype(a.dtype), xp.asarray(logabs).astype(real_of(
        D.from_numpy_dtype(a.dtype)).np)


def _slogdet_meta(a):
    check_square("linalg.slogdet", a)
    return a.with_(shape=a.shape[:-2]), a.with_(shape=a.shape[:-2], dtype=real_of(a.dtype))


def _slogdet_vjp(ctx, gsign, glog):
    if glog is None:
        return (None,)
    a = ctx.inputs[0]
    return (unsq(unsq(glog, -1), -1) * mH(a.inverse()),)


slogdet = register(OpDef(
    name="linalg_slogdet", kernel=lapack(_slogdet_kernel), meta=_slogdet_meta,
    vjp=_slogdet_vjp, save_inputs=(0,), num_outputs=2, nondiff_outputs=(0,),
    samples=_square_samples, dtypes=(D.float32, D.float64), grad_name="LinalgSlogdetBackward0"))


# ------------------------------------------------------------------------------ solve
def vector_rhs(a, b) -> bool:
    """torch.linalg.solve treats B as a (batch of) vector(s) when it has one dim less than A
    and matches A's batch shape."""
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))


def _solve_meta(a, b, left=True):
    check_square("linalg.solve", a)
    check_float("linalg.solve", b)
    if a.dtype is not b.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {sname(a.dtype)} and B of type {sname(b.dtype)} instead")
    vec = vector_rhs(a, b)
    bm = b.shape + (1,) if vec else b.shape
    if b.ndim == 0 or (bm[-2] if left else bm[-1]) != a.shape[-1]:
        bs = "x".join(map(str, bm[-2:])) if len(bm) >= 2 else str(bm[-1] if bm else 0)
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({a.shape[-2]}x{a.shape[-1]} and "
                           f"{bs})")
    from .meta import broadcast_shapes
    batch = broadcast_shapes(a.shape[:-2], bm[:-2], op="linalg.solve")
    return b.with_(shape=tuple(batch) + (tuple(bm[-2:-1]) if vec else tuple(bm[-2:])))


def _solve_kernel(xp, a, b, left=True):
    _need_square(a)
    vec = vector_rhs(a, b)
    if vec:
        b = b[..., None]
    if not left:
        a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
    try:
        x = xp.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        flat = a.reshape((-1,) + a.shape[-2:])
        bad = next(i for i, m in enumerate(flat) if _zero_pivot(m))
        pre = f"(Batch element {bad}): " if a.ndim > 2 else ""
        raise LinAlgError(f"torch.linalg.solve: {pre}The solver failed because the input "
                          "matrix is singular.") from None
    if not left:
        x = np.swapaxes(x, -1, -2)
    return x[..., 0] if vec else x


def _solve_vjp(ctx, g):
    a, b = ctx.inputs
    x = ctx.output
    left = ctx.attrs.get("left", True)
    vec = vector_rhs(a, b)
    if vec:
        g, x = unsq(g, -1), unsq(x, -1)
    gb = mH(a)._linalg_solve(g, left=left)
    ga = None
    if ctx.needs_input_grad[0]:
        ga = -(gb @ mH(x)) if left else -(mH(x) @ gb)
    if vec:
        gb = sq(gb, -1)
    return ga, gb


solve = register(OpDef(
    name="linalg_solve", kernel=lapack(_solve_kernel), meta=_solve_meta, vjp=_solve_vjp,
    save_inputs=(0, 1), save_output=True, dtypes=LINALG_DTYPES,
    grad_name="LinalgSolveExBackward0",
    samples=lambda dt: [Sample(_square_samples(dt)[0].args + (S.array((3, 2), dt, 5),)),
                        Sample(_square_samples(dt)[0].args + (S.array((3,), dt, 5),)),
                        Sample(_square_samples(dt)[1].args + (S.array((2, 3), dt, 5),)),
                        Sample(_square_samples(dt)[0].args + (S.array((2, 3), dt, 5),),
                               {"left": False}),
                        Sample(_square_samples(dt)[1].args + (S.array((3, 1), dt, 5),))]))


# ------------------------------------------------------------------------------ cholesky
def _cholesky_kernel(xp, a, upper=False):
    _need_square(a)
    try:
        L = xp.linalg.cholesky(a)
        info = xp.zeros(a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        flat = a.reshape((-1,) + a.shape[-2:])
        info = np.array([_not_pd_order(m) for m in flat], dtype=np.int32).reshape(a.shape[:-2])
        L = np.stack([np.linalg.cholesky(m) if not k else np.full_like(m, np.nan)
                      for m, k in zip(flat, info.ravel())]).reshape(a.shape)
    L = np.tril(L)
    return (np.conj(np.swapaxes(L, -1, -2)).copy() if upper else L), info


def _not_pd_order(m):
    for k in range(1, m.shape[0] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def _cholesky_meta(a, upper=False):
    check_square("linalg.cholesky", a)
    return a, TensorSpec(a.shape[:-2], D.int32)


def _cholesky_vjp(ctx, gL, ginfo=None):
    if gL is None:
        return (None,)
    upper = ctx.attrs.get("upper", False)
    L = ctx.output[0]
    if upper:
        L, gL = mH(L), mH(gL)
    gA = tril(mH(L) @ gL)
    gA = 0.5 * (gA + mH(tril(gA, -1)))
    gA = mH(L)._solve_triangular(gA, upper=True, left=True)
    return (L._solve_triangular(gA, upper=False, left=False),)


cholesky_ex = register(OpDef(
    name="linalg_cholesky_ex", kernel=lapack(_cholesky_kernel), meta=_cholesky_meta,
    vjp=_cholesky_vjp, save_inputs=(), save_output=True, num_outputs=2, nondiff_outputs=(1,),
    samples=lambda dt: _square_samples(dt, spd=True) + [
        Sample(_square_samples(dt, spd=True)[0].args, {"upper": True})],
    dtypes=LINALG_DTYPES, grad_name="LinalgCholeskyExBackward0", tags=MANIFOLD))


def not_pd_error(shape, info):
    info = np.asarray(info)
    idx = tuple(np.argwhere(info != 0)[0]) if info.ndim else ()
    k = int(info[idx])
    return LinAlgError(f"linalg.cholesky: {batch_prefix(shape, idx)}The factorization could "
                       "not be completed because the input is not positive-definite (the "
                       f"leading minor of order {k} is not positive-definite).")


# ------------------------------------------------------------------------------ eigh / eig
def _eigh_kernel(xp, a, UPLO="L"):
    w, v = xp.linalg.eigh(a, UPLO=UPLO)
    return w.astype(real_of(D.from_numpy_dtype(a.dtype)).np, copy=False), v


def _eigh_meta(a, UPLO="L"):
    check_square("linalg.eigh", a)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return a.with_(shape=a.shape[:-1], dtype=real_of(a.dtype)), a


def _eigh_vjp(ctx, gw, gV):
    w, V = ctx.output
    n = V.shape[-1]
    if gV is None:
        return ((V * unsq(gw, -2)) @ mH(V),)
    E = unsq(w, -2) - unsq(w, -1) + eye_like(w, n)
    inner = mH(V) @ gV
    inner = 0.5 * (inner - mH(inner))
    offdiag = 1 - eye_like(w, n)
    gA = inner * offdiag / E
    if gw is not None:
        gA = gA + unsq(gw, -1) * eye_like(w, n)
    return (V @ gA @ mH(V),)


eigh = register(OpDef(
    name="linalg_eigh", kernel=lapack(_eigh_kernel), meta=_eigh_meta, vjp=_eigh_vjp,
    save_inputs=(), save_output=True, num_outputs=2,
    samples=lambda dt: _square_samples(dt, spd=True) + [
        Sample(_square_samples(dt, spd=True)[0].args, {"UPLO": "U"})],
    dtypes=LINALG_DTYPES, grad_name="LinalgEighBackward0", tags=MANIFOLD))


def _eig_kernel(xp, a):
    w, v = xp.linalg.eig(a)
    c = D.from_numpy_dtype(a.dtype).to_complex().np
    return w.astype(c, copy=False), v.astype(c, copy=False)


def _eig_meta(a):
    check_square("linalg.eig", a)
    c = a.dtype.to_complex()
    return a.with_(shape=a.shape[:-1], dtype=c), a.with_(dtype=c)


def _eig_vjp(ctx, gw, gV):
    w, V = ctx.output
    n = V.shape[-1]
    eye = eye_like(w, n)
    if gV is None:
        gA = unsq(gw, -1) * eye
    else:
        Econj = unsq(cj(w), -2) - unsq(cj(w), -1) + eye
        VhgV = mH(V) @ gV
        VhgV = VhgV - mH(V) @ (V * unsq((VhgV * eye).sum(-2).real, -2))
        gA = VhgV * (1 - eye) / Econj
        if gw is not None:
            gA = gA + unsq(gw, -1) * eye
    gA = mH(V)._linalg_solve(gA @ mH(V))
    return (gA if ctx._input_meta[0][1].is_complex else gA.real,)


eig = register(OpDef(
    name="linalg_eig", kernel=lapack(_eig_kernel), meta=_eig_meta, vjp=_eig_vjp,
    save_inputs=(), save_output=True, num_outputs=2,
    samples=_square_samples, dtypes=LINALG_DTYPES, grad_name="LinalgEigBackward0",
    tags=MANIFOLD))  # eigenvectors have a free phase: only gauge-invariant losses have grads


from . import linalg_svd  # noqa: E402,F401 - svd, qr and the solvers live beside this file
