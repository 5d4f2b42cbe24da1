"""Pointwise ops: one scalar function each, applied lazily (fused into the consumer's loop).

Inputs broadcast by index (a dim of size 1 reads index 0) and are converted to the compute
dtype the eager kernel uses (``ops.promote``): the output dtype, or for comparisons the promoted
input dtype.  A function raises NotImplementedError for a dtype it has no native code for; the
node then runs through the host fallback."""
from __future__ import annotations

import math

from llvmlite import ir

from ...ops import dtypes as D
from ...ops import promote as P
from ...ops import registry as R
from ...ops.meta import TensorSpec
from ...ir.types import SHORT_DTYPE
from . import scalar as X
from .fnctx import I1, I64, LTYPE, const
from .lower import dt_of, rule
from .tensors import Lazy, Scalar, TensorH

FN: dict = {}          # op name -> fn(b, cdt, *values, **attrs) -> value in cdt
BOOL_OUT = set()       # ops whose scalar function returns i1 whatever the compute dtype
# a Lazy's cost in "adds": inline transcendentals are polynomials (gelu ~32 vector ops); row
# kernels weigh their thread split by it (gelu_ln b16 at 2 threads: 12.5 -> 8.7 us)
OP_COST = {"gelu": 16, "erf": 12, "erfc": 12, "tanh": 8, "sigmoid": 8, "exp": 6, "expm1": 6,
           "log": 6, "log1p": 6}


def pw(*names, boolean=False):
    def deco(fn):
        for n in names:
            FN[n] = fn
            if boolean:
                BOOL_OUT.add(n)
        return fn
    return deco


def _need_float(cdt):
    if not X.is_float(cdt):
        raise NotImplementedError(f"no native code for dtype {cdt}")


def loader(h, out_ndim, cdt):
    """``fn(fc, idx) -> value in cdt`` reading ``h`` broadcast to an ``out_ndim`` index."""
    if isinstance(h, Scalar):
        if h.is_const:
            v = h.value
            if isinstance(v, (bool, int, float)) and not X.is_float(cdt) and isinstance(v, float):
                return lambda fc, idx: X.cast(fc.b, const("f64", v), "f64", cdt)
            if isinstance(v, (bool, int, float)):
                return lambda fc, idx: const(cdt, v)
            return lambda fc, idx: X.cast(fc.b, fc.size(v), "i64", cdt)  # a size expression
        if h.kind == "float":
            return lambda fc, idx: X.cast(fc.b, fc.slot_f64(h.slot), "f64", cdt)
        src = "b8" if h.kind == "bool" else "i64"
        return lambda fc, idx: X.cast(fc.b, _slot_int(fc, h, src), src, cdt)
    off = out_ndim - h.ndim
    keep = [d != 1 for d in h.shape]
    zero = ir.Constant(I64, 0)

    def fn(fc, idx):
        sub = [idx[off + k] if keep[k] else zero for k in range(h.ndim)]
        return X.cast(fc.b, h.load(fc, sub), h.dt, cdt)
    return fn


def _slot_int(fc, h, src):
    v = fc.slot_i64(h.slot)
    return fc.b.trunc(v, I1) if src == "b8" else v


def _spec(h):
    if isinstance(h, TensorH):
        return TensorSpec(h.shape, SHORT_DTYPE[h.dt])
    if h.is_const:
        v = h.value
        return v if isinstance(v, (bool, int, float)) else 0
    return {"float": 0.0, "bool": False}.get(h.kind, 0)


def compute_dtype(op, ins, out_dt):
    if out_dt != "b8":
        return out_dt
    dt = P.promoted([_spec(h) for h in ins if h is not None and not _is_none(h)])
    kind = getattr(op.meta, "kind", None)
    if kind == "float" and dt.category < D._FLOAT:
        dt = D.get_default_dtype()
    from ...ir.types import DTYPE_SHORT
    return DTYPE_SHORT[dt]


def _is_none(h):
    return isinstance(h, Scalar) and h.is_const and h.value is None


def pointwise_rule(lw, node, ins):
    op = R.get(node.kind)
    out_t = node.outputs[0].type
    out_dt = dt_of(out_t)
    cdt = compute_dtype(op, ins, out_dt)
    fn = FN[node.kind]
    res_dt = "b8" if node.kind in BOOL_OUT else cdt
    nd = len(out_t.shape)
    loaders = [None if _is_none(h) else loader(h, nd, cdt) for h in ins]
    attrs = {k: v for k, v in node.attrs.items()}
    _probe(fn, cdt, len(ins), attrs, lw, node)

    def elem(fc, idx):
        vals = [None if ld is None else ld(fc, idx) for ld in loaders]
        return X.cast(fc.b, fn(fc.b, cdt, *vals, **attrs), res_dt, out_dt)
    c = OP_COST.get(node.kind, 1) + sum(getattr(h, "cost", 0) for h in ins if isinstance(h, Lazy))
    return [Lazy(out_t.shape, out_dt, elem, cost=c)]


def _probe(fn, cdt, n, attrs, lw, node):
    """Raise NotImplementedError now (at lowering) if ``fn`` has no code for ``cdt``."""
    mod = ir.Module()
    f = ir.Function(mod, ir.FunctionType(ir.VoidType(), []), "probe")
    b = ir.IRBuilder(f.append_basic_block())
    args = [ir.Constant(LTYPE[cdt], 0 if not X.is_float(cdt) else 0.0) for _ in range(n)]
    fn(b, cdt, *args, **attrs)


def register_all():
    for name in FN:
        if R.has(name):
            rule(name)(_with_host_fallback)


def _with_host_fallback(lw, node, ins):
    try:
        return pointwise_rule(lw, node, ins)
    except NotImplementedError:
        from .rules_host import host_rule
        return host_rule(lw, node, ins)


# ------------------------------------------------------------------ arithmetic
@pw("add")
def _add(b, dt, x, y, alpha=1):
    if alpha != 1:
        y = X.mul(b, dt, y, const(dt, alpha))
    return X.add(b, dt, x, y)


@pw("sub")
def _sub(b, dt, x, y, alpha=1):
    if dt == "b8":
        raise NotImplementedError("bool subtraction")
    if alpha != 1:
        y = X.mul(b, dt, y, const(dt, alpha))
    return X.sub(b, dt, x, y)


@pw("mul")
def _mul(b, dt, x, y):
    return X.mul(b, dt, x, y)


@pw("div")
def _div(b, dt, x, y):
    _need_float(dt)
    return b.fdiv(x, y)


@pw("floor_divide")
def _floordiv(b, dt, x, y):
    if dt == "b8":
        raise NotImplementedError("bool floor_divide")
    return X.floor_div(b, dt, x, y)


@pw("remainder")
def _remainder(b, dt, x, y):
    if dt == "b8":
        raise NotImplementedError("bool remainder")
    return X.remainder(b, dt, x, y)


@pw("fmod")
def _fmod(b, dt, x, y):
    _need_float(dt)
    return X.libm(b, "fmod", dt, x, y)


@pw("neg")
def _neg(b, dt, x):
    return X.neg(b, dt, x)


@pw("maximum")
def _maximum(b, dt, x, y):
    return X.fmax_nan(b, dt, x, y)


@pw("minimum")
def _minimum(b, dt, x, y):
    return X.fmin_nan(b, dt, x, y)


@pw("clamp_min")
def _clamp_min(b, dt, x, lo):
    return X.fmax_nan(b, dt, x, lo)


@pw("clamp_max")
def _clamp_max(b, dt, x, hi):
    return X.fmin_nan(b, dt, x, hi)


@pw("clamp")
def _clamp(b, dt, x, lo=None, hi=None):
    if lo is not None:
        x = X.fmax_nan(b, dt, x, lo)
    if hi is not None:
        x = X.fmin_nan(b, dt, x, hi)
    return x


@pw("pow")
def _pow(b, dt, x, y):
    _need_float(dt)
    return X.libm(b, "pow", dt, x, y)


@pw("atan2")
def _atan2(b, dt, x, y):
    _need_float(dt)
    return X.libm(b, "atan2", dt, x, y)


@pw("hypot")
def _hypot(b, dt, x, y):
    _need_float(dt)
    return X.libm(b, "hypot", dt, x, y)


@pw("copysign")
def _copysign(b, dt, x, y):
    _need_float(dt)
    return X.intrinsic(b, "copysign", dt, x, y)


@pw("lerp")
def _lerp(b, dt, x, y, w):
    _need_float(dt)
    # torch: w < 0.5 ? x + w * (y - x) : y - (y - x) * (1 - w)
    diff = b.fsub(y, x)
    lo = b.fadd(x, b.fmul(w, diff))
    hi = b.fsub(y, b.fmul(diff, b.fsub(X.fconst(dt, 1.0), w)))
    return b.select(b.fcmp_ordered("<", X.intrinsic(b, "fabs", dt, w), X.fconst(dt, 0.5)), lo, hi)


@pw("addcmul")
def _addcmul(b, dt, x, t1, t2, value=1):
    return X.add(b, dt, x, X.mul(b, dt, const(dt, value), X.mul(b, dt, t1, t2)))


@pw("addcdiv")
def _addcdiv(b, dt, x, t1, t2, value=1):
    _need_float(dt)
    return b.fadd(x, b.fmul(const(dt, value), b.fdiv(t1, t2)))


# ------------------------------------------------------------------ comparisons and logic
def _cmp(op):
    def fn(b, dt, x, y):
        return X.compare(b, dt, op, x, y)
    return fn


for _n in ("eq", "ne", "lt", "le", "gt", "ge"):
    pw(_n, boolean=True)(_cmp(_n))


def _as_bool(b, dt, v):
    return X.cast(b, v, dt, "b8")


def _logical(method):
    def fn(b, dt, x, y):
        return getattr(b, method)(_as_bool(b, dt, x), _as_bool(b, dt, y))
    return fn


for _n, _m in (("logical_and", "and_"), ("logical_or", "or_"), ("logical_xor", "xor")):
    pw(_n, boolean=True)(_logical(_m))


@pw("logical_not", boolean=True)
def _lnot(b, dt, x):
    return b.not_(_as_bool(b, dt, x))


def _bitwise(name, method):
    @pw(name)
    def fn(b, dt, x, y):
        if X.is_float(dt):
            raise NotImplementedError("bitwise op on floats")
        return getattr(b, method)(x, y)
    return fn


_bitwise("bitwise_and", "and_")
_bitwise("bitwise_or", "or_")
_bitwise("bitwise_xor", "xor")


@pw("bitwise_not")
def _bnot(b, dt, x):
    if X.is_float(dt):
        raise NotImplementedError("bitwise_not on floats")
    return b.not_(x)


@pw("isnan", boolean=True)
def _isnan(b, dt, x):
    return X.isnan(b, x) if X.is_float(dt) else ir.Constant(I1, 0)


@pw("isinf", boolean=True)
def _isinf(b, dt, x):
    if not X.is_float(dt):
        return ir.Constant(I1, 0)
    return b.fcmp_ordered("==", X.intrinsic(b, "fabs", dt, x), X.fconst(dt, math.inf))


@pw("isfinite", boolean=True)
def _isfinite(b, dt, x):
    if not X.is_float(dt):
        return ir.Constant(I1, 1)
    return b.fcmp_ordered("<", X.intrinsic(b, "fabs", dt, x), X.fconst(dt, math.inf))


@pw("isposinf", boolean=True)
def _isposinf(b, dt, x):
    return b.fcmp_ordered("==", x, X.fconst(dt, math.inf)) if X.is_float(dt) \
        else ir.Constant(I1, 0)


@pw("isneginf", boolean=True)
def _isneginf(b, dt, x):
    return b.fcmp_ordered("==", x, X.fconst(dt, -math.inf)) if X.is_float(dt) \
        else ir.Constant(I1, 0)


@pw("_where_ew")
def _where(b, dt, c, x, y):
    return b.select(_as_bool(b, dt, c), x, y)


from . import rules_unary  # noqa: E402,F401  (registers the unary math table into FN)

register_all()
