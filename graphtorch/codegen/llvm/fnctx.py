"""Emitting one LLVM function: the prologue (values hoisted out of every loop: symbol values,
buffer base pointers, strides), counted loops, and size expressions as i64 arithmetic.

Every generated function has the signature ``(ptr bufs, ptr slots, ...)``: ``bufs`` is the
array of base addresses the runtime passes (inputs, outputs, the arena), ``slots`` an array of
64-bit words (symbol values, arena offsets of intermediates, run-time scalars).  Loading those
in the prologue matters: LLVM cannot hoist them itself, because stores to the output could alias
``slots`` as far as it knows, and a load inside the loop blocks vectorisation."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
F32, F64 = ir.FloatType(), ir.DoubleType()
PTR = ir.PointerType()

LTYPE = {"f32": F32, "f64": F64, "i8": I8, "u8": I8, "i16": ir.IntType(16), "i32": I32,
         "i64": I64, "b8": I1}
STORE_TYPE = {**LTYPE, "b8": I8}
ITEMSIZE = {"f32": 4, "f64": 8, "i8": 1, "u8": 1, "i16": 2, "i32": 4, "i64": 8, "b8": 1}
NATIVE_DTYPES = frozenset(LTYPE)


def const(dt: str, value):
    """An LLVM constant of dtype ``dt`` (wrapping integers as C does)."""
    if dt in ("f32", "f64"):
        return ir.Constant(LTYPE[dt], float(value))
    if dt == "b8":
        return ir.Constant(I1, int(bool(value)))
    bits = LTYPE[dt].width
    return ir.Constant(LTYPE[dt], int(value) & ((1 << bits) - 1))


class FnCtx:
    """One function under construction.

    ``b`` is the builder at the current emission point; ``pro`` inserts into the prologue,
    which dominates the whole body.  ``symbol_slot`` maps a symbol name to its slot index."""

    def __init__(self, module, name, symbol_slot, extra_args=(), ret=ir.VoidType()):
        fnty = ir.FunctionType(ret, [PTR, PTR, *extra_args])
        self.fn = ir.Function(module, fnty, name)
        self.fn.attributes.add("nounwind")
        self.bufs, self.slots = self.fn.args[0], self.fn.args[1]
        for a in (self.bufs, self.slots):
            a.add_attribute("noalias")
        entry = self.fn.append_basic_block("prologue")
        body = self.fn.append_basic_block("body")
        self.pro = ir.IRBuilder(entry)
        self._pro_term = self.pro.branch(body)
        self.pro.position_before(self._pro_term)
        self.b = ir.IRBuilder(body)
        self.symbol_slot = symbol_slot
        self.mutable = None  # slots this function itself changes: read where used
        self._cache = {}

    # ---------------------------------------------------------------- hoisted values
    def hoisted(self, key, make):
        """``make(prologue_builder)`` once per key, in the prologue."""
        v = self._cache.get(key)
        if v is None:
            self.pro.position_before(self._pro_term)
            v = self._cache[key] = make(self.pro)
        return v

    def slot_i64(self, k: int):
        if self.mutable is not None and k in self.mutable:
            b = self.b
            return b.load(b.gep(self.slots, [ir.Constant(I64, k)], source_etype=I64), typ=I64)
        return self.hoisted(("slot", k), lambda p: p.load(p.gep(self.slots, [ir.Constant(I64, k)],
                                                                 source_etype=I64), typ=I64))

    def slot_f64(self, k: int):
        if self.mutable is not None and k in self.mutable:
            return self.b.bitcast(self.slot_i64(k), F64)
        return self.hoisted(("slotf", k), lambda p: p.bitcast(self.slot_i64(k), F64))

    def buf_ptr(self, k: int):
        """Base address ``bufs[k]``."""
        return self.hoisted(("buf", k), lambda p: p.load(p.gep(self.bufs, [ir.Constant(I64, k)],
                                                                source_etype=PTR), typ=PTR))

    def arena_ptr(self, arena_index: int, offset_slot: int):
        base = self.buf_ptr(arena_index)
        off = self.slot_i64(offset_slot)
        return self.hoisted(("arena", arena_index, offset_slot),
                            lambda p: p.gep(base, [off], source_etype=I8))

    def size(self, e):
        """A size expression (int or Expr) as an i64 value, hoisted."""
        if type(e) is int:
            return ir.Constant(I64, e)
        return self.hoisted(("expr", e), lambda p: self._expr(p, e))

    def _expr(self, p, e):
        total = None
        for mono, coeff in e.terms:
            term = ir.Constant(I64, coeff)
            for atom in mono:
                term = p.mul(term, self._atom(p, atom))
            total = term if total is None else p.add(total, term)
        return total if total is not None else ir.Constant(I64, 0)

    def _atom(self, p, atom):
        if isinstance(atom, str):
            return self.slot_i64(self.symbol_slot[atom])
        op, num, den = atom
        a = self.size(num)
        d = self.size(den)
        return floordiv(p, a, d) if op == "//" else floormod(p, a, d)

    # ---------------------------------------------------------------- loops
    def loop(self, lo, hi, body, name="i", step=1, interleave=None):
        """Emit ``for i in range(lo, hi, step): body(i)`` at ``b``; ``body`` emits with
        ``self.b``.  ``interleave=n`` tags the loop with ``llvm.loop.interleave.count = n``
        (1 for short rows, which the vectoriser's default interleaving would leave to the
        scalar remainder loop)."""
        b = self.b
        pre = b.block
        head = b.append_basic_block(f"{name}.head")
        loop = b.append_basic_block(f"{name}.body")
        done = b.append_basic_block(f"{name}.done")
        b.branch(head)
        b.position_at_end(head)
        i = b.phi(I64, name=name)
        i.add_incoming(lo, pre)
        b.cbranch(b.icmp_signed("<", i, hi), loop, done)
        b.position_at_end(loop)
        body(i)
        nxt = self.b.add(i, ir.Constant(I64, step))
        i.add_incoming(nxt, self.b.block)
        br = self.b.branch(head)
        if interleave is not None:
            br.set_metadata("llvm.loop", _loop_id(self.b.module, "llvm.loop.interleave.count",
                                                  interleave))
        self.b.position_at_end(done)

    def nest(self, extents, body, lo0=None, hi0=None):
        """Nested loops over ``extents`` (i64 values), innermost last; ``body(idx)``.
        ``lo0``/``hi0`` bound the outermost loop (the range a thread owns)."""
        idx = []

        def level(k):
            if k == len(extents):
                body(list(idx))
                return

            def inner(i):
                idx.append(i)
                level(k + 1)
                idx.pop()
            lo = lo0 if (k == 0 and lo0 is not None) else ir.Constant(I64, 0)
            hi = hi0 if (k == 0 and hi0 is not None) else extents[k]
            self.loop(lo, hi, inner, name=f"i{k}")
        level(0)

    def finish(self):
        if not self.b.block.is_terminated:
            if isinstance(self.fn.function_type.return_type, ir.VoidType):
                self.b.ret_void()
            else:
                self.b.ret(ir.Constant(self.fn.function_type.return_type, 0))


def floordiv(b, a, d):
    """Python's ``a // d`` for i64 (sdiv truncates toward zero)."""
    q = b.sdiv(a, d)
    r = b.srem(a, d)
    fix = b.and_(b.icmp_signed("!=", r, ir.Constant(a.type, 0)),
                 b.icmp_signed("!=", b.icmp_signed("<", r, ir.Constant(a.type, 0)),
                               b.icmp_signed("<", d, ir.Constant(a.type, 0))))
    return b.sub(q, b.zext(fix, a.type))


def floormod(b, a, d):
    """Python's ``a % d`` for integers (sign of the divisor)."""
    r = b.srem(a, d)
    fix = b.and_(b.icmp_signed("!=", r, ir.Constant(a.type, 0)),
                 b.icmp_signed("!=", b.icmp_signed("<", r, ir.Constant(a.type, 0)),
                               b.icmp_signed("<", d, ir.Constant(a.type, 0))))
    return b.select(fix, b.add(r, d), r)


def strides(shape):
    """Row-major strides of ``shape`` as size expressions."""
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc = S.mul(acc, d)
    return tuple(reversed(out))


def numel(shape):
    acc = 1
    for d in shape:
        acc = S.mul(acc, d)
    return acc


def _loop_id(mod, key, value):
    """A distinct ``llvm.loop`` metadata node carrying ``key = value`` (a loop id names itself
    first, so each loop gets its own node)."""
    hint = mod.add_metadata([ir.MetaDataString(mod, key), ir.Constant(ir.IntType(32), value)])
    tag = ir.MetaDataString(mod, f"gt.loop.{len(mod.metadata)}")
    md = mod.add_metadata([tag, hint, tag])
    md.operands = (md,) + tuple(md.operands[1:2])
    return md
