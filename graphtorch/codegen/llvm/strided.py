"""Strided views of memory for the GEMM rules: a permute/transpose of a buffer (the per-head
split of attention: ``q.reshape(T, B * H, D).transpose(0, 1)``) is a batch of matrices whose
rows have a stride larger than their length; BLAS and the generated small GEMM take that
stride as the leading dimension, so such an operand is passed in place instead of being copied
first (a permuted copy that gathers with a large stride is slower than the product itself).

The lowering's handles (``tensors.Lazy``) have fixed slots, so what is known about a view is
kept beside them, per lowering, keyed by the handle's id (the entry keeps the handle alive)."""
from __future__ import annotations

from ...ir import symbolic as S
from .fnctx import strides
from .tensors import Buf, Lazy

__all__ = ["note_permute", "note_reshape", "note_offset", "view_of", "matrix_operand",
           "realize", "realize_shared"]


def _table(lw):
    t = getattr(lw, "_gt_strided", None)
    if t is None:
        t = lw._gt_strided = {}
    return t


def view_of(lw, h):
    """(Buf, element offset, strides) when ``h`` reads memory at an affine index, else None."""
    if isinstance(h, Buf):
        return h, 0, strides(h.shape)
    if isinstance(h, Lazy):
        if h.base is not None:
            return h.base, 0, strides(h.shape)
        rec = _table(lw).get(id(h))
        if rec is not None and rec[0] is h:
            return rec[1:]
    return None


def note_permute(lw, src, out, dims):
    """Record that Lazy ``out`` is ``src`` permuted by ``dims`` (when ``src`` is affine)."""
    v = view_of(lw, src) if lw is not None else None
    if v is None:
        return out
    buf, off, st = v
    _table(lw)[id(out)] = (out, buf, off, tuple(st[d] for d in dims))
    return out


def note_offset(lw, src, out, dim, start, step=1):
    """Record that Lazy ``out`` reads ``src`` from index ``start`` along ``dim`` every
    ``step`` (split, slice: the q/k/v thirds of a packed attention weight), so a GEMM reads
    it in place."""
    v = view_of(lw, src) if lw is not None else None
    if v is None or not isinstance(out, Lazy):
        return out
    buf, off, st = v
    st = list(st)
    off = S.add(off, S.mul(start, st[dim])) if start != 0 else off
    st[dim] = S.mul(st[dim], step) if step != 1 else st[dim]
    _table(lw)[id(out)] = (out, buf, off, tuple(st))
    return out


def matrix_operand(lw, h):
    """``h`` [*batch, r, c] as a batch of matrices in memory without copying, or None:
    (Buf, transposed, leading dimension, batch stride, element offset).  Transposed: rows
    are stored contiguously along the second-to-last dim (BLAS's 'T').  The batch dims must
    collapse into one stride."""
    v = view_of(lw, h)
    if v is None or h.ndim < 2:
        return None
    buf, off, st = v
    shape = tuple(h.shape)
    if st[-1] == 1 and shape[-1] != 1:
        trans, ld = False, st[-2]
    elif st[-2] == 1 and shape[-2] != 1:
        trans, ld = True, st[-1]
    else:
        return None
    if isinstance(ld, int) and ld < 1:
        return None
    # batch dims collapse when each one's stride is the next one's stride times its extent
    bstride = st[-3] if h.ndim > 2 else 0
    for i in range(h.ndim - 3):
        if S.mul(st[i + 1], shape[i + 1]) != st[i] and shape[i] != 1:
            return None
    return buf, trans, ld, bstride, off


def note_reshape(lw, src, out):
    """Record that Lazy ``out`` is a reshape of ``src`` (a strided view): reading it element
    by element divides each flat index back into ``src``'s dims, so ``realize`` copies
    ``src`` in its own shape instead (the same bytes in row-major order)."""
    if lw is not None and isinstance(out, Lazy) and out.base is None and \
            view_of(lw, src) is not None and not isinstance(src, Buf):
        _table(lw)[("reshape", id(out))] = (out, src)
    return out


def realize(lw, h):
    """``lw.realize(h)``, copying a reshaped strided view without per-element division."""
    rec = _table(lw).get(("reshape", id(h))) if isinstance(h, Lazy) else None
    if rec is None or rec[0] is not h:
        return lw.realize(h)
    src = rec[1]
    dest = lw.new_buf(h.shape, h.dt)
    lw.emit_copy(dest.reshaped(src.shape), src)
    return dest


def realize_shared(lw, h, node):
    """``realize`` once per lazy handle for consumers in the graph's top-level block (the
    q, k and v projections of attention all read one transposed input: one copy, not three).
    A copy made inside a loop or a branch does not dominate later code, so is not shared."""
    if not isinstance(h, Lazy) or node.owner is not lw.graph.block:
        return realize(lw, h)
    rec = _table(lw).get(("realized", id(h)))
    if rec is not None and rec[0] is h:
        return rec[1]
    buf = realize(lw, h)
    _table(lw)[("realized", id(h))] = (h, buf)
    return buf
