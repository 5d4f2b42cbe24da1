"""LAPACK-format factorizations: torch.geqrf / orgqr / ormqr and torch.linalg.ldl_factor(_ex) /
ldl_solve (exported by graphtorch.linalg)."""
from __future__ import annotations

from .. import return_types as RT
from ..eager.dispatch import call
from ..ops import registry as R
from ..ops.linalg import sname
from ._bind import both
from ._util import write_outs

_geqrf = R.get("geqrf")
_ldl = R.get("linalg_ldl_factor_ex")
_ldl_solve = R.get("linalg_ldl_solve")


@both
def geqrf(input, *, out=None):
    """QR factorization in LAPACK's packed form: ``a`` holds R on and above the diagonal and
    the Householder vectors below it, ``tau`` their scale factors (use with orgqr / ormqr)."""
    return write_outs(RT.geqrf(call(_geqrf, input)), out)


@both
def orgqr(input, input2, *, out=None):
    """Alias of :func:`torch.linalg.householder_product` (the Q of a geqrf factorization)."""
    from ..linalg._extra import householder_product
    return householder_product(input, input2, out=out)


def _check_ormqr(A, tau, C, left):
    if A.ndim < 2:
        raise RuntimeError("torch.ormqr: input must have at least 2 dimensions.")
    if C.ndim < 2:
        raise RuntimeError("torch.ormqr: other must have at least 2 dimensions.")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f"torch.ormqr: Expected tau to have one dimension less than input, "
                           f"but got tau.ndim equal to {tau.ndim} and input.ndim is equal to "
                           f"{A.ndim}")
    if C.ndim != A.ndim:
        raise RuntimeError(f"torch.ormqr: Expected other to have the same number of dimensions "
                           f"as input, but got other.ndim equal to {C.ndim} and input.ndim is "
                           f"equal to {A.ndim}")
    side = -2 if left else -1
    if C.shape[side] != A.shape[-2]:
        raise RuntimeError(f"torch.ormqr: other.shape[{side}] must be equal to "
                           "input.shape[-2]")
    if tau.shape[-1] != min(C.shape[side], A.shape[-1]):
        raise RuntimeError(f"torch.ormqr: tau.shape[-1] must be equal to "
                           f"min(other.shape[{side}], input.shape[-1])")
    for t, what in ((tau, "tau"), (C, "other")):
        if t.dtype is not A.dtype:
            raise RuntimeError(f"torch.ormqr: Expected input and {what} to have the same dtype, "
                               f"but input has dtype{sname(A.dtype)} and {what} has dtype "
                               f"{sname(t.dtype)}")


@both
def ormqr(input, input2, input3, left=True, transpose=False, *, out=None):
    """Multiply ``input3`` by the Q of a geqrf factorization (``input``, ``input2`` = tau):
    ``Q @ C`` (``left``) or ``C @ Q``, with Q conjugate-transposed when ``transpose``."""
    from ..api.creation import zeros
    from ..api.shape_join import cat
    from ..linalg._extra import householder_product
    A, tau, C = input, input2, input3
    _check_ormqr(A, tau, C, left)
    m, k = A.shape[-2], A.shape[-1]
    A = A[..., :min(m, k)]
    if A.shape[-1] < m:
        # zero columns beyond tau's reflectors leave Q unchanged: Q comes out m x m
        pad = zeros(tuple(A.shape[:-1]) + (m - A.shape[-1],), dtype=A.dtype)
        A = cat([A, pad], -1)
    Q = householder_product(A, tau)
    if transpose:
        Q = Q.mH
    return write_outs(Q @ C if left else C @ Q, out)


def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """LDL^T (LDL^H if ``hermitian``) Bunch-Kaufman factorization of symmetric matrices in
    LAPACK's compact form, with the ``info`` error codes (torch.linalg.ldl_factor_ex)."""
    r = RT.linalg_ldl_factor_ex(call(_ldl, A, hermitian=hermitian) if hermitian else
                                call(_ldl, A))
    if check_errors and r.info._data.any():
        raise RuntimeError(f"torch.linalg.ldl_factor_ex: Unknown error code: "
                           f"{int(r.info._data.max())}.")
    return write_outs(r, out)


def ldl_factor(A, *, hermitian=False, out=None):
    """LDL^T (LDL^H if ``hermitian``) factorization: (LD, pivots) as LAPACK's ?sytrf gives
    them (torch.linalg.ldl_factor)."""
    LD, piv, info = ldl_factor_ex(A, hermitian=hermitian)
    if info._data.any():
        # torch reports a singular D through an internal assert (a RuntimeError)
        raise RuntimeError(f"torch.linalg.ldl_factor: Unknown error code: "
                           f"{int(info._data.max())}.")
    return write_outs(RT.linalg_ldl_factor((LD, piv)), out)


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """Solve ``A X = B`` from the ldl_factor output of A (torch.linalg.ldl_solve)."""
    r = call(_ldl_solve, LD, pivots, B, hermitian=hermitian) if hermitian else \
        call(_ldl_solve, LD, pivots, B)
    return write_outs(r, out)
