"""Batch-norm folding (inference): ``batch_norm(convolution(x, W, b))`` -> ``convolution(x, W',
b')`` and the same for ``linear``.

In evaluation mode batch norm is a per-channel affine map of its input,
``y = (z - mean) * gamma / sqrt(var + eps) + beta``; when ``z`` is a convolution's (or a 2-d
linear's) output, channel ``c`` of ``z`` is computed by weight row ``W[c]`` plus ``b[c]``, so
scaling ``W[c]`` by ``s[c] = gamma[c] / sqrt(var[c] + eps)`` and setting
``b'[c] = (b[c] - mean[c]) * s[c] + beta[c]`` gives the same result with one op fewer.

Why it is safe: the pass only fires when everything it folds is known and the rewrite is exact
up to rounding: ``training=False``; the batch norm's statistics outputs are unused; its input is
used by nothing else (so the unscaled conv output is not needed elsewhere); every parameter is
a ``Constant`` tensor (a graph input, i.e. a trainable parameter that is not frozen, is left
alone); for ``linear`` the output is 2-d so the channel dim (1) is the output-feature dim.
The folded weights are computed in float64 and cast back to the weight's dtype; they are new
Constant nodes (the old ones are removed only once nothing else reads them)."""
from __future__ import annotations

import inspect

import numpy as np

from ...ops import registry as R
from ..graph import Node, Value
from ..types import TensorType

__all__ = ["run"]

_PRODUCERS = ("convolution", "linear")


def run(graph, **_options):
    """Fold eval-mode batch norms into the convolution / linear producing their input."""
    for blk in list(graph.blocks()):
        for node in list(blk.nodes):
            if node.kind == "batch_norm" and node.owner is blk:
                _try_fold(graph, node)
    return graph


# ------------------------------------------------------------------ argument access
_PARAMS: dict = {}


def _param_names(kind):
    if kind not in _PARAMS:
        sig = inspect.signature(R.get(kind).kernel)
        _PARAMS[kind] = [p for p in sig.parameters][1:]  # drop xp
    return _PARAMS[kind]


def _arg(node, name, default=None):
    """Input or attribute ``name`` of ``node`` (a Value, a Python value or ``default``)."""
    names = _param_names(node.kind)
    i = names.index(name)
    if i < len(node.inputs):
        return node.inputs[i]
    return node.attrs.get(name, default)


def _const(x):
    """(True, ndarray|None) when ``x`` is None / a Constant tensor; (False, None) otherwise."""
    if x is None:
        return True, None
    if type(x) is Value and x.node is not None and x.node.kind == "Constant":
        val = x.node.attrs.get("value")
        if val is None:
            return True, None
        if isinstance(val, np.ndarray):
            return True, val
    return False, None


def _py(x):
    """The Python value of a Constant-produced Value (or ``x`` itself)."""
    if type(x) is Value:
        return x.node.attrs.get("value") if x.node is not None and x.node.kind == "Constant" \
            else x
    return x


def _set_arg(node, name, value):
    """Make ``value`` the input ``name`` (positional, moving it out of the attributes)."""
    names = _param_names(node.kind)
    i = names.index(name)
    if i < len(node.inputs):
        node.inputs[i] = value
        return
    node.attrs.pop(name, None)
    while len(node.inputs) < i:  # fill skipped positions from their attributes/defaults
        nm = names[len(node.inputs)]
        if nm in node.attrs:
            node.inputs.append(node.attrs.pop(nm))
        else:
            raise RuntimeError(f"bn_fold: cannot place {name} of {node.where()}")
    node.inputs.append(value)


# ------------------------------------------------------------------ the rewrite
def _try_fold(graph, bn):
    if _py(_arg(bn, "training", True)) is not False:
        return
    uses = graph.uses()
    if any(uses.get(o) for o in bn.outputs[1:]):
        return
    x = _arg(bn, "x")
    prod = x.node if type(x) is Value else None
    if prod is None or prod.kind not in _PRODUCERS or prod.owner is not bn.owner:
        return
    if len(uses.get(x, ())) != 1 or x in graph.outputs:
        return
    if prod.kind == "linear" and (not isinstance(x.type, TensorType) or x.type.ndim != 2):
        return  # batch norm's channel dim must be linear's output-feature dim
    params = {}
    for owner, names in ((bn, ("weight", "bias", "running_mean", "running_var")),
                         (prod, ("w", "b"))):
        for nm in names:
            ok, arr = _const(_arg(owner, nm))
            if not ok:
                return
            params[nm] = arr
    if params["w"] is None or params["running_mean"] is None or params["running_var"] is None:
        return
    eps = _py(_arg(bn, "eps", 1e-5))
    if type(eps) is not float and type(eps) is not int:
        return
    new_w, new_b = _fold(params, eps)
    old = [_arg(prod, "w"), _arg(prod, "b")] + \
        [_arg(bn, nm) for nm in ("weight", "bias", "running_mean", "running_var")]
    _set_arg(prod, "w", _constant_before(graph, prod, new_w))
    _set_arg(prod, "b", _constant_before(graph, prod, new_b))
    out = bn.outputs[0]
    graph.remove(bn)
    graph.replace_uses({out: x})
    _drop_unused_constants(graph, [v for v in old if type(v) is Value])


def _fold(p, eps):
    w = p["w"]
    cout = w.shape[0]
    f64 = np.float64
    scale = 1.0 / np.sqrt(p["running_var"].astype(f64) + eps)
    if p["weight"] is not None:
        scale = scale * p["weight"].astype(f64)
    bias = p["b"].astype(f64) if p["b"] is not None else np.zeros(cout, f64)
    new_b = (bias - p["running_mean"].astype(f64)) * scale
    if p["bias"] is not None:
        new_b = new_b + p["bias"].astype(f64)
    new_w = w.astype(f64) * scale.reshape((cout,) + (1,) * (w.ndim - 1))
    return new_w.astype(w.dtype), new_b.astype(w.dtype)


def _constant_before(graph, anchor, arr) -> Value:
    from ...ops import dtypes as D
    node = Node("Constant", (), {"value": arr}, anchor.source, anchor.scope)
    dev = getattr(anchor.outputs[0].type, "device", "cpu")
    node.outputs.append(Value(graph.fresh_name(), TensorType(D.from_numpy_dtype(arr.dtype),
                                                                arr.shape, dev), node, 0))
    blk = anchor.owner
    blk.nodes.insert(blk.nodes.index(anchor), node)
    node.owner = blk
    return node.outputs[0]


def _drop_unused_constants(graph, values):
    uses = graph.uses()
    for v in values:
        if v.node is not None and v.node.kind == "Constant" and not uses.get(v) and \
                v.node.owner is not None:
            graph.remove(v.node)
