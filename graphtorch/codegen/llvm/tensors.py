"""What the lowering knows about a Value: a materialised buffer, a lazy element function, or
a scalar.

A ``Lazy`` tensor is the heart of fusion: its ``fn(fc, idx)`` emits the code computing one
element at index ``idx`` (a list of i64 values), so a chain of pointwise ops and views becomes
one expression inside whichever loop finally materialises it; views are index arithmetic and
never copy.  A ``Buf`` is memory laid out row-major and contiguous: an input or output array
(``bufs[k]``) or a region of the arena at an offset held in a slot."""
from __future__ import annotations

from llvmlite import ir

from .fnctx import I8, I64, STORE_TYPE, strides


# a pseudo arena slot in ``Lazy.deps``: the element function reads a convolution's per-image
# tile, so it can only be evaluated inside that convolution's epilogue (never materialised
# on its own)
EPILOGUE = -1


class TensorH:
    __slots__ = ("shape", "dt")

    @property
    def ndim(self):
        return len(self.shape)


class Buf(TensorH):
    """Contiguous memory: ``kind`` "buf" (``bufs[index]``) or "arena" (offset in slot
    ``index`` from the arena base ``bufs[arena]``)."""

    __slots__ = ("kind", "index", "arena", "name")

    def __init__(self, shape, dt, kind, index, arena=None, name=""):
        self.shape, self.dt = tuple(shape), dt
        self.kind, self.index, self.arena, self.name = kind, index, arena, name

    def ptr(self, fc):
        if self.kind == "buf":
            return fc.buf_ptr(self.index)
        return fc.arena_ptr(self.arena, self.index)

    def offset(self, fc, idx):
        st = strides(self.shape)
        off = None
        for i, s, d in zip(idx, st, self.shape):
            if d == 1:
                continue
            term = i if s == 1 else fc.b.mul(i, fc.size(s))
            off = term if off is None else fc.b.add(off, term)
        return off if off is not None else ir.Constant(I64, 0)

    def address(self, fc, off):
        return fc.b.gep(self.ptr(fc), [off], source_etype=STORE_TYPE[self.dt])

    def load(self, fc, idx):
        return self.load_flat(fc, self.offset(fc, idx))

    def load_flat(self, fc, off):
        v = fc.b.load(self.address(fc, off), typ=STORE_TYPE[self.dt])
        if self.dt == "b8":
            v = fc.b.icmp_unsigned("!=", v, ir.Constant(I8, 0))
        return v

    def store_flat(self, fc, off, v):
        if self.dt == "b8":
            v = fc.b.zext(v, I8)
        fc.b.store(v, self.address(fc, off))

    def reshaped(self, shape):
        return Buf(shape, self.dt, self.kind, self.index, self.arena, self.name)


class Lazy(TensorH):
    """An element function over ``shape``.  ``transposed`` may name a Buf this tensor is the
    last-two-dims transpose of (GEMM rules then pass a transpose flag instead of copying);
    ``base`` a Buf it reads identically (a contiguous view of it)."""

    __slots__ = ("fn", "transposed", "base", "cost", "deps")

    def __init__(self, shape, dt, fn, transposed=None, base=None, cost=1):
        self.shape, self.dt, self.fn = tuple(shape), dt, fn
        self.transposed, self.base, self.cost = transposed, base, cost
        self.deps = None  # arena slots this element function reads (set by the lowering)

    def load(self, fc, idx):
        return self.fn(fc, idx)


class Scalar:
    """A scalar Value: a Python constant or size expression (``value``), or a run-time word in
    ``slots[slot]`` (``kind`` "int", "float" or "bool")."""

    __slots__ = ("value", "slot", "kind")

    def __init__(self, value=None, slot=None, kind=None):
        self.value, self.slot, self.kind = value, slot, kind

    @property
    def is_const(self):
        return self.slot is None


def cost(h) -> int:
    """0 for memory and pure views of it (free to read twice), else the compute it repeats."""
    return 0 if isinstance(h, Buf) else h.cost


def deps_of(h) -> frozenset:
    """Arena slots ``h`` reads: a lazy tensor keeps the buffers it reads alive."""
    if isinstance(h, Buf):
        return frozenset((h.index,)) if h.kind == "arena" else frozenset()
    if isinstance(h, Lazy):
        return h.deps or frozenset()
    return frozenset()
