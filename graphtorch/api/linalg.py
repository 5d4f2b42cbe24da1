"""Matrix products as torch functions and Tensor methods: matmul and ``@``, mm, bmm, mv, dot,
vdot, inner, outer/ger, the add-products (addmm, addmv, addbmm, baddbmm, addr and their
in-place forms), einsum, tensordot, chain_matmul, kron, trace, cross, matrix_power."""
from __future__ import annotations

import warnings

import numpy as np

from ..eager.dispatch import call, call_inplace
from ..eager.tensor import Tensor
from ..ops import registry as R
from ..ops.linalg import sq, unsq
from ..ops.linalg_einsum import LETTERS
from ._bind import both, tensor_method, torch_function
from ._util import write_out

_OPS = {n: R.get(n) for n in ("matmul", "mm", "bmm", "mv", "dot", "vdot", "addmm", "addmv",
                              "addbmm", "baddbmm", "addr", "einsum", "trace", "linalg_cross")}


def _check_tensor(fn, name, x, arg="other"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position 2) must be Tensor, not "
                        f"{type(x).__name__}")


def _out(r, out):
    return r if out is None else write_out(r, out)


# ------------------------------------------------------------------------------ products
@both
def matmul(input, other, *, out=None):
    """Matrix product with torch.matmul's 1-D, 2-D and batched broadcasting rules."""
    _check_tensor("matmul", "other", other)
    return _out(call(_OPS["matmul"], input, other), out)


@tensor_method(name="__matmul__")
def _matmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return call(_OPS["matmul"], self, other)


@tensor_method(name="__rmatmul__")
def _rmatmul_op(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return call(_OPS["matmul"], other, self)


def _binary(name, arg="mat2"):
    op = _OPS[name]

    def fn(input, other, *, out=None):
        _check_tensor(name, arg, other)
        return _out(call(op, input, other), out)
    fn.__name__ = name
    fn.__doc__ = f"torch.{name}: the {name} product of two tensors (no dtype promotion)."
    return both(fn)


mm = _binary("mm")
bmm = _binary("bmm")
mv = _binary("mv", "vec")
dot = _binary("dot", "tensor")
vdot = _binary("vdot")


def _add_product(name):
    op = _OPS[name]

    def fn(input, a, b, *, beta=1, alpha=1, out=None):
        return _out(call(op, input, a, b, **_scales(beta, alpha)), out)

    def inplace(self, a, b, *, beta=1, alpha=1):
        return call_inplace(op, self, a, b, **_scales(beta, alpha))
    fn.__name__ = name
    fn.__doc__ = f"torch.{name}: beta * input + alpha * (product of the two other inputs)."
    tensor_method(inplace, name=name + "_")
    return both(fn)


def _scales(beta, alpha):
    attrs = {}
    if beta != 1:
        attrs["beta"] = beta
    if alpha != 1:
        attrs["alpha"] = alpha
    return attrs


addmm = _add_product("addmm")
addmv = _add_product("addmv")
addbmm = _add_product("addbmm")
baddbmm = _add_product("baddbmm")
addr = _add_product("addr")


@tensor_method(name="_einsum")
def _einsum_method(self, equation, *others):
    """einsum(equation, self, *others) (used by einsum's own derivative)."""
    return call(_OPS["einsum"], self, *others, equation=equation)


@torch_function
def einsum(*args):
    """Sums products of operands' elements over the indices of an Einstein equation.

    Args: equation (str) then operands, or operands in a list / sublist format."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, "
                        "or at least one operand and its subscripts list")
    eq, ops = args[0], args[1:]
    if not isinstance(eq, str):
        eq, ops = _sublist_equation(args)
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = tuple(ops[0])
    return call(_OPS["einsum"], *ops, equation=eq)


def _sublist_equation(args):
    """einsum(op1, [0, 1], op2, [1, 2], [0, 2]) -> ("ab,bc->ac", ops)."""
    def sub(lst):
        return "".join("..." if s is Ellipsis else LETTERS[s] for s in lst)
    n = len(args) // 2  # (operand, sublist) pairs, then an optional output sublist
    ops = args[0:2 * n:2]
    eq = ",".join(sub(s) for s in args[1:2 * n:2])
    if len(args) % 2:
        eq += "->" + sub(args[-1])
    return eq, ops


@both
def inner(input, other, *, out=None):
    """Inner product over the last dimension (a scalar product for 0-d inputs)."""
    if input.ndim == 0 or other.ndim == 0:
        return _out(input * other, out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input.shape)} and {list(other.shape)}")
    a, b = LETTERS[:input.ndim - 1], LETTERS[input.ndim - 1:input.ndim + other.ndim - 2]
    return _out(call(_OPS["einsum"], input, other, equation=f"{a}Z,{b}Z->{a}{b}"), out)


@both
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D")
    return _out(input.reshape(-1, 1) * vec2, out)


ger = both(outer, name="ger")


@torch_function
def tensordot(a, b, dims=2, out=None):
    """Contracts ``dims`` (an int: the last dims of a with the first of b; or two lists)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length")
    la = list(LETTERS[:a.ndim])
    lb = list(LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} in "
                               f"dim {j}")
        lb[j] = la[i]
    res = [c for k, c in enumerate(la) if k not in {d % a.ndim for d in da}] + \
        [c for k, c in enumerate(lb) if k not in {d % b.ndim for d in db}]
    eq = "".join(la) + "," + "".join(lb) + "->" + "".join(res)
    return _out(call(_OPS["einsum"], a, b, equation=eq), out)


def _chain(matrices, name):
    if len(matrices) == 1:
        return matrices[0].clone()
    r = matrices[0]
    for m in matrices[1:]:
        r = call(_OPS["mm"], r, m)
    return r


@torch_function
def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices (deprecated in torch in favour of linalg.multi_dot)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    return _out(_chain(matrices, "chain_matmul"), out)


def multi_dot(tensors, *, out=None):
    """Product of two or more matrices; the first may be 1-D (row) and the last 1-D (column)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, len(tensors) - 1))
        if not ok:
            where = "first" if i == 0 else "last" if i == len(tensors) - 1 else None
            msg = (f"multi_dot(): the {where} tensor must be 1D or 2D but got {t.ndim}D"
                   if where else f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
            raise RuntimeError(msg)
    first, last = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = [unsq(tensors[0], 0) if first else tensors[0]] + tensors[1:-1] + \
        [unsq(tensors[-1], 1) if last else tensors[-1]]
    r = _chain(mats, "multi_dot")
    if first:
        r = sq(r, 0)
    if last:
        r = sq(r, -1)
    return _out(r, out)


@both
def kron(input, other, *, out=None):
    """Kronecker product: blocks other * input[i, j, ...] (torch.kron)."""
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.ndim) + tuple(other.shape))
    la, lb = LETTERS[:nd], LETTERS[nd:2 * nd]
    eq = f"{la},{lb}->" + "".join(x + y for x, y in zip(la, lb))
    r = call(_OPS["einsum"], a, b, equation=eq)
    return _out(r.reshape(tuple(x * y for x, y in zip(a.shape, b.shape))), out)


@both
def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    return call(_OPS["trace"], input)


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (torch.linalg.cross)."""
    return _out(call(_OPS["linalg_cross"], input, other, dim=dim), out)


@both
def cross(input, other, dim=None, *, out=None):
    """Cross product along ``dim`` (default: the first dimension of size 3, deprecated)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                      "The default value of dim will change to agree with that of "
                      "linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(input.shape) if s == 3), -1)
    return linalg_cross(input, other, dim=dim, out=out)


@both
def matrix_power(input, n, *, out=None):
    """The n-th power of a square matrix (batches allowed); negative n inverts first."""
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {input.shape[-2] if input.ndim > 1 else 1} by "
                           f"{input.shape[-1] if input.ndim else 1} matrices")
    if n == 0:
        eye = np.broadcast_to(np.eye(input.shape[-1], dtype=input.dtype.np), input.shape)
        return _out(input.new_tensor(np.array(eye)), out)
    a = input
    if n < 0:
        from .. import linalg
        a, n = linalg.inv(input), -n
    r = None
    while n:  # binary powering: log2(n) products
        if n & 1:
            r = a if r is None else call(_OPS["matmul"], r, a)
        n >>= 1
        if n:
            a = call(_OPS["matmul"], a, a)
    return _out(r if r is not input else r.clone(), out)


from . import linalg_decomp, spectral  # noqa: E402,F401 - decompositions, stft and windows
