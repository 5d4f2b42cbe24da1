"""Graphs built from registry op samples, for IR tests (parser round trip, verifier, passes).

``sample_graph(op, sample)`` makes a one-node graph: tensor positional args become typed graph
inputs ``a0, a1, ...``, other positional args become ``Constant`` nodes, keyword args become
attributes and the output types come from ``op.meta``."""
from __future__ import annotations

import numpy as np

from graphtorch.ir import symbolic as S
from graphtorch.ir.graph import Graph
from graphtorch.ir.types import TensorType, type_of_value
from graphtorch.ops import dtypes as D
from graphtorch.ops import registry as R
from graphtorch.ops.meta import TensorSpec

__all__ = ["sample_graph", "op_samples", "out_type"]


def out_type(x):
    """The IR type of one meta output (a TensorSpec, or a Python value's type)."""
    if isinstance(x, TensorSpec):
        # data-dependent dims (ops.reduction_scan.Unbacked) become size symbols (u0)
        dims = [d if isinstance(d, (int, S.Expr)) else S.sym(d.name) for d in x.shape]
        return TensorType(x.dtype, dims, x.device)
    return type_of_value(x)


def sample_graph(op, sample) -> Graph:
    """A graph with one ``op`` node called as ``sample`` describes, returning its outputs."""
    g = Graph()
    inputs, specs = [], []
    for a in sample.args:
        if isinstance(a, np.ndarray):
            dt = D.from_numpy_dtype(a.dtype)
            inputs.append(g.add_input(TensorType(dt, a.shape), f"a{len(g.inputs)}"))
            specs.append(TensorSpec(tuple(a.shape), dt))
        else:
            c = g.create("Constant", (), {"value": a}, [type_of_value(a)])
            inputs.append(c.output())
            specs.append(a)
    res = op.meta(*specs, **sample.kwargs)
    outs = res if isinstance(res, (tuple, list)) else (res,)
    node = g.create(op.name, inputs, dict(sample.kwargs), [out_type(o) for o in outs],
                    source="samples.py:1")
    g.block.returns = list(node.outputs)
    return g


def op_samples():
    """(id, op, sample) for every sample of every registry op, at the op's first dtype."""
    out = []
    for op in R.all_ops():
        if op.samples is None or not op.dtypes:
            continue
        for i, s in enumerate(op.samples(op.dtypes[0])):
            out.append((f"{op.name}-{i}", op, s))
    return out


# ------------------------------------------------------------------ structural equality
def assert_graphs_equal(a: Graph, b: Graph) -> None:
    """Assert two graphs have the same structure: names, types, kinds, attributes (numpy
    constants by dtype/shape/values), source, scope and nested blocks."""
    _blocks_equal(a.block, b.block, "graph")


def _blocks_equal(x, y, where):
    assert [(v.name, v.type) for v in x.params] == [(v.name, v.type) for v in y.params], where
    assert len(x.nodes) == len(y.nodes), f"{where}: node count"
    for i, (n, m) in enumerate(zip(x.nodes, y.nodes)):
        w = f"{where}/node{i}:{n.kind}"
        assert (n.kind, n.source, n.scope) == (m.kind, m.source, m.scope), w
        assert [v.name for v in n.inputs] == [v.name for v in m.inputs], w
        assert [(v.name, v.type) for v in n.outputs] == [(v.name, v.type) for v in m.outputs], w
        assert all(v.node is m for v in m.outputs), w
        assert list(n.attrs) == list(m.attrs), w
        for k in n.attrs:
            assert_attr_equal(n.attrs[k], m.attrs[k], f"{w}.{k}")
        assert len(n.blocks) == len(m.blocks), w
        for j, (b, c) in enumerate(zip(n.blocks, m.blocks)):
            assert c.owner is m, w
            _blocks_equal(b, c, f"{w}/block{j}")
    assert [v.name for v in x.returns] == [v.name for v in y.returns], f"{where}: returns"


def assert_attr_equal(a, b, where=""):
    """Attribute values equal with exact Python types (a Value compares by name and type)."""
    from graphtorch.ir.graph import Value
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, where
        wide = np.complex128 if a.dtype.kind == "c" else np.float64  # bf16-safe compare
        if a.dtype.kind in "biu":
            wide = np.int64
        assert np.array_equal(a.astype(wide), b.astype(wide),
                              equal_nan=a.dtype.kind in "fcV"), where
        return
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if type(a) is Value:
        assert (a.name, a.type) == (b.name, b.type), where
    elif type(a) in (list, tuple):
        assert len(a) == len(b), where
        for i, (p, q) in enumerate(zip(a, b)):
            assert_attr_equal(p, q, f"{where}[{i}]")
    elif type(a) is float and a != a:
        assert b != b, where
    elif type(a) is complex:
        assert repr(a) == repr(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"
