"""LLVM IR building blocks of the generated GEMM kernels (gemm_small.py, gemm_packed.py):
counted loops carrying values, fused multiply-adds, masked vector loads (a step of fewer
than a vector's lanes, without touching memory past them)."""
from __future__ import annotations

from llvmlite import ir

from .fnctx import F32, I64, PTR


def _c64(v):
    return ir.Constant(I64, v)


def _fn(mod, name, args, ret=ir.VoidType()):
    f = mod.globals.get(name)
    if f is None:
        f = ir.Function(mod, ir.FunctionType(ret, args), name)
    return f


def _intr(b, name, ret, args):
    return b.call(_fn(b.module, name, [a.type for a in args], ret), args)


def _vfma(b, x, y, z):
    vt = z.type
    sfx = f"v{vt.count}f32" if isinstance(vt, ir.VectorType) else "f32"
    return _intr(b, f"llvm.fmuladd.{sfx}", vt, [x, y, z])


def _counted(b, lo, hi, step, init, body, name="k"):
    """``for i in range(lo, hi, step)`` carrying ``init`` values; ``body(i, vals)`` returns
    the next values.  Returns the values after the loop."""
    pre = b.block
    head = b.append_basic_block(f"{name}.head")
    loop = b.append_basic_block(f"{name}.body")
    done = b.append_basic_block(f"{name}.done")
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(I64, name=name)
    i.add_incoming(lo, pre)
    phis = []
    for v in init:
        p = b.phi(v.type)
        p.add_incoming(v, pre)
        phis.append(p)
    b.cbranch(b.icmp_signed("<", i, hi), loop, done)
    b.position_at_end(loop)
    nxt = body(i, list(phis))
    end = b.block
    i.add_incoming(b.add(i, _c64(step)), end)
    for p, v in zip(phis, nxt):
        p.add_incoming(v, end)
    b.branch(head)
    b.position_at_end(done)
    return phis


def _at(b, p, off):
    return b.gep(p, [off], source_etype=F32)


def _store_out(b, ptr, v, acc):
    """*ptr = v (+ *ptr when accumulating; BLAS's beta = 1)."""
    old = b.load(ptr, typ=v.type, align=4)
    zero = ir.Constant(v.type, None)
    b.store(b.fadd(v, b.select(acc, old, zero)), ptr, align=4)


def _new_fn(mod, name, args):
    f = ir.Function(mod, ir.FunctionType(ir.VoidType(), args), name)
    f.linkage = "internal"
    f.attributes.add("nounwind")
    return f, ir.IRBuilder(f.append_basic_block("entry"))


def _masked_step(b, arow, brow, k0, count, accs, vt, branch=True):
    """accs[i * nb + j] += A[i, k0:k0 + count] * B[j, same] (count <= lanes) by masked
    loads, ``branch``-ed around when count is 0 (an empty step cost as much as a full one:
    the 1 x 512 x 128 product was 25% slower with two of them)."""
    if branch:
        pre = b.block
        with b.if_then(b.icmp_signed(">", count, _c64(0))):
            new = _masked_step(b, arow, brow, k0, count, accs, vt, branch=False)
            body = b.block
        return [_phi(b, ((old, pre), (v, body))) for old, v in zip(accs, new)]
    lanes = b.icmp_signed("<", ir.Constant(ir.VectorType(I64, vt.count), list(range(vt.count))),
                          _splat(b, count, vt.count))
    av = [_mload(b, _at(b, r, k0), lanes, vt) for r in arow]
    bv = [_mload(b, _at(b, r, k0), lanes, vt) for r in brow]
    return [_vfma(b, x, y, accs[i * len(bv) + j]) for i, x in enumerate(av)
            for j, y in enumerate(bv)]


def _phi(b, incoming):
    phi = b.phi(incoming[0][0].type)
    for v, blk in incoming:
        phi.add_incoming(v, blk)
    return phi


def _splat(b, v, n):
    vt = ir.VectorType(v.type, n)
    one = b.insert_element(ir.Constant(vt, ir.Undefined), v, ir.Constant(ir.IntType(32), 0))
    return b.shuffle_vector(one, ir.Constant(vt, ir.Undefined), _mask([0] * n))


def _mload(b, ptr, lanes, vt):
    """The lanes of ``vt`` at ``ptr`` where ``lanes`` is set, 0 elsewhere (no access)."""
    fn = _fn(b.module, f"llvm.masked.load.v{vt.count}f32.p0",
             [PTR, ir.IntType(32), lanes.type, vt], vt)
    return b.call(fn, [ptr, ir.Constant(ir.IntType(32), 4), lanes, ir.Constant(vt, None)])


def _mask(idx):
    return ir.Constant(ir.VectorType(ir.IntType(32), len(idx)), idx)
