"""torch.linalg composites: vander, householder_product, tensorsolve, tensorinv (built from
differentiable tensor ops, so autograd comes from their parts)."""
from __future__ import annotations

import math

from ..api.creation import arange, eye, ones
from ..api.linalg_decomp import inv, solve
from ..api.shape_join import cat


def vander(x, *, N=None):
    """Vandermonde matrix with increasing powers: ``out[..., j] = x ** j`` for j < N."""
    if x.ndim == 0:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        if n < 1:
            raise RuntimeError("N must be greater than 1.")
        return ones(tuple(x.shape) + (1,), dtype=x.dtype)
    col = x.unsqueeze(-1)
    # cumprod keeps x's dtype (integer inputs stay integer, as in torch)
    return cat([ones(tuple(x.shape) + (1,), dtype=x.dtype),
                col.expand(tuple(x.shape) + (n - 1,))], -1).cumprod(-1)


def householder_product(A, tau, *, out=None):
    """The first n columns of H_1 ... H_k with H_i = I - tau_i v_i v_i^H, where v_i is column
    i of ``A`` below the diagonal with an implicit 1 on it (LAPACK's orgqr)."""
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    if m < n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater "
                           "than or equal to input.shape[-1]")
    if k > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater "
                           "than or equal to tau.shape[-1]")
    rows = arange(m)
    ident = eye(m, dtype=A.dtype)
    q = ident.expand(tuple(A.shape[:-2]) + (m, m))
    for i in range(k):
        v = A[..., :, i] * (rows > i) + (rows == i)
        h = ident - tau[..., i, None, None] * v.unsqueeze(-1) * v.conj().unsqueeze(-2)
        q = q @ h
    res = q[..., :n]
    if out is not None:
        from ..api._util import write_out
        return write_out(res, out)
    return res


def tensorsolve(A, B, dims=None, *, out=None):
    """X with ``tensordot(A, X, X.ndim) == B``; ``dims`` of A are first moved to the end."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    lead, rest = tuple(A.shape[:B.ndim]), tuple(A.shape[B.ndim:])
    if math.prod(rest) != math.prod(lead):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:])"
                           f" == prod(self.shape[:other.ndim]), but got {math.prod(rest)} != "
                           f"{math.prod(lead)}")
    x = solve(A.reshape(math.prod(lead), math.prod(rest)), B.reshape(-1)).reshape(rest)
    if out is not None:
        from ..api._util import write_out
        return write_out(x, out)
    return x


def tensorinv(A, ind=2, *, out=None):
    """The inverse of ``A`` w.r.t. tensordot over ``ind`` dims (shape A.shape[ind:] +
    A.shape[:ind])."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    lead, rest = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    if math.prod(lead) != math.prod(rest):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {math.prod(rest)} != "
                           f"{math.prod(lead)}")
    res = inv(A.reshape(math.prod(lead), -1)).reshape(rest + lead)
    if out is not None:
        from ..api._util import write_out
        return write_out(res, out)
    return res
