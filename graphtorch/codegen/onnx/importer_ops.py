"""ONNX operators implemented with graphtorch ops, for the importer.

Each ``OPS[name](ev, node, ins, attrs) -> list of outputs`` computes one ONNX node on
graphtorch Tensors; run under the tracer this records the IR graph (so an imported model
gets symbolic sizes, If/Loop nodes, and autograd).  Small int64 tensors computed from shapes
(``Shape``, ``Gather`` of a shape, ``Concat`` of sizes...) are kept as ``Host`` lists of
(symbolic) ints, as PyTorch code computes sizes, so a later ``Reshape`` gets size expressions
instead of constants."""
from __future__ import annotations

import numpy as np

__all__ = ["OPS", "Host"]

OPS: dict = {}


class Host:
    """A small int64 tensor known on the host: ``vals`` (ints / SymInts), 0-d or 1-D."""

    __slots__ = ("vals", "scalar")

    def __init__(self, vals, scalar=False):
        self.vals = list(vals)
        self.scalar = scalar


def op(*names):
    def deco(fn):
        for n in names:
            OPS[n] = fn
        return fn
    return deco


def _gt():
    import graphtorch
    return graphtorch


def T(x, dtype=None):
    """``x`` as a Tensor (Host values become int64 tensors)."""
    gt = _gt()
    if isinstance(x, Host):
        t = gt.tensor([int(v) for v in x.vals], dtype=gt.int64)
        return t.reshape(()) if x.scalar else t
    return x


def ints(x):
    """A shape-like input as a list of Python ints (SymInts kept)."""
    if isinstance(x, Host):
        return list(x.vals)
    return [int(v) for v in np.asarray(x.detach().numpy()).reshape(-1)]


def _both_host(ins):
    return all(isinstance(x, Host) for x in ins)


def _host_bin(fn):
    def run(ev, node, ins, attrs):
        a, b = ins
        if _both_host(ins):
            n = max(len(a.vals), len(b.vals))
            av = a.vals * n if len(a.vals) == 1 else a.vals
            bv = b.vals * n if len(b.vals) == 1 else b.vals
            return [Host([fn(x, y) for x, y in zip(av, bv)], a.scalar and b.scalar)]
        return [_tensor_bin(fn, T(a), T(b))]
    return run


def _tensor_bin(fn, a, b):
    gt = _gt()
    if fn is _idiv:
        if a.dtype.is_floating_point:
            return a / b
        return gt.div(a, b, rounding_mode="trunc")
    return fn(a, b)


def _idiv(a, b):
    if isinstance(a, int) and isinstance(b, int):
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    return a / b


op("Add")(_host_bin(lambda a, b: a + b))
op("Sub")(_host_bin(lambda a, b: a - b))
op("Mul")(_host_bin(lambda a, b: a * b))
op("Div")(_host_bin(_idiv))


def _unary(method):
    def run(ev, node, ins, attrs):
        return [getattr(T(ins[0]), method)()]
    return run


for _n, _m in {"Neg": "neg", "Abs": "abs", "Exp": "exp", "Log": "log", "Sqrt": "sqrt",
               "Reciprocal": "reciprocal", "Relu": "relu", "Sigmoid": "sigmoid",
               "Tanh": "tanh", "Erf": "erf", "Sin": "sin", "Cos": "cos", "Tan": "tan",
               "Asin": "asin", "Acos": "acos", "Atan": "atan", "Sinh": "sinh",
               "Cosh": "cosh", "Asinh": "asinh", "Acosh": "acosh", "Atanh": "atanh",
               "Floor": "floor", "Ceil": "ceil", "Round": "round", "Sign": "sign",
               "IsNaN": "isnan", "Not": "logical_not", "Softplus": "_softplus"}.items():
    if _m != "_softplus":
        op(_n)(_unary(_m))


@op("Softplus")
def _softplus(ev, node, ins, attrs):
    return [_gt().nn.functional.softplus(T(ins[0]))]


def _binary(fn):
    def run(ev, node, ins, attrs):
        return [fn(_gt(), T(ins[0]), T(ins[1]))]
    return run


op("Pow")(_binary(lambda gt, a, b: gt.pow(a, b.to(a.dtype) if a.dtype.is_floating_point
                                          else b)))
op("Equal")(_binary(lambda gt, a, b: gt.eq(a, b)))
op("Less")(_binary(lambda gt, a, b: gt.lt(a, b)))
op("LessOrEqual")(_binary(lambda gt, a, b: gt.le(a, b)))
op("Greater")(_binary(lambda gt, a, b: gt.gt(a, b)))
op("GreaterOrEqual")(_binary(lambda gt, a, b: gt.ge(a, b)))
op("And")(_binary(lambda gt, a, b: gt.logical_and(a, b)))
op("Or")(_binary(lambda gt, a, b: gt.logical_or(a, b)))
op("Xor")(_binary(lambda gt, a, b: gt.logical_xor(a, b)))
op("MatMul")(_binary(lambda gt, a, b: gt.matmul(a, b)))


@op("Mod")
def _mod(ev, node, ins, attrs):
    gt = _gt()
    a, b = T(ins[0]), T(ins[1])
    return [gt.fmod(a, b) if attrs.get("fmod", 0) else gt.remainder(a, b)]


@op("Max", "Min")
def _maxmin(ev, node, ins, attrs):
    gt = _gt()
    fn = gt.maximum if node.op_type == "Max" else gt.minimum
    out = T(ins[0])
    for x in ins[1:]:
        out = fn(out, T(x))
    return [out]


@op("IsInf")
def _isinf(ev, node, ins, attrs):
    gt = _gt()
    x = T(ins[0])
    pos, neg = attrs.get("detect_positive", 1), attrs.get("detect_negative", 1)
    if pos and neg:
        return [gt.isinf(x)]
    return [gt.isposinf(x) if pos else gt.isneginf(x)]


@op("Where")
def _where(ev, node, ins, attrs):
    return [_gt().where(T(ins[0]).bool(), T(ins[1]), T(ins[2]))]


@op("Cast")
def _cast(ev, node, ins, attrs):
    from .types import from_onnx_dtype
    dt = from_onnx_dtype(attrs["to"])
    if isinstance(ins[0], Host) and dt.name == "int64":
        return [ins[0]]
    return [T(ins[0]).to(dt)]


@op("CastLike")
def _cast_like(ev, node, ins, attrs):
    return [T(ins[0]).to(T(ins[1]).dtype)]


@op("Identity", "Dropout")
def _identity(ev, node, ins, attrs):
    out = [ins[0]]
    if len(node.output) > 1:
        out.append(_gt().ones_like(T(ins[0]), dtype=_gt().bool))
    return out


@op("Clip")
def _clip(ev, node, ins, attrs):
    x = T(ins[0])
    lo = ins[1] if len(ins) > 1 and ins[1] is not None else attrs.get("min")
    hi = ins[2] if len(ins) > 2 and ins[2] is not None else attrs.get("max")
    gt = _gt()
    if lo is not None:
        x = gt.maximum(x, T(lo).to(x.dtype) if not isinstance(lo, float) else
                       gt.tensor(lo, dtype=x.dtype))
    if hi is not None:
        x = gt.minimum(x, T(hi).to(x.dtype) if not isinstance(hi, float) else
                       gt.tensor(hi, dtype=x.dtype))
    return [x]


def _act(fn):
    def run(ev, node, ins, attrs):
        return [fn(_gt().nn.functional, T(ins[0]), attrs)]
    return run


op("LeakyRelu")(_act(lambda F, x, a: F.leaky_relu(x, a.get("alpha", 0.01))))
op("Elu")(_act(lambda F, x, a: F.elu(x, a.get("alpha", 1.0))))
op("Selu")(_act(lambda F, x, a: F.selu(x)))
op("HardSigmoid")(_act(lambda F, x, a: (x * a.get("alpha", 0.2) + a.get("beta", 0.5))
                       .clamp(0, 1)))
op("HardSwish")(_act(lambda F, x, a: F.hardswish(x)))
op("Gelu")(_act(lambda F, x, a: F.gelu(x, approximate=a.get("approximate", "none"))))
op("Mish")(_act(lambda F, x, a: F.mish(x)))
op("Softmax")(_act(lambda F, x, a: F.softmax(x, a.get("axis", -1))))
op("LogSoftmax")(_act(lambda F, x, a: F.log_softmax(x, a.get("axis", -1))))


@op("PRelu")
def _prelu(ev, node, ins, attrs):
    x, w = T(ins[0]), T(ins[1])
    return [_gt().where(x >= 0, x, x * w)]


@op("Shrink")
def _shrink(ev, node, ins, attrs):
    gt = _gt()
    x = T(ins[0])
    lam, bias = attrs.get("lambd", 0.5), attrs.get("bias", 0.0)
    return [gt.where(x < -lam, x + bias, gt.where(x > lam, x - bias, x * 0))]


# ------------------------------------------------------------------ reductions
def _axes(ins, attrs, rank):
    if len(ins) > 1 and ins[1] is not None:
        ax = ints(ins[1])
    else:
        ax = attrs.get("axes")
    if ax is None or len(ax) == 0:
        return None
    return [int(a) % max(rank, 1) for a in ax]


def _reduce(method):
    def run(ev, node, ins, attrs):
        x = T(ins[0])
        axes = _axes(ins, attrs, x.dim())
        keep = bool(attrs.get("keepdims", 1))
        if axes is None:
            if attrs.get("noop_with_empty_axes", 0):
                return [x]
            axes = list(range(x.dim()))
        if not axes:
            return [x]
        return [method(x, axes, keep)]
    return run


op("ReduceSum")(_reduce(lambda x, a, k: x.sum(a, keepdim=k)))
op("ReduceMean")(_reduce(lambda x, a, k: x.mean(a, keepdim=k)))
op("ReduceMax")(_reduce(lambda x, a, k: x.amax(a, keepdim=k)))
op("ReduceMin")(_reduce(lambda x, a, k: x.amin(a, keepdim=k)))
op("ReduceProd")(_reduce(lambda x, a, k: _prod(x, a, k)))
op("ReduceL2")(_reduce(lambda x, a, k: (x * x).sum(a, keepdim=k).sqrt()))
op("ReduceLogSumExp")(_reduce(lambda x, a, k: x.logsumexp(a, keepdim=k)))


def _prod(x, axes, keep):
    for a in sorted(axes, reverse=True):
        x = x.prod(a, keepdim=keep)
    return x


@op("ArgMax", "ArgMin")
def _argmax(ev, node, ins, attrs):
    x = T(ins[0])
    fn = x.argmax if node.op_type == "ArgMax" else x.argmin
    return [fn(attrs.get("axis", 0), keepdim=bool(attrs.get("keepdims", 1)))]


@op("CumSum")
def _cumsum(ev, node, ins, attrs):
    x = T(ins[0])
    d = int(ints(ins[1])[0])
    if attrs.get("reverse", 0):
        return [x.flip(d).cumsum(d).flip(d)]
    return [x.cumsum(d)]


@op("TopK")
def _topk(ev, node, ins, attrs):
    x = T(ins[0])
    k = int(ints(ins[1])[0])
    v, i = x.topk(k, attrs.get("axis", -1), largest=bool(attrs.get("largest", 1)),
                  sorted=True)
    return [v, i]
