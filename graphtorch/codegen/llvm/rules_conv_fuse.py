"""Fusing a convolution with its only consumer: the consumer (a pointwise op, or a pure
pointwise fusion group with one output of the conv's shape) is computed in the conv's per-image
epilogue, reading the GEMM's output tile, and written straight to the consumer's buffer; the
conv output itself never goes to memory.

BatchNorm folding: the pass pipeline decomposes eval ``batch_norm`` into pointwise ops that the
fusion pass groups with what follows.  When the conv output's only consumer is such a group, the
leading chain of per-channel affine ops (``x - mean``, ``* rsqrt(var + eps)``, ``* weight``,
``+ bias``: any add/sub/mul/div by a value that varies only along channels) is folded into one
scale and shift per channel by a small O(channels) prologue kernel (running statistics are graph
inputs, so this happens per call); the epilogue then computes ``tile * scale + shift`` followed
by the rest of the group (residual add, ReLU) and writes the group's output directly."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from ...ops import registry as R
from . import scalar as X
from .fnctx import I64, const
from .lower import RULES, dt_of
from .rules_conv import PendingConv, emit_conv, materialise
from .tensors import EPILOGUE, Lazy, TensorH

ZERO = ir.Constant(I64, 0)
_AFFINE = ("add", "sub", "mul", "div")


def _uses_of(lw):
    u = getattr(lw, "_conv_uses", None)
    if u is None:
        u = lw._conv_uses = lw.graph.uses()
    return u


def fusable_consumer(lw, node, value):
    """The single pointwise consumer (a registry op or a pure pointwise FusionGroup) of the
    conv output ``value`` in the same block, whose output has the conv's shape; else None."""
    if lw.uses.get(value, 0) != 1 or value in lw.out_dest or len(value.type.shape) != 4:
        return None
    users = _uses_of(lw).get(value, [])
    if len(users) != 1 or not hasattr(users[0], "kind"):
        return None
    c = users[0]
    if c.owner is not node.owner or len(c.outputs) != 1:
        return None
    t = c.outputs[0].type
    if tuple(t.shape or ()) != tuple(value.type.shape) or dt_of(t) not in X.FLOATS:
        return None
    if c.kind == "FusionGroup":
        blk = c.blocks[0]
        ok = len(blk.returns) == 1 and all(_pointwise(n) for n in blk.nodes)
        return c if ok else None
    if _pointwise(c) and c.kind in RULES and not c.blocks:
        return c
    return None


def _pointwise(n):
    if not R.has(n.kind) or n.blocks or len(n.outputs) != 1:
        return False
    op = R.get(n.kind)
    return "pointwise" in op.tags and "random" not in op.tags


def lower_consumer(lw, node, ins):
    """Lower ``node`` reading pending convolutions: fused into the conv when it is the
    pending conv's consumer (returns its output handles), else the convs are materialised
    first (returns None; the caller lowers ``node`` normally)."""
    pend = [(k, h) for k, h in enumerate(ins) if isinstance(h, PendingConv)]
    if len(pend) == 1 and pend[0][1].consumer is node:
        k, p = pend[0]
        if isinstance(p, PendingPool):
            return _emit_pooled(lw, node, p)
        return [_fuse(lw, node, ins, k, p)]
    for k, h in pend:
        if isinstance(h, PendingPool):  # read by something else after all: store it whole
            dest = lw.new_buf(h.shape, h.dt, h.value, h.value.name)
            emit_conv(lw, h.spec, dest, h.epi, None)
            lw.env[h.value] = dest
        else:
            lw.env[h.spec.value] = materialise(lw, h.spec)
    return None


class PendingPool(PendingConv):
    """A convolution with its fused pointwise consumer ``epi`` (a Lazy over the conv shape)
    whose only reader is a max_pool: the pool is computed in the conv's epilogue from the
    tile, so neither the conv output nor the consumer's output is stored."""

    __slots__ = ("epi", "value")

    def __init__(self, spec, pool, epi, value):
        super().__init__(spec, pool)
        self.epi, self.value, self.dt = epi, value, dt_of(value.type)


def _pool_reader(lw, value):
    """The max_pool node that is the only reader of ``value`` (2-d, its indices unused, in
    the same block), else None."""
    if lw.uses.get(value, 0) != 1 or value in lw.out_dest:
        return None
    users = _uses_of(lw).get(value, [])
    if len(users) != 1 or not hasattr(users[0], "kind"):
        return None
    m = users[0]
    if (m.kind != "max_pool" or m.inputs[0] is not value or m.owner is not value.node.owner
            or len(m.outputs) != 2 or lw.uses.get(m.outputs[1], 0) != 0):
        return None
    ks = m.attrs.get("kernel_size")
    if isinstance(ks, int) or len(ks) != 2 or dt_of(m.outputs[0].type) != dt_of(value.type):
        return None
    return m


def _emit_pooled(lw, node, p):
    from .rules_pool import max_params
    v = node.outputs[0]
    dest = lw.new_buf(v.type.shape, dt_of(v.type), v, v.name)
    emit_conv(lw, p.spec, dest, p.epi, None, fn_cls=_pooled_conv(max_params(node)))
    return [dest, None]


def _pooled_conv(params):
    """A ``_ConvFn`` whose epilogue max-pools the fused consumer over each image's tile."""
    from .rules_conv import _ConvFn
    from .rules_pool import window_max

    class Pooled(_ConvFn):
        def epilogue(self, n):
            fc, s = self.fc, self.s
            fc.conv_epi = {"n": n, "tile": self.tile}
            dest, epi = self.dest, self.epi
            sizes = [self.sz(s.ohw[0]), self.sz(s.ohw[1])]

            def ch(c):
                def row(ph):
                    def col(pw):
                        v = window_max(fc, epi.dt, lambda pos: epi.load(fc, [n, c, *pos]),
                                       [ph, pw], sizes, params)
                        idx = [n, c, ph, pw]
                        dest.store_flat(fc, dest.offset(fc, idx), X.cast(fc.b, v, epi.dt,
                                                                         dest.dt))
                    fc.loop(ZERO, self.sz(dest.shape[3]), col, name="pw")
                fc.loop(ZERO, self.sz(dest.shape[2]), row, name="ph")
            fc.loop(ZERO, self.sz(s.oc), ch, name="pc")
            fc.conv_epi = None
    return Pooled


def _tile_lazy(spec):
    """The conv result of the image being finished, read from the per-thread tile."""
    def fn(fc, idx):
        ep = getattr(fc, "conv_epi", None)
        # pointwise consumers pass the epilogue's index through (a size-1 batch reads as 0)
        if ep is None or (idx[0] is not ep["n"] and spec.out_shape[0] != 1):
            raise AssertionError("llvm backend: conv epilogue read outside its image loop")
        b = fc.b
        off = b.add(b.mul(b.add(b.mul(idx[1], fc.size(spec.ohw[0])), idx[2]),
                          fc.size(spec.ohw[1])), idx[3])
        return b.load(b.gep(ep["tile"], [off], source_etype=X.LTYPE[spec.dt]),
                      typ=X.LTYPE[spec.dt])
    t = Lazy(spec.out_shape, spec.dt, fn, cost=1)
    t.deps = frozenset((EPILOGUE,))
    return t


def _affine_chain(blk, p, oc, out_nd, dt):
    """Leading per-channel affine ops on block param ``p``: [(node, op, q Value, p_first)]."""
    uses: dict = {}
    for n in blk.nodes:
        for v in n.operands():
            uses.setdefault(v, []).append(n)
    for v in blk.returns:
        uses.setdefault(v, []).append(None)
    chain, cur = [], p
    while len(uses.get(cur, [])) == 1 and uses[cur][0] is not None:
        n = uses[cur][0]
        if n.kind not in _AFFINE or len(n.inputs) != 2 or n.attrs.get("alpha", 1) != 1:
            break
        if dt_of(n.outputs[0].type) != dt:
            break
        first = n.inputs[0] is cur
        q = n.inputs[1] if first else n.inputs[0]
        if q is cur or not _per_channel(q, oc, out_nd) or (n.kind == "div" and not first):
            break
        chain.append((n, n.kind, q, first))
        cur = n.outputs[0]
    return chain


def _per_channel(q, oc, out_nd):
    t = getattr(q, "type", None)
    shape = getattr(t, "shape", None)
    if shape is None:  # a Python scalar (eps) is per channel too
        return str(t) in ("float", "int")
    if len(shape) > out_nd:
        return False
    al = (1,) * (out_nd - len(shape)) + tuple(shape)
    return all(d == 1 for i, d in enumerate(al) if i != 1) and al[1] in (1, oc)


def _fuse(lw, node, ins, k, p):
    spec = p.spec
    tile = _tile_lazy(spec)
    nd = len(spec.out_shape)
    if node.kind != "FusionGroup":
        ins2 = list(ins)
        ins2[k] = _with_shift(lw, spec, tile, [])
        out = RULES[node.kind](lw, node, ins2)[0]
    else:
        blk = node.blocks[0]
        chain = _affine_chain(blk, blk.params[k], spec.oc, nd, spec.dt)
        for prm, h in zip(blk.params, ins):
            lw.env[prm] = h
        lw.env[blk.params[k]] = tile if chain else _with_shift(lw, spec, tile, [])
        skip = {c[0] for c in chain}
        last = chain[-1][0] if chain else None
        for n in blk.nodes:
            if n not in skip:
                lw.lower_node(n)
            elif n is last:  # earlier chain links are read only by the next one
                lw.env[n.outputs[0]] = _with_shift(lw, spec, tile, chain)
        out = lw.env[blk.returns[0]]
    v = node.outputs[0]
    if _pool_reader(lw, v) is not None:  # relu -> max_pool: pooled in the epilogue
        return PendingPool(spec, _pool_reader(lw, v), out, v)
    dest = lw.new_buf(v.type.shape, dt_of(v.type), v, v.name)
    emit_conv(lw, spec, dest, out, None)
    return dest


def _with_shift(lw, spec, tile, chain):
    """``tile * scale[c] + shift[c]``: the conv bias and the folded affine chain."""
    if not chain:
        if spec.bias is None:
            return tile
        bias = spec.bias

        def fn(fc, idx):
            return X.add(fc.b, spec.dt, tile.load(fc, idx), bias.load(fc, [idx[1]]))
        h = Lazy(spec.out_shape, spec.dt, fn, cost=1)
        h.deps = tile.deps
        return h
    ab = _fold_prologue(lw, spec, chain)
    oc = spec.oc

    def fn(fc, idx):
        b = fc.b
        s = ab.load_flat(fc, idx[1])
        t = ab.load_flat(fc, b.add(idx[1], fc.size(oc)))
        return b.fadd(b.fmul(tile.load(fc, idx), s), t)
    h = Lazy(spec.out_shape, spec.dt, fn, cost=1)
    h.deps = tile.deps
    return h


def _fold_prologue(lw, spec, chain):
    """A kernel over channels: scale, shift such that chain(conv + bias) = conv*scale+shift."""
    from .rules_pointwise import loader
    dt, oc = spec.dt, spec.oc
    ab = lw.new_buf((S.mul(2, oc),), dt, name="bnfold")
    nd = len(spec.out_shape)
    loads = [(op, loader(lw.env[q] if hasattr(q, "type") else None, nd, dt), first)
             for _, op, q, first in chain]
    bias = spec.bias
    reads = [lw.env[q] for _, _, q, _ in chain if isinstance(lw.env.get(q), TensorH)]

    def body(fc, idx):
        b = fc.b
        c = idx[0]
        full = [ZERO, c, ZERO, ZERO][:nd] if nd == 4 else [ZERO, c] + [ZERO] * (nd - 2)
        s = const(dt, 1.0)
        t = bias.load(fc, [c]) if bias is not None else const(dt, 0.0)
        for op, ld, first in loads:
            q = ld(fc, full)
            if op == "add":
                t = b.fadd(t, q)
            elif op == "sub" and first:
                t = b.fsub(t, q)
            elif op == "sub":  # q - v
                s, t = b.fneg(s), b.fsub(q, t)
            elif op == "mul":
                s, t = b.fmul(s, q), b.fmul(t, q)
            else:
                s, t = b.fdiv(s, q), b.fdiv(t, q)
        ab.store_flat(fc, c, s)
        ab.store_flat(fc, b.add(c, fc.size(oc)), t)
    lw.emit_kernel((oc,), body, reads=reads + ([bias] if bias is not None else []),
                   writes=[ab], name="bnfold", parallel=False)
    return ab


__all__ = ["fusable_consumer", "lower_consumer", "PendingPool"]
