"""einsum: the equation is parsed once into explicit subscripts (ellipses expanded to letters,
implicit output made explicit), run by numpy's einsum with path optimization, and
differentiated with einsum again (so double backward and tracing come for free)."""
from __future__ import annotations

import string
from functools import lru_cache

import numpy as np

from . import samples as S
from .linalg import MM_DTYPES, KernelFail, cj, guarded, sname
from .meta import TensorSpec
from .registry import OpDef, Sample, register

LETTERS = string.ascii_letters


def _err(msg):
    return RuntimeError("einsum(): " + msg)


@lru_cache(maxsize=512)
def canonical(equation: str, ndims: tuple) -> tuple:
    """(input subscripts, output subscripts) as explicit letter strings for operands of
    ``ndims`` dims; torch's errors for malformed equations."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(ndims):
        raise _err("fewer operands were provided than specified in the equation")
    if len(terms) < len(ndims):
        raise _err("more operands were provided than specified in the equation")
    for t in terms + ([rhs] if arrow else []):
        for c in t.replace("...", ""):
            if c not in LETTERS:
                raise _err(f"invalid subscript given at index {eq.index(c)} in the equation "
                           f"string, subscripts must be in [a-zA-Z]")
    used = set(eq)
    spare = [c for c in LETTERS if c not in used]
    n_ell = 0
    for t, nd in zip(terms, ndims):
        plain = len(t.replace("...", ""))
        if "..." in t:
            n_ell = max(n_ell, nd - plain)
        elif plain != nd:
            raise _err(f"the number of subscripts in the equation ({plain}) does not match the "
                       f"number of dimensions ({nd}) for operand {terms.index(t)} and no "
                       f"ellipsis was given")
    ell = "".join(spare[:n_ell])
    ins = tuple(t.replace("...", ell[n_ell - (nd - len(t.replace("...", ""))):] if n_ell else "")
                for t, nd in zip(terms, ndims))
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if not any(c in t for t in ins):
                raise _err(f"output subscript {c} does not appear in the equation for any "
                           f"input operand")
            if out.count(c) > 1:
                raise _err(f"output subscript {c} appears more than once in the output")
    else:
        counts = "".join(t.replace("...", "") for t in terms)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    return ins, out


def _sizes(ins, shapes):
    sizes = {}
    for k, (t, shp) in enumerate(zip(ins, shapes)):
        for c, n in zip(t, shp):
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = n
            elif n != 1 and n != prev:
                raise _err(f"subscript {c} has size {n} for operand {k} which does not "
                           f"broadcast with previously seen size {prev}")
    return sizes


def _meta(*ops, equation):
    if not ops:
        raise _err("must provide at least one operand")
    ins, out = canonical(equation, tuple(o.ndim for o in ops))
    for o in ops[1:]:
        if o.dtype is not ops[0].dtype:
            raise RuntimeError(f"expected scalar type {sname(ops[0].dtype)} but found "
                               f"{sname(o.dtype)}")
    sizes = _sizes(ins, [o.shape for o in ops])
    return TensorSpec(tuple(sizes[c] for c in out), ops[0].dtype, ops[0].device)


def _kernel(xp, *ops, equation):
    ins, out = canonical(equation, tuple(o.ndim for o in ops))
    _sizes(ins, [o.shape for o in ops])
    dt = ops[0].dtype
    if any(o.dtype != dt for o in ops):
        raise KernelFail("dtypes")
    if dt.itemsize == 2 and dt.kind == "f" or dt.name == "bfloat16":
        ops = [o.astype(np.float32) for o in ops]
    r = xp.asarray(xp.einsum(",".join(ins) + "->" + out, *ops,
                             optimize="greedy" if len(ops) > 1 else False))
    if any(np.may_share_memory(r, o) for o in ops):
        r = r.copy()  # einsum returns views for pure permutations / diagonals
    return r.astype(dt, copy=False)


def operand_grad(g, others, ins, out, i, shape):
    """d(einsum)/d(operand i): einsum of the output gradient with the other operands; repeated
    letters of operand i go through an identity operand and letters seen only in operand i
    through a ones operand (a broadcast)."""
    target = ins[i]
    spare = [c for c in LETTERS if c not in "".join(ins) + out]
    terms, operands = [out], [g]
    for j, t in enumerate(ins):
        if j != i:
            terms.append(t)
            operands.append(cj(others[j]))
    seen, res = set(), ""
    for c, n in zip(target, shape):
        if c in seen:  # a diagonal: delta(c, c')
            new = spare.pop(0)
            terms.append(c + new)
            operands.append(g.new_tensor(np.eye(n)))
            res += new
            continue
        seen.add(c)
        res += c
        if not any(c in t for t in terms):
            terms.append(c)
            operands.append(g.new_ones((n,)))
    return operands[0]._einsum(",".join(terms) + "->" + res, *operands[1:])


def _vjp(ctx, g):
    ops = ctx.inputs
    ins, out = canonical(ctx.attrs["equation"], tuple(len(m[0]) for m in ctx._input_meta))
    return tuple(operand_grad(g, ops, ins, out, i, ctx._input_meta[i][0]) if need else None
                 for i, need in enumerate(ctx.needs_input_grad))


def _samples(dt):
    a = S.array
    cases = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]),
             ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
             ("...ij,...jk", [(2, 2, 3), (3, 4)]), ("i,j->ij", [(2,), (3,)]),
             ("ij->", [(2, 3)]), ("ij,ij,ij->i", [(2, 3), (2, 3), (1, 3)]),
             ("ab->ba", [(2, 3)]), ("i,i", [(0,), (0,)])]
    return [Sample(tuple(a(s, dt, k + j) for j, s in enumerate(shapes)), {"equation": eq},
                   name=eq) for k, (eq, shapes) in enumerate(cases)]


einsum = register(OpDef(name="einsum", kernel=guarded(_kernel), meta=_meta, vjp=_vjp,
                        samples=_samples, dtypes=MM_DTYPES, grad_name="ViewBackward0"))
