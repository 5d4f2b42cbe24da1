"""Views and data movement as index arithmetic: reshape, permute, expand, slice, select, cat,
stack, flip, pad, index_select, gather, tril/triu, casts and copies.  None of them copies;
each returns a ``Lazy`` reading its input at a mapped index, materialised only where a consumer
needs memory.  A reshape of memory is the same memory with a new shape."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from ...ops.meta import wrap_dims
from . import index_check as IC
from . import scalar as X
from .fnctx import I64, strides
from .lower import dt_of, rule
from .rules_host import or_host
from .rules_runtime_scalar import is_runtime_slice, runtime_slice
from .strided import note_offset, note_permute, note_reshape
from .tensors import Buf, Lazy, Scalar, cost

ZERO = ir.Constant(I64, 0)


def out_shape(node, k=0):
    return node.outputs[k].type.shape


def view(h, shape, mapper, transposed=None):
    """A Lazy over ``shape`` reading ``h`` at ``mapper(fc, idx)``."""
    return Lazy(shape, h.dt, lambda fc, idx: h.load(fc, mapper(fc, idx)),
                transposed=transposed, cost=cost(h))


def _linear(fc, idx, shape):
    st = strides(shape)
    off = ZERO
    for i, s, d in zip(idx, st, shape):
        if d == 1:
            continue
        off = fc.b.add(off, i if s == 1 else fc.b.mul(i, fc.size(s)))
    return off


def _unlinear(fc, off, shape):
    idx = []
    for s, d in zip(strides(shape), shape):
        if d == 1:
            idx.append(ZERO)
            continue
        q = off if s == 1 else fc.b.udiv(off, fc.size(s))
        idx.append(fc.b.urem(q, fc.size(d)) if idx else q)
    return idx


def reshape_handle(h, shape):
    shape = tuple(shape)
    if tuple(h.shape) == shape:
        return h
    if isinstance(h, Buf):
        return h.reshaped(shape)
    if isinstance(h, Lazy) and h.base is not None:
        return h.base.reshaped(shape)
    src = h.shape
    return view(h, shape, lambda fc, idx: _unlinear(fc, _linear(fc, idx, shape), src))



@rule("reshape", "view", "_unsafe_view", "flatten", "squeeze", "unsqueeze")
def _reshape(lw, node, ins):
    return [note_reshape(lw, ins[0], reshape_handle(ins[0], out_shape(node)))]


@rule("permute")
def _permute(lw, node, ins):
    h = ins[0]
    dims = [d % max(h.ndim, 1) for d in node.attrs["dims"]] if h.ndim else []
    inv = [0] * len(dims)
    for k, d in enumerate(dims):
        inv[d] = k
    tr = _transposed_of(h, dims)
    out = view(h, out_shape(node), lambda fc, idx: [idx[inv[d]] for d in range(len(dims))],
               transposed=tr)
    return [note_permute(lw, h, out, dims)]


def _transposed_of(h, dims):
    n = len(dims)
    if isinstance(h, Buf) and n >= 2 and dims[:-2] == list(range(n - 2)) and \
            dims[-2:] == [n - 1, n - 2]:
        return h
    return None


@rule("transpose")
def _transpose(lw, node, ins):
    h = ins[0]
    n = h.ndim
    if n == 0:
        return [h]
    d0, d1 = node.attrs["dim0"] % n, node.attrs["dim1"] % n
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    out = view(h, out_shape(node), lambda fc, idx: [idx[dims[d]] for d in range(n)],
               transposed=_transposed_of(h, dims))
    return [note_permute(lw, h, out, dims)]  # GEMMs read it in place (strided.py)


@rule("t")
def _t(lw, node, ins):
    h = ins[0]
    if h.ndim < 2:
        return [h]
    return [view(h, out_shape(node), lambda fc, idx: [idx[1], idx[0]],
                 transposed=_transposed_of(h, [1, 0]))]


@rule("expand")
def _expand(lw, node, ins):
    h = ins[0]
    shape = out_shape(node)
    off = len(shape) - h.ndim
    keep = [d != 1 for d in h.shape]
    return [view(h, shape, lambda fc, idx: [idx[off + k] if keep[k] else ZERO
                                            for k in range(h.ndim)])]



@rule("slice")
def _slice(lw, node, ins):
    if is_runtime_slice(node):  # bounds from run-time ints: size computed by the entry
        return runtime_slice(lw, node, ins, lambda h, start, dim, step: _slice_view(
            lw, h, out_shape(node), dim, start, step))
    h = ins[0]
    a = node.attrs
    dim = a.get("dim", 0) % h.ndim
    size = h.shape[dim]
    step = a.get("step", 1) or 1
    start = _clamp_start(a.get("start"), size)
    return [_slice_view(lw, h, out_shape(node), dim, start, step)]


def _slice_view(lw, h, shape, dim, start, step):
    """``h`` read from ``start`` (a size expression) every ``step`` along ``dim``."""
    def mapper(fc, idx):
        idx = list(idx)
        i = idx[dim]
        if step != 1:
            i = fc.b.mul(i, ir.Constant(I64, step))
        if start != 0:
            i = fc.b.add(i, fc.size(start))
        idx[dim] = i
        return idx
    return note_offset(lw, h, view(h, shape, mapper), dim, start, step)


def _clamp_start(start, size):
    if start is None:
        return 0
    if type(start) is int and start < 0:
        if type(size) is int:
            return max(start + size, 0)
        return S.add(size, start)  # a negative start against a symbolic size: size + start
    if type(start) is int and type(size) is int:
        return min(start, size)
    return start


@rule("select")
def _select(lw, node, ins):
    h = ins[0]
    dim = node.attrs["dim"] % h.ndim
    index = node.attrs["index"]
    size = h.shape[dim]
    if type(index) is int and index < 0:
        index = index + size if type(size) is int else S.add(size, index)

    runtime = _is_runtime(index)
    if runtime:  # a loop counter or int(t): eager raises IndexError out of range
        _check_index(lw, node, index, size, dim)

    def mapper(fc, idx):
        i = _scalar_index(fc, lw, index)
        if runtime:  # a negative run-time index counts from the end, as in eager
            b = fc.b
            i = b.select(b.icmp_signed("<", i, ZERO), b.add(i, fc.size(size)), i)
        return list(idx[:dim]) + [i] + list(idx[dim:])
    return [view(h, out_shape(node), mapper)]


def _is_runtime(index) -> bool:
    return (isinstance(index, Scalar) and not index.is_const) or hasattr(index, "type")


def _check_index(lw, node, index, size, dim):
    """Native bounds check of a run-time ``select`` index, before any element is read."""
    code = IC.status(lw, node, "IndexError", f"index out of range for dimension {dim}")
    lw.emit_in_entry(lambda fc: IC.fail_unless(
        fc, IC.in_range(fc.b, _scalar_index(fc, lw, index), fc.size(size), True), code))


def _scalar_index(fc, lw, index):
    if isinstance(index, Scalar):
        if index.is_const:
            return fc.size(index.value)
        return fc.slot_i64(index.slot)
    if hasattr(index, "type"):  # a Value in the attrs: a run-time scalar
        h = lw.handle(index)
        return _scalar_index(fc, lw, h)
    return fc.size(index)


@rule("clone", "contiguous", "alias", "detach", "lift_fresh")
def _clone(lw, node, ins):
    h = ins[0]
    return [view(h, h.shape, lambda fc, idx: idx)] if isinstance(h, Buf) else [h]


@rule("_to_copy")
def _to_copy(lw, node, ins):
    h = ins[0]
    dt = dt_of(node.outputs[0].type)
    return [Lazy(h.shape, dt, lambda fc, idx: X.cast(fc.b, h.load(fc, idx), h.dt, dt),
                 cost=cost(h) + (h.dt != dt))]


@rule("cat")
def _cat(lw, node, ins):
    parts = [h for h in ins if h.ndim and not (h.ndim == 1 and h.shape[0] == 0)] or ins[:1]
    shape = out_shape(node)
    dim = node.attrs.get("dim", 0) % len(shape)
    dt = dt_of(node.outputs[0].type)
    starts, acc = [], 0
    for h in parts:
        starts.append(acc)
        acc = S.add(acc, h.shape[dim])
    return [Lazy(shape, dt, _cat_fn(parts, starts, dim, dt), cost=1 + sum(cost(h) for h in parts))]


def _cat_fn(parts, starts, dim, dt):
    """Branch-free element of a concatenation: clamp each part's index into range and select."""
    def fn(fc, idx):
        b = fc.b
        i = idx[dim]
        val = None
        for h, st in zip(parts, starts):
            sub = list(idx)
            local = b.sub(i, fc.size(st)) if st != 0 else i
            hi = b.sub(fc.size(h.shape[dim]), ir.Constant(I64, 1))
            inside = b.and_(b.icmp_signed(">=", local, ZERO), b.icmp_signed("<=", local, hi))
            sub[dim] = b.select(inside, local, ZERO)
            v = X.cast(b, h.load(fc, sub), h.dt, dt)
            val = v if val is None else b.select(inside, v, val)
        return val
    return fn


@rule("stack")
def _stack(lw, node, ins):
    shape = out_shape(node)
    dim = node.attrs.get("dim", 0) % len(shape)
    dt = dt_of(node.outputs[0].type)

    def fn(fc, idx):
        b = fc.b
        i = idx[dim]
        sub = list(idx[:dim]) + list(idx[dim + 1:])
        val = None
        for k, h in enumerate(ins):
            v = X.cast(b, h.load(fc, sub), h.dt, dt)
            val = v if val is None else b.select(b.icmp_signed("==", i, ir.Constant(I64, k)),
                                                 v, val)
        return val
    return [Lazy(shape, dt, fn, cost=1 + sum(cost(h) for h in ins))]


@rule("flip")
def _flip(lw, node, ins):
    h = ins[0]
    dims = set(wrap_dims(node.attrs["dims"], h.ndim, "flip")) if h.ndim else set()

    def mapper(fc, idx):
        return [fc.b.sub(fc.b.sub(fc.size(h.shape[d]), ir.Constant(I64, 1)), i)
                if d in dims else i for d, i in enumerate(idx)]
    return [view(h, h.shape, mapper)]


@rule("constant_pad_nd")
@or_host
def _pad(lw, node, ins):
    h = ins[0]
    pad = list(node.attrs["pad"])
    value = node.attrs.get("value", 0)
    if any(type(p) is not int for p in pad):
        raise NotImplementedError("symbolic padding")
    shape = out_shape(node)
    n = h.ndim
    # input index = output index - before; a negative pad crops, so only positive pads
    # (before or after) can read outside the input
    sides = {n - 1 - k: (pad[2 * k], pad[2 * k + 1]) for k in range(len(pad) // 2)}

    def fn(fc, idx):
        b = fc.b
        ok = None
        sub = list(idx)
        for d, (p, q) in sides.items():
            i = b.sub(idx[d], ir.Constant(I64, p)) if p else idx[d]
            if p <= 0 and q <= 0:
                sub[d] = i
                continue
            inside = b.and_(b.icmp_signed(">=", i, ZERO),
                            b.icmp_signed("<", i, fc.size(h.shape[d])))
            sub[d] = b.select(inside, i, ZERO)
            ok = inside if ok is None else b.and_(ok, inside)
        v = h.load(fc, sub)
        return v if ok is None else b.select(ok, v, X.const(h.dt, value))
    return [Lazy(shape, h.dt, fn, cost=1 + cost(h))]


@rule("index_select")
def _index_select(lw, node, ins):
    h, index = ins[0], ins[1]
    dim = node.attrs.get("dim", 0) % max(h.ndim, 1)
    IC.check_tensor(lw, node, index, h.shape[dim] if h.ndim else 1, wrap=True,
                    exc="IndexError", msg="index out of range in self")

    def fn(fc, idx):
        b = fc.b
        k = X.cast(b, index.load(fc, [idx[dim]] if index.ndim else []), index.dt, "i64")
        k = b.select(b.icmp_signed("<", k, ZERO), b.add(k, fc.size(h.shape[dim])), k)
        k = clamp_index(fc, k, h.shape[dim])  # eager raises out of range: never read outside
        sub = list(idx)
        if h.ndim:
            sub[dim] = k
        return h.load(fc, sub)
    return [Lazy(out_shape(node), h.dt, fn, cost=1 + cost(h))]


@rule("gather")
def _gather(lw, node, ins):
    h, index = ins[0], ins[1]
    dim = node.attrs.get("dim", 0) % max(h.ndim, 1)

    IC.check_tensor(lw, node, index, h.shape[dim] if h.ndim else 1, wrap=False,
                    exc="RuntimeError", msg=f"gather(): index out of bounds for dimension {dim}")
    if h.ndim == 0:  # a 0-dim input: the index can only be 0
        return [Lazy(out_shape(node), h.dt, lambda fc, idx: h.load(fc, []), cost=1 + cost(h))]

    def fn(fc, idx):
        b = fc.b
        k = X.cast(b, index.load(fc, idx), index.dt, "i64")
        k = b.select(b.icmp_signed("<", k, ZERO), b.add(k, fc.size(h.shape[dim])), k)
        k = clamp_index(fc, k, h.shape[dim])  # eager raises out of range: never read outside
        sub = list(idx)
        sub[dim] = k
        return h.load(fc, sub)
    return [Lazy(out_shape(node), h.dt, fn, cost=1 + cost(h))]


def _tri(lower):
    def rule_fn(lw, node, ins):
        h = ins[0]
        diag = node.attrs.get("diagonal", 0)

        def fn(fc, idx):
            b = fc.b
            r, c = idx[-2], idx[-1]
            d = b.sub(c, r)
            keep = b.icmp_signed("<=" if lower else ">=", d, ir.Constant(I64, diag))
            return b.select(keep, h.load(fc, idx), X.const(h.dt, 0))
        return [Lazy(h.shape, h.dt, fn, cost=1 + cost(h))]
    return rule_fn


rule("tril")(_tri(True))
rule("triu")(_tri(False))


@rule("repeat")
def _repeat(lw, node, ins):
    h = ins[0]
    shape = out_shape(node)
    off = len(shape) - h.ndim

    def mapper(fc, idx):
        return [fc.b.urem(idx[off + k], fc.size(h.shape[k])) if h.shape[k] != 1 else ZERO
                for k in range(h.ndim)]
    return [view(h, shape, mapper)]


@rule("split", "split_with_sizes", "unbind")
def _split(lw, node, ins):
    h = ins[0]
    dim = node.attrs.get("dim", 0) % h.ndim
    outs, start = [], 0
    for v in node.outputs:
        shape = v.type.shape
        st = start
        if node.kind == "unbind":
            outs.append(view(h, shape, lambda fc, idx, st=st: list(idx[:dim]) +
                             [ir.Constant(I64, st)] + list(idx[dim:])))
            start += 1
            continue

        def mapper(fc, idx, st=st):
            idx = list(idx)
            if st != 0:
                idx[dim] = fc.b.add(idx[dim], fc.size(st))
            return idx
        outs.append(note_offset(lw, h, view(h, shape, mapper), dim, st))
        start = S.add(start, shape[dim])
    return outs


def clamp_index(fc, k, n):
    """``k`` (i64) clamped into [0, n): an index eager mode rejects must not read outside
    the tensor's memory in native code."""
    b = fc.b
    hi = b.sub(fc.size(n), ir.Constant(I64, 1))
    k = b.select(b.icmp_signed("<", k, ZERO), ZERO, k)
    return b.select(b.icmp_signed(">", k, hi), hi, k)

