"""torch.linalg decompositions, inverses and solvers (re-exported by graphtorch.linalg), and
their legacy torch.* / Tensor forms (det, logdet, inverse, pinverse, svd, qr, lu, ...)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import return_types as RT
from ..eager.dispatch import call
from ..ops import registry as R
from ..ops.linalg import mH, mT, unsq
from ..ops.linalg_decomp import LinAlgError, not_pd_error, singular_inv_error
from ._bind import both, tensor_method, torch_function
from ._util import write_outs

_OPS = {n: R.get(n) for n in (
    "linalg_inv_ex", "linalg_det", "linalg_slogdet", "linalg_solve", "linalg_cholesky_ex",
    "linalg_eigh", "linalg_eig", "linalg_svd", "linalg_svdvals", "linalg_qr",
    "linalg_solve_triangular", "linalg_lu_factor_ex", "lu_unpack", "linalg_lstsq",
    "linalg_lu_solve", "linalg_matrix_exp")}

__all__ = ["LinAlgError"]


# ------------------------------------------------------------------------------ inverses
def inv_ex(A, *, check_errors=False, out=None):
    """Inverse of square matrices and a LAPACK-style info tensor (0: success)."""
    inv, info = call(_OPS["linalg_inv_ex"], A)
    if check_errors and info._data.any():
        raise singular_inv_error(A, info._data)
    return write_outs(RT.linalg_inv_ex((inv, info)), out)


def inv(A, *, out=None):
    """Inverse of a square matrix (or batch); LinAlgError if one is singular."""
    r, info = call(_OPS["linalg_inv_ex"], A)
    if info._data.any():
        raise singular_inv_error(A, info._data)
    return write_outs(r, out)


@both
def inverse(input, *, out=None):
    """Alias of torch.linalg.inv."""
    return inv(input, out=out)


def det(A, *, out=None):
    """Determinant of a square matrix (or batch)."""
    return write_outs(call(_OPS["linalg_det"], A), out)


def slogdet(A, *, out=None):
    """(sign, log|det|) of a square matrix (or batch)."""
    return write_outs(RT.linalg_slogdet(call(_OPS["linalg_slogdet"], A)), out)


torch_function(det, name="det")
tensor_method(det, name="det")


@both(name="slogdet")
def _slogdet_legacy(input):
    return RT.slogdet(call(_OPS["linalg_slogdet"], input))


@both
def logdet(input):
    """log(det(input)): nan for a negative determinant, -inf for a singular matrix."""
    sign, logabs = call(_OPS["linalg_slogdet"], input)
    if input.dtype.is_complex:
        return logabs + sign.log()
    bad = np.where(sign._data < 0, np.nan, 0.0)
    return logabs + logabs.new_tensor(bad) if bad.any() or np.isnan(bad).any() else logabs


def solve(A, B, *, left=True, out=None):
    """Solve A X = B (left) or X A = B; B may be a (batch of) vector(s)."""
    return write_outs(call(_OPS["linalg_solve"], A, B, **({} if left else {"left": False})), out)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """solve() that reports singular matrices in ``info`` (LAPACK getrf's 1-based index of
    the first zero pivot) instead of raising, unless ``check_errors``."""
    LU, piv, info = lu_factor_ex(A)
    if check_errors or not info._data.any():
        x = solve(A, B, left=left)  # raises for a singular matrix, as torch does
    else:
        # like torch, the solution of a singular system is whatever the LU solve gives
        # (inf / nan); batches stay aligned with their info entries
        x = lu_solve(LU, piv, B if B.ndim != A.ndim - 1 or not left else B.unsqueeze(-1),
                     left=left)
        if left and B.ndim == A.ndim - 1:
            x = x.squeeze(-1)
    return write_outs(RT.linalg_solve_ex((x, info)), out)


@tensor_method(name="_linalg_solve")
def _solve_method(self, B, left=True):
    return call(_OPS["linalg_solve"], self, B, left=left)


# ------------------------------------------------------------------------------ cholesky
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    L, info = call(_OPS["linalg_cholesky_ex"], A, upper=upper)
    if check_errors and info._data.any():
        raise not_pd_error(A.shape, info._data)
    return write_outs(RT.linalg_cholesky_ex((L, info)), out)


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor L (A = L L^H), or U = L^H with ``upper``; reads the lower triangle."""
    L, info = call(_OPS["linalg_cholesky_ex"], A, upper=upper)
    if info._data.any():
        raise not_pd_error(A.shape, info._data)
    return write_outs(L, out)


@both(name="cholesky")
def _cholesky_legacy(input, upper=False, *, out=None):
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.", UserWarning, stacklevel=2)
    return cholesky(input, upper=upper, out=out)


@both
def cholesky_solve(input, input2, upper=False, *, out=None):
    """Solve A X = input given the Cholesky factor ``input2`` of A."""
    st = _OPS["linalg_solve_triangular"]
    Lh = mH(input2)
    if upper:
        y = call(st, Lh, input, upper=False)
        return write_outs(call(st, input2, y, upper=True), out)
    y = call(st, input2, input, upper=False)
    return write_outs(call(st, Lh, y, upper=True), out)


@both
def cholesky_inverse(input, upper=False, *, out=None):
    """Inverse of A from its Cholesky factor."""
    eye = input.new_tensor(np.broadcast_to(np.eye(input.shape[-1]), tuple(input.shape)).copy())
    return write_outs(cholesky_solve(eye, input, upper), out)


# ------------------------------------------------------------------------------ triangular
def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Solve a triangular system A X = B (or X A = B)."""
    return write_outs(call(_OPS["linalg_solve_triangular"], A, B, upper=upper, left=left,
                     unitriangular=unitriangular), out)


@tensor_method(name="_solve_triangular")
def _st_method(self, B, upper, left=True, unitriangular=False):
    return call(_OPS["linalg_solve_triangular"], self, B, upper=upper, left=left,
                unitriangular=unitriangular)


@both
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """(solution of op(A) X = input, clone of A) with op(A) = A or A^T."""
    a = mT(A) if transpose else A
    x = call(_OPS["linalg_solve_triangular"], a, input, upper=upper != transpose,
             unitriangular=unitriangular)
    return write_outs(RT.triangular_solve((x, A.clone())), out)


# ------------------------------------------------------------------------------ eigen
def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix."""
    return write_outs(RT.linalg_eigh(call(_OPS["linalg_eigh"], A, UPLO=UPLO)), out)


def eigvalsh(A, UPLO="L", *, out=None):
    return write_outs(call(_OPS["linalg_eigh"], A, UPLO=UPLO)[0], out)


def eig(A, *, out=None):
    """Complex eigenvalues and eigenvectors of a square matrix."""
    return write_outs(RT.linalg_eig(call(_OPS["linalg_eig"], A)), out)


def eigvals(A, *, out=None):
    return write_outs(call(_OPS["linalg_eig"], A)[0], out)


# ------------------------------------------------------------------------------ svd / qr
def svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh; reduced factors when ``full_matrices`` is False."""
    return write_outs(RT.linalg_svd(call(_OPS["linalg_svd"], A, full_matrices=full_matrices)), out)


@tensor_method(name="_linalg_svd")
def _svd_method(self, full_matrices=True):
    return call(_OPS["linalg_svd"], self, full_matrices=full_matrices)


def svdvals(A, *, driver=None, out=None):
    """Singular values, descending."""
    return write_outs(call(_OPS["linalg_svdvals"], A), out)


@both(name="svd")
def _svd_legacy(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V (not Vh); zero U, V when ``compute_uv`` is False."""
    U, S, Vh = call(_OPS["linalg_svd"], input, full_matrices=not some)
    V = mH(Vh)
    if not compute_uv:
        U, V = U.detach() * 0, V.detach() * 0
    return write_outs(RT.svd((U, S, V)), out)


def qr(A, mode="reduced", *, out=None):
    """QR decomposition; ``mode`` 'reduced', 'complete' or 'r' (Q empty)."""
    return write_outs(RT.linalg_qr(call(_OPS["linalg_qr"], A, mode=mode)), out)


@both(name="qr")
def _qr_legacy(input, some=True, *, out=None):
    return write_outs(RT.qr(call(_OPS["linalg_qr"], input, mode="reduced" if some else "complete")),
                out)


# ------------------------------------------------------------------------------ LU
def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    LU, piv, info = call(_OPS["linalg_lu_factor_ex"], A)
    if check_errors and info._data.any():
        raise LinAlgError("torch.linalg.lu_factor_ex: U[{0},{0}] is zero and using it on "
                          "lu_solve would result in a division by zero.".format(
                              int(info._data.max())))
    return write_outs(RT.linalg_lu_factor_ex((LU, piv, info)), out)


def lu_factor(A, *, pivot=True, out=None):
    """Packed LU factorization with partial pivoting: (LU, pivots) (1-based, LAPACK)."""
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    LU, piv, info = call(_OPS["linalg_lu_factor_ex"], A)
    if info._data.any():
        k = int(np.asarray(info._data).ravel()[np.flatnonzero(info._data)[0]])
        raise LinAlgError(f"torch.linalg.lu_factor: U[{k},{k}] is zero and using it on lu_solve "
                          "would result in a division by zero. If you still want to perform the "
                          "factorization, consider calling linalg.lu(A, pivot) or "
                          "linalg.lu_factor_ex(A, pivot)")
    return write_outs(RT.linalg_lu_factor((LU, piv)), out)


def lu(A, *, pivot=True, out=None):
    """A = P L U with P a permutation, L unit lower and U upper triangular."""
    LU, piv, _ = call(_OPS["linalg_lu_factor_ex"], A)
    return write_outs(RT.linalg_lu(call(_OPS["lu_unpack"], LU, piv)), out)


@torch_function
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """(P, L, U) from a packed LU factorization."""
    return write_outs(RT.lu_unpack(call(_OPS["lu_unpack"], LU_data, LU_pivots)), out)


@tensor_method(name="_lu_unpack")
def _lu_unpack_method(self, pivots):
    return call(_OPS["lu_unpack"], self, pivots)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """Solve A X = B from the packed LU factorization of A."""
    return write_outs(call(_OPS["linalg_lu_solve"], LU, pivots, B, left=left, adjoint=adjoint), out)


@tensor_method(name="_lu_solve")
def _lu_solve_method(self, pivots, B, left=True, adjoint=False):
    return call(_OPS["linalg_lu_solve"], self, pivots, B, left=left, adjoint=adjoint)


@both(name="lu_solve")
def _lu_solve_legacy(input, LU_data, LU_pivots, *, out=None):
    return lu_solve(LU_data, LU_pivots, input, out=out)


@torch_function(name="lu")
def _lu_legacy(A, pivot=True, get_infos=False, out=None):
    """torch.lu: (LU, pivots) or (LU, pivots, infos) with ``get_infos``."""
    LU, piv, info = call(_OPS["linalg_lu_factor_ex"], A)
    if not get_infos and info._data.any():
        raise LinAlgError("torch.lu: U is singular")
    return (LU, piv, info) if get_infos else (LU, piv)


tensor_method(_lu_legacy, name="lu")


# ------------------------------------------------------------------------------ lstsq / exp
def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B: (solution, residuals, rank, singular_values)."""
    return RT.linalg_lstsq(call(_OPS["linalg_lstsq"], A, B, rcond=rcond, driver=driver))


def matrix_exp(A):
    """Matrix exponential of a square matrix (or batch)."""
    return call(_OPS["linalg_matrix_exp"], A)


torch_function(matrix_exp, name="matrix_exp")
tensor_method(matrix_exp, name="matrix_exp")
tensor_method(matrix_exp, name="_matrix_exp")


# ------------------------------------------------------------------------------ pinv / rank
def _threshold(S, atol, rtol, m, n):
    smax = S._data.max(axis=-1, keepdims=True, initial=0.0) if S._data.size else S._data
    if atol is None and rtol is None:
        rtol = max(m, n) * np.finfo(S._data.dtype).eps
    a = 0.0 if atol is None else (atol._data if hasattr(atol, "_data") else atol)
    r = 0.0 if rtol is None else (rtol._data if hasattr(rtol, "_data") else rtol)
    if atol is not None and rtol is None:
        r = 0.0
    return np.maximum(np.asarray(a)[..., None] if np.ndim(a) else a,
                      (np.asarray(r)[..., None] if np.ndim(r) else r) * smax)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse, singular values below max(atol, rtol * s_max) dropped."""
    m, n = A.shape[-2:]
    if hermitian:
        w, V = call(_OPS["linalg_eigh"], A)
        keep = (np.abs(w._data) > _threshold(w.abs(), atol, rtol, m, n)).astype(w._data.dtype)
        safe = w + w.new_tensor(1 - keep)
        r = (V * unsq(w.new_tensor(keep) / safe, -2)) @ _mh(V)
        return write_outs(r, out)
    U, S, Vh = call(_OPS["linalg_svd"], A, full_matrices=False)
    keep = (S._data > _threshold(S, atol, rtol, m, n)).astype(S._data.dtype)
    sinv = S.new_tensor(keep) / (S + S.new_tensor(1 - keep))
    return write_outs((_mh(Vh) * unsq(sinv, -2)) @ _mh(U), out)


def _mh(t):
    return mH(t)


@both
def pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Number of singular values above max(atol, rtol * s_max)."""
    import graphtorch as gt
    m, n = A.shape[-2:]
    if hermitian:
        S = call(_OPS["linalg_eigh"], A)[0].abs()
    else:
        S = call(_OPS["linalg_svdvals"], A)
    thr = _threshold(S, atol, rtol, m, n)
    return write_outs(gt.tensor((S._data > thr).sum(-1).astype(np.int64)), out)


def cond(A, p=None, *, out=None):
    """Condition number in the ``p`` norm (2 by default, via singular values)."""
    from .. import linalg
    if p in (None, 2, -2):
        S = call(_OPS["linalg_svdvals"], A)
        big, small = S.amax(-1), S.amin(-1)
        return write_outs(big / small if p != -2 else small / big, out)
    return write_outs(linalg.matrix_norm(A, p) * linalg.matrix_norm(inv(A), p), out)


def _inf(p):
    return isinstance(p, float) and math.isinf(p)
