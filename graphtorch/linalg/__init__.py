"""torch.linalg: norms, products, decompositions, inverses and solvers."""
from __future__ import annotations

import math

from ..api.linalg import linalg_cross as cross
from ..api.linalg import matmul, matrix_power, multi_dot
from ..api.linalg_decomp import (LinAlgError, cholesky, cholesky_ex, cond, det, eig, eigh,
                                 eigvals, eigvalsh, inv, inv_ex, lstsq, lu, lu_factor,
                                 lu_factor_ex, lu_solve, matrix_exp, matrix_rank, pinv, qr,
                                 slogdet, solve, solve_ex, solve_triangular, svd, svdvals)
from ..api._util import write_out
from ._extra import householder_product, tensorinv, tensorsolve, vander
from ..api.linalg_lapack import ldl_factor, ldl_factor_ex, ldl_solve
from ..eager.dispatch import call
from ..ops import registry as R
from ..ops.linalg import sq, unsq
from ..ops.linalg_einsum import LETTERS

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "eig", "eigh",
           "eigvals", "eigvalsh", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex",
           "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank",
           "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
           "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm", "diagonal",
           "householder_product", "tensorinv", "tensorsolve", "vander", "ldl_factor",
           "ldl_factor_ex", "ldl_solve"]

_norm_op = R.get("norm")


def _out(r, out):
    return r if out is None else write_out(r, out)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The ``ord``-norm of ``x`` as a vector over ``dim`` (all dims by default)."""
    if isinstance(dim, int):
        dim = (dim,)
    attrs = {"p": float(ord)}
    if dim is not None:
        attrs["dim"] = tuple(dim)
    if keepdim:
        attrs["keepdim"] = True
    if dtype is not None:
        attrs["dtype"] = dtype
    return _out(call(_norm_op, x, **attrs), out)


def _check_matrix_norm(A, ord, dim):
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions.")
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor "
                           f"as input. Got {A.dtype.name.capitalize()}")
    if ord not in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if len(dim) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(map(str, dim)))


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm: 'fro', 'nuc', +-1 (max column sum), +-inf (max row sum), +-2 (singular)."""
    dim = tuple(dim)
    _check_matrix_norm(A, ord, dim)
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return _out(vector_norm(A, 2, dim, keepdim), out)
    nd = A.ndim
    d0, d1 = dim[0] % nd, dim[1] % nd
    if d0 == d1:
        raise RuntimeError("linalg.matrix_norm: dims must be different. Got ({}, {})".format(*dim))
    if ord in ("nuc", 2, -2):
        M = A if (d0, d1) == (nd - 2, nd - 1) else _to_end(A, d0, d1)
        S = call(R.get("linalg_svdvals"), M)
        r = S.sum(-1) if ord == "nuc" else S.amax(-1) if ord == 2 else S.amin(-1)
        if keepdim:
            r = unsq(unsq(r, min(d0, d1)), max(d0, d1))
        return _out(r, out)
    red, pick = (d0, d1) if ord in (1, -1) else (d1, d0)
    s = A.abs().sum(red, keepdim=True)
    r = s.amax(pick, keepdim=True) if ord > 0 else s.amin(pick, keepdim=True)
    if not keepdim:
        r = sq(sq(r, max(d0, d1)), min(d0, d1))
    return _out(r, out)


def _to_end(A, d0, d1):
    src = LETTERS[:A.ndim]
    rest = "".join(c for i, c in enumerate(src) if i not in (d0, d1))
    return A._einsum(f"{src}->{rest}{src[d0]}{src[d1]}")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """Vector norm for 1-D (or an int ``dim``), matrix norm for 2-D (or a 2-tuple ``dim``)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype,
                               out=out)
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    if A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)


def vecdot(x, y, *, dim=-1, out=None):
    """Dot product of vectors along ``dim`` (conjugating ``x``), with broadcasting."""
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {x.dtype.name.capitalize()} and y of type "
                           f"{y.dtype.name.capitalize()} instead.")
    xc = x.conj() if x.dtype.is_complex else x
    return _out((xc * y).sum(dim), out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of a batch of matrices (a view)."""
    return A.diagonal(offset=offset, dim1=dim1, dim2=dim2)
